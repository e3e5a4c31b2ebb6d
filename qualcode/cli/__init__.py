"""The `qualcode` command: Typer sub-apps composed here, one module per command group.

Exit codes: 0 done, 1 a user error (one line on stderr), 2 usage. Heavy libraries (spaCy) are
imported inside the commands that need them, so `qualcode --help` stays instant.

Each command group's module is imported only when that command runs (or for --help), so a
command pays for its own imports alone: `_COMMANDS` maps a command name to its module and,
for a group, the Typer sub-app in it; a plain command's module has a `register(app)`.
"""

from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from qualcode import __version__
from qualcode.cli.common import State, err
from qualcode.errors import QualcodeError, SpanError

# name -> (module in qualcode.cli, sub-app attribute or None for a registered command), in the
# order `qualcode --help` lists them.
_COMMANDS: dict[str, tuple[str, str | None]] = {
    "init": ("project_cmds", None),
    "upgrade": ("project_cmds", None),
    "stats": ("project_cmds", None),
    "backup": ("project_cmds", None),
    "restore": ("project_cmds", None),
    "import": ("import_cmds", None),
    "show": ("show_cmds", None),
    "suggest": ("suggest_cmds", None),
    "suggestions": ("suggest_cmds", "suggestions_app"),
    "review": ("review_cmds", None),
    "train": ("learning_cmds", None),
    "evaluate": ("learning_cmds", None),
    "matrix": ("analysis_cmds", None),
    "cooccur": ("analysis_cmds", None),
    "search": ("analysis_cmds", None),
    "gaps": ("analysis_cmds", None),
    "summary": ("synthesis_cmds", "summary_app"),
    "synthesize": ("synthesis_cmds", None),
    "report": ("synthesis_cmds", None),
    "agreement": ("agreement_cmds", None),
    "codebook": ("codebook_cmds", "app"),
    "cases": ("cases_cmds", "app"),
    "code": ("coding_cmds", "code_app"),
    "codings": ("coding_cmds", "codings_app"),
    "memo": ("memo_cmds", "app"),
    "refi": ("exchange_cmds", "app"),
    "consensus": ("consensus_cmds", "app"),
    "documents": ("documents_cmds", "app"),
    "codes": ("codes_cmds", "app"),
    "log": ("history_cmds", None),
    "undo": ("history_cmds", None),
    "redo": ("history_cmds", None),
    "manifest": ("manifest_cmds", None),
    "pseudonyms": ("pseudonym_cmds", "app"),
}


def _load(name: str):
    module_name, attr = _COMMANDS[name]
    module = importlib.import_module(f"qualcode.cli.{module_name}")
    if attr is not None:
        group = typer.main.get_group(getattr(module, attr))
        group.name = name
        return _unwrap_help(group)
    holder = typer.Typer()
    module.register(holder)
    return _unwrap_help(typer.main.get_group(holder).commands.get(name))


def _unwrap_help(command):
    """Join the hard-wrapped lines of each help paragraph: Rich's help keeps a docstring's line
    breaks, which cut sentences mid-line at any terminal width. Paragraphs (blank lines) stay."""
    if command is None:
        return None
    if command.help:
        command.help = "\n\n".join(" ".join(line.strip() for line in para.splitlines())
                                    for para in command.help.split("\n\n"))
    for sub in getattr(command, "commands", {}).values():
        _unwrap_help(sub)
    return command


class _Group(TyperGroup):
    """Loads command modules on demand, and turns a QualcodeError raised anywhere below into one
    line on stderr and exit code 1."""

    def list_commands(self, ctx):
        eager = super().list_commands(ctx)
        return [*_COMMANDS, *(n for n in eager if n not in _COMMANDS)]

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and name in _COMMANDS:
            command = _load(name)
            if command is not None:
                self.add_command(command, name)
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            report(exc)
            raise typer.Exit(exc.exit_code) from None


def report(exc: QualcodeError) -> None:
    err(f"error: {exc.one_line()}")
    if isinstance(exc, SpanError):
        for cand in exc.candidates:
            err(f"  {cand.start}:{cand.end}  {cand.context}")


app = typer.Typer(
    cls=_Group,
    name="qualcode",
    help="qualcode: transcripts, codebooks, spaCy-suggested codes and per-firm synthesis tables, "
    "in the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-p",
            envvar="QUALCODE_PROJECT",
            help="Project folder (default: found from the current folder upwards).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="QUALCODE_DB",
            help="Database URL or SQLite file; overrides the project's own.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = State(project=project, db=db)



def main() -> None:
    # Start-up makes hundreds of thousands of objects (SQLAlchemy, the models, the command's
    # modules) and no garbage worth collecting; the collector's passes over them cost ~15% of a
    # short command's time. It is switched back on, with those objects frozen out of its
    # passes, when the command opens its project (cli.common.project_session); commands that
    # never open one are short.
    gc.disable()
    app()
