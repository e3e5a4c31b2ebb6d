"""memo add | list."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from qualcode.cli.common import (
    CoderOpt,
    JsonOpt,
    YesOpt,
    coder_name,
    confirm,
    console,
    emit_json,
    project_session,
)
from qualcode.cli.listing import NoPagerOpt, emit_rows

app = typer.Typer(
    help="Memos on the project, a case, a document, a code or a coding.", no_args_is_help=True
)
CaseOpt = Annotated[str | None, typer.Option("--case", help="About this case.")]
DocOpt = Annotated[str | None, typer.Option("--document", help="About this document.")]
CodeOpt = Annotated[str | None, typer.Option("--code", help="About this code.")]


@app.command("add")
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The memo; - reads it from standard input.")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    case: CaseOpt = None,
    document: DocOpt = None,
    code: CodeOpt = None,
    coding: Annotated[int | None, typer.Option("--coding", help="About this coding id.")] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a memo (about the project unless a target is given); `-` reads it from stdin."""
    from qualcode.services.memos import add_memo

    text = _read_text(text)
    with project_session(ctx) as session:
        view = add_memo(
            session,
            text,
            author=coder_name(coder),
            title=title,
            case=case,
            document=document,
            code=code,
            coding=coding,
        )
    if json_out:
        emit_json(view)
        return
    typer.echo(f"Memo {view.id} on {view.target}.")  # plain: no Rich for one line


def _read_text(text: str) -> str:
    if text != "-":
        return text
    return sys.stdin.read().strip("\n")


@app.command("edit")
def edit(
    ctx: typer.Context,
    memo_id: Annotated[int, typer.Argument(help="Memo id (see `memo list`).")],
    text: Annotated[str | None, typer.Argument(help="The new text; - reads it from stdin.")
                    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="A new title ('' removes it).")
                     ] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Replace a memo's text (and/or title); `qualcode undo` brings the old one back."""
    from qualcode.services.memos import edit_memo

    with project_session(ctx) as session:
        view = edit_memo(session, memo_id, actor=coder_name(coder),
                         text=_read_text(text) if text is not None else None, title=title)
    if json_out:
        emit_json(view)
        return
    console.print(f"Memo {view.id} on {view.target} edited.")


@app.command("remove")
def remove(
    ctx: typer.Context,
    memo_id: Annotated[int, typer.Argument(help="Memo id (see `memo list`).")],
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Delete a memo, after asking on a terminal (--yes in scripts); `qualcode undo` restores
    it."""
    from qualcode.services.memos import remove_memo

    with project_session(ctx) as session:
        view = remove_memo(session, memo_id, actor=coder_name(coder))
        confirm(f"Remove memo {view.id} on {view.target} ({view.text[:40]!r})?", yes)
    if json_out:
        emit_json(view)
        return
    console.print(f"Removed memo {view.id} on {view.target}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    case: CaseOpt = None,
    document: DocOpt = None,
    code: CodeOpt = None,
    no_pager: NoPagerOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Memos, oldest first, optionally about one case, document or code."""
    from qualcode.services.memos import list_memos

    with project_session(ctx, write=False) as session:
        memos = list_memos(session, case=case, document=document, code=code)
    if json_out:
        emit_json(memos)
        return
    if not memos:
        console.print("No memos.")
        return
    emit_rows(("id", "on", "by", "title", "memo"),
              ((str(m.id), m.target, m.author or "-", m.title or "", m.text) for m in memos),
              no_pager=no_pager, title=f"{len(memos)} memos")
