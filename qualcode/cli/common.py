"""What every command shares: the project it works on, the coder, sessions, and output (Rich for
people, --json for programs)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode import config


class _LazyConsole:
    """Rich's Console, built on first use: commands that print plain lines never import Rich.
    Rebuilt when $COLUMNS/$LINES change (as between in-process test runs)."""

    _console = None
    _env: tuple[str | None, str | None] = (None, None)

    def __getattr__(self, name: str) -> Any:
        env = (os.environ.get("COLUMNS"), os.environ.get("LINES"))
        if _LazyConsole._console is None or env != _LazyConsole._env:
            from rich.console import Console

            _LazyConsole._console = Console(highlight=False, soft_wrap=False)
            _LazyConsole._env = env
        return getattr(_LazyConsole._console, name)


console: Any = _LazyConsole()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead.")]
CoderOpt = Annotated[
    str | None,
    typer.Option(
        "--coder",
        envvar="QUALCODE_CODER",
        help="Who is coding (default: $QUALCODE_CODER, else your login name).",
    ),
]


# --coder on the commands that count codings (matrix, cooccur, gaps, synthesize, report), where it
# filters whose codings are counted rather than naming who is working: one text for all of them.
FilterCoderOpt = Annotated[
    str | None,
    typer.Option("--coder", help="Only this coder's codings (default: every coder's, one code's "
                 "overlapping codings by different coders counted once; see README)."),
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


def command_prefix(ctx: typer.Context) -> str:
    """`qualcode`, with the -p or --db that reach this project when a command it suggests is run
    from the current folder (where a search upwards would find another project, or none)."""
    import shlex

    st = state(ctx)
    words = ["qualcode"]
    if st.db:
        from qualcode.storage.database import safe_url

        words += ["--db", shlex.quote(safe_url(st.db))]
    elif st.project is not None:
        here = config.find_project_folder(Path.cwd())
        if here is None or here.resolve() != Path(st.project).resolve():
            words += ["-p", shlex.quote(str(st.project))]
    return " ".join(words)


# For read commands that also take --by: a typed --coder keeps that coder's codings.
ViewerOpt = Annotated[
    str | None,
    typer.Option(
        "--coder",
        envvar="QUALCODE_CODER",
        help="Only this coder's codings, as --by (matrix and synthesize spell it so); with "
        "--blind, who is coding (default: $QUALCODE_CODER, else your login name).",
    ),
]


def coder_filter(ctx: typer.Context, by: str | None, coder: str | None,
                 blind: bool) -> tuple[str | None, str | None]:
    """(the coder whose codings to keep, the coder to be blind for). `--coder wei` typed on the
    command line filters as `--by wei` does: other commands spell the filter --coder, and it
    was silently ignored here, every coder's codings listed as if filtered. $QUALCODE_CODER
    alone filters nothing unless --blind."""
    if blind:  # only the coder's own codings already (the service refuses another --by)
        return by, coder_name(coder)
    # by name: Typer may carry a click of its own, whose ParameterSource is another enum
    typed = getattr(ctx.get_parameter_source("coder"), "name", None) == "COMMANDLINE"
    if typed and by and by != coder:
        from qualcode.errors import QualcodeError

        raise QualcodeError(f"--by {by} and --coder {coder} name different coders",
                            hint="give one of them")
    return by or (coder if typed else None), None


def coder_name(coder: str | None) -> str:
    if coder:
        return coder
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


@contextlib.contextmanager
def project_session(ctx: typer.Context, *, write: bool = True) -> Iterator[Any]:
    """A session on the checked project database; committed if the command succeeds, rolled back
    (nothing changed) if it fails. A command that may change the project (the default) holds
    the project's write lock from its start, waiting its turn behind another writer; a command
    that only reads passes write=False and never waits."""
    from qualcode.storage import database

    if not gc.isenabled():  # main() turned it off for start-up (qualcode/cli/__init__.py)
        gc.freeze()  # what start-up loaded lives as long as the process: never scanned again
        gc.enable()
    engine = database.make_engine(state(ctx).location().url)
    try:
        database.check_schema(engine)
        with database.session_scope(engine, write=write, on_wait=_tell_waiting) as session:
            yield session
    finally:
        engine.dispose()


def backup_before(ctx: typer.Context, label: str) -> None:
    """A destructive command backs the project up before its change is committed: the backup
    reads the last committed state (this command's own change is not in it yet)."""
    from qualcode.services.project import auto_backup

    location = state(ctx).location()
    taken = auto_backup(location.url, location.folder, label)
    pruned = f" ({len(taken.pruned)} older one(s) of this kind removed)" if taken.pruned else ""
    err(f"backed up first: {taken.path}{pruned}")


def _tell_waiting() -> None:
    err("waiting: another qualcode command is writing to this project...")


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


def emit_json_stream(items: Iterator[Any]) -> None:
    """A JSON array written item by item, one compact object per line, so long listings stream
    (and use the C encoder: `indent` would switch json to its pure-Python one, 5x slower)."""
    out = sys.stdout
    dumps = json.JSONEncoder(default=_default, ensure_ascii=False).encode
    sep = "[\n"
    for item in items:
        flat = item.__dict__ if dataclasses.is_dataclass(item) else item
        out.write(sep + dumps(flat))
        sep = ",\n"
    out.write("[]\n" if sep == "[\n" else "\n]\n")
    out.flush()


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (for scripts).")]


def confirm(question: str, yes: bool) -> None:
    """Destructive commands: ask on a terminal; from a script, --yes or nothing happens."""
    from qualcode.errors import QualcodeError

    if yes:
        return
    if not sys.stdin.isatty():
        raise QualcodeError(f"not confirmed: {question}", hint="add --yes to do it from a script")
    if not typer.confirm(question, default=False):
        raise QualcodeError("cancelled; nothing changed")


def err(message: str) -> None:
    """One plain line on stderr: never wrapped, so scripts and people both read it whole."""
    typer.echo(message, err=True)
