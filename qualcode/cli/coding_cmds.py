"""code add | remove, and codings list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    BlindOpt,
    CoderOpt,
    JsonOpt,
    ViewerOpt,
    YesOpt,
    coder_filter,
    coder_name,
    confirm,
    console,
    emit_json,
    emit_json_stream,
    project_session,
)
from qualcode.cli.export_guard import Export, KeyOpt, ManifestOpt, PseudonymiseOpt
from qualcode.cli.listing import NoPagerOpt, emit_rows
from qualcode.errors import QualcodeError

code_app = typer.Typer(help="Code passages by hand.", no_args_is_help=True)
codings_app = typer.Typer(help="List codings, and import hand-made codings kept in YAML files.",
                          no_args_is_help=True)


def parse_span(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(start), int(end)
    except ValueError as exc:
        raise QualcodeError(
            f"--span {text!r} is not START:END",
            hint="code-point offsets, end exclusive, e.g. --span 120:188",
        ) from exc


@code_app.command("add")
def add(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(help="Document name, e.g. interview-03.")],
    code: Annotated[str, typer.Argument(help="Code key, e.g. innovation.cell-design.")],
    turn: Annotated[int | None, typer.Option("--turn", help="Code a whole speaker turn.")] = None,
    span: Annotated[str | None, typer.Option("--span", help="START:END offsets.")] = None,
    quote: Annotated[str | None, typer.Option("--quote", help="Exact text to code.")] = None,
    occurrence: Annotated[
        int | None,
        typer.Option("--occurrence", help="Which occurrence of a repeated quote (1, 2...)."),
    ] = None,
    memo: Annotated[str | None, typer.Option("--memo", help="A note on this coding.")] = None,
    key: Annotated[bool, typer.Option("--key", help="Mark as a key quote for synthesis.")] = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Code a passage, chosen by --turn, --span or --quote."""
    from qualcode.services.coding import add_coding

    who = coder_name(coder)
    with project_session(ctx) as session:
        row = add_coding(
            session,
            document=document,
            code=code,
            coder=who,
            actor=who,
            turn=turn,
            span=parse_span(span),
            quote=quote,
            occurrence=occurrence,
            memo=memo,
            key=key,
        )
    if json_out:
        emit_json(row)
        return
    typer.echo(  # plain: no Rich for one line
        f"Coding {row.id}: {row.code} on {row.document} {row.start}:{row.end} by "
        f"{row.coder}: \u201c{_clip(row.quote)}\u201d"
    )


@code_app.command("remove")
def remove(
    ctx: typer.Context,
    coding_id: Annotated[int, typer.Argument(help="Coding id (see `codings list`).")],
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove a coding, after asking on a terminal (--yes in scripts). The event log keeps it
    whole, key flag and memos included: `qualcode undo` brings it back."""
    from qualcode.services.coding import remove_coding

    with project_session(ctx) as session:
        row = remove_coding(session, coding_id, actor=coder_name(coder))
        if not json_out:
            typer.echo(f"Coding {row.id}: {row.code} on {row.document} {row.start}:{row.end} "
                       f"\u201c{_clip(row.quote, 60)}\u201d")
        confirm(f"Remove coding {row.id}?", yes)
    if json_out:
        emit_json(row)
        return
    console.print(f"Removed coding {row.id}: {row.code} on {row.document} {row.start}:{row.end}.")


FLAGGED_COLUMNS = ("id", "document", "code", "coder", "old_start", "old_end", "old_quote",
                   "start", "end", "quote", "reason")


def _print_flagged(rows) -> None:
    from rich.table import Table

    table = Table(title=f"{len(rows)} flagged codings (a revised transcript could not place them)")
    for col in ("id", "document", "code", "coder", "coded on", "now on"):
        table.add_column(col, overflow="fold")
    for r in rows:
        flag = r.flag or {}
        table.add_row(str(r.id), r.document, r.code, r.coder, _clip(flag.get("old_quote", "")),
                      f"{r.start}:{r.end} {_clip(r.quote, 40)}")
    console.print(table)
    console.print("Re-anchor one with `qualcode codings unflag ID --quote TEXT` (or --span, "
                  "--turn), keep it where it is with `qualcode codings unflag ID`, or remove it "
                  "with "
                  "`qualcode code remove ID`.", soft_wrap=True)


@codings_app.command("unflag")
def unflag(
    ctx: typer.Context,
    coding_id: Annotated[int, typer.Argument(help="A flagged coding's id.")],
    turn: Annotated[int | None, typer.Option("--turn", help="Move it to this turn.")] = None,
    span: Annotated[str | None, typer.Option("--span", help="Move it to START:END.")] = None,
    quote: Annotated[str | None, typer.Option("--quote", help="Move it to this text.")] = None,
    occurrence: Annotated[
        int | None, typer.Option("--occurrence", help="Which occurrence of the quote.")
    ] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Clear a coding's flag after a revision, moving it first if a new place is given."""
    from qualcode.services.revise import unflag_coding

    with project_session(ctx) as session:
        row = unflag_coding(session, coding_id, actor=coder_name(coder), turn=turn,
                            span=parse_span(span), quote=quote, occurrence=occurrence)
    if json_out:
        emit_json(row)
        return
    console.print(f"Coding {row.id} ({row.code}) on {row.document} {row.start}:{row.end} is no "
                  f"longer flagged: \u201c{_clip(row.quote)}\u201d")


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


@codings_app.command("list")
def list_(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case.")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document.")] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Only this code and the codes below it.")
    ] = None,
    dimension: Annotated[
        str | None, typer.Option("--dimension", help="Only this dimension.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Only this coder.")] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="manual, suggested or imported.")
    ] = None,
    flagged: Annotated[
        bool,
        typer.Option("--flagged", help="Only codings a revised transcript could not place."),
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    blind: BlindOpt = False,
    coder: ViewerOpt = None,
    no_pager: NoPagerOpt = False,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Codings with their quotes, filtered.

    Piped: tab-separated lines with a header, quotes whole (--flagged: also the span and quote
    each had and why it was flagged). On a terminal: a table, or a pager when the listing is
    longer than the screen (with --pseudonymise: tab-separated, printed once the leak check has
    passed)."""
    from qualcode.services.coding import iter_codings

    keep, blind_for = coder_filter(ctx, by, coder, blind)
    filters = {"case": case, "document": document, "code": code, "dimension": dimension,
               "coder": keep, "origin": origin, "flagged": flagged, "limit": limit,
               "blind_for": blind_for}
    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    with project_session(ctx, write=False) as session:
        if not ex.active and json_out:
            # The service's JSON objects as they are read, the array written around them.
            from qualcode.cli.listing import write_json_chunks
            from qualcode.services.coding import iter_coding_json

            write_json_chunks(iter_coding_json(session, **filters))
        elif not ex.active and not flagged and not sys.stdout.isatty():
            # Piped: the service's tab-separated lines as they are read (the fast path).
            from qualcode.cli.listing import write_chunks
            from qualcode.services.coding import LISTING_COLUMNS, iter_coding_lines

            write_chunks(LISTING_COLUMNS, iter_coding_lines(session, **filters))
        elif not ex.active and not flagged and _long(session, filters):
            # More than a screen: the service's aligned lines, streamed into the pager.
            from qualcode.cli.listing import page_chunks
            from qualcode.services.coding import iter_coding_lines

            page_chunks(iter_coding_lines(session, aligned=True, **filters), title="Codings",
                        no_pager=no_pager)
        else:
            rows = iter_codings(session, **filters)
            if ex.active:
                rows = (ex.data(r) for r in rows)
            with ex.stdout():
                _list_codings(rows, flagged=flagged, no_pager=no_pager, json_out=json_out)
        ex.prepare_manifest(session)
    ex.finish()


def _long(session, filters: dict) -> bool:
    """Whether the listing is longer than the terminal (read no further than that)."""
    import shutil

    from qualcode.services.coding import iter_codings

    height = shutil.get_terminal_size((80, 24)).lines
    probe = height - 5
    if filters.get("limit") is not None and filters["limit"] < probe:
        return False
    return len(list(iter_codings(session, **{**filters, "limit": probe}))) >= probe


def _list_codings(rows, *, flagged: bool, no_pager: bool, json_out: bool) -> None:
    if json_out:
        emit_json_stream(rows)
        return
    if flagged and not sys.stdout.isatty():  # piped: every field whole, as other listings
        from qualcode.cli.listing import write_tsv

        write_tsv(FLAGGED_COLUMNS, (
            (str(r.id), r.document, r.code, r.coder, str((r.flag or {}).get("old_start", "")),
             str((r.flag or {}).get("old_end", "")), (r.flag or {}).get("old_quote", ""),
             str(r.start), str(r.end), r.quote, (r.flag or {}).get("reason", ""))
            for r in rows))
        return
    if flagged:  # few, and each with the quote it had: a table of its own
        rows = list(rows)
        if not rows:
            console.print("No codings match.")
            return
        _print_flagged(rows)
        return
    emit_rows(
        ("id", "document", "case", "code", "key", "coder", "origin", "start", "end", "quote"),
        ((str(r.id), r.document, r.case or "", r.code, "key" if r.key else "", r.coder,
          r.origin, str(r.start), str(r.end), r.quote) for r in rows),
        no_pager=no_pager,
        title="Codings",
        empty="No codings match.",
    )


@codings_app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Coding YAML files or folders of them.")],
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import quote-anchored codings from YAML, one file per document (see transcripts/demo-coding).

    All files or none: a missing or ambiguous quote stops the import and names file and line."""
    from qualcode.services.codings_io import import_coding_files

    with project_session(ctx) as session:
        result = import_coding_files(session, paths, actor=coder_name(coder))
    if json_out:
        emit_json(
            {
                "added": result.added,
                "skipped": result.skipped,
                "summaries": result.summaries,
                "judged": result.judged,
                "files": result.files,
                "skipped_links": [link.describe() for link in result.skipped_links],
            }
        )
        return
    judged = f", {result.judged} judged sentences" if result.judged else ""
    console.print(
        f"Imported {result.added} codings ({result.skipped} already present){judged} and "
        f"{result.summaries} summaries from {len(result.files)} file(s)."
    )
    for link in result.skipped_links:
        console.print(f"[yellow]skipped[/yellow] {link.describe()}", soft_wrap=True)


# `qualcode code DOC`: the full-screen coder joins this group (cli/coder_cmd.py).
from qualcode.cli.coder_cmd import register as _register_coder  # noqa: E402

_register_coder(code_app)
