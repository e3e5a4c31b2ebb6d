"""Shared fixtures: a real project (SQLite file) per test, the CLI driven in-process, and a
snapshot of every table to prove that a refused command changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.storage import database
from qualcode.storage.models import Base

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEMO = REPO / "transcripts" / "demo"
DEMO_CODING = REPO / "transcripts" / "demo-coding"
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
PUBLIC_DOMAIN = SHARED / "corpus" / "public-domain"

# A small codebook for hand-built projects: two levels under innovation, one code elsewhere.
SMALL_CODEBOOK = """\
codebook:
  name: tiny
strategy:
  definition: Strategy.
  codes:
    relocation:
      definition: Moving production.
      examples: ["We moved here."]
innovation:
  definition: Innovation.
  codes:
    cell-design:
      definition: Cell design research.
      examples: ["We design cells."]
      codes:
        own-research:
          definition: Own research.
          examples: ["Our lab designs cells."]
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Subsidies.
      examples: ["The subsidy."]
"""


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside a developer checkout)")
    return path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


class Project:
    def __init__(self, folder: Path):
        self.folder = folder
        self.url = f"sqlite:///{folder / 'qualcode.db'}"

    def run(self, *args: str, input: str | None = None, columns: int = 120) -> Result:
        runner = CliRunner()
        res = runner.invoke(
            app,
            ["--project", str(self.folder), *args],
            input=input,
            env={"QUALCODE_CODER": "tester", "COLUMNS": str(columns)},
        )
        if res.exception and not isinstance(res.exception, SystemExit):
            raise res.exception
        return Result(res.exit_code, res.stdout, res.stderr)

    def ok(self, *args: str, input: str | None = None) -> str:
        res = self.run(*args, input=input)
        assert res.exit_code == 0, f"{args} failed: {res.stderr}{res.stdout}"
        return res.stdout

    def fails(self, *args: str, input: str | None = None) -> str:
        """Run a command that must be refused; return its one-line error."""
        res = self.run(*args, input=input)
        assert res.exit_code == 1, f"{args} should fail with 1, got {res.exit_code}: {res.stdout}"
        assert res.stderr.startswith("error: "), res.stderr
        return res.stderr

    def snapshot(self) -> dict[str, list[tuple]]:
        engine = database.make_engine(self.url)
        try:
            with engine.connect() as conn:
                return {
                    t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                    for t in Base.metadata.sorted_tables
                }
        finally:
            engine.dispose()

    def session(self):
        engine = database.make_engine(self.url)
        return database.session_scope(engine)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    from qualcode.services.project import init_project

    folder = tmp_path / "proj"
    init_project(folder)
    return Project(folder)


def build_demo_project(folder: Path) -> Project:
    """The synthetic demo: codebook, interviews, and the hand-made coding with its summaries."""
    from qualcode.services.project import init_project

    init_project(folder)
    demo = Project(folder)
    demo.ok("codebook", "load", str(CODEBOOK))
    demo.ok("import", str(DEMO))
    demo.ok("codings", "import", str(DEMO_CODING))
    return demo


@pytest.fixture
def coded_project(tmp_path: Path) -> Project:
    """The synthetic demo corpus with its codebook and hand-made coding."""
    return build_demo_project(tmp_path / "demo")
