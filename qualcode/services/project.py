"""Creating, opening and upgrading a project."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qualcode import config
from qualcode.errors import ProjectError
from qualcode.storage import database


@dataclass
class InitResult:
    folder: Path
    project_file: Path
    url: str
    revision: str


@dataclass
class BackupInfo:
    path: Path
    kind: str
    revision: str | None


@dataclass
class RestoreResult:
    folder: Path
    url: str
    revision: str


@dataclass
class UpgradeResult:
    url: str
    from_revision: str | None
    to_revision: str
    backup: Path | None


def init_project(folder: Path, *, db: str | None = None, name: str | None = None) -> InitResult:
    if (folder / config.PROJECT_FILE).exists():
        raise ProjectError(
            f"{folder} is already a qualcode project", hint="work in it, or choose another folder"
        )
    if folder.exists() and not folder.is_dir():
        raise ProjectError(f"{folder} exists and is not a folder")
    database_setting = db or config.DEFAULT_DB_FILE
    url = (
        database_setting
        if "://" in database_setting
        else config.sqlite_url(folder / database_setting)
    )
    engine = database.make_engine(url)
    sqlite_file = database.sqlite_path(engine)
    if sqlite_file is not None and sqlite_file.exists() and sqlite_file.stat().st_size > 0:
        raise ProjectError(f"{sqlite_file} already exists", hint="remove it or choose another file")
    folder.mkdir(parents=True, exist_ok=True)
    project_name = name or folder.resolve().name
    try:
        database.create_schema(engine, project_name)
    finally:
        engine.dispose()
    # A password in the URL served to create the schema; it is never written down: the project
    # file keeps the URL without it, and libpq finds it in ~/.pgpass, $PGPASSFILE, $PGPASSWORD or
    # a service file (README: a team on a shared server).
    stored = database.url_without_password(database_setting)
    path = config.write_project_file(folder, stored, project_name)
    return InitResult(folder=folder, project_file=path, url=database.safe_url(url),
                      revision=database.head_revision())


def upgrade_project(url: str, folder: Path | None = None) -> UpgradeResult:
    engine = database.make_engine(url)
    try:
        before, after, backup = database.upgrade_schema(engine, folder=folder)
    finally:
        engine.dispose()
    return UpgradeResult(url=database.safe_url(url), from_revision=before, to_revision=after,
                         backup=backup)


def backup_project(url: str, output: Path | None, folder: Path | None,
                   label: str = "manual") -> BackupInfo:
    """A consistent snapshot of the project, taken while others may be working."""
    from qualcode.storage import backup

    engine = database.make_engine(url)
    try:
        database.check_schema(engine)
        target = output if output is not None else backup.default_backup_path(engine, folder, label)
        result = backup.backup(engine, target)
    finally:
        engine.dispose()
    return BackupInfo(path=result.path, kind=result.kind, revision=result.revision)


KEEP_AUTOMATIC_BACKUPS = 10


def keep_automatic_backups() -> int:
    """How many automatic backups of each kind are kept: QUALCODE_KEEP_BACKUPS, 0 for all."""
    try:
        return max(0, int(os.environ.get("QUALCODE_KEEP_BACKUPS", KEEP_AUTOMATIC_BACKUPS)))
    except ValueError:
        return KEEP_AUTOMATIC_BACKUPS


@dataclass
class AutoBackup:
    path: Path
    pruned: list[Path]


def auto_backup(url: str, folder: Path | None, label: str) -> AutoBackup:
    """The backup a destructive command takes before it changes anything; older automatic
    backups of the same command beyond the newest few are removed, so they cannot fill a disk."""
    from qualcode.storage import backup

    path = backup_project(url, None, folder, label).path
    return AutoBackup(path=path, pruned=backup.prune_automatic(path, label,
                                                               keep_automatic_backups()))


def restore_project(file: Path, folder: Path, *, db: str | None = None,
                    name: str | None = None) -> RestoreResult:
    """A new project in `folder` holding what the backup `file` holds."""
    from qualcode.storage import backup

    if not Path(file).is_file():
        raise ProjectError(f"no backup file {file}", hint="give the path `qualcode backup` printed")
    if (folder / config.PROJECT_FILE).exists():
        raise ProjectError(f"{folder} is already a qualcode project",
                           hint="restore into a new folder")
    database_setting = db or config.DEFAULT_DB_FILE
    url = (database_setting if "://" in database_setting
           else config.sqlite_url(folder / database_setting))
    engine = database.make_engine(url)
    sqlite_file = database.sqlite_path(engine)
    engine.dispose()
    if sqlite_file is not None and sqlite_file.exists():
        raise ProjectError(f"{sqlite_file} already exists", hint="restore into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    final_url = backup.restore(Path(file), url)
    if "://" in database_setting:
        database_setting = final_url
    engine = database.make_engine(final_url)
    try:
        database.check_schema(engine)
        revision = database.current_revision(engine) or "?"
    finally:
        engine.dispose()
    config.write_project_file(folder, database.url_without_password(database_setting),
                              name or folder.resolve().name)
    return RestoreResult(folder=folder, url=database.safe_url(final_url), revision=revision)
