"""documents list | rename | remove | set-case | set."""

from __future__ import annotations

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
from qualcode.cli.listing import NoPagerOpt, emit_rows

app = typer.Typer(help="Imported documents: list, rename, remove, move to a case, attributes.",
                  no_args_is_help=True)
DocArg = Annotated[str, typer.Argument(help="Document name, e.g. interview-03.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case's.")] = None,
    no_pager: NoPagerOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Every document with its case, size and codings (tab-separated when piped)."""
    from qualcode.services.documents import list_documents

    with project_session(ctx, write=False) as session:
        docs = list_documents(session, case=case)
    if json_out:
        emit_json(docs)
        return
    emit_rows(("document", "case", "words", "turns", "codings", "source"),
              ((d.name, d.case or "(no case)", str(d.words), str(d.turns), str(d.codings),
                d.source) for d in docs),
              no_pager=no_pager, title=f"{len(docs)} documents", empty="No documents yet.")


@app.command("rename")
def rename(ctx: typer.Context, name: DocArg,
           new: Annotated[str, typer.Argument(help="The new name.")],
           coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Rename a document; codings, memos and suggestions stay with it."""
    from qualcode.services.documents import rename_document

    with project_session(ctx) as session:
        new = rename_document(session, name, new, actor=coder_name(coder))
    if json_out:
        emit_json({"renamed": name, "to": new})
        return
    typer.echo(f"Renamed document {name} to {new}.")


@app.command("remove")
def remove(ctx: typer.Context, name: DocArg, yes: YesOpt = False, coder: CoderOpt = None,
           json_out: JsonOpt = False) -> None:
    """Remove a document with its codings, suggestions and memos, after asking on a terminal
    (--yes in scripts). The event log keeps all of it: `qualcode undo` restores it."""
    from qualcode.services.documents import remove_document

    with project_session(ctx) as session:
        counts = remove_document(session, name, actor=coder_name(coder))
        confirm(f"Remove {name} with its {counts['codings']} codings, {counts['suggestions']} "
                f"suggestions and {counts['memos']} memos?", yes)
        backup_before(ctx, "documents-remove")
    if json_out:
        emit_json({"removed": name, **counts})
        return
    typer.echo(f"Removed {name} ({counts['codings']} codings, {counts['suggestions']} "
               f"suggestions, {counts['memos']} memos); `qualcode undo` brings it back.")


@app.command("set-case")
def set_case(ctx: typer.Context, name: DocArg,
             case: Annotated[str | None, typer.Argument(
                 help="The case (created if new); leave out with --none.")] = None,
             none: Annotated[bool, typer.Option("--none", help="Take it out of any case.")
                             ] = False,
             coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Move a document to a case (a firm), or out of any case with --none."""
    from qualcode.errors import QualcodeError
    from qualcode.services.documents import set_case as run

    if (case is None) == (not none):
        raise QualcodeError("give a case, or --none (not both)")
    with project_session(ctx) as session:
        run(session, name, case, actor=coder_name(coder))
    if json_out:
        emit_json({"document": name, "case": case})
        return
    typer.echo(f"{name} is now in {case}." if case else f"{name} now has no case.")


@app.command("set")
def set_(ctx: typer.Context, name: DocArg,
         assignments: Annotated[list[str], typer.Argument(
             help="NAME=VALUE pairs; an empty VALUE removes the attribute.")],
         coder: CoderOpt = None, json_out: JsonOpt = False) -> None:
    """Set attributes of a document (interviewee role, wave...); types as for cases."""
    from qualcode.services.documents import set_document_attributes

    with project_session(ctx) as session:
        values = set_document_attributes(session, name, assignments, actor=coder_name(coder))
    if json_out:
        emit_json({"document": name, "attributes": values})
        return
    typer.echo(f"{name}: " + (", ".join(f"{k}={v}" for k, v in sorted(values.items()))
                              or "no attributes"))
