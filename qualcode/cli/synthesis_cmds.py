"""synthesize, report, and summary set | show | list: the per-firm characterisation table."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import (
    CoderOpt,
    FilterCoderOpt,
    JsonOpt,
    coder_name,
    emit_json,
    project_session,
)
from qualcode.cli.export_guard import Export, KeyOpt, ManifestOpt, PseudonymiseOpt
from qualcode.cli.wrapping import Wrapped
from qualcode.errors import QualcodeError

WIDE = 140  # from this many columns on, firms x dimensions fit side by side
EXPORTS = ("md", "csv", "xlsx", "json", "html")
QUOTE_CLIP = 160

summary_app = typer.Typer(
    help="The researcher's summary of a case on a dimension (flagged STALE when its codings "
    "change).",
    no_args_is_help=True,
)


class Layout(StrEnum):
    table = "table"
    cards = "cards"


OriginOpt = Annotated[
    str | None, typer.Option("--origin", help="Only codings of this origin: manual, suggested, "
                             "imported.")
]
QuotesOpt = Annotated[int, typer.Option("--quotes", min=0, help="Quotes per cell (at most).")]


def _console() -> Console:
    # Made per command so the width is the terminal's (or $COLUMNS) at the time of the call.
    return Console(highlight=False, soft_wrap=False)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --------------------------------------------------------------------------- synthesize


def _short(code: str, dimension: str) -> str:
    prefix = dimension + "."
    return code[len(prefix):] if code.startswith(prefix) else code


def _cell(cell, *, quotes: int, clip: int) -> Text:
    out = Text()
    if cell.summary:
        if cell.summary_stale:
            out.append("[STALE] ", style="bold red")
        out.append(cell.summary)
    if cell.codes:
        if out:
            out.append("\n")
        out.append(
            ", ".join(f"{_short(c.code, cell.dimension)} {c.count}" for c in cell.codes),
            style="cyan",
        )
    for q in cell.quotes[:quotes]:
        if out:
            out.append("\n")
        out.append(f"“{_clip(q.text, clip)}” ", style="italic")
        out.append(q.ref, style="dim")
    if not out:
        out.append("no codings", style="dim")
    return out


def _case_label(row) -> Text:
    label = Text(row.name, style="bold")
    for name in ("segment", "origin"):
        value = row.attributes.get(name)
        if value not in (None, ""):
            label.append(f"\n{value}", style="dim")
    return label


def _title(syn) -> str:
    rows, dims = len(syn.rows), len(syn.dimensions)
    return (f"Synthesis: {rows} case{'s' if rows != 1 else ''} x {dims} "
            f"dimension{'s' if dims != 1 else ''}")


def _print_table(console: Console, syn) -> None:
    table = Table(title=_title(syn),
                  show_lines=True, expand=True)
    table.add_column("case", overflow="fold", ratio=1)
    for dim in syn.dimensions:
        table.add_column(dim, overflow="fold", ratio=2)
    for row in syn.rows:
        table.add_row(
            _case_label(row),
            *[Wrapped(_cell(row.cells[d], quotes=1, clip=90)) for d in syn.dimensions],
        )
    console.print(table)


def _print_cards(console: Console, syn) -> None:
    console.print(Text(_title(syn),
                       style="bold"))
    for row in syn.rows:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold", ratio=1)
        for dim in syn.dimensions:
            # Wrapped: Chinese breaks between characters, never before ，。、 (Rich would)
            grid.add_row(dim, Wrapped(_cell(row.cells[dim], quotes=1, clip=QUOTE_CLIP)))
        attrs = " · ".join(
            str(row.attributes[n]) for n in ("kind", "segment", "origin")
            if row.attributes.get(n) not in (None, "")
        )
        console.print(Panel(grid, title=Text(row.name, style="bold"),
                            subtitle=Text(_clip(attrs, 60)) if attrs else None,
                            title_align="left", subtitle_align="left"))


def _export(syn, fmt: str, output: Path | None, console: Console, ex: Export) -> None:
    from qualcode.formats import tables
    from qualcode.formats.report_html import render_synthesis_page

    if fmt == "xlsx" and output is None:
        raise QualcodeError("xlsx is a binary format", hint="give a file: -o synthesis.xlsx")
    if fmt == "json":
        text = json.dumps(syn.to_dict(), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        notice = next((n for n in syn.notes if "SYNTHETIC" in n), None)
        text = render_synthesis_page(syn.to_dict(), synthetic_notice=notice)
    elif fmt == "md":
        text = tables.render_table(syn.grid_table(), "md")
    elif fmt == "csv":
        text = tables.render_table(syn.wide_table(), "csv")
    else:
        assert output is not None
        with ex.file(output) as target:
            tables.write_table(syn.wide_table(), "xlsx", target)
        console.print(f"Wrote {output} (xlsx, {len(syn.rows)} cases).")
        return
    if output is None:
        typer.echo(text, nl=False)
        return
    from qualcode.formats.atomic import write_atomically

    try:
        with ex.file(output) as target:
            write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", where=str(output)) from exc
    console.print(f"Wrote {output} ({fmt}, {len(syn.rows)} cases).")


def _export_format(fmt: str | None, output: Path | None) -> str | None:
    if fmt is None and output is not None:
        fmt = output.suffix.lower().lstrip(".")
        fmt = "md" if fmt == "markdown" else fmt
        if fmt not in EXPORTS:
            raise QualcodeError(
                f"cannot tell the format from {output.name!r}",
                hint="pass --format " + "|".join(EXPORTS) + " or end the file name with one",
            )
    if fmt is not None and fmt not in EXPORTS:
        raise QualcodeError(f"unknown format {fmt!r}", hint="one of " + ", ".join(EXPORTS))
    return fmt


def synthesize(
    ctx: typer.Context,
    coder: FilterCoderOpt = None,
    origin: OriginOpt = None,
    quotes: QuotesOpt = 3,
    case: Annotated[
        list[str] | None, typer.Option("--case", help="Only this case (repeat for more).")
    ] = None,
    dimension: Annotated[
        list[str] | None,
        typer.Option("--dimension", help="Only this dimension (repeat for more)."),
    ] = None,
    layout: Annotated[
        Layout | None,
        typer.Option("--layout", help="table (firms x dimensions) or cards (a panel per firm); "
                     f"default: table from {WIDE} columns on."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="Export as " + "|".join(EXPORTS) + ".")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the export to this file.")
    ] = None,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The per-firm characterisation table: cases x dimensions, each cell the codes with counts,
    representative quotes and the researcher's summary (STALE when its codings changed)."""
    from qualcode.services.synthesis import build_synthesis

    export = _export_format(fmt, output)
    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    with project_session(ctx, write=False) as session:
        syn = build_synthesis(session, coder=coder, origin=origin, quotes=quotes, cases=case,
                              dimensions=dimension)
        ex.prepare_manifest(session)
    syn = ex.data(syn)
    with ex.stdout():
        _show_synthesis(syn, export=export, output=output, layout=layout, json_out=json_out,
                        ex=ex)
    ex.finish()


def _show_synthesis(syn, *, export: str | None, output: Path | None, layout, json_out: bool,
                    ex: Export) -> None:
    console = _console()
    if json_out:
        emit_json(syn.to_dict())
        return
    if export is not None:
        _export(syn, export, output, console, ex)
        return
    for note in syn.notes:
        console.print(Text(note, style="bold red" if "SYNTHETIC" in note or "STALE" in note
                           else "dim"))
    if not syn.rows:
        console.print("No cases yet: import transcripts whose front matter names a case.")
        return
    chosen = layout.value if layout else ("table" if console.width >= WIDE else "cards")
    if chosen == "table":
        _print_table(console, syn)
    else:
        _print_cards(console, syn)


# --------------------------------------------------------------------------- report


def report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    coder: FilterCoderOpt = None,
    origin: OriginOpt = None,
    quotes: QuotesOpt = 3,
    title: Annotated[str | None, typer.Option("--title", help="The page title.")] = None,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One self-contained HTML file (no script, no network) to hand to a supervisor: which coders
    were counted, the synthesis table, heatmaps with colour legends, a dimension profile per case
    attribute, code frequencies, memos, the codebook and the documents with code tags; prints on
    A4."""
    from qualcode.services.report import build_report, write_report

    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    # The documents appendix is read from the database as the page is written, so the page is
    # written inside the (read-only) session.
    with project_session(ctx, write=False) as session:
        page = build_report(session, coder=coder, origin=origin, quotes=quotes, title=title,
                            stream=True)
        ex.prepare_manifest(session)
        if ex.pseudonymiser is not None:
            from qualcode.services.pseudonyms import report_page

            page = report_page(ex.pseudonymiser, page)
        with ex.file(output) as target:
            size = write_report(page, target)
    ex.finish()
    if json_out:
        emit_json({"path": str(output), "bytes": size, "cases": len(page.synthesis["rows"]),
                   "documents": len(page.documents)})
        return
    _console().print(
        f"Wrote {output} ({size / 1024:.0f} KB): {len(page.synthesis['rows'])} cases, "
        f"{len(page.documents)} documents."
    )


# --------------------------------------------------------------------------- summary


def _summary_text(view) -> Text:
    out = Text()
    out.append(f"{view.case} / {view.dimension}", style="bold")
    if view.stale:
        out.append("  [STALE]", style="bold red")
    out.append(
        f"  ({view.author or 'unknown'}, {view.written_at[:10]}; {view.evidence_count} codings "
        f"when written, {view.current_count} now)",
        style="dim",
    )
    out.append("\n" + view.text)
    return out


@summary_app.command("set")
def summary_set(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case name, e.g. \"Firm C\".")],
    dimension: Annotated[str, typer.Argument(help="Dimension, e.g. innovation.")],
    text: Annotated[str, typer.Argument(help="The summary: one or two sentences.")],
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write (or replace) the summary of a case on a dimension; it records the codings it rests
    on, so later changes to them flag it STALE."""
    from qualcode.services.summaries import set_summary

    who = coder_name(coder)
    with project_session(ctx) as session:
        view = set_summary(session, case, dimension, text, author=who, actor=who)
    if json_out:
        emit_json(view)
        return
    _console().print(
        f"Saved the summary of {view.case} on {view.dimension} "
        f"({view.evidence_count} codings as evidence)."
    )


@summary_app.command("show")
def summary_show(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="Case name.")],
    dimension: Annotated[str | None, typer.Argument(help="Only this dimension.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """A case's summaries (or one), with who wrote them and whether they are stale."""
    from qualcode.services.summaries import show_summaries

    with project_session(ctx, write=False) as session:
        views = show_summaries(session, case, dimension)
    if json_out:
        emit_json(views)
        return
    console = _console()
    if not views:
        on = f" on {dimension}" if dimension else ""
        console.print(f"No summary of {case}{on} yet: write one with `qualcode summary set`.")
        return
    console.print(Group(*[_summary_text(v) for v in views]))


@summary_app.command("list")
def summary_list(
    ctx: typer.Context,
    stale: Annotated[bool, typer.Option("--stale", help="Only stale summaries.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Every summary, STALE ones flagged (their codings changed after they were written)."""
    from qualcode.services.summaries import list_summaries

    with project_session(ctx, write=False) as session:
        views = list_summaries(session, stale_only=stale)
    if json_out:
        emit_json(views)
        return
    console = _console()
    if not views:
        console.print("No stale summaries." if stale else "No summaries yet.")
        return
    table = Table(title=f"{len(views)} summaries")
    table.add_column("case", style="bold", overflow="fold")
    table.add_column("dimension", overflow="fold")
    table.add_column("state", overflow="fold")
    table.add_column("codings", justify="right")
    table.add_column("summary", overflow="fold", ratio=1)
    for v in views:
        table.add_row(
            v.case,
            v.dimension,
            Text("STALE", style="bold red") if v.stale else Text("fresh", style="green"),
            f"{v.evidence_count}->{v.current_count}" if v.stale else str(v.current_count),
            v.text,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("synthesize")(synthesize)
    app.command("report")(report)
    app.add_typer(summary_app, name="summary")
