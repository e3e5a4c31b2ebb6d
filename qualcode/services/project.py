"""Creating, opening and upgrading a project."""

from __future__ import annotations

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
    path = config.write_project_file(folder, database_setting, project_name)
    return InitResult(folder=folder, project_file=path, url=url, revision=database.head_revision())


def upgrade_project(url: str) -> UpgradeResult:
    engine = database.make_engine(url)
    try:
        before, after, backup = database.upgrade_schema(engine)
    finally:
        engine.dispose()
    return UpgradeResult(url=url, from_revision=before, to_revision=after, backup=backup)
