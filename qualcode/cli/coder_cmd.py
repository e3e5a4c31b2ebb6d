"""`qualcode code DOC`: the full-screen coder, reached from the `code` group when its first word
is not one of the group's commands (add, remove, open)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from qualcode.cli.common import CoderOpt, coder_name, console, state
from qualcode.errors import QualcodeError

OPEN = "open"


def register(code_app: typer.Typer) -> None:
    """Make `code DOC` open the coder: the group routes a first word that is not one of its
    commands to `open`."""
    code_app.info.cls = CodeGroup
    code_app.info.help = ("Code passages by hand: `qualcode code DOC` opens the full-screen "
                          "coder; add and remove work in scripts.")
    code_app.command(OPEN)(open_coder)


class CodeGroup(TyperGroup):
    """`qualcode code DOC [OPTIONS]` is `qualcode code open DOC [OPTIONS]`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [OPEN, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, "DOC [OPTIONS] | COMMAND [ARGS]...")


def open_coder(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(help="Document name, e.g. interview-03.")],
    coder: CoderOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Show only this coder's codings.")
    ] = None,
    blind: Annotated[
        bool,
        typer.Option("--blind", help="Blind coding: show only your own codings (--coder)."),
    ] = False,
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            help="The codebook file new codes are written to (default: the file the project "
            "last loaded, when it can be found).",
        ),
    ] = None,
) -> None:
    """Code DOC in a full-screen terminal coder (also `qualcode code DOC`): move by sentence or
    turn, apply codes by fuzzy search, make new codes, key quotes, memos, undo. Press ? inside."""
    from qualcode.services import coder_view
    from qualcode.storage import database

    who = coder_name(coder)
    if blind and by is not None and by.strip() != who:
        raise QualcodeError(f"blind coding shows only {who}'s own codings, not {by}'s",
                            hint="drop --by, or drop --blind")
    only = who if blind else by
    if codebook is not None and not codebook.is_file():
        raise QualcodeError(f"no codebook file {codebook}", hint="give the YAML file's path")
    location = state(ctx).location()
    engine = database.make_engine(location.url)
    try:
        database.check_schema(engine)
        with database.session_scope(engine) as session:
            from qualcode.services import lookup

            lookup.document(session, document)  # a wrong name is refused before the screen opens
            if by is not None and not blind:
                lookup.coder(session, by, create=False)
            path = codebook.resolve() if codebook else coder_view.codebook_file(
                session, location.folder)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise QualcodeError(
                "the coder needs a terminal",
                hint="in scripts, use `qualcode code add DOC CODE --quote ...`")
        from qualcode.cli.coder_app import CoderApp

        app = CoderApp(lambda: database.session_scope(engine, write=True), document, coder=who,
                       only_coder=only, codebook_path=path)
        app.run()
    finally:
        engine.dispose()
    changes = len(app.done)
    console.print(f"{document}: {changes} change(s) kept from this session, each saved as it "
                  "was made." if changes else f"{document}: nothing changed.")
