"""agreement: intercoder agreement among two or more coders, and the passages where they differ."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer
from rich import box
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from qualcode.cli.analysis_cmds import FormatOpt, OutputOpt, _export
from qualcode.cli.common import JsonOpt, command_prefix, console, emit_json, project_session
from qualcode.domain import Table as DataTable
from qualcode.errors import QualcodeError


def register(app: typer.Typer) -> None:
    app.command("agreement")(agreement)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}".replace("-0.00", "0.00")


def _name_width(rows) -> int:
    """Names keep at least 16 characters before they fold (more when the terminal has room)."""
    names = [r.plain if isinstance(r, Text) else r.name for r in rows]
    return min(16, max(map(len, names), default=4))


def _coded_columns(table: Table, report) -> None:
    """A column per coder for two coders; one "coded" column (a/b/c) for more."""
    if len(report.coders) == 2:
        for coder in report.coders:
            # a long name folds in the header rather than push alpha off an 80-column screen
            table.add_column(coder, justify="right", overflow="fold")
    else:
        table.add_column("coded", justify="right")  # may wrap at its slashes
        table.caption = f"coded: {' / '.join(report.coders)}"
        table.caption_justify = "left"


def _coded_cells(r, report, cell) -> list[str]:
    cells = [cell(r, c) for c in report.coders]
    return cells if len(report.coders) == 2 else [" / ".join(cells)]


def _units_table(title: str, rows, report) -> Table:
    unit = "chars" if report.unit == "character" else f"{report.unit}s"
    # Every code is rated on the same units: say how many once, in the title. The pooled row
    # rates (unit, code) pairs: its count goes under the table, so the table keeps to 80 columns.
    pooled = [r for r in rows if not isinstance(r, Text) and r is report.overall]
    counts = {r.units for r in rows if not isinstance(r, Text) and r is not report.overall}
    same = len(counts) == 1
    if same:
        title += f" ({counts.pop():,} {unit})"
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("", overflow="fold", min_width=_name_width(rows))
    if not same:
        table.add_column(unit, justify="right", no_wrap=True)
    _coded_columns(table, report)
    every = "both" if len(report.coders) == 2 else "all"
    for col in (every, "agree", "pos", "kappa", "alpha"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        if isinstance(r, Text):
            table.add_row(r)
            continue
        agreement = "-" if r.percent_agreement is None else f"{r.percent_agreement:.0%}"
        table.add_row(r.name, *([] if same else [f"{r.units:,}"]),
                      *_coded_cells(r, report, lambda r, c: f"{r.coded[c]:,}"),
                      f"{r.all_coded:,}", agreement, _num(r.positive), _num(r.kappa),
                      _num(r.alpha))
    if same and pooled:
        pairs = f"all (pooled): {pooled[0].units:,} {report.unit} x code pairs"
        table.caption = f"{table.caption}; {pairs}" if table.caption else pairs
        table.caption_justify = "left"
    return table


def _span_table(title: str, rows, report, *, codes_too: bool = True) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("", overflow="fold", min_width=_name_width(rows))
    _coded_columns(table, report)
    table.caption = ((table.caption + "; ") if table.caption else "") + (
        "characters coded (units)")
    table.caption_justify = "left"
    # One code alone: u-alpha is |u-alpha and cu-alpha has nothing to compare.
    alphas = ("|u-alpha", "u-alpha", "cu-alpha") if codes_too else ("|u-alpha",)
    for col in alphas:
        table.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        if isinstance(r, Text):
            table.add_row(r)
            continue
        values = (r.binary_u_alpha, r.u_alpha, r.cu_alpha)[: len(alphas)]
        table.add_row(r.name,
                      *_coded_cells(r, report, lambda r, c: f"{r.coded[c]:,} ({r.segments[c]})"),
                      *map(_num, values))
    return table


def _by_dimension(rows) -> list:
    """Code rows under a heading row per dimension, each named without its dimension prefix."""
    out, current = [], None
    for r in rows:
        dim, _, rest = r.name.partition(".")
        if dim != current:
            out.append(Text(dim, style="bold"))
            current = dim
        # A coding on the dimension itself is a dimension-level label (gold standards use them).
        out.append(replace(r, name="  " + (rest or "(dimension level)")))
    return out


def _print_report(report) -> None:
    console.print(f"{', '.join(report.coders)} by {report.unit}, on {len(report.documents)} "
                  f"document(s): {', '.join(report.documents)}")
    grouped: dict[tuple[str, str], list[str]] = {}
    for left in report.left_out:
        who = ", ".join(left.coded_by) or "nobody"
        grouped.setdefault((who, left.reason), []).append(left.document)
    for (who, reason), docs in grouped.items():
        console.print(Text(f"Left out {len(docs)}, coded by {who} ({reason}): {', '.join(docs)}",
                           style="yellow"))
    if report.unit == "span":
        chars = report.overall.characters
        console.print(_span_table(f"Per dimension ({chars:,} characters)",
                                  [*report.dimensions, report.overall], report))
        console.print(_span_table("Per code", _by_dimension(report.codes), report,
                                  codes_too=False))
    else:
        console.print(_units_table("Per dimension", [*report.dimensions, report.overall],
                                   report))
        console.print(_units_table("Per code", _by_dimension(report.codes), report))
    if report.unit != "span":
        console.print(Text(f"agree: share of coder pairs that agree; pos: positive agreement "
                           f"(of one coder's marks, the share another coder made too; for two "
                           f"coders each one's F1 against the other); kappa: {report.kappa}; "
                           "alpha: Krippendorff's alpha (nominal)", style="dim"))
    for note in report.notes:
        console.print(Text(note, style="dim"))


def _passages_table(report) -> DataTable:
    columns = ["document", "case", "turn", "start", "end", "text", *report.coders, "differing",
               "show"]
    rows = [
        [p.document, p.case or "", p.turn, p.start, p.end, p.text,
         *("; ".join(p.codes[c]) if c in p.codes else "(not coded)" for c in report.coders),
         "; ".join(p.differing), p.show]
        for p in report.passages
    ]
    return DataTable(columns=columns, rows=rows,
                     title=f"Disagreements: {', '.join(report.coders)} by {report.unit}")


def _print_passages(report, prefix: str = "qualcode") -> None:
    """One block per passage: where, the text, then each coder's codes where they differ."""
    if not report.passages:
        console.print(f"No disagreements between {', '.join(report.coders)} by {report.unit} "
                      f"on {len(report.documents)} document(s).")
        return
    width = max(len("agreed"), *map(len, report.coders))
    for p in report.passages:
        head = Text(f"{p.document}", style="bold")
        head.append(f" \u00b7 {p.case}" if p.case else "")
        head.append(f" \u00b7 turn {p.turn}" if p.turn is not None else "")
        head.append(f" \u00b7 {p.start}-{p.end}")
        console.print(head)
        console.print(Padding(Text("\u201c" + " ".join(p.text.split()) + "\u201d"), (0, 0, 0, 2)))
        agreed = set.intersection(*(set(c) for c in p.codes.values())) if p.codes else set()
        for coder in report.coders:
            line = Text(f"  {coder.ljust(width)}  ", style="cyan")
            if coder not in p.codes:
                line.append("(did not code this document)", style="dim")
            else:
                mine = [c for c in p.codes[coder] if c in p.differing]
                line.append(", ".join(mine) or "\u2014")
            console.print(line)
        if agreed:
            console.print(Text(f"  {'agreed'.ljust(width)}  " + ", ".join(sorted(agreed)),
                               style="dim"))
        console.print(Text(f"  {p.show}", style="dim"))
        console.print()
    console.print(Text(f"{len(report.passages)} passages where {', '.join(report.coders)} "
                       f"differ (by {report.unit}). Record a reconciled version with "
                       f"`{prefix} consensus take CODER DOC --at OFFSET`.", style="dim"))


def agreement(
    ctx: typer.Context,
    coders: Annotated[list[str] | None, typer.Argument(
        help="Two or more coders (or --coders a,b,c).", show_default=False)] = None,
    coders_opt: Annotated[str | None, typer.Option(
        "--coders", help="The coders, comma-separated.")] = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="sentence, turn or document (kappa, alpha); character (NVivo's "
        "comparison); span (Krippendorff's unitizing alpha).")] = "sentence",
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="Only these documents (repeatable).")] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Also compare documents only some of the coders coded (at least "
        "two); the others' values there are missing.")] = False,
    disagreements: Annotated[bool, typer.Option(
        "--disagreements", help="List the passages where the coders differ instead.")] = False,
    code: Annotated[str | None, typer.Option(
        "--code", help="With --disagreements: only differences on this code and below.")] = None,
    dimension: Annotated[str | None, typer.Option(
        "--dimension", help="With --disagreements: only differences in this dimension.")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Intercoder agreement per code, per dimension and pooled, for two or more coders."""
    names = list(coders or [])
    if coders_opt:
        names += [c for c in coders_opt.split(",") if c.strip()]
    if (code or dimension) and not disagreements:
        raise QualcodeError("--code and --dimension filter --disagreements",
                            hint="add --disagreements, or leave them out")
    if disagreements:
        from qualcode.services.disagreements import disagreements as run

        with project_session(ctx, write=False) as session:
            report = run(session, names, unit=unit, documents=document, partial=partial,
                         code=code, dimension=dimension)
        prefix = command_prefix(ctx)
        if prefix != "qualcode":  # the links must reach this project from the current folder
            report = replace(report, passages=[
                replace(p, show=prefix + p.show.removeprefix("qualcode"))
                for p in report.passages])
        if json_out:
            emit_json(report)
        elif not _export(_passages_table(report), fmt, output):
            _print_passages(report, prefix)
        return
    if fmt or output:
        raise QualcodeError("--format and -o write --disagreements",
                            hint="use --json for the statistics")
    from qualcode.services.agreement import agreement as run

    with project_session(ctx, write=False) as session:
        report = run(session, names, unit=unit, documents=document, partial=partial)
    if json_out:
        emit_json(report)
        return
    _print_report(report)
