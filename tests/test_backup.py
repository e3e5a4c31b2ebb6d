"""Backups and restores, ids that are never reused, and what a PostgreSQL URL may not leak."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import select, text

from qualcode.storage import database
from qualcode.storage.models import Coding, Event
from tests.conftest import (
    CODEBOOK,
    DEMO,
    ON_POSTGRES,
    TEST_DB_URL,
    Project,
    fresh_database_url,
)


def _coded(project: Project) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    project.ok("code", "add", "interview-03", "policy.subsidies", "--span", "10:40",
               "--memo", "a first note", "--coder", "ana")
    return project


def _plain(value):
    """SQLite hands datetimes back naive (UTC), PostgreSQL aware: compare them as naive UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _content(project: Project) -> dict:
    snap = project.snapshot()
    snap.pop("project_info")
    return {name: sorted((tuple(map(_plain, row)) for row in rows), key=repr)
            for name, rows in snap.items()}


def _new_postgres_database() -> str:
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


def test_backup_then_restore_gives_the_same_project(project: Project, tmp_path):
    _coded(project)
    out = project.ok("backup", "-o", str(tmp_path / "saved" / "p.backup"), "--json")
    info = json.loads(out)
    assert info["path"] == str(tmp_path / "saved" / "p.backup")
    assert info["kind"] == ("pg_dump" if ON_POSTGRES else "sqlite")
    assert [p.name for p in (tmp_path / "saved").iterdir()] == ["p.backup"]  # no partial file
    args = ["restore", str(tmp_path / "saved" / "p.backup"), str(tmp_path / "back")]
    if ON_POSTGRES:
        args += ["--db", _new_postgres_database()]
    restored_out = project.ok(*args)
    assert "Restored" in restored_out
    restored = Project(tmp_path / "back")
    assert _content(restored) == _content(project)
    # The restored project works: a new coding gets an id past every restored one.
    before = max(r[0] for r in _content(restored)["codings"])
    new = json.loads(restored.ok("code", "add", "interview-03", "policy.subsidies", "--span",
                                 "50:60", "--json"))
    assert new["id"] > before
    # Never over an existing project.
    assert "already a qualcode project" in project.fails(*args)


def test_a_sqlite_backup_restores_into_either_database(tmp_path):
    """A SQLite project's backup comes back on the suite's database (PostgreSQL in test-pg):
    rows copied, sequences moved past the copied ids."""
    from qualcode.services.project import init_project

    init_project(tmp_path / "lite")
    lite = _coded(Project(tmp_path / "lite"))
    lite.ok("backup", "-o", str(tmp_path / "lite.db.bak"))
    url = fresh_database_url()
    args = ["restore", str(tmp_path / "lite.db.bak"), str(tmp_path / "there")]
    project_out = lite.ok(*args, *(["--db", url] if url else []))
    assert "schema " + database.head_revision() in project_out
    there = Project(tmp_path / "there")
    assert _content(there) == _content(lite)
    new = json.loads(there.ok("code", "add", "interview-03", "policy.subsidies", "--span",
                              "50:60", "--json"))
    assert new["id"] > max(r[0] for r in _content(lite)["codings"])


def test_restore_refuses_what_is_not_a_backup(project: Project, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    assert "not a qualcode backup" in project.fails("restore", str(bogus), str(tmp_path / "x"))
    assert not (tmp_path / "x" / "qualcode.toml").exists()
    assert "no backup file" in project.fails("restore", str(tmp_path / "nope"), str(tmp_path / "y"))


def test_a_removed_codings_id_is_never_given_again(project: Project):
    _coded(project)
    first = json.loads(project.ok("code", "add", "interview-03", "policy.subsidies", "--span",
                                  "100:120", "--json"))["id"]
    project.ok("code", "remove", str(first), "--yes")
    second = json.loads(project.ok("code", "add", "interview-03", "policy.subsidies", "--span",
                                   "130:150", "--json"))["id"]
    assert second > first
    with project.session() as s:
        assert [e.action for e in s.scalars(select(Event).where(Event.entity == "coding",
                                                                Event.entity_id == first))] == [
            "coding.add", "coding.remove"]
        assert s.get(Coding, first) is None


def test_a_removed_codings_memo_is_kept_in_the_event_log(project: Project):
    _coded(project)
    with project.session() as s:
        coding = s.scalars(select(Coding)).one()
        cid = coding.id
    project.ok("memo", "add", "--coding", str(cid), "a memo about it")
    project.ok("code", "remove", str(cid), "--yes")
    with project.session() as s:
        event = s.scalars(select(Event).where(Event.action == "coding.remove")).one()
        assert event.before["coding"]["memo"] == "a first note"
        assert [m["text"] for m in event.before["memos"]] == ["a memo about it"]


def test_init_with_a_password_in_the_url_neither_prints_nor_stores_it(tmp_path):
    """The password serves to create the schema; qualcode.toml keeps the URL without it, and
    the output shows none (libpq reads it from ~/.pgpass, PGPASSFILE or PGPASSWORD later)."""
    url = fresh_database_url() or f"sqlite:///{tmp_path / 'x.db'}"
    if ON_POSTGRES:
        with_password = url.replace("qualcode@", "qualcode:s3cret-Pw@", 1)
    else:
        with_password = url
    from typer.testing import CliRunner

    from qualcode.cli import app

    out = CliRunner().invoke(app, ["init", str(tmp_path / "team"), "--db", with_password])
    assert out.exit_code in (0, 1), out.output
    assert "s3cret" not in out.output
    if out.exit_code == 0:
        stored = (tmp_path / "team" / "qualcode.toml").read_text()
        assert "s3cret" not in stored
        assert url.split("?")[0] in stored
    if ON_POSTGRES:
        # PGPASSFILE holds the real password: the project opens without one in the URL.
        assert out.exit_code != 0 or "Project" in Project(tmp_path / "team").ok("stats")


def test_upgrade_backs_up_first_on_every_database(project: Project):
    """A project one migration behind: `upgrade` writes a backup before migrating."""
    engine = database.make_engine(project.url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0003e'"))
    finally:
        engine.dispose()
    out = project.ok("upgrade", "--json")
    result = json.loads(out)
    assert result["from_revision"] == "0003e" and result["backup"]
    from pathlib import Path

    saved = Path(result["backup"])
    head = saved.read_bytes()[:16]
    assert head.startswith(b"PGDMP" if ON_POSTGRES else b"SQLite format 3")
