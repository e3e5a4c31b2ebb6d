"""The project report as ONE self-contained HTML page: inline CSS, HTML-table heatmaps, no script,
no network, no external font. Pure: plain dataclasses and dicts in, a string (or its pieces, the
documents appendix a document at a time) out; every value from the project is escaped.

The synthesis comes in as the dict `Synthesis.to_dict()` gives (rows -> cells -> quotes with
document/start/end/code/coder/text/ref). Quotes link to `#<anchor_id(document, start, end)>`, and
the appendix wraps each coded span of a document in an element with that id.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
ANCHOR_SAFE = re.compile(r"[^A-Za-z0-9._-]")
HEAT_RGB = (31, 119, 180)  # one hue; the value sets the opacity


@dataclass
class Heatmap:
    title: str
    row_labels: list[str]
    col_labels: list[str]  # full names (hover titles, the key under the map)
    cells: list[list[float]]
    note: str = ""
    decimals: int = 0
    blank_diagonal: bool = False  # a code with itself says nothing in a co-occurrence map
    col_keys: list[str] | None = None  # short headers ("P3"), explained under the map
    col_groups: list[str] | None = None  # a header row above: each column's group (dimension)
    unit: str = ""  # what the numbers are, for the legend


@dataclass
class Bar:
    label: str
    count: int
    group: str = ""
    colour: str | None = None
    tag: str = ""


@dataclass
class MarkedSpan:
    start: int
    end: int
    label: str  # the codes on it (and coders), for the hover title
    tag: str = ""  # printed after the span: short code tags ("P3, I2")
    colour: str | None = None


@dataclass
class AppendixDocument:
    name: str
    case: str | None
    title: str | None
    text: str
    synthetic: bool
    spans: list[MarkedSpan] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    language: str = "en"


class DocumentStream:
    """The appendix's documents produced one at a time (`produce` starts a new pass), with their
    number known up front: a report of 10 M words need not hold every document at once."""

    def __init__(self, count: int, produce: Callable[[], Iterator[AppendixDocument]]) -> None:
        self.count = count
        self.produce = produce

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[AppendixDocument]:
        return self.produce()


@dataclass
class CodebookEntry:
    key: str
    tag: str
    name: str
    dimension: str
    is_dimension: bool
    definition: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    colour: str | None = None
    retired: bool = False
    depth: int = 0


@dataclass
class MemoEntry:
    kind: str  # project, case, document, code, coding
    target: str
    title: str | None
    text: str
    author: str | None
    date: str


@dataclass
class ProfileRow:
    label: str
    cases: list[str]
    counts: list[int]  # per dimension


@dataclass
class Profile:
    """A case attribute's chart: per value, the share of codings on each dimension."""

    attribute: str
    dimensions: list[str]
    colours: list[str]
    rows: list[ProfileRow]


@dataclass
class ReportPage:
    title: str
    synthesis: dict[str, Any]
    heatmaps: list[Heatmap] = field(default_factory=list)
    frequencies: list[Bar] = field(default_factory=list)
    documents: list[AppendixDocument] | DocumentStream = field(default_factory=list)
    synthetic_notice: str | None = None
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    coders_note: str = ""
    profiles: list[Profile] = field(default_factory=list)
    dimension_colours: dict[str, str] = field(default_factory=dict)
    codebook: list[CodebookEntry] = field(default_factory=list)
    memos: list[MemoEntry] = field(default_factory=list)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def anchor_id(document: str, start: int, end: int) -> str:
    """A valid, unique HTML id for a coded span: "interview-03:1234-1290". A document name with
    characters outside [A-Za-z0-9._-] is cleaned and given a short hash so ids stay unique."""
    return f"{_clean(document)}:{start}-{end}"


def document_id(document: str) -> str:
    return "doc-" + _clean(document)


def _clean(document: str) -> str:
    clean = ANCHOR_SAFE.sub("_", document)
    if clean != document or not clean:
        clean += "-" + hashlib.sha1(document.encode("utf-8")).hexdigest()[:6]
    return clean


# Screen: fits 1400 px (fixed table layouts, long words broken, heatmap headers as short tags).
# Print (A4): each section on a new page, the wide ones (synthesis, heatmaps) on landscape pages,
# no row, quote or chart cut across pages, table headers repeated, colours kept.
_STYLE = """
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC",
       "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0 auto; color: #222;
       line-height: 1.4; max-width: 1400px; padding: 1.5rem 2rem; }
h1, h2, h3 { font-weight: 600; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2.2rem; }
.synthetic { border: 2px solid #b00; background: #fff3f3; padding: .6rem 1rem; font-weight: 600; }
.counted { border-left: 4px solid #1f77b4; background: #f2f7fb; padding: .4rem .8rem; }
nav { display: flex; flex-wrap: wrap; gap: .2rem 1rem; }
nav a { white-space: nowrap; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .88rem; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; vertical-align: top; text-align: left;
         overflow-wrap: break-word; }
thead th { background: #f0f0f0; }
table.synthesis { width: 100%; table-layout: fixed; }
table.synthesis th.case { width: 10rem; }
th .attrs { font-size: .75rem; color: #555; font-weight: normal; }
.stale { background: #b00; color: #fff; font-size: .72rem; padding: 0 .3rem; border-radius: 3px; }
.summary { margin: 0 0 .4rem 0; }
ul.codes { margin: 0 0 .4rem 0; padding-left: 1rem; font-size: .8rem; color: #333; }
blockquote { margin: .3rem 0; padding-left: .5rem; border-left: 3px solid #9ab; font-size: .82rem; }
.ref { font-size: .75rem; color: #555; overflow-wrap: anywhere; }
.empty { color: #999; }
.note { font-size: .85rem; color: #444; max-width: 75rem; }
table.heat { font-size: .75rem; }
table.heat td { text-align: right; width: 1.9rem; min-width: 1.9rem; padding: .2rem .15rem;
                font-variant-numeric: tabular-nums; }
table.heat th { padding: .2rem .3rem; }
table.heat thead th { text-align: center; font-weight: 600; }
table.heat th.group { font-size: .7rem; overflow: hidden; white-space: nowrap; }
table.heat td.diag { background: #eee; }
table.heat th[scope=row] { white-space: nowrap; font-weight: normal; }
.legend { display: flex; align-items: center; flex-wrap: wrap; gap: .2rem; font-size: .78rem;
          margin: .4rem 0; }
.legend .swatch { display: inline-block; width: 2.2rem; height: 1rem; border: 1px solid #bbb; }
.legend .step { display: inline-flex; flex-direction: column; align-items: center; }
.legend .says { margin-left: .8rem; color: #444; max-width: 60rem; }
.keys { font-size: .75rem; color: #333; columns: 4 16rem; column-gap: 1.5rem; margin: .3rem 0; }
.keys > span { display: block; break-inside: avoid; }
.tagname { font-weight: 700; font-family: ui-monospace, Menlo, monospace; }
.bars { font-size: .85rem; }
.bar-row { display: flex; align-items: center; margin: 2px 0; }
.bar-label { width: 24rem; flex: none; overflow-wrap: anywhere; }
.bar-track { flex: 1; max-width: 40rem; background: #f3f3f3; }
.bar { display: block; height: .9rem; }
.bar-count { width: 3rem; text-align: right; flex: none; margin-left: .4rem; }
table.profile { width: 100%; max-width: 70rem; table-layout: fixed; font-size: .8rem; }
table.profile th.value { width: 14rem; }
table.profile .n { width: 5.5rem; text-align: right; }
.stack { display: flex; height: 1.3rem; width: 100%; border: 1px solid #bbb; }
.stack span { display: block; height: 100%; color: #fff; font-size: .7rem; text-align: center;
              line-height: 1.3rem; overflow: hidden; white-space: nowrap; }
.cases { font-size: .72rem; color: #555; font-weight: normal; }
.code-entry { margin: .5rem 0 .8rem 0; break-inside: avoid; }
.code-entry h4 { margin: 0; font-size: .95rem; }
.code-entry p, .code-entry ul { margin: .15rem 0; font-size: .85rem; }
.code-entry ul { padding-left: 1.2rem; }
.label { font-weight: 600; font-size: .8rem; color: #444; }
.dot { display: inline-block; width: .8rem; height: .8rem; border: 1px solid #888;
       vertical-align: middle; margin-right: .3rem; }
.memo { margin: .4rem 0 .8rem 0; break-inside: avoid; }
.memo .text { white-space: pre-wrap; margin: .1rem 0; }
.doc { white-space: pre-wrap; font-family: ui-monospace, "Cascadia Mono", Menlo,
       "Noto Sans Mono CJK SC", "Noto Sans CJK SC", monospace;
       font-size: .8rem; border: 1px solid #ddd; padding: 1rem; background: #fcfcfc;
       overflow-wrap: break-word; }
mark { background: rgba(255, 210, 60, .35); color: inherit; }
mark:target { outline: 2px solid #d60; background: rgba(255, 160, 0, .6); }
sup.tag { font-family: ui-sans-serif, system-ui, sans-serif; font-size: .68rem; font-weight: 700;
          color: #333; background: #eef; border: 1px solid #99b; border-radius: 3px;
          padding: 0 .15rem; margin: 0 .1rem; vertical-align: super; line-height: 1; }
@page { size: A4; margin: 14mm 12mm; }
@page wide { size: A4 landscape; margin: 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav { display: block; columns: 2; font-size: 10pt; margin-top: 1.5rem; }
  nav a { display: block; }
  nav::before { content: "Contents"; display: block; font-weight: 600; margin-bottom: .3rem; }
  h2 { margin-top: 0; }
  section { break-before: page; }
  section.wide { page: wide; }
  article { break-before: page; }
  tr, blockquote, .bar-row, .legend, .keys > span, figure, .memo, .code-entry {
    break-inside: avoid; }
  h2, h3, h4, figcaption { break-after: avoid; }
  thead { display: table-header-group; }
  table.heat { break-inside: avoid; font-size: 6.5pt; margin: .4rem 0; }
  table.heat td, table.heat th { width: auto; min-width: 0; padding: 0 2px; line-height: 1.2; }
  .note { font-size: 7.5pt; }
  .keys { font-size: 6.5pt; }
  table.profile th.value { width: 30%; }
  table.profile .n { width: 12%; }
  table { font-size: 7.5pt; }
  blockquote, .ref, ul.codes { font-size: 7pt; }
  a { color: inherit; text-decoration: none; }
  .doc { border: none; background: none; padding: 0; font-size: 7.5pt; }
  mark:target { outline: none; }
}
""".strip()


# --------------------------------------------------------------------------- synthesis


def _codes_html(cell: dict) -> str:
    if not cell["codes"]:
        return ""
    items = "".join(
        f"<li>{esc(c['code'])} <b>{esc(c['count'])}</b></li>" for c in cell["codes"]
    )
    return f'<ul class="codes">{items}</ul>'


def _quote_html(quote: dict, link: bool) -> str:
    ref = esc(quote["ref"])
    where = (
        f'<a href="#{esc(anchor_id(quote["document"], quote["start"], quote["end"]))}">{ref}</a>'
        if link
        else ref
    )
    key = " &#9733;" if quote.get("key") else ""
    coders = quote.get("coders") or [quote["coder"]]
    who = quote["coder"] + (" (also " + ", ".join(c for c in coders if c != quote["coder"]) + ")"
                            if len(coders) > 1 else "")
    return (
        f"<blockquote>&ldquo;{esc(quote['text'])}&rdquo;{key}"
        f'<div class="ref">{where} &middot; {esc(quote["code"])} &middot; '
        f"{esc(who)}</div></blockquote>"
    )


def _cell_html(cell: dict, link: bool) -> str:
    parts = []
    if cell.get("summary"):
        stale = ' <span class="stale">STALE</span>' if cell.get("summary_stale") else ""
        parts.append(f'<p class="summary">{esc(cell["summary"])}{stale}</p>')
    if cell["codings"]:
        parts.append(
            f'<div class="ref">{esc(cell["codings"])} coding(s) in {esc(cell["documents"])} '
            "document(s)</div>"
        )
    parts.append(_codes_html(cell))
    parts += [_quote_html(q, link) for q in cell["quotes"]]
    body = "".join(parts)
    return body or '<span class="empty">no codings</span>'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def synthesis_section(synthesis: dict[str, Any], *, link_quotes: bool, said: str = "") -> str:
    """The table; `said` is a note already shown above it (left out here)."""
    dims = synthesis["dimensions"]
    head = "".join(f'<th scope="col">{esc(d)}</th>' for d in dims)
    rows = []
    for row in synthesis["rows"]:
        attrs = "<br>".join(
            f"{esc(k)}: {esc(_value(v))}" for k, v in row["attributes"].items()
            if v not in (None, "")
        )
        cells = "".join(f"<td>{_cell_html(row['cells'][d], link_quotes)}</td>" for d in dims)
        rows.append(
            f'<tr><th scope="row">{esc(row["name"])}<div class="attrs">{attrs}</div></th>'
            f"{cells}</tr>"
        )
    notes = "".join(f"<li>{esc(n)}</li>" for n in synthesis.get("notes", []) if n != said)
    if not synthesis["rows"]:
        rows.append(f'<tr><td colspan="{len(dims) + 1}" class="empty">no cases yet</td></tr>')
    return (
        '<section id="synthesis" class="wide"><h2>Synthesis: cases &times; dimensions</h2>'
        + (f'<ul class="note">{notes}</ul>' if notes else "")
        + '<table class="synthesis"><thead><tr><th scope="col" class="case">case</th>'
        + f"{head}</tr></thead>"
        + "<tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


# --------------------------------------------------------------------------- heatmaps


HEAT_STEPS = 5  # swatches in a legend, above zero
OUTLIER = 2.0  # the largest value beyond OUTLIER x the 95th percentile caps the scale there


@dataclass(frozen=True)
class Scale:
    top: float  # the value that gets the darkest colour
    largest: float
    capped: bool


def heat_scale(values: list[float], decimals: int) -> Scale:
    """Linear from 0 to the largest value, unless that value is an outlier (more than OUTLIER
    times the 95th percentile of the non-zero values): then the scale stops at that percentile
    and every value above it gets the darkest colour. Said so in the legend."""
    positive = sorted(v for v in values if v > 0)
    largest = positive[-1] if positive else 0.0
    if len(positive) >= 5:
        p95 = positive[int(0.95 * (len(positive) - 1))]
        if p95 > 0 and largest > OUTLIER * p95:
            top = round(p95, decimals) if decimals else float(max(1, round(p95)))
            return Scale(top=top, largest=largest, capped=True)
    return Scale(top=largest, largest=largest, capped=False)


def _alpha(value: float, scale: Scale) -> float:
    if value <= 0 or scale.top <= 0:
        return 0.0
    return 0.12 + 0.83 * min(1.0, value / scale.top)


def _fill(alpha: float) -> str:
    r, g, b = HEAT_RGB
    return f"rgba({r}, {g}, {b}, {alpha:.3f})"


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _heat_cell(value: float, scale: Scale, decimals: int, title: str) -> str:
    alpha = _alpha(value, scale)
    fg = "#fff" if alpha > 0.55 else "#222"
    text = _number(value, decimals) if value else ""
    return (
        f'<td style="background: {_fill(alpha)}; color: {fg}" '
        f'title="{esc(title)}: {esc(text or 0)}">{esc(text)}</td>'
    )


def legend_html(scale: Scale, decimals: int, unit: str) -> str:
    """The colour scale: zero, then HEAT_STEPS swatches up to the top of the scale, and what the
    scale is (linear, or capped for an outlier)."""
    steps = ['<span class="step"><span class="swatch" style="background: #fff"></span>0</span>']
    for k in range(1, HEAT_STEPS + 1):
        value = scale.top * k / HEAT_STEPS
        label = _number(value, decimals if decimals else (0 if value.is_integer() else 1))
        if k == HEAT_STEPS and scale.capped:
            label = "&ge; " + esc(label)
        else:
            label = esc(label)
        steps.append(f'<span class="step"><span class="swatch" style="background: '
                     f'{_fill(_alpha(value, scale))}"></span>{label}</span>')
    what = f" ({esc(unit)})" if unit else ""
    if scale.capped:
        says = (f"Colour scale{what}: linear from 0 to {esc(_number(scale.top, decimals))}, "
                f"capped there so that one large value does not wash out the rest: every cell "
                f"of {esc(_number(scale.top, decimals))} or more has the darkest colour (the "
                f"largest is {esc(_number(scale.largest, decimals))}). Empty cells are 0.")
    else:
        says = (f"Colour scale{what}: linear from 0 to the largest value, "
                f"{esc(_number(scale.largest, decimals))}. Empty cells are 0.")
    return f'<div class="legend">{"".join(steps)}<span class="says">{says}</span></div>'


def _short_name(key: str, group: str) -> str:
    prefix = group + "."
    return key[len(prefix):] if group and key.startswith(prefix) else key


def keys_html(keys: list[str], names: list[str], groups: list[str] | None) -> str:
    """What each short column header stands for."""
    seen: dict[str, str] = {}
    for i, (key, name) in enumerate(zip(keys, names, strict=True)):
        if key != name and key not in seen:
            seen[key] = _short_name(name, groups[i]) if groups else name
    if not seen:
        return ""
    items = "".join(f'<span><span class="tagname">{esc(k)}</span> {esc(v)}</span>'
                    for k, v in seen.items())
    return f'<div class="keys">{items}</div>'


def _group_row(groups: list[str]) -> str:
    cells, i = [], 0
    while i < len(groups):
        j = i
        while j < len(groups) and groups[j] == groups[i]:
            j += 1
        cells.append(f'<th scope="colgroup" colspan="{j - i}" class="group" '
                     f'title="{esc(groups[i])}">{esc(groups[i])}</th>')
        i = j
    return "<tr><th></th>" + "".join(cells) + "</tr>"


def heatmap_section(heat: Heatmap, section_id: str) -> str:
    values = [
        float(v) for i, row in enumerate(heat.cells) for j, v in enumerate(row)
        if not (heat.blank_diagonal and i == j)
    ]
    scale = heat_scale(values, heat.decimals)
    keys = heat.col_keys or heat.col_labels
    head = "".join(f'<th scope="col" title="{esc(full)}">{esc(short)}</th>'
                   for short, full in zip(keys, heat.col_labels, strict=True))
    group_row = _group_row(heat.col_groups) if heat.col_groups and heat.col_labels else ""
    rows = []
    for i, (label, row) in enumerate(zip(heat.row_labels, heat.cells, strict=True)):
        tds = "".join(
            '<td class="diag"></td>'
            if heat.blank_diagonal and i == j
            else _heat_cell(float(v), scale, heat.decimals, f"{label} x {heat.col_labels[j]}")
            for j, v in enumerate(row)
        )
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{tds}</tr>')
    if not (heat.row_labels and heat.col_labels):
        table = '<p class="empty">nothing to show</p>'
    else:
        table = (f'<table class="heat"><thead>{group_row}<tr><th></th>{head}</tr></thead>'
                 f'<tbody>{"".join(rows)}</tbody></table>'
                 + legend_html(scale, heat.decimals, heat.unit)
                 + keys_html(keys, heat.col_labels, heat.col_groups))
    note = f'<p class="note">{esc(heat.note)}</p>' if heat.note else ""
    return (f'<section id="{esc(section_id)}" class="wide"><h2>{esc(heat.title)}</h2>{note}'
            f"{table}</section>")


# --------------------------------------------------------------------------- bars and profiles


def _colour(value: str | None, fallback: str = "#1f77b4") -> str:
    return value if value and COLOUR_RE.fullmatch(value) else fallback


def bars_section(bars: list[Bar]) -> str:
    top = max((b.count for b in bars), default=0)
    parts, group = [], None
    for bar in bars:
        if bar.group != group:
            group = bar.group
            parts.append(f"<h3>{esc(group)}</h3>")
        width = 100.0 * bar.count / top if top else 0.0
        tag = f'<span class="tagname">{esc(bar.tag)}</span> ' if bar.tag else ""
        parts.append(
            f'<div class="bar-row"><span class="bar-label">{tag}{esc(bar.label)}</span>'
            f'<span class="bar-track"><span class="bar" style="width: {width:.1f}%; '
            f'background: {_colour(bar.colour)}"></span></span>'
            f'<span class="bar-count">{esc(bar.count)}</span></div>'
        )
    body = "".join(parts) or '<p class="empty">no codes</p>'
    return (
        '<section id="frequencies"><h2>Code frequencies</h2>'
        '<p class="note">Counted codings of each code (its own, not those of codes below it).'
        f'</p><div class="bars">{body}</div></section>'
    )


def _dimension_legend(dimensions: list[str], colours: list[str]) -> str:
    items = "".join(f'<span class="step" style="flex-direction: row"><span class="dot" '
                    f'style="background: {_colour(c)}"></span>{esc(d)}</span>&nbsp;&nbsp;'
                    for d, c in zip(dimensions, colours, strict=True))
    return f'<div class="legend">{items}</div>'


def profile_html(profile: Profile) -> str:
    rows = []
    for row in profile.rows:
        total = sum(row.counts)
        segments = []
        for dim, colour, n in zip(profile.dimensions, profile.colours, row.counts, strict=True):
            if not n:
                continue
            share = 100.0 * n / total
            text = f"{share:.0f}%" if share >= 8 else ""
            segments.append(f'<span style="width: {share:.2f}%; background: {_colour(colour)}" '
                            f'title="{esc(dim)}: {n} of {total} ({share:.0f}%)">{text}</span>')
        bar = (f'<div class="stack">{"".join(segments)}</div>' if total
               else '<span class="empty">no codings</span>')
        cases = ", ".join(row.cases)
        rows.append(
            f'<tr><th scope="row" class="value">{esc(row.label)}'
            f'<div class="cases">{esc(cases)}</div></th>'
            f'<td class="n">{len(row.cases)} case{"s" if len(row.cases) != 1 else ""}</td>'
            f"<td>{bar}</td>"
            f'<td class="n">{total}</td></tr>'
        )
    return (
        f'<figure><figcaption><b>Dimension profile by {esc(profile.attribute)}</b></figcaption>'
        '<table class="profile"><thead><tr><th scope="col" class="value">'
        f'{esc(profile.attribute)}</th><th scope="col" class="n">cases</th>'
        '<th scope="col">share of codings by dimension</th><th scope="col" class="n">codings'
        f'</th></tr></thead><tbody>{"".join(rows)}</tbody></table></figure>'
    )


def profiles_section(profiles: list[Profile]) -> str:
    if not profiles:
        body = '<p class="empty">no case attributes</p>'
    else:
        first = profiles[0]
        body = (
            '<p class="note">For each value of a case attribute (numbers with many values in '
            "three ranges), the share of its cases' counted codings on each dimension: which "
            "dimensions the interviews with those cases speak to. A profile, not a measure: "
            "it depends on how much was said and coded.</p>"
            + _dimension_legend(first.dimensions, first.colours)
            + "".join(profile_html(p) for p in profiles)
        )
    return f'<section id="profiles"><h2>Dimension profiles by case attribute</h2>{body}</section>'


# --------------------------------------------------------------------------- codebook, memos


def _list(label: str, items: list[str], cls: str = "") -> str:
    if not items:
        return ""
    lis = "".join(f"<li{cls}>{esc(i)}</li>" for i in items)
    return f'<p class="label">{esc(label)}</p><ul>{lis}</ul>'


def codebook_section(entries: list[CodebookEntry]) -> str:
    parts = []
    for e in entries:
        swatch = f'<span class="dot" style="background: {_colour(e.colour, "#fff")}"></span>'
        retired = " (retired)" if e.retired else ""
        heading = (f'{swatch}<span class="tagname">{esc(e.tag)}</span> {esc(e.key)}'
                   f"{esc(retired)} &middot; {esc(e.name)}")
        if e.is_dimension:
            parts.append(f"<h3>{heading}</h3>"
                         + (f"<p>{esc(e.definition)}</p>" if e.definition else ""))
            continue
        indent = f' style="margin-left: {max(e.depth - 1, 0) * 1.5:.1f}rem"'
        parts.append(
            f'<div class="code-entry"{indent}><h4>{heading}</h4>'
            + (f"<p>{esc(e.definition)}</p>" if e.definition else "")
            + _list("Include", e.include) + _list("Exclude", e.exclude)
            + _list("Examples", e.examples, ' style="font-style: italic"')
            + "</div>"
        )
    body = "".join(parts) or '<p class="empty">no codebook loaded</p>'
    return (
        '<section id="codebook"><h2>Appendix: the codebook</h2><p class="note">Each code with '
        "its tag (used in the heatmaps and beside the coded passages of the documents), colour, "
        f"definition, inclusion and exclusion rules and examples.</p>{body}</section>"
    )


MEMO_KINDS = (("project", "Project"), ("case", "Cases"), ("document", "Documents"),
              ("code", "Codes"), ("coding", "Codings"))


def memos_section(memos: list[MemoEntry]) -> str:
    parts = []
    for kind, heading in MEMO_KINDS:
        mine = [m for m in memos if m.kind == kind]
        if not mine:
            continue
        parts.append(f"<h3>{esc(heading)}</h3>")
        for m in mine:
            about = ("" if kind == "project" else f'<span class="ref">{esc(m.target)}</span><br>'
                     if kind == "coding" else f"<b>{esc(m.target)}</b> ")
            title = f"<i>{esc(m.title)}</i> " if m.title else ""
            by = " &middot; ".join(esc(x) for x in (m.author, m.date) if x)
            parts.append(f'<div class="memo">{about}{title}<span class="ref">{by}</span>'
                         f'<div class="text">{esc(m.text)}</div></div>')
    body = "".join(parts) or '<p class="empty">no memos</p>'
    return f'<section id="memos"><h2>Memos</h2>{body}</section>'


# --------------------------------------------------------------------------- appendix


def _tint(colour: str | None) -> str:
    """A code's colour, light enough to read text on, for a coded span."""
    if colour and COLOUR_RE.fullmatch(colour):
        hex_ = colour[1:]
        if len(hex_) == 3:
            hex_ = "".join(c * 2 for c in hex_)
        r, g, b = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
        return f"rgba({r}, {g}, {b}, .22)"
    return "rgba(255, 210, 60, .35)"


def marked_text(document: str, text: str, spans: list[MarkedSpan]) -> str:
    """The text escaped, each span wrapped in <mark id=anchor_id(...)> and followed by its tag
    (<sup class="tag">, so the codes show in print too). Nested spans nest; a span crossing
    another is closed and reopened around it (only its first piece carries the id, the tag
    follows its last piece)."""
    merged: dict[tuple[int, int], list[MarkedSpan]] = {}
    for s in spans:
        if 0 <= s.start < s.end <= len(text):
            merged.setdefault((s.start, s.end), []).append(s)
    ordered = sorted(merged, key=lambda se: (se[0], -se[1]))
    points = sorted({p for se in ordered for p in se} | {0, len(text)})
    starts: dict[int, list[tuple[int, int]]] = {}
    for se in ordered:
        starts.setdefault(se[0], []).append(se)

    def open_tag(se: tuple[int, int], first: bool) -> str:
        items = merged[se]
        title = esc(", ".join(dict.fromkeys(s.label for s in items)))
        ident = f' id="{esc(anchor_id(document, *se))}"' if first else ""
        colour = next((s.colour for s in items if s.colour), None)
        return f'<mark{ident} title="{title}" style="background: {_tint(colour)}">'

    def tag(se: tuple[int, int]) -> str:
        text_ = ", ".join(dict.fromkeys(s.tag for s in merged[se] if s.tag))
        return f'<sup class="tag">{esc(text_)}</sup>' if text_ else ""

    out: list[str] = []
    stack: list[tuple[int, int]] = []
    for here, nxt in zip(points, points[1:], strict=False):
        ending = [se for se in stack if se[1] == here]
        if ending:
            deepest = min(stack.index(se) for se in ending)
            closing = stack[deepest:]
            reopen = [se for se in closing if se[1] != here]
            out.append("</mark>" * len(closing))
            out.extend(tag(se) for se in reversed(closing) if se[1] == here)
            del stack[deepest:]
            for se in reopen:
                out.append(open_tag(se, first=False))
                stack.append(se)
        for se in starts.get(here, []):
            out.append(open_tag(se, first=True))
            stack.append(se)
        out.append(esc(text[here:nxt]))
    out.append("</mark>" * len(stack))
    out.extend(tag(se) for se in reversed(stack))
    return "".join(out)


def appendix_section(documents: Iterable[AppendixDocument], keys: str = "") -> str:
    return "".join(appendix_chunks(documents, keys))


def appendix_chunks(documents: Iterable[AppendixDocument], keys: str = "") -> Iterator[str]:
    """The documents appendix a document at a time (documents may be read as it goes)."""
    yield ('<section id="documents"><h2>Appendix: the documents</h2>'
           '<p class="note">Coded passages are highlighted in their code\'s colour; the tag '
           "after each gives its codes (see the codebook appendix) and, in a document several "
           "coders coded, who coded it.</p>" + keys)
    shown = 0
    for doc in documents:
        shown += 1
        label = " (SYNTHETIC)" if doc.synthetic else ""
        case = f" &middot; {esc(doc.case)}" if doc.case else ""
        title = f"<p>{esc(doc.title)}</p>" if doc.title else ""
        coders = (f'<p class="ref">coded by {esc(", ".join(doc.coders))}</p>'
                  if doc.coders else '<p class="ref">not coded</p>')
        yield (
            f'<article id="{esc(document_id(doc.name))}" lang="{esc(doc.language)}">'
            f"<h3>{esc(doc.name)}{case}{esc(label)}</h3>{title}{coders}"
            f'<div class="doc">{marked_text(doc.name, doc.text, doc.spans)}</div></article>'
        )
    if not shown:
        yield '<p class="empty">no documents</p>'
    yield "</section>"


# --------------------------------------------------------------------------- pages

# No script, no network: the page may use inline styles and nothing else.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _page_head(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
    )


_PAGE_TAIL = "\n</body>\n</html>\n"


def _page(title: str, body: str) -> str:
    return _page_head(title) + body + _PAGE_TAIL


def _notice(text: str | None) -> str:
    return f'<p class="synthetic" role="note">{esc(text)}</p>' if text else ""


def render_report(page: ReportPage) -> str:
    return "".join(render_report_chunks(page))


def render_report_chunks(page: ReportPage) -> Iterator[str]:
    """The page in pieces, the documents appendix one document at a time, so a report can be
    written while its documents are read (`page.documents` may be any sized iterable)."""
    heat_ids = [f"heatmap-{i + 1}" for i in range(len(page.heatmaps))]
    links = [("synthesis", "Synthesis")]
    links += [(hid, h.title) for hid, h in zip(heat_ids, page.heatmaps, strict=True)]
    links += [("profiles", "Profiles by attribute"), ("frequencies", "Code frequencies"),
              ("memos", "Memos"), ("codebook", "Codebook"), ("documents", "Documents")]
    nav = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in links)
    notes = "".join(f"<li>{esc(n)}</li>" for n in page.notes)
    tags = keys_html([e.tag for e in page.codebook], [e.key for e in page.codebook],
                     [e.dimension for e in page.codebook])
    body = [
        f"<header>{_notice(page.synthetic_notice)}<h1>{esc(page.title)}</h1>",
        f"<p>{esc(page.subtitle)}</p>" if page.subtitle else "",
        f'<p class="counted" id="coders">{esc(page.coders_note)}</p>' if page.coders_note else "",
        f"<ul>{notes}</ul>" if notes else "",
        f"<nav>{nav}</nav></header>",
        synthesis_section(page.synthesis, link_quotes=True, said=page.coders_note),
        *(heatmap_section(h, i) for h, i in zip(page.heatmaps, heat_ids, strict=True)),
        profiles_section(page.profiles),
        bars_section(page.frequencies),
        memos_section(page.memos),
        codebook_section(page.codebook),
    ]
    yield _page_head(page.title) + "\n".join(b for b in body if b) + "\n"
    yield from appendix_chunks(page.documents, tags)
    yield _PAGE_TAIL


def render_synthesis_page(
    synthesis: dict[str, Any], *, title: str = "Synthesis", synthetic_notice: str | None = None
) -> str:
    """The synthesis table alone (quotes show their document:start-end, unlinked)."""
    body = (
        f"<header>{_notice(synthetic_notice)}<h1>{esc(title)}</h1></header>"
        + synthesis_section(synthesis, link_quotes=False)
    )
    return _page(title, body)
