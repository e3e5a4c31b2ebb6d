"""What every command shares: the project it works on, the coder, sessions, and output (Rich for
people, --json for programs)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from qualcode import config

console = Console(highlight=False, soft_wrap=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead.")]
CoderOpt = Annotated[
    str | None,
    typer.Option(
        "--coder",
        envvar="QUALCODE_CODER",
        help="Who is coding (default: $QUALCODE_CODER, else your login name).",
    ),
]


BlindOpt = Annotated[
    bool,
    typer.Option(
        "--blind",
        help="Blind coding: only your own codings (--coder) and the suggestions still pending "
        "or decided by you.",
    ),
]


@dataclasses.dataclass
class State:
    project: Path | None = None
    db: str | None = None

    def location(self) -> config.ProjectLocation:
        return config.locate(self.db, self.project)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def coder_name(coder: str | None) -> str:
    if coder:
        return coder
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


@contextlib.contextmanager
def project_session(ctx: typer.Context) -> Iterator[Any]:
    """A session on the checked project database; committed if the command succeeds, rolled back
    (nothing changed) if it fails."""
    from qualcode.storage import database

    engine = database.make_engine(state(ctx).location().url)
    try:
        database.check_schema(engine)
        with database.session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def _default(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | tuple):
        return list(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def err(message: str) -> None:
    """One plain line on stderr: never wrapped, so scripts and people both read it whole."""
    typer.echo(message, err=True)
