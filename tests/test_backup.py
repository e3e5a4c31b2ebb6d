"""Backups and restores, ids that are never reused, and what a PostgreSQL URL may not leak."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, text

from qualcode.storage import database
from qualcode.storage.models import Coding, Event
from tests.conftest import (
    CODEBOOK,
    DEMO,
    ON_POSTGRES,
    Project,
    fresh_database_url,
    new_postgres_database,
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


def test_backup_then_restore_gives_the_same_project(project: Project, tmp_path):
    _coded(project)
    out = project.ok("backup", "-o", str(tmp_path / "saved" / "p.backup"), "--json")
    info = json.loads(out)
    assert info["path"] == str(tmp_path / "saved" / "p.backup")
    assert info["kind"] == ("pg_dump" if ON_POSTGRES else "sqlite")
    assert [p.name for p in (tmp_path / "saved").iterdir()] == ["p.backup"]  # no partial file
    args = ["restore", str(tmp_path / "saved" / "p.backup"), str(tmp_path / "back")]
    if ON_POSTGRES:
        args += ["--db", new_postgres_database()]
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
        # in the order they happened (without ORDER BY, PostgreSQL may return them either way)
        assert [e.action for e in s.scalars(select(Event).where(
            Event.entity == "coding", Event.entity_id == first).order_by(Event.id))] == [
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


def _backups(project: Project) -> set:
    if ON_POSTGRES:
        folder = project.folder / "backups"
        return set(folder.iterdir()) if folder.exists() else set()
    return set(project.folder.glob("qualcode.db.backup-*"))


def test_destructive_commands_back_up_first(project: Project, tmp_path):
    """Removing a document and bulk decisions each leave a backup holding what they change."""
    _coded(project)
    project.ok("import", str(DEMO / "interview-10.md"))
    project.ok("suggest")
    assert _backups(project) == set()
    project.ok("suggestions", "reject", "--document", "interview-03", "--yes")
    after_bulk = _backups(project)
    assert len(after_bulk) == 1 and "suggestions-reject" in after_bulk.copy().pop().name
    project.ok("documents", "remove", "interview-10", "--yes")
    saved = _backups(project) - after_bulk
    assert len(saved) == 1 and "documents-remove" in (path := saved.pop()).name
    # The backup restores to the project as it was just before the removal.
    args = ["restore", str(path), str(tmp_path / "before-remove")]
    if ON_POSTGRES:
        args += ["--db", new_postgres_database()]
    project.ok(*args)
    names = json.loads(Project(tmp_path / "before-remove").ok("documents", "list", "--json"))
    assert sorted(d["name"] for d in names) == ["interview-03", "interview-10"]


def test_without_pg_dump_a_portable_snapshot_is_written_and_restored(project: Project,
                                                                     tmp_path, monkeypatch):
    """No pg_dump on PATH: PostgreSQL projects are backed up as a SQLite snapshot, which
    restores into a new project on the suite's database (on SQLite the backup API, as ever)."""
    _coded(project)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    info = json.loads(project.ok("backup", "-o", str(tmp_path / "snap.db"), "--json"))
    assert info["kind"] == ("snapshot" if ON_POSTGRES else "sqlite")
    assert (tmp_path / "snap.db").read_bytes()[:16] == b"SQLite format 3\x00"
    url = fresh_database_url()
    project.ok("restore", str(tmp_path / "snap.db"), str(tmp_path / "again"),
               *(["--db", url] if url else []))
    assert _content(Project(tmp_path / "again")) == _content(project)


def test_a_bad_or_unreachable_url_is_one_line_without_its_password(tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli import app

    for url in ("postgresql+psycopg://ana:s3cret-Pw@127.0.0.1:notaport/db",
                "postgresql+psycopg://ana:s3cret-Pw@127.0.0.1:1/db"):
        for args in (["--db", url, "stats"], ["init", str(tmp_path / "p"), "--db", url]):
            res = CliRunner().invoke(app, args)
            assert res.exit_code == 1, res.output
            assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
            assert "s3cret" not in res.output and "s3cret" not in res.stderr
    assert not (tmp_path / "p" / "qualcode.toml").exists()


def test_automatic_backups_keep_the_newest_of_each_kind(project: Project, monkeypatch):
    """QUALCODE_KEEP_BACKUPS=2: the third document removal drops the oldest removal backup, says
    so, and leaves the hand-made backup and the other command's backup alone."""
    monkeypatch.setenv("QUALCODE_KEEP_BACKUPS", "2")
    _coded(project)
    for name in ("interview-01", "interview-02", "interview-10"):
        project.ok("import", str(DEMO / f"{name}.md"))
    project.ok("backup")
    project.ok("suggest")
    project.ok("suggestions", "reject", "--document", "interview-03", "--yes")
    kept = _backups(project)
    assert len(kept) == 2
    removals = []
    for name in ("interview-01", "interview-02", "interview-10"):
        res = project.run("documents", "remove", name, "--yes")
        assert res.exit_code == 0, res.stderr
        new = _backups(project) - kept - set(removals)
        assert len(new) == 1 and "documents-remove" in (path := new.pop()).name
        assert f"backed up first: {path}" in res.stderr
        removals.append(path)
    assert "1 older one(s) of this kind removed" in res.stderr
    assert _backups(project) == kept | set(removals[1:])
    assert not removals[0].exists()


def test_a_backup_removes_partials_of_killed_writers_only(project: Project, tmp_path):
    """Two backups into one folder at once must not delete each other's file in progress: a
    partial whose writer is still running stays, a killed writer's (and an old unnamed one) go."""
    import os
    import subprocess
    import sys

    from qualcode.storage import backup

    _coded(project)
    folder = tmp_path / "saved"
    folder.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    try:
        running = folder / f".a.backup.{sleeper.pid}.0123456789ab{backup.TMP_SUFFIX}"
        killed = folder / f".b.backup.{gone.pid}.0123456789ab{backup.TMP_SUFFIX}"
        unnamed = folder / f".c.backup.0123456789ab{backup.TMP_SUFFIX}"
        mine = folder / f".d.backup.{os.getpid()}.0123456789ab{backup.TMP_SUFFIX}"
        for stray in (running, killed, unnamed, mine):
            stray.write_bytes(b"half")
        project.ok("backup", "-o", str(folder / "p.backup"))
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [running.name, mine.name, "p.backup"])
    finally:
        sleeper.kill()
        sleeper.wait()
