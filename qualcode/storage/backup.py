"""Backups and restores of a whole project database.

SQLite: SQLite's online backup API copies the file page by page from a read transaction, so the
copy is consistent while other commands keep writing (WAL readers do not block writers).

PostgreSQL: `pg_dump --format=custom` when it is installed (the tool a server's keeper knows;
`pg_restore` brings it back); without it, a *portable snapshot*: every table copied, in one
REPEATABLE READ transaction, into a new SQLite file with qualcode's schema. A portable snapshot or
a SQLite backup can be restored into a new project on SQLite or PostgreSQL alike.

Every file is written under a temporary name beside its target and renamed when complete, so a
backup interrupted half-way never looks like a backup.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.engine import URL

from qualcode.errors import InputError, ProjectError
from qualcode.processes import alive
from qualcode.storage import database
from qualcode.storage.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
TMP_SUFFIX = ".qualcode-partial"


@dataclass
class BackupResult:
    path: Path
    kind: str  # "sqlite" (backup API), "snapshot" (portable, from PostgreSQL), "pg_dump"
    revision: str | None


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


def _partial(target: Path) -> Path:
    """The temporary name a file is written under before it is renamed to `target`: hidden,
    in the same folder (so the rename is atomic) and marked as partial, so a half-written one
    left by a killed command is recognised and removed by the next backup to that folder. It
    carries the writer's process id, so a backup running at the same time is left alone."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")


# .NAME.PID.HEX.qualcode-partial; a name without PID (written before it was added) is stale too.
_PARTIAL = re.compile(rf"^\..+?(?:\.(\d+))?\.[0-9a-f]{{12}}{re.escape(TMP_SUFFIX)}$")


def clean_partials(folder: Path) -> int:
    """Remove partial files that a killed backup left in `folder`; returns how many."""
    removed = 0
    for stray in folder.glob(f".*{TMP_SUFFIX}"):
        match = _PARTIAL.match(stray.name)
        if match and match.group(1) and alive(int(match.group(1))):
            continue  # another command (or this one) is still writing it
        try:
            stray.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def schema_of(url: URL) -> str | None:
    """The schema a PostgreSQL URL selects with options=-csearch_path=..., if any."""
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    match = re.search(r"search_path\s*=\s*([A-Za-z0-9_]+)", options or "")
    return match.group(1) if match else None


def default_backup_path(engine: Engine, folder: Path | None, label: str) -> Path:
    """Where an automatic backup goes: beside the SQLite file, else in the project folder's
    `backups/` (or the current folder's when the project is only a URL)."""
    stamp = _stamp()
    sqlite_file = database.sqlite_path(engine)
    if sqlite_file is not None:
        return sqlite_file.with_name(f"{sqlite_file.name}.backup-{label}-{stamp}")
    base = (folder / "backups") if folder is not None else Path.cwd() / "qualcode-backups"
    url = engine.url
    name = "-".join(p for p in (url.database, schema_of(url)) if p) or "project"
    suffix = ".dump" if shutil.which("pg_dump") else ".db"
    return base / f"{name}.backup-{label}-{stamp}{suffix}"


def prune_automatic(latest: Path, label: str, keep: int) -> list[Path]:
    """Remove the older automatic backups of one kind (the `label` of the destructive command
    that took them) beside `latest`, keeping the newest `keep`; returns what was removed. Backups
    taken by hand (`qualcode backup`) and before migrations have other labels: never touched."""
    if keep <= 0:
        return []
    stem = latest.name.split(f".backup-{label}-", 1)[0]
    pattern = re.compile(re.escape(f"{stem}.backup-{label}-") + r"(\d{8}T\d{12})(\.\w+)?$")
    found = sorted((m.group(1), path) for path in latest.parent.iterdir()
                   if (m := pattern.match(path.name)) and path.is_file())
    removed = []
    for _stamp_text, path in found[:-keep]:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def backup(engine: Engine, target: Path) -> BackupResult:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_partials(target.parent)
    revision = database.current_revision(engine)
    partial = _partial(target)
    try:
        if engine.url.get_backend_name() == "sqlite":
            _sqlite_backup(engine, partial)
            kind = "sqlite"
        elif engine.url.get_backend_name() == "postgresql" and shutil.which("pg_dump"):
            _pg_dump(engine.url, partial)
            kind = "pg_dump"
        else:
            _snapshot(engine, partial)
            kind = "snapshot"
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=target, kind=kind, revision=revision)


def _sqlite_backup(engine: Engine, partial: Path) -> None:
    path = database.sqlite_path(engine)
    if path is None or not path.exists():
        raise ProjectError("there is no SQLite file to back up")
    source = sqlite3.connect(path)
    dest = sqlite3.connect(partial)
    try:
        source.execute(f"PRAGMA busy_timeout={database.SQLITE_BUSY_TIMEOUT_MS}")
        source.backup(dest)
        # A backup is one self-contained file, not a WAL database with a -wal beside it.
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
        source.close()


def _libpq_env(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore through the environment: a password in the URL
    goes in PGPASSWORD for the child alone, never on a command line (`ps` shows those)."""
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGDATABASE", url.database), ("PGPASSWORD", url.password)):
        if value is not None:
            env[key] = str(value)
    return env


def _pg_dump(url: URL, partial: Path) -> None:
    args = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
    schema = schema_of(url)
    if schema:
        args.append(f"--schema={schema}")
    done = subprocess.run(args, env=_libpq_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ProjectError(f"pg_dump failed: {detail}")


def _snapshot(engine: Engine, partial: Path) -> None:
    """Every table's rows, read in one consistent transaction, into a new SQLite file."""
    dest = database.make_engine(f"sqlite:///{partial}")
    try:
        Base.metadata.create_all(dest)
        with dest.begin() as out:
            out.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        source = engine.connect()
        if engine.url.get_backend_name() == "postgresql":
            source = source.execution_options(isolation_level="REPEATABLE READ")
        with source, source.begin(), dest.begin() as out:
            _copy_rows(source, out)
            revision = source.execute(text("SELECT version_num FROM alembic_version")).scalar()
            out.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})
    finally:
        dest.dispose()


def _copy_rows(source, dest, batch: int = 2000) -> None:
    for table in Base.metadata.sorted_tables:
        dest.execute(table.delete())
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        query = select(table).order_by(*pk)
        own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        if own:  # a tree (codes.parent_id): parents before their children
            rows = [dict(r._mapping) for r in source.execute(query)]
            dest_rows = _parents_first(rows, pk[0].name, own)
            for i in range(0, len(dest_rows), batch):
                dest.execute(insert(table), dest_rows[i:i + batch])
            continue
        result = source.execution_options(stream_results=True).execute(query)
        while rows := result.fetchmany(batch):
            dest.execute(insert(table), [dict(r._mapping) for r in rows])


def _parents_first(rows: list[dict], key: str, refs: list[str]) -> list[dict]:
    placed: set = set()
    out: list[dict] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r[c] is None or r[c] in placed or r[c] == r[key]
                                           for c in refs)]
        if not ready:  # a cycle cannot be stored anyway; keep the rest as they are
            return out + pending
        out += ready
        placed |= {r[key] for r in ready}
        ready_ids = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in ready_ids]
    return out


def _kind_of(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise InputError(f"cannot read the backup: {exc.strerror}", where=str(path)) from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    raise InputError("not a qualcode backup (neither a SQLite file nor a pg_dump archive)",
                     where=str(path))


def restore(path: Path, url: str) -> str:
    """Bring a backup back into the empty database at `url` (a new project's). Returns the URL
    the project should use (a pg_dump of one schema comes back in that schema)."""
    path = Path(path)
    kind = _kind_of(path)
    target = database.make_engine(url)
    try:
        if kind == "pg_dump":
            return _pg_restore(path, target)
        _restore_sqlite(path, target)
        return url
    finally:
        target.dispose()


def _restore_sqlite(path: Path, target: Engine) -> None:
    # Work on a copy: the backup itself is never changed, even when it needs upgrading.
    work = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")
    try:
        try:
            shutil.copyfile(path, work)
        except OSError:  # the backup's folder may be read-only: work in the target's
            work = Path(os.environ.get("TMPDIR", "/tmp")) / work.name
            shutil.copyfile(path, work)
        source = database.make_engine(f"sqlite:///{work}")
        try:
            revision = database.current_revision(source)
            if revision is None:
                raise InputError("not a qualcode backup (no schema version)", where=str(path))
            try:
                with source.connect() as conn:
                    if conn.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                        raise InputError("the backup is damaged (integrity check failed)",
                                         where=str(path))
            except database.OperationalError as exc:
                raise InputError(f"the backup is damaged: {exc.orig}", where=str(path)) from exc
            if revision != database.known_head():
                database.upgrade_schema(source, backup_first=False)
            if target.url.get_backend_name() == "sqlite" and database.sqlite_path(target):
                dest_file = database.sqlite_path(target)
                assert dest_file is not None
                source.dispose()
                _sqlite_backup(database.make_engine(f"sqlite:///{work}"), dest_file)
                return
            database.create_schema(target, "restored")
            with source.connect() as src, target.begin() as out:
                _copy_rows(src, out)
                if target.url.get_backend_name() == "postgresql":
                    _reset_sequences(out)
        finally:
            source.dispose()
    finally:
        work.unlink(missing_ok=True)
        for extra in ("-wal", "-shm"):
            Path(f"{work}{extra}").unlink(missing_ok=True)


def _reset_sequences(conn) -> None:
    """After rows came in with their ids, each sequence continues past the highest."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
            ),
            {"t": table.name, "c": pk[0].name},
        )


def _pg_restore(path: Path, target: Engine) -> str:
    if target.url.get_backend_name() != "postgresql":
        raise ProjectError("a pg_dump backup is restored into PostgreSQL",
                           hint="give the new project a PostgreSQL --db URL")
    if not shutil.which("pg_restore"):
        raise ProjectError("pg_restore is not installed", hint="install postgresql-client")
    listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True,
                             text=True, check=False)
    if listing.returncode != 0:
        raise InputError("not a readable pg_dump archive", where=str(path))
    schemas = re.findall(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", listing.stdout, re.M)
    url = target.url
    if _pg_has_tables(target, schemas[0] if schemas else None):
        raise ProjectError("the target database already holds a qualcode project",
                           hint="restore into a new, empty database")
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
         f"--dbname={url.database}", str(path)],
        env=_libpq_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ProjectError(f"pg_restore failed: {detail}")
    rendered = url.render_as_string(hide_password=False)
    if schemas and schemas[0] != "public" and schema_of(url) != schemas[0]:
        query = {k: v for k, v in url.query.items() if k != "options"}
        rendered = url.set(query={**query, "options": f"-csearch_path={schemas[0]}"}
                           ).render_as_string(hide_password=False)
    return rendered


def _pg_has_tables(engine: Engine, schema: str | None) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "COALESCE(:s, current_schema()) AND table_name = 'alembic_version'"),
            {"s": schema}).scalar())
