"""cases list | show | set."""

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
    console,
    emit_json,
    project_session,
)
from qualcode.cli.listing import NoPagerOpt, emit_rows

app = typer.Typer(help="Cases (firms, institutions) and their attributes.", no_args_is_help=True)


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# Shown first when a project has them: what a reader of a per-firm table looks for.
PREFERRED = ("kind", "segment", "origin", "heritage", "size")


@app.command("list")
def list_(
    ctx: typer.Context,
    attributes: Annotated[
        str | None,
        typer.Option(
            "--attributes", "-a", help="Comma-separated attributes to show (default: up to 4)."
        ),
    ] = None,
    no_pager: NoPagerOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Every case with its attributes and counts (tab-separated when piped)."""
    from qualcode.services.cases import list_cases

    with project_session(ctx, write=False) as session:
        cases = list_cases(session)
    if json_out:
        emit_json(cases)
        return
    if not cases:
        console.print("No cases yet: import transcripts whose front matter names a case.")
        return
    present = sorted({k for c in cases for k in c.attributes})
    if attributes:
        names = [a.strip() for a in attributes.split(",") if a.strip()]
    else:  # a terminal has room for a few columns; --json has them all
        names = [a for a in PREFERRED if a in present] + [a for a in present if a not in PREFERRED]
        names = names[:4]
    emit_rows(
        ("case", *names, "docs", "codings"),
        ((c.name, *[_fmt(c.attributes.get(n, "")) for n in names], str(c.documents),
          str(c.codings)) for c in cases),
        no_pager=no_pager,
        title=f"{len(cases)} cases",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name.")],
    json_out: JsonOpt = False,
) -> None:
    """One case: attributes with their types, interviews, codings per dimension."""
    from qualcode.services.cases import show_case

    with project_session(ctx, write=False) as session:
        detail = show_case(session, name)
    if json_out:
        emit_json(detail)
        return
    _print_detail(detail)


def _print_detail(detail) -> None:
    from rich.table import Table

    attrs = Table(title=detail.name, show_header=True)
    attrs.add_column("attribute")
    attrs.add_column("value")
    attrs.add_column("type", style="dim")
    for key, value in detail.attributes.items():
        attrs.add_row(key, _fmt(value), detail.attribute_types.get(key, ""))
    console.print(attrs)
    if detail.documents:
        docs = Table(title="Interviews")
        for col in ("document", "interviewee", "date", "words", "turns", "codings"):
            docs.add_column(col, justify="right" if col in ("words", "turns", "codings")
                            else "left")
        for d in detail.documents:
            docs.add_row(
                d["name"],
                d["interviewee_role"] or "-",
                d["date"] or "-",
                f"{d['words']:,}",
                str(d["turns"]),
                str(d["codings"]),
            )
        console.print(docs)
    if detail.codings_by_dimension:
        console.print(
            "Codings by dimension: "
            + ", ".join(f"{k} {v}" for k, v in detail.codings_by_dimension.items())
        )


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name.")],
    assignments: Annotated[
        list[str], typer.Argument(help="NAME=VALUE pairs; an empty VALUE removes the attribute.")
    ],
    create: Annotated[bool, typer.Option("--create", help="Create the case if new.")] = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Set attributes of a case. An existing attribute keeps its type; the value must fit it."""
    from qualcode.services.cases import set_attributes

    with project_session(ctx) as session:
        detail = set_attributes(session, name, assignments, actor=coder_name(coder), create=create)
    if json_out:
        emit_json(detail)
        return
    _print_detail(detail)


@app.command("rename")
def rename(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name.")],
    new: Annotated[str, typer.Argument(help="The new name.")],
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rename a case; its documents, attributes, summaries and memos stay with it."""
    from qualcode.services.documents import rename_case

    with project_session(ctx) as session:
        new = rename_case(session, name, new, actor=coder_name(coder))
    if json_out:
        emit_json({"renamed": name, "to": new})
        return
    typer.echo(f"Renamed case {name} to {new}.")


@app.command("merge")
def merge(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The case merged away.")],
    target: Annotated[str, typer.Argument(help="The case that absorbs it.")],
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Merge case A into case B: documents, memos and summaries move, A's attributes fill B's
    gaps, A is removed. Refused if they disagree on an attribute. Asks on a terminal."""
    from qualcode.services.documents import merge_cases

    with project_session(ctx) as session:
        result = merge_cases(session, source, target, actor=coder_name(coder))
        confirm(f"Merge {source} ({result['documents']} documents) into {target}?", yes)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Merged {source} into {result['into']}: {result['documents']} documents moved"
               + (f", attributes added: {', '.join(result['attributes_added'])}"
                  if result["attributes_added"] else "") + ".")


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name.")],
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove a case; its documents stay, without a case. Attributes, summaries and memos go to
    the event log (`qualcode undo` restores them). Asks on a terminal (--yes in scripts)."""
    from qualcode.services.documents import remove_case

    with project_session(ctx) as session:
        result = remove_case(session, name, actor=coder_name(coder))
        confirm(f"Remove case {name} ({result['documents']} documents keep no case)?", yes)
        backup_before(ctx, "cases-remove")
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Removed case {name}; {result['documents']} documents now have no case.")
