"""Shared fixtures: a real project per test, the CLI driven in-process, and a snapshot of every
table to prove that a refused command changed nothing.

The database is a SQLite file in the test's folder, or, when $QUALCODE_TEST_DB_URL names a
PostgreSQL database (`make test-pg`, scripts/with-postgres.sh), a fresh schema in that database
per project: the project's URL selects it with `options=-csearch_path=...`, so every table, the
Alembic version and the sequences of one test live apart from every other's."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qualcode import config
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


TEST_DB_URL = os.environ.get("QUALCODE_TEST_DB_URL") or None
ON_POSTGRES = bool(TEST_DB_URL and TEST_DB_URL.startswith("postgresql"))
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about the SQLite file itself")
_schemas: list[str] = []


def fresh_database_url() -> str | None:
    """A new, empty database for one project: None (the project's own SQLite file) unless the
    suite targets PostgreSQL, where it is a new schema in the test database."""
    if not ON_POSTGRES:
        return None
    assert TEST_DB_URL is not None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = database.make_engine(TEST_DB_URL)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        engine.dispose()
    _schemas.append(schema)
    sep = "&" if "?" in TEST_DB_URL else "?"
    return f"{TEST_DB_URL}{sep}options=-csearch_path%3D{schema}"


def new_postgres_database() -> str:
    """An empty database on the test server (pg_restore recreates the dumped schema in it)."""
    assert TEST_DB_URL is not None
    name = f"r_{uuid.uuid4().hex[:12]}"
    engine = database.make_engine(TEST_DB_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return TEST_DB_URL.rsplit("/", 1)[0] + "/" + name


def drop_test_schemas() -> None:
    if not ON_POSTGRES or not _schemas:
        return
    engine = database.make_engine(TEST_DB_URL)
    try:
        while _schemas:  # one transaction each: a schema's tables take a lock apiece
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{_schemas.pop()}" CASCADE')
    finally:
        engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _drop_schemas_at_the_end():
    yield
    drop_test_schemas()


def new_project(folder: Path, *, name: str | None = None) -> Project:
    """`qualcode init` of a project in `folder` on the suite's database (SQLite or PostgreSQL)."""
    from qualcode.services.project import init_project

    init_project(folder, db=fresh_database_url(), name=name)
    return Project(folder)


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
        self.url = config.read_project_file(folder)

    def run(self, *args: str, input: str | None = None, columns: int = 120,
            lines: int = 40) -> Result:
        runner = CliRunner()
        res = runner.invoke(
            app,
            ["--project", str(self.folder), *args],
            input=input,
            env={"QUALCODE_CODER": "tester", "COLUMNS": str(columns), "LINES": str(lines)},
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

    def load_codebook_and_import(self, book: Path, book_text: str,
                                 *documents: tuple[Path, str]) -> Path:
        """Write `book_text` to `book` and load it, then write and import each (path, text)
        document in order: how most hand-built test projects begin. Returns `book`."""
        book.write_text(book_text, encoding="utf-8")
        self.ok("codebook", "load", str(book))
        for path, text in documents:
            path.write_text(text, encoding="utf-8")
            self.ok("import", str(path))
        return book

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
    return new_project(tmp_path / "proj")


def build_demo_project(folder: Path) -> Project:
    """The synthetic demo: codebook, interviews, and the hand-made coding with its summaries."""
    demo = new_project(folder)
    demo.ok("codebook", "load", str(CODEBOOK))
    demo.ok("import", str(DEMO))
    demo.ok("codings", "import", str(DEMO_CODING))
    return demo


@pytest.fixture
def coded_project(tmp_path: Path) -> Project:
    """The synthetic demo corpus with its codebook and hand-made coding."""
    return build_demo_project(tmp_path / "demo")
