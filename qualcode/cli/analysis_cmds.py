"""matrix, cooccur, search, gaps: looking across the coded interviews.

Each command parses its options, calls one service, and renders: a Rich table for people, or
--json / --format (csv, tsv, md, json, html, xlsx) / -o FILE for programs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import (
    CoderOpt,
    FilterCoderOpt,
    JsonOpt,
    coder_name,
    console,
    emit_json,
    project_session,
)
from qualcode.cli.export_guard import Export, KeyOpt, ManifestOpt, PseudonymiseOpt
from qualcode.cli.listing import NoPagerOpt, emit_rows
from qualcode.cli.wrapping import Wrapped
from qualcode.domain import Table
from qualcode.errors import QualcodeError


def Text(*args, **kwargs):  # noqa: N802 - Rich's Text, imported when first drawn
    from rich.text import Text as _Text

    return _Text(*args, **kwargs)


def RichTable(*args, **kwargs):  # noqa: N802 - Rich's Table, imported when first drawn
    from rich.table import Table as _Table

    return _Table(*args, **kwargs)


# --------------------------------------------------------------------------- shared options

OriginOpt = Annotated[
    str | None, typer.Option("--origin", help="Only codings of this origin: manual, suggested "
                                              "or imported.")
]
CodeOpt = Annotated[
    str | None, typer.Option("--code", help="Only this code and the codes below it.")
]
LongOpt = Annotated[
    bool, typer.Option("--long", help="Tidy output for --format/-o/--json: one line per row x "
                                      "column (row, column, value) instead of a wide grid.")
]
FormatOpt = Annotated[
    str | None, typer.Option("--format", help="Print (or with -o, write) as csv, tsv, md, json, "
                                              "html or xlsx (xlsx needs -o).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the table to this file; the format "
                                                     "comes from --format or the file's suffix.")
]

# gaps tables with more columns than this are shown transposed (the matrix: cli/matrix_view.py).
MAX_TERMINAL_COLUMNS = 8
# Above this many codes, cooccur lists pairs instead of drawing a code x code square.
MAX_SQUARE = 10
TOP_PAIRS = 40


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("matrix")(matrix)
    app.command("cooccur")(cooccur)
    app.command("search")(search)
    app.command("gaps")(gaps)


def _export(table: Table, fmt: str | None, output: Path | None, counting=None,
            ex: Export | None = None) -> bool:
    """Write or print the table if --format or -o asked for it; False if neither did. CSV and
    TSV leave notes out (pure data), so which coders were counted goes in a last column."""
    from qualcode.formats import tables

    if counting is not None:
        name = fmt or (tables.format_for_path(output) if output is not None else None)
        if name is not None and name.lower() in ("csv", "tsv"):
            table = Table([*table.columns, "coders counted"],
                          [[*row, counting.short] for row in table.rows], table.title,
                          table.notes)
    if output is not None:
        name = fmt or tables.format_for_path(output)
        with (ex or Export.plain()).file(output) as target:
            tables.write_table(table, name, target)
        console.print(f"Wrote {output} ({name}, {len(table.rows)} rows).")
        return True
    if fmt is not None:
        if fmt.lower() == "xlsx":
            raise QualcodeError("xlsx is a file format", hint="add -o FILE.xlsx")
        sys.stdout.write(tables.render_table(table, fmt))
        return True
    return False


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


# --------------------------------------------------------------------------- matrix


def matrix(
    ctx: typer.Context,
    rows: Annotated[str, typer.Option(
        "--rows", help="case, document, coder or attribute:NAME (a case attribute, else a "
                       "document attribute).")] = "case",
    cols: Annotated[str, typer.Option("--cols", help="code or dimension.")] = "code",
    value: Annotated[str, typer.Option(
        "--value", help="count (codings), presence (0/1), coverage (coded share of the "
                        "respondents' text) or documents (documents with a coding).")] = "count",
    coder: FilterCoderOpt = None,
    origin: OriginOpt = None,
    code: CodeOpt = None,
    long: LongOpt = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cases (documents, coders, attribute values) x codes (or dimensions).

    Child codes roll up: a parent code's column counts its own codings plus those of every code
    below it; a dimension's column counts every coding in the dimension. Coverage is the union
    of coded characters inside respondent turns over all respondent characters of the row's
    documents (for rows by coder, the documents that coder coded). Retired codes appear only
    when they have codings, marked "(retired)". Documents without a case form a "(no case)" row.
    """
    from qualcode.services.matrix import build_matrix

    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    with project_session(ctx, write=False) as session:
        m = build_matrix(session, rows=rows, cols=cols, value=value, coder=coder, origin=origin,
                         code=code)
        ex.prepare_manifest(session)
    m = ex.data(m)
    with ex.stdout():
        _show_matrix(m, long=long, fmt=fmt, output=output, json_out=json_out, ex=ex)
    ex.finish()


def _exported_or_json(result, *, long: bool, fmt: str | None, output: Path | None,
                      json_out: bool, ex: Export) -> bool:
    """Write or print a matrix or co-occurrence result for programs (--format, -o, --json), wide
    or --long; False when the terminal view is wanted. One function, so the two tables' export
    options (and --long in JSON) cannot drift apart."""
    table = result.long_table() if long else result.wide_table()
    if _export(table, fmt, output, result.counting, ex):
        return True
    if json_out:
        emit_json({**result.as_dict(), "long": [dict(zip(table.columns, r, strict=True))
                                                for r in table.rows]} if long
                  else result.as_dict())
        return True
    return False


def _show_matrix(m, *, long: bool, fmt: str | None, output: Path | None, json_out: bool,
                 ex: Export) -> None:
    if _exported_or_json(m, long=long, fmt=fmt, output=output, json_out=json_out, ex=ex):
        return
    if not m.row_labels or not m.col_labels:
        what = "rows" if not m.row_labels else "columns"
        console.print(f"The matrix is empty: no {what} (import transcripts and load a codebook "
                      "first, or loosen the filters).")
        return
    from qualcode.cli.matrix_view import render_matrix

    for part in render_matrix(m, console.width):
        console.print(part)


# --------------------------------------------------------------------------- cooccur


def _measure_text(value, measure: str) -> Text:
    if value is None:
        return Text("n/a", style="red")
    if not value:
        return Text("\u00b7", style="dim")
    return Text(str(value) if measure == "count" else f"{value:.3f}")


def _cooccur_view(co) -> RichTable:
    """A square for a few codes; for many, the co-occurring pairs, strongest first (a 35 x 35
    square does not fit a terminal, and most of its cells are empty)."""
    if len(co.codes) <= MAX_SQUARE:
        grid = RichTable(title=co.title, caption=" ".join(co.notes), caption_justify="left")
        grid.add_column(co.level, overflow="fold")
        for code in co.codes:
            grid.add_column(code, justify="right", overflow="fold")
        for i, code in enumerate(co.codes):
            grid.add_row(code, *[Text(str(v), style="bold") if i == j
                                 else _measure_text(v, co.measure)
                                 for j, v in enumerate(co.cells[i])])
        return grid
    table = co.long_table()
    found = [r for r in table.rows if r[4]]
    found.sort(key=lambda r: (-(r[5] if r[5] is not None else float("inf")), -r[4], r[0], r[1]))
    more = len(found) - TOP_PAIRS
    grid = RichTable(title=f"{co.title}: {len(found)} co-occurring pairs"
                     + (f", the first {TOP_PAIRS} shown (all with --format or --json)"
                        if more > 0 else ""),
                     caption=" ".join(co.notes), caption_justify="left")
    for name in table.columns:
        grid.add_column(name, overflow="fold",
                        justify="left" if name.startswith(co.level) else "right")
    for r in found[:TOP_PAIRS]:
        grid.add_row(r[0], r[1], str(r[2]), str(r[3]), str(r[4]), _measure_text(r[5], co.measure))
    return grid


def _show_passages(passages, a: str, b: str, unit: str) -> None:
    if not passages:
        console.print(f"{a} and {b} do not co-occur ({unit}).")
        return
    console.print(Text(f"{len(passages)} passage(s) where {a} and {b} co-occur ({unit}):",
                       style="bold"))
    for p in passages:
        where = f"{p.document}" + (f" · {p.case}" if p.case else "") + (
            f" · turn {p.turn}" if p.turn else "") + f" · {p.start}:{p.end}"
        console.print(Text(where, style="cyan"))
        if unit != "overlap":
            console.print(f"  {p.text}")
        console.print(Text(f"  {a}: \u201c{_clip(p.quote_a, 200)}\u201d"))
        console.print(Text(f"  {b}: \u201c{_clip(p.quote_b, 200)}\u201d"))


def cooccur(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option(
        "--unit", help="overlap (codings whose spans overlap), sentence, turn or document (both "
                       "codes touch the same one).")] = "overlap",
    measure: Annotated[str, typer.Option(
        "--measure", help="count, jaccard or c-coefficient.")] = "count",
    level: Annotated[str, typer.Option("--level", help="code or dimension.")] = "code",
    pair: Annotated[tuple[str, str] | None, typer.Option(
        "--pair", help="List the passages behind one cell: --pair CODE_A CODE_B.")] = None,
    coder: FilterCoderOpt = None,
    origin: OriginOpt = None,
    code: CodeOpt = None,
    long: LongOpt = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Code x code co-occurrence within a unit of text.

    count: units holding both codes (for overlap: overlapping coding pairs). jaccard:
    n12 / (n1 + n2 - n12) over units (for overlap the units are codings). c-coefficient (as
    ATLAS.ti defines it, over codings): n12 = co-occurring coding pairs, n1, n2 = codings of each
    code, c = n12 / (n1 + n2 - n12); it can exceed 1 when codings of one code overlap several of
    the other (noted below the table). The diagonal is each code's own count. At --level code a
    parent does not include its children's codings; at --level dimension codings count for their
    dimension. Sentences come from spaCy's sentencizer, run turn by turn.
    """
    from qualcode.services import cooccur as service

    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    passages = co = None
    with project_session(ctx, write=False) as session:
        if pair is not None:
            passages = service.cooccurrence_passages(session, pair[0], pair[1], unit=unit,
                                                     coder=coder, origin=origin, code=code,
                                                     level=level)
        else:
            co = service.cooccurrence(session, unit=unit, measure=measure, coder=coder,
                                      origin=origin, code=code, level=level)
        ex.prepare_manifest(session)
    with ex.stdout():
        if pair is not None:
            passages = ex.data(passages)
            if json_out:
                emit_json(passages)
            else:
                _show_passages(passages, pair[0], pair[1], unit)
        else:
            _show_cooccur(ex.data(co), long=long, fmt=fmt, output=output, json_out=json_out,
                          ex=ex)
    ex.finish()


def _show_cooccur(co, *, long: bool, fmt: str | None, output: Path | None, json_out: bool,
                  ex: Export) -> None:
    if _exported_or_json(co, long=long, fmt=fmt, output=output, json_out=json_out, ex=ex):
        return
    if not co.codes:
        console.print("No codes to relate (load a codebook and code some passages first).")
        return
    console.print(_cooccur_view(co))


# --------------------------------------------------------------------------- search


def _flat(text: str) -> str:
    """Whitespace runs as one space, keeping a space at either end (a line break before the
    match still separates words)."""
    if not text.strip():
        return " " if text else ""
    before = " " if text[0].isspace() else ""
    after = " " if text[-1].isspace() else ""
    return before + " ".join(text.split()) + after


def _hit_line(hit) -> Text:
    line = Text()
    line.append(_flat(hit.left), style="dim")
    line.append(_flat(hit.match), style="bold yellow")
    line.append(_flat(hit.right), style="dim")
    return line


def _hits_table(hits, query: str) -> RichTable:
    grid = RichTable(title=f"{len(hits)} hit(s) for {query!r}")
    grid.add_column("case / document", overflow="fold")
    grid.add_column("turn", justify="right")
    grid.add_column("speaker", overflow="fold")
    grid.add_column("offsets", no_wrap=True)
    grid.add_column("in context", ratio=1)
    for h in hits:
        # Wrapped: a Chinese context is one long "word" to Rich, which would cut it with "…"
        # before the hit itself.
        grid.add_row(f"{h.case or '(no case)'}\n{h.document}", str(h.turn or "-"),
                     h.speaker or "-", f"{h.start}:{h.end}", Wrapped(_hit_line(h)))
    return grid


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(
        help="Words to find, as whole words; a * at either end lets a word go on (tariff* "
             "finds tariffs). Or a regex with --regex.")],
    regex: Annotated[bool, typer.Option("--regex", help="QUERY is a Python regular "
                                                        "expression.")] = False,
    lemma: Annotated[bool, typer.Option("--lemma", help="Match lemmas: 'subsidy cut' finds "
                                                        "'subsidies cut'.")] = False,
    context: Annotated[int, typer.Option("--context", help="Characters of context either "
                                                           "side.")] = 60,
    case: Annotated[str | None, typer.Option("--case", help="Only this case.")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document.")
                        ] = None,
    speaker_role: Annotated[str, typer.Option(
        "--speaker-role", help="respondent, interviewer or any.")] = "any",
    code: Annotated[str | None, typer.Option(
        "--code", help="After showing the hits, offer to code them with this code.")] = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="With --code: code the hit itself, its sentence or its turn.")] = "hit",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --code: do not ask.")] = False,
    coder: CoderOpt = None,
    no_pager: NoPagerOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Keyword in context over all transcripts, optionally coding the hits.

    On a terminal the hits are a table (a pager when they do not fit); piped, tab-separated
    lines with a header (case, document, turn, speaker, start, end, left, match, right).

    Plain search ignores case and lets any whitespace in the query match any whitespace in the
    text (line breaks included); --regex takes a Python regular expression as written; --lemma
    matches the query's lemmas. Speaker labels are not searched. With --code KEY it asks
    `Code N hits as KEY? [y/N]` (--yes skips the question) and adds manual codings; hits that
    overlap a coding of the same code by the same coder are skipped and reported.
    """
    from qualcode.services import search as service

    if regex and lemma:
        raise QualcodeError("choose one of --regex and --lemma")
    mode = "regex" if regex else "lemma" if lemma else "plain"
    if code is not None and unit not in service.CODE_UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint="one of hit, sentence, turn")
    who = coder_name(coder)
    coded = None
    with project_session(ctx, write=False) as session:
        key = service.check_code(session, code) if code is not None else None
        hits = service.search(session, query, mode=mode, context=context, case=case,
                              document=document, speaker_role=speaker_role)
        if not json_out:
            if hits and sys.stdout.isatty() and len(hits) + 8 <= console.height:
                console.print(_hits_table(hits, query))
            elif hits:  # piped: tab-separated lines; a long listing on a terminal: the pager
                emit_rows(("case", "document", "turn", "speaker", "start", "end", "left",
                           "match", "right"),
                          ((h.case or "(no case)", h.document, str(h.turn or ""), h.speaker or "",
                            str(h.start), str(h.end), _flat(h.left), _flat(h.match),
                            _flat(h.right)) for h in hits), no_pager=no_pager)
            else:
                console.print(f"No hits for {query!r}.")
        if key is not None and hits:
            agreed = yes or typer.confirm(f"Code {len(hits)} hits as {key}?", default=False,
                                          err=json_out)
            if agreed:
                coded = service.code_hits(session, hits, code=key, coder=who, actor=who,
                                          unit=unit)
    if json_out:
        emit_json({"query": query, "mode": mode, "hits": hits, "coded": coded})
        return
    if key is None or not hits:
        return
    if coded is None:
        console.print("Nothing coded.")
        return
    console.print(f"Coded {len(coded.added)} {unit}(s) as {coded.code} by {who}.")
    for s in coded.skipped:
        console.print(Text(f"  skipped {s.hit.document} {s.start}:{s.end}: {s.reason}",
                           style="yellow"))


# --------------------------------------------------------------------------- gaps


def _header(dimension: str) -> str:
    """"market-position" as "market position", so a narrow column wraps between the words."""
    return dimension.replace("-", " ")


def _gap_cell(n: int) -> Text:
    if n == 0:
        return Text("\u2717", style="red")
    if n == 1:
        return Text("1!", style="yellow")
    return Text(f"\u2713 {n}", style="green")


def gaps(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="dimension or code.")] = "dimension",
    coder: FilterCoderOpt = None,
    origin: OriginOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cases with no evidence on a dimension (or code), and those resting on a single quote.

    The grid shows ✓ n (n codings), 1! (a single quote) and ✗ (none); child codes roll up into
    their parents and dimensions. Coded documents without a case are the last row, "(no
    case)", and a note names them."""
    from qualcode.services.gaps import find_gaps
    from qualcode.services.matrix import NO_CASE

    with project_session(ctx, write=False) as session:
        result = find_gaps(session, by=by, coder=coder, origin=origin)
    if json_out:
        emit_json(result.as_dict())
        return
    if not result.cases or not result.columns:
        console.print("No cases or no codes yet: nothing to check.")
        return
    transpose = len(result.columns) > MAX_TERMINAL_COLUMNS
    grid = RichTable(title=f"Evidence by case x {by}")
    if transpose:
        grid.add_column(by, overflow="fold")
        for case in result.cases:
            grid.add_column(case, justify="center", overflow="fold")
        for j, column in enumerate(result.columns):
            grid.add_row(column, *[_gap_cell(row[j]) for row in result.counts])
    else:
        grid.add_column("case", overflow="fold")
        for column in result.columns:
            grid.add_column(_header(column) if by == "dimension" else column, justify="center",
                            overflow="fold")
        for case, row in zip(result.cases, result.counts, strict=True):
            grid.add_row(case, *[_gap_cell(n) for n in row])
    console.print(grid)
    if result.missing:
        console.print(Text(f"No evidence ({len(result.missing)}):", style="bold red"))
        by_case: dict[str, list[str]] = {}
        for g in result.missing:
            by_case.setdefault(g.case, []).append(g.column)
        for case, columns in by_case.items():
            console.print(f"  {case}: {', '.join(columns)}")
    if result.single:
        console.print(Text(f"A single quote ({len(result.single)}):", style="bold yellow"))
        for g in result.single:
            console.print(f"  {g.case} \u00b7 {g.column} ({g.document}): "
                          f"\u201c{_clip(g.quote or '', 100)}\u201d")
    if not result.missing and not result.single:
        if any(case != NO_CASE for case in result.cases):
            console.print("Every case has at least two codings on every "
                          f"{'dimension' if by == 'dimension' else 'code'}.")
        else:  # gaps are a firm's; the caseless row is shown, not judged
            console.print("No case to check: every coded document belongs to no case (give "
                          "each its firm: `qualcode documents set-case DOC CASE`).")
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
    if result.counting is not None:
        console.print(Text(result.counting.line, style="dim"))
