"""codes rename | move | merge: managing codes in the project, their evidence following."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    CoderOpt,
    JsonOpt,
    YesOpt,
    backup_before,
    coder_name,
    confirm,
    emit_json,
    project_session,
)

app = typer.Typer(help="Rename, move and merge codes; codings, suggestions and memos follow.",
                  no_args_is_help=True)
KeyArg = Annotated[str, typer.Argument(help="Code key, e.g. innovation.cell-design.")]
CodebookOpt = Annotated[Path | None, typer.Option(
    "--codebook", help="Also rewrite this codebook YAML (comments and layout kept); without it "
                       "the command says what to change.")]


def _edit(change, codebook: Path | None):
    if codebook is None:
        return change
    from qualcode.services.codes import edit_codebook_file

    return edit_codebook_file(codebook, change)


def _print(change) -> None:
    typer.echo(f"{change.action}: {change.old_key} -> {change.new_key}")
    for old, new in list(change.keys.items())[1:]:
        typer.echo(f"  {old} -> {new}")
    for what, n in change.moved.items():
        typer.echo(f"  {n} {what} moved")
    typer.echo(change.codebook_hint)


@app.command("rename")
def rename(ctx: typer.Context, key: KeyArg,
           new_key: Annotated[str, typer.Argument(help="The new full key.")],
           codebook: CodebookOpt = None,
           coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Give a code a new key (codes below it follow); it keeps its GUID. Prints what to change
    in the codebook file."""
    from qualcode.services.codes import rename_code

    with project_session(ctx) as session:
        change = rename_code(session, key, new_key, actor=coder_name(coder))
    change = _edit(change, codebook)  # after the commit: the file follows the project
    emit_json(change) if json_out else _print(change)


@app.command("move")
def move(ctx: typer.Context, key: KeyArg,
         parent: Annotated[str, typer.Argument(help="The code to put it under.")],
         codebook: CodebookOpt = None,
         coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Move a code (and the codes below it) under another parent."""
    from qualcode.services.codes import rename_code

    with project_session(ctx) as session:
        change = rename_code(session, key, f"{parent}.{key.split('.')[-1]}",
                             actor=coder_name(coder), action="code.move")
    change = _edit(change, codebook)  # after the commit: the file follows the project
    emit_json(change) if json_out else _print(change)


@app.command("merge")
def merge(ctx: typer.Context, source: KeyArg,
          target: Annotated[str, typer.Argument(help="The code that absorbs it.")],
          codebook: CodebookOpt = None,
          yes: YesOpt = False, coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Merge code A into code B: A's codings, suggestions and memos move to B, A is retired.
    Asks on a terminal (--yes in scripts); `qualcode undo` separates them again."""
    from qualcode.services.codes import merge_codes

    with project_session(ctx) as session:
        change = merge_codes(session, source, target, actor=coder_name(coder))
        confirm(f"Merge {source} into {target} ({change.moved['codings']} codings)?", yes)
        backup_before(ctx, "codes-merge")
    change = _edit(change, codebook)  # after the commit: the file follows the project
    emit_json(change) if json_out else _print(change)


@app.command("split")
def split(ctx: typer.Context, key: KeyArg,
          new_key: Annotated[str, typer.Argument(help="The new code's full key.")],
          coding: Annotated[list[int], typer.Option(
              "--coding", help="A coding (id) that goes to the new code; repeat it.")],
          name: Annotated[str | None, typer.Option("--name", help="The new code's name.")
                          ] = None,
          codebook: CodebookOpt = None,
          coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Split a code: a new code takes the codings given with --coding, the rest stay. Prints what
    to add to the codebook file."""
    from qualcode.services.codes import split_code

    with project_session(ctx) as session:
        change = split_code(session, key, new_key, coding, actor=coder_name(coder), name=name)
    change = _edit(change, codebook)  # after the commit: the file follows the project
    emit_json(change) if json_out else _print(change)
