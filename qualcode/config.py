"""Where a project lives and which database it uses.

A project is a folder holding `qualcode.toml` (and, by default, the SQLite file `qualcode.db`).
The database URL comes from, in order: --db, $QUALCODE_DB, the project file found from --project,
$QUALCODE_PROJECT or the current folder upwards (as git finds its repository).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ProjectError

PROJECT_FILE = "qualcode.toml"
DEFAULT_DB_FILE = "qualcode.db"


@dataclass(frozen=True)
class ProjectLocation:
    url: str
    folder: Path | None  # None when only a URL was given


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def find_project_folder(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def read_project_file(folder: Path) -> str:
    data, path = _project_data(folder)
    url = data.get("database", DEFAULT_DB_FILE)
    if not isinstance(url, str) or not url:
        raise ProjectError("`database` must be a file name or a database URL", where=str(path))
    if "://" not in url:  # a file name, relative to the project folder
        return sqlite_url(folder / url)
    return url


def write_project_file(folder: Path, database: str, name: str) -> Path:
    path = folder / PROJECT_FILE
    body = (
        "# qualcode project. `database` is a SQLite file name (relative to this folder)\n"
        "# or any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/dbname\n"
        f"name = {_toml_string(name)}\n"
        f"database = {_toml_string(database)}\n"
    )
    path.write_text(body, encoding="utf-8")
    return path


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _existing(url: str, given: str) -> str:
    """A SQLite file that is not there is a mistyped path, not a new project: refused, so that no
    command but `init` creates an empty database by accident."""
    if url.startswith("sqlite:///"):
        file = url[len("sqlite:///"):].split("?", 1)[0]
        if file and file != ":memory:" and not Path(file).exists():
            raise ProjectError(f"no database file {file}",
                               where=given, hint="check the path; `qualcode init` creates one")
    return url


def locate(db: str | None, project: Path | None, cwd: Path | None = None) -> ProjectLocation:
    db = db or os.environ.get("QUALCODE_DB") or None
    if db:
        url = db if "://" in db else sqlite_url(Path(db))
        return ProjectLocation(url=_existing(url, "--db"), folder=None)
    env_project = os.environ.get("QUALCODE_PROJECT")
    if project is None and env_project:
        project = Path(env_project)
    if project is not None:
        if not (project / PROJECT_FILE).is_file():
            raise ProjectError(
                f"no qualcode project in {project}", hint=f"run `qualcode init {project}` first"
            )
        url = read_project_file(project)
        return ProjectLocation(url=_existing(url, str(project / PROJECT_FILE)), folder=project)
    found = find_project_folder((cwd or Path.cwd()).resolve())
    if found is None:
        raise ProjectError(
            "no qualcode project here or in any parent folder",
            hint="run `qualcode init DIR`, or pass --project DIR or --db URL",
        )
    url = read_project_file(found)
    return ProjectLocation(url=_existing(url, str(found / PROJECT_FILE)), folder=found)


PSEUDONYM_KEY_FILE = "pseudonyms.yaml"


def pseudonym_key_path(folder: Path | None, given: Path | None) -> Path:
    """--key, else `pseudonym_key` in qualcode.toml (relative to the project folder), else
    pseudonyms.yaml in the project folder."""
    if given is not None:
        return given
    if folder is None:
        raise ProjectError("no project folder to keep the pseudonym key in",
                           hint="give the key file with --key FILE")
    data, path = _project_data(folder)
    name = data.get("pseudonym_key", PSEUDONYM_KEY_FILE)
    if not isinstance(name, str) or not name.strip():
        raise ProjectError("`pseudonym_key` must be a file name", where=str(path))
    return folder / Path(name).expanduser()


def _project_data(folder: Path) -> tuple[dict, Path]:
    """The project's qualcode.toml, parsed, and its path (for messages)."""
    path = folder / PROJECT_FILE
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"cannot read the project file: {exc}", where=str(path)) from exc
