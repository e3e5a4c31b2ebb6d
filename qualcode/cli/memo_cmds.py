"""memo add | list."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session

app = typer.Typer(
    help="Memos on the project, a case, a document, a code or a coding.", no_args_is_help=True
)
CaseOpt = Annotated[str | None, typer.Option("--case", help="About this case.")]
DocOpt = Annotated[str | None, typer.Option("--document", help="About this document.")]
CodeOpt = Annotated[str | None, typer.Option("--code", help="About this code.")]


@app.command("add")
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The memo.")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    case: CaseOpt = None,
    document: DocOpt = None,
    code: CodeOpt = None,
    coding: Annotated[int | None, typer.Option("--coding", help="About this coding id.")] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a memo (about the project unless a target is given)."""
    from qualcode.services.memos import add_memo

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
    console.print(f"Memo {view.id} on {view.target}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    case: CaseOpt = None,
    document: DocOpt = None,
    code: CodeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Memos, oldest first, optionally about one case, document or code."""
    from qualcode.services.memos import list_memos

    with project_session(ctx) as session:
        memos = list_memos(session, case=case, document=document, code=code)
    if json_out:
        emit_json(memos)
        return
    if not memos:
        console.print("No memos.")
        return
    table = Table(title=f"{len(memos)} memos")
    for col in ("id", "on", "by", "memo"):
        table.add_column(col, overflow="fold")
    for m in memos:
        table.add_row(
            str(m.id), m.target, m.author or "-", (f"{m.title}: " if m.title else "") + m.text
        )
    console.print(table)
