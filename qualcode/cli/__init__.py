"""The `qualcode` command: Typer sub-apps composed here, one module per command group.

Exit codes: 0 done, 1 a user error (one line on stderr), 2 usage. Heavy libraries (spaCy) are
imported inside the commands that need them, so `qualcode --help` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from qualcode import __version__
from qualcode.cli import (
    agreement_cmds,
    analysis_cmds,
    cases_cmds,
    codebook_cmds,
    coding_cmds,
    consensus_cmds,
    exchange_cmds,
    import_cmds,
    learning_cmds,
    memo_cmds,
    project_cmds,
    review_cmds,
    show_cmds,
    suggest_cmds,
    synthesis_cmds,
)
from qualcode.cli.common import State, err
from qualcode.errors import QualcodeError, SpanError


class _Group(TyperGroup):
    """Turns a QualcodeError raised anywhere below into one line on stderr and exit code 1."""

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


project_cmds.register(app)
import_cmds.register(app)
show_cmds.register(app)
suggest_cmds.register(app)
review_cmds.register(app)
learning_cmds.register(app)
analysis_cmds.register(app)
synthesis_cmds.register(app)
agreement_cmds.register(app)
app.add_typer(codebook_cmds.app, name="codebook")
app.add_typer(cases_cmds.app, name="cases")
app.add_typer(coding_cmds.code_app, name="code")
app.add_typer(coding_cmds.codings_app, name="codings")
app.add_typer(memo_cmds.app, name="memo")
app.add_typer(exchange_cmds.app, name="refi")
app.add_typer(consensus_cmds.app, name="consensus")


def main() -> None:
    app()
