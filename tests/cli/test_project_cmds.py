"""init, --help, project discovery, stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from qualcode.cli import app
from tests.conftest import CODEBOOK, DEMO, Project


def test_init_creates_a_project_that_other_commands_find_from_inside_it(tmp_path, monkeypatch):
    runner = CliRunner()
    res = runner.invoke(app, ["init", str(tmp_path / "fieldwork")])
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "fieldwork" / "qualcode.toml").is_file()
    assert (tmp_path / "fieldwork" / "qualcode.db").is_file()
    monkeypatch.chdir(tmp_path / "fieldwork")
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    res = runner.invoke(app, ["stats", "--json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["documents"] == 0


def test_init_twice_is_refused_and_keeps_the_project(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path / "p")]).exit_code == 0
    before = (tmp_path / "p" / "qualcode.db").read_bytes()
    res = runner.invoke(app, ["init", str(tmp_path / "p")])
    assert res.exit_code == 1
    assert "already a qualcode project" in res.stderr
    assert (tmp_path / "p" / "qualcode.db").read_bytes() == before


def test_db_option_takes_any_sqlalchemy_url(tmp_path):
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert runner.invoke(app, ["init", str(tmp_path / "p"), "--db", url]).exit_code == 0
    assert (tmp_path / "elsewhere.db").is_file()
    assert not (tmp_path / "p" / "qualcode.db").exists()
    res = runner.invoke(app, ["--db", url, "stats", "--json"])
    assert json.loads(res.stdout)["cases"] == 0


def test_a_mistyped_db_path_is_refused_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for given in (str(tmp_path / "typo.db"), f"sqlite:///{tmp_path / 'typo.db'}"):
        res = runner.invoke(app, ["--db", given, "stats"])
        assert res.exit_code == 1
        assert res.stderr.startswith("error: --db: no database file ") and "init" in res.stderr
        assert res.stderr.count("\n") == 1
        assert not (tmp_path / "typo.db").exists()
    # A project whose database file went missing says so too, and does not make a new one.
    assert runner.invoke(app, ["init", str(tmp_path / "p")]).exit_code == 0
    (tmp_path / "p" / "qualcode.db").unlink()
    res = runner.invoke(app, ["--project", str(tmp_path / "p"), "code", "add", "d", "c",
                              "--span", "0:1"])
    assert res.exit_code == 1 and "no database file" in res.stderr
    assert not (tmp_path / "p" / "qualcode.db").exists()


def test_no_project_is_a_one_line_error_with_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DB", raising=False)
    res = CliRunner().invoke(app, ["stats"])
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 1
    assert "qualcode init" in res.stderr


def test_usage_errors_exit_2():
    res = CliRunner().invoke(app, ["code", "add"])
    assert res.exit_code == 2


def test_help_does_not_import_spacy():
    code = (
        "import sys; from qualcode.cli import app\n"
        "from typer.testing import CliRunner\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0 and 'import' in r.stdout\n"
        "print('spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_plain_read_commands_import_neither_alembic_nor_rich_nor_spacy(project: Project):
    """The schema check reads alembic_version itself; piped listings need no Rich."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    code = (
        "import sys; from qualcode.cli import app\n"
        "from typer.testing import CliRunner\n"
        f"r = CliRunner().invoke(app, ['-p', {str(project.folder)!r}, 'codings', 'list'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"r = CliRunner().invoke(app, ['-p', {str(project.folder)!r}, 'memo', 'add', 'x'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('alembic', 'rich', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_schema_check_knows_the_head_alembic_knows():
    from qualcode.storage import database

    assert database.known_head() == database.head_revision()


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "qualcode", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    assert out.stdout.startswith("qualcode ")


def test_every_command_has_help_text():
    """A command without a docstring shows an empty help line; catch it here."""
    import typer.main

    group = typer.main.get_group(app)

    def walk(cmd, path):
        if hasattr(cmd, "commands"):  # groups load their commands on demand
            for name in cmd.list_commands(None):
                yield from walk(cmd.get_command(None, name), [*path, name])
        else:
            yield path, cmd

    missing = [" ".join(p) for p, cmd in walk(group, []) if not (cmd.help or "").strip()]
    assert missing == []


def test_stats_counts_what_was_imported(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    data = json.loads(project.ok("stats", "--json"))
    assert data["documents"] == 1
    assert data["cases"] == 1
    text = (DEMO / "interview-03.md").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    assert data["words"] == len(body.split())
    assert data["codes"] >= 20
    assert data["document_list"][0]["case"] == "Firm C"
    human = project.ok("stats")
    assert "interview-03" in human and "Firm C" in human


def test_counts_by_dimension_follow_the_codebook_order(coded_project: Project):
    """stats and cases show list the dimensions as the codebook does (strategy first, policy
    last), as every table does; they were sorted by name (innovation first)."""
    order = ["strategy", "organization", "innovation", "market-position", "policy"]
    data = json.loads(coded_project.ok("stats", "--json"))
    assert list(data["codings_by_dimension"]) == order
    human = coded_project.ok("stats")
    block = human[human.index("Codings by dimension"):].splitlines()[1:6]
    assert [line.split()[0] for line in block] == order
    assert [int(line.split()[1].replace(",", "")) for line in block] == [
        data["codings_by_dimension"][d] for d in order]
    shown = coded_project.ok("cases", "show", "Firm C")
    line = next(x for x in shown.splitlines() if "strategy " in x and "policy " in x)
    assert [line.index(d + " ") for d in order] == sorted(line.index(d + " ") for d in order)


def test_readme_quick_start_names_the_two_commands():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_every_command_but_the_interactive_ones_speaks_json():
    import typer.main

    def walk(cmd, path):
        if hasattr(cmd, "commands"):  # groups load their commands on demand
            for name in cmd.list_commands(None):
                yield from walk(cmd.get_command(None, name), [*path, name])
        else:
            yield " ".join(path), cmd

    lacking = sorted(name for name, cmd in walk(typer.main.get_group(app), [])
                     if not {"--json", "--format"} & {o for p in cmd.params
                                                     for o in getattr(p, "opts", [])})
    assert lacking == ["code open", "review"]  # the full-screen coder and the review queue


def test_help_joins_a_docstrings_hard_wrapped_lines():
    """`codes rename`'s docstring breaks after "Prints what to change"; Rich's help kept that break,
    cutting the sentence mid-line at any width. Each paragraph is one line of text now."""
    from qualcode.cli import _load

    rename = _load("codes").commands["rename"]
    assert "Prints what to change in the codebook file." in rename.help
    for name in ("codes", "documents", "cases", "codings", "memo"):
        group = _load(name)
        for command in group.commands.values():
            for para in (command.help or "").split("\n\n"):
                assert "\n" not in para, (name, command.name, para)
    wide = CliRunner().invoke(app, ["codes", "rename", "--help"], env={"COLUMNS": "200"})
    assert "it keeps its GUID. Prints what to change in the codebook file." in wide.stdout
