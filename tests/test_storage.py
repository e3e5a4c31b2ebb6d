"""The database: schema from migrations, pragmas, refusing foreign or outdated databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from qualcode.errors import ProjectError
from qualcode.storage import database
from qualcode.storage.models import Base, Case, Code, Coder, Coding, Document
from tests.conftest import sqlite_only


def test_new_project_is_stamped_at_head_with_every_table(project):
    engine = database.make_engine(project.url)
    assert database.current_revision(engine) == database.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


@sqlite_only
def test_sqlite_connections_enforce_foreign_keys_in_wal_mode(project):
    engine = database.make_engine(project.url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == database.SQLITE_BUSY_TIMEOUT_MS
    with pytest.raises(IntegrityError):
        with database.session_scope(engine) as s:
            s.add(
                Document(
                    name="x",
                    case_id=999,
                    text="t",
                    sha256="0",
                    file_sha256="0",
                    source_filename="x.txt",
                    source_format="txt",
                    encoding="utf-8",
                )
            )
    engine.dispose()


def test_migrations_build_the_same_schema_as_the_models(tmp_path):
    """A database built by running every migration equals one built from the models."""
    from alembic import command

    engine = database.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        command.upgrade(database._alembic_config(conn), "head")
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_span_constraint_refuses_an_empty_coding(project):
    engine = database.make_engine(project.url)
    with pytest.raises(IntegrityError):
        with database.session_scope(engine) as s:
            case = Case(name="F")
            doc = Document(
                name="d",
                case=case,
                text="abc",
                sha256="0",
                file_sha256="0",
                source_filename="d.txt",
                source_format="txt",
                encoding="utf-8",
            )
            code = Code(key="k", guid="g", name="k", dimension="k")
            s.add(Coding(document=doc, start=2, end=2, code=code, coder=Coder(name="c"), quote=""))
    engine.dispose()


def test_a_database_from_a_newer_or_unknown_schema_is_refused(project):
    engine = database.make_engine(project.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000old'"))
    with pytest.raises(ProjectError, match="qualcode upgrade"):
        database.check_schema(engine)
    engine.dispose()
    assert "qualcode upgrade" in project.fails("stats")


def test_a_sqlite_file_that_is_not_a_project_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    engine = database.make_engine(f"sqlite:///{path}")
    with pytest.raises(ProjectError, match="not a qualcode project"):
        database.check_schema(engine)
    engine.dispose()


def test_an_older_project_is_refused_until_upgraded_and_backed_up_first(tmp_path):
    """A project made by an older qualcode (schema 0001) keeps its data through `upgrade`."""
    from alembic import command

    from tests.conftest import Project

    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "qualcode.toml").write_text('name = "old"\ndatabase = "qualcode.db"\n')
    engine = database.make_engine(f"sqlite:///{folder / 'qualcode.db'}")
    with engine.begin() as conn:
        command.upgrade(database._alembic_config(conn), "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO cases (name, created_at) VALUES ('Firm B', '2018-01-01')"))
    engine.dispose()
    old = Project(folder)
    error = old.fails("stats")
    assert "0001" in error and "qualcode upgrade" in error
    out = old.ok("upgrade")
    assert "0001 -> " + database.head_revision() in out
    backups = list(folder.glob("qualcode.db.backup-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:  # the backup is the old database, whole
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT name FROM cases").fetchall() == [("Firm B",)]
    assert "Firm B" in old.ok("cases", "list")
    assert "up to date" in old.ok("upgrade")


_MUTEX_PROBE = """
import ctypes, sys
if sys.argv[1] == "sqlite3-first":
    import sqlite3  # someone loaded Python's sqlite3 before qualcode: left as it is
from qualcode.storage import database
engine = database.make_engine("sqlite:///" + sys.argv[2])
with engine.connect() as conn:
    conn.exec_driver_sql("SELECT 1").all()
paths = {line.split()[-1] for line in open("/proc/self/maps") if "libsqlite3" in line}
if len(paths) != 1:
    print("no shared library")
    raise SystemExit
lib = ctypes.CDLL(paths.pop())
lib.sqlite3_db_mutex.restype = ctypes.c_void_p
db = ctypes.c_void_p()
assert lib.sqlite3_open_v2(b":memory:", ctypes.byref(db), 0x06, None) == 0  # READWRITE|CREATE
print("mutex" if lib.sqlite3_db_mutex(db) else "no mutex")
lib.sqlite3_close(db)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="configured on Linux only")
def test_sqlite_connections_have_no_mutex_in_a_qualcode_process(tmp_path: Path):
    """make_engine puts SQLite in multi-thread mode before the first connection (no mutex per
    connection), unless Python's sqlite3 was already loaded, when it leaves SQLite alone."""
    def probe(mode: str) -> str:
        done = subprocess.run([sys.executable, "-c", _MUTEX_PROBE, mode, str(tmp_path / "p.db")],
                              capture_output=True, text=True, check=True)
        return done.stdout.strip()

    first = probe("qualcode-first")
    if first == "no shared library":
        pytest.skip("SQLite is linked into Python's sqlite3 module here")
    assert first == "no mutex"
    assert probe("sqlite3-first") == "mutex"
