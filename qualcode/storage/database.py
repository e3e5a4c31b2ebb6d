"""Engine, sessions and the schema's life cycle (create, check, upgrade). The only place that opens
sessions: commands ask for `session_scope`, services receive the session and never commit."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from qualcode.errors import ConflictError, ProjectError, QualcodeError
from qualcode.storage.models import Base, ProjectInfo

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# One wait of SQLite's own busy handler; session_scope retries past it with back-off, up to
# LOCK_WAIT_SECONDS (or $QUALCODE_LOCK_WAIT) in all.
SQLITE_BUSY_TIMEOUT_MS = 2_000
LOCK_WAIT_SECONDS = 300.0
# pg_advisory_xact_lock(class, key): the class says "qualcode's write lock", the key is the
# project's schema, so two projects in one PostgreSQL database do not wait for each other.
PG_LOCK_CLASS = 0x51C0DE


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked on every connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets a reader (a report) run while a writer (a long suggest) works.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


# How much of an SQLite file a long read may map into memory (read_through_mapping): a 1 M-word
# project with 200,000 codings is ~60 MB; beyond the mapped part SQLite reads as before.
SQLITE_MMAP_BYTES = 256 << 20


def read_through_mapping(session: Session) -> None:
    """Before reading most of a large table in an index's order (every coding of a project, in
    document order): let SQLite read the file through a memory map for the rest of this
    connection's life. Each row is then one look-up in mapped pages instead of a read() of its
    page into SQLite's small cache, which an index-ordered scan of 200,000 codings did 200,000
    times (half a second of system time). The pages are the operating system's file cache,
    shared and clean; they count in the process's resident memory while it runs. No effect on
    other databases."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}").close()


def _sqlite_without_connection_mutexes() -> None:
    """Put the SQLite library this process uses in its multi-thread mode (SQLITE_CONFIG_
    MULTITHREAD) before the first connection: a connection is then never used by two threads at
    once (qualcode runs none; SQLAlchemy's pool hands a connection to one thread at a time), and
    SQLite stops locking a mutex around every call on it. Python's sqlite3 makes three such calls
    per column per row: in a listing of 200,000 codings the locking was ~10% of reading them.

    Only when nothing in the process has loaded Python's sqlite3 yet (so no connection can be
    open, as SQLite requires for reconfiguring), only on Linux with SQLite as a shared library,
    and the library found is the one Python's sqlite3 just loaded (same name, already mapped);
    otherwise, or if SQLite refuses, it stays as it was (serialized mode: correct, slower)."""
    if "_sqlite3" in sys.modules or not sys.platform.startswith("linux"):
        return
    import sqlite3  # noqa: F401  (loads and initialises the library; no connection yet)

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "libsqlite3" in line}
        if len(paths) != 1:
            return  # linked into Python's own module, or more than one copy: leave it
        import ctypes

        lib = ctypes.CDLL(paths.pop())
        if lib.sqlite3_shutdown() == 0:
            lib.sqlite3_config(2)  # SQLITE_CONFIG_MULTITHREAD; serialized stays if refused
        lib.sqlite3_initialize()
    except (OSError, AttributeError):
        return


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)  # never a password
        raise ProjectError(
            f"not a database URL: {shown!r}",
            hint="use sqlite:///path.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        _sqlite_without_connection_mutexes()
        engine = create_engine(url)
        event.listen(engine, "connect", _on_sqlite_connect)
        # pysqlite's own transaction handling is replaced by explicit BEGIN so that a whole
        # import is one transaction, as SQLAlchemy's docs recommend for SQLite.
        event.listen(engine, "connect", _disable_pysqlite_autobegin)
        event.listen(engine, "begin", _sqlite_begin)
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


def _sqlite_begin(conn) -> None:
    # A writer takes the write lock when its transaction starts (BEGIN IMMEDIATE): a deferred
    # transaction that reads first and then needs to write fails at once with "database is
    # locked" when another writer got in between, whatever the busy timeout.
    write = conn.get_execution_options().get("qualcode_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def safe_url(url: str) -> str:
    """The URL as it may be shown or stored: without a password."""
    try:
        return make_url(url).render_as_string(hide_password=True).replace(":***@", "@")
    except ArgumentError:
        return url


def url_without_password(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    return parsed.set(password=None).render_as_string(hide_password=False)


def sqlite_path(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return Path(db)


class BusyError(ProjectError):
    """Another command held the project's write lock for longer than we would wait."""


def lock_wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("QUALCODE_LOCK_WAIT", LOCK_WAIT_SECONDS)))
    except ValueError:
        return LOCK_WAIT_SECONDS


def _is_busy(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def _take_write_lock(session: Session, engine: Engine) -> bool:
    """Start the session's transaction holding the project's write lock; False if another
    command holds it now (the caller waits and tries again)."""
    conn = session.connection(execution_options={"qualcode_write": True})
    if engine.url.get_backend_name() == "postgresql":
        return bool(
            conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:cls, hashtext(current_schema()))"),
                {"cls": PG_LOCK_CLASS},
            ).scalar()
        )
    return True  # SQLite: BEGIN IMMEDIATE succeeded (else OperationalError, "locked")


def _locked_session(
    engine: Engine, factory: sessionmaker, on_wait: Callable[[], None] | None
) -> Session:
    """A session whose transaction holds the write lock, waiting with jittered exponential
    back-off while another command writes; BusyError (one line) past the deadline."""
    wait = lock_wait_seconds()
    deadline = time.monotonic() + wait
    pause, told = 0.05, False
    while True:
        session = factory()
        try:
            if _take_write_lock(session, engine):
                return session
        except OperationalError as exc:
            if not _is_busy(exc):
                session.close()
                raise ProjectError(f"cannot open the database: {exc.orig}") from exc
        session.close()
        if time.monotonic() >= deadline:
            raise BusyError(
                f"the project is busy: another qualcode command kept writing to it for "
                f"{wait:.0f} s; nothing was changed",
                hint="run it again when the other has finished; QUALCODE_LOCK_WAIT sets the wait",
            )
        if not told and on_wait is not None:
            on_wait()
            told = True
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.0))
        pause = min(pause * 2, 1.0)


@contextlib.contextmanager
def session_scope(
    engine: Engine, *, write: bool = False, on_wait: Callable[[], None] | None = None
) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back everything if it raises.

    `write=True` for a command that changes the project: its transaction takes the write lock
    first (SQLite BEGIN IMMEDIATE; a PostgreSQL advisory lock), so concurrent writers queue up
    instead of failing half-way, and whatever it reads is still true when it writes. Readers
    never wait (WAL on SQLite, MVCC on PostgreSQL). A database error that a concurrent command
    can cause reaches the user as one line, never a traceback."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    session = _locked_session(engine, factory, on_wait) if write else factory()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        mapped = _one_line(exc) if isinstance(exc, DBAPIError) else None
        if mapped is None:
            raise
        raise mapped from exc
    finally:
        session.close()


def _is_unique_violation(exc: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE 23505; SQLite says so in its message.
    return (getattr(exc.orig, "sqlstate", None) == "23505"
            or "UNIQUE constraint failed" in str(exc.orig))


def _one_line(exc: DBAPIError) -> QualcodeError | None:
    if isinstance(exc, OperationalError) and _is_busy(exc):
        return BusyError(
            "the project is busy: another qualcode command is writing to it; nothing was changed",
            hint="run the command again",
        )
    if isinstance(exc, IntegrityError) and _is_unique_violation(exc):
        return ConflictError(
            "another command stored the same thing at the same time; nothing was changed",
            hint="run the command again: it will see what the other stored",
        )
    if isinstance(exc, OperationalError):
        detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "?"
        return ProjectError(f"the database failed: {detail}; nothing was changed")
    if isinstance(exc, DataError):  # e.g. PostgreSQL refuses NUL in text, SQLite never does
        detail = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "?"
        return QualcodeError(f"the database refused a value: {detail}; nothing was changed")
    return None


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



@contextlib.contextmanager
def _upgrade_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the project's write lock, as a writing command's
    does: two upgrades started at once run one after the other instead of both migrating (the
    second would fail half-way on tables the first already changed). Waits up to
    lock_wait_seconds(), then BusyError in one line."""
    sqlite = engine.url.get_backend_name() == "sqlite"
    wait = lock_wait_seconds()
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        conn = engine.connect().execution_options(qualcode_write=True)
        try:
            if sqlite:
                # Batch migrations rebuild tables (create, copy, drop, rename): with foreign keys
                # on, dropping the old table would cascade-delete the rows that refer to it. The
                # pragma only takes effect outside a transaction, so it is set before BEGIN.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            trans = conn.begin()  # SQLite: BEGIN IMMEDIATE, which fails while another writes
            if not sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema()))"),
                             {"cls": PG_LOCK_CLASS})
        except OperationalError as exc:
            conn.close()
            if not _is_busy(exc):
                raise ProjectError(f"cannot open the database: {exc.orig}") from exc
            if time.monotonic() >= deadline:
                raise BusyError(
                    f"the project is busy: another qualcode command kept writing to it for "
                    f"{wait:.0f} s; nothing was upgraded",
                    hint="run `qualcode upgrade` again when the other has finished",
                ) from exc
            time.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(pause * 2, 1.0)
            continue
        try:
            yield conn
            trans.commit()
        except BaseException:
            trans.rollback()
            raise
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
            conn.close()
        return


def upgrade_schema(
    engine: Engine, *, backup_first: bool = True, folder: Path | None = None
) -> tuple[str | None, str, Path | None]:
    """Bring an older project to head, after a backup of it (SQLite or PostgreSQL). Returns
    (from, to, backup file)."""
    rev = current_revision(engine)
    head = head_revision()
    if rev is None:
        raise ProjectError(
            "this database has no qualcode schema to upgrade",
            hint="run `qualcode init` for a new project",
        )
    if rev == head:
        return rev, head, None
    saved = None
    if backup_first:
        from qualcode.storage import backup

        saved = backup.backup(engine, backup.default_backup_path(engine, folder, rev)).path
    from alembic import command

    sqlite = engine.url.get_backend_name() == "sqlite"
    with _upgrade_connection(engine) as conn:
        # Another `upgrade` (or a command that upgrades first) may have finished while this one
        # waited for the lock: the revision is read again under it, and a done job not redone.
        now = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if now == head:
            return rev, head, saved
        command.upgrade(_alembic_config(conn), "head")
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ProjectError(f"the upgrade would break {len(broken)} references; "
                                   "nothing was changed")
    return rev, head, saved
