"""Engine, sessions and the schema's life cycle (create, check, upgrade). The only place that opens
sessions: commands ask for `session_scope`, services receive the session and never commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from qualcode.errors import ProjectError
from qualcode.storage.models import Base, ProjectInfo

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked on every connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets a reader (a report) run while a writer (a long suggest) works.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ProjectError(
            f"not a database URL: {url!r}",
            hint="use sqlite:///path.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _on_sqlite_connect)
        # pysqlite's own transaction handling is replaced by explicit BEGIN so that a whole
        # import is one transaction, as SQLAlchemy's docs recommend for SQLite.
        event.listen(engine, "connect", _disable_pysqlite_autobegin)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ProjectError(
            f"the driver for {parsed.get_backend_name()} is not installed",
            hint="pip install 'qualcode[postgres]'",
        ) from exc


def _disable_pysqlite_autobegin(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def sqlite_path(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return Path(db)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back everything if it raises."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration, as Alembic sees it (for `upgrade`; importing Alembic costs ~0.4 s)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


_REVISION = re.compile(r"^revision\b.*?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\b.*?=\s*[\"']([^\"']+)[\"']", re.M)


def known_head() -> str:
    """The newest migration, read from the migration files' `revision` / `down_revision` lines
    without importing Alembic: the one revision no other revision points down to. A test keeps
    it equal to Alembic's own answer."""
    revisions, downs = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev = _REVISION.search(source)
        if rev:
            revisions.add(rev.group(1))
            down = _DOWN.search(source)
            if down:
                downs.add(down.group(1))
    heads = revisions - downs
    if len(heads) != 1:
        raise ProjectError(f"the shipped migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (Alembic's version table, read directly);
    None when the table is missing or empty."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            return None


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def create_schema(engine: Engine, project_name: str) -> None:
    """A new database: create every table from the models, then stamp it at head so later
    migrations know where it starts (create_all + stamp, as the Alembic cookbook advises)."""
    try:
        if _has_tables(engine):
            raise ProjectError(
                "the database already holds tables",
                hint="use an empty database, or work in the existing project",
            )
        Base.metadata.create_all(engine)
        from alembic import command

        with engine.begin() as conn:
            command.stamp(_alembic_config(conn), "head")
        with session_scope(engine) as session:
            session.add(ProjectInfo(key="name", value=project_name))
            session.add(ProjectInfo(key="created_at", value=dt.datetime.now(dt.UTC).isoformat()))
    except OperationalError as exc:
        raise ProjectError(f"cannot create the database: {exc.orig}") from exc


def check_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not the one this qualcode expects."""
    try:
        rev = current_revision(engine)
        tables = _has_tables(engine) if rev is None else True
    except OperationalError as exc:
        raise ProjectError(f"cannot open the database: {exc.orig}") from exc
    if rev is None:
        if tables:
            raise ProjectError("this database is not a qualcode project (no schema version)")
        raise ProjectError("the database is empty", hint="run `qualcode init` first")
    head = known_head()
    if rev != head:
        raise ProjectError(
            f"the project's schema is at revision {rev}, this qualcode needs {head}",
            hint="run `qualcode upgrade` (it backs the database up first)",
        )


def backup_sqlite(engine: Engine, label: str) -> Path | None:
    """Copy the SQLite file (after a WAL checkpoint, so the copy is complete) next to itself."""
    path = sqlite_path(engine)
    if path is None or not path.exists():
        return None
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    shutil.copy2(path, target)
    return target


def upgrade_schema(engine: Engine) -> tuple[str | None, str, Path | None]:
    """Bring an older project to head. Returns (from, to, backup file)."""
    rev = current_revision(engine)
    head = head_revision()
    if rev is None:
        raise ProjectError(
            "this database has no qualcode schema to upgrade",
            hint="run `qualcode init` for a new project",
        )
    if rev == head:
        return rev, head, None
    backup = backup_sqlite(engine, rev)
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    return rev, head, backup
