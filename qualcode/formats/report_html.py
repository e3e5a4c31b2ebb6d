"""The project report as ONE self-contained HTML page: inline CSS, HTML-table heatmaps, no script,
no network, no external font. Pure: plain dataclasses and dicts in, a string out; every value from
the project is escaped.

The synthesis comes in as the dict `Synthesis.to_dict()` gives (rows -> cells -> quotes with
document/start/end/code/coder/text/ref). Quotes link to `#<anchor_id(document, start, end)>`, and
the appendix wraps each coded span of a document in an element with that id.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from typing import Any

COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
ANCHOR_SAFE = re.compile(r"[^A-Za-z0-9._-]")
HEAT_RGB = (31, 119, 180)  # one hue; the value sets the opacity


@dataclass
class Heatmap:
    title: str
    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[float]]
    note: str = ""
    decimals: int = 0
    blank_diagonal: bool = False  # a code with itself says nothing in a co-occurrence map


@dataclass
class Bar:
    label: str
    count: int
    group: str = ""
    colour: str | None = None


@dataclass
class MarkedSpan:
    start: int
    end: int
    label: str  # the codes on it, for the hover title


@dataclass
class AppendixDocument:
    name: str
    case: str | None
    title: str | None
    text: str
    synthetic: bool
    spans: list[MarkedSpan] = field(default_factory=list)
    language: str = "en"


@dataclass
class ReportPage:
    title: str
    synthesis: dict[str, Any]
    heatmaps: list[Heatmap] = field(default_factory=list)
    frequencies: list[Bar] = field(default_factory=list)
    documents: list[AppendixDocument] = field(default_factory=list)
    synthetic_notice: str | None = None
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)


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


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC",
       "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2rem; color: #222;
       line-height: 1.4; max-width: 110rem; }
h1, h2, h3 { font-weight: 600; }
.synthetic { border: 2px solid #b00; background: #fff3f3; padding: .6rem 1rem; font-weight: 600; }
nav a { margin-right: 1rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .88rem; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; vertical-align: top; text-align: left; }
thead th { background: #f0f0f0; }
td.attrs { font-size: .8rem; color: #555; }
.stale { background: #b00; color: #fff; font-size: .72rem; padding: 0 .3rem; border-radius: 3px; }
.summary { margin: 0 0 .4rem 0; }
ul.codes { margin: 0 0 .4rem 0; padding-left: 1rem; font-size: .8rem; color: #333; }
blockquote { margin: .3rem 0; padding-left: .5rem; border-left: 3px solid #9ab; font-size: .82rem; }
.ref { font-size: .75rem; color: #555; }
.empty { color: #999; }
table.heat td { text-align: right; min-width: 1.8rem; font-variant-numeric: tabular-nums; }
table.heat th.col { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
table.heat td.diag { background: #eee; }
.bars { font-size: .85rem; }
.bar-row { display: flex; align-items: center; margin: 2px 0; }
.bar-label { width: 22rem; flex: none; }
.bar-track { flex: 1; max-width: 40rem; background: #f3f3f3; }
.bar { display: block; height: .9rem; }
.bar-count { width: 3rem; text-align: right; flex: none; margin-left: .4rem; }
.doc { white-space: pre-wrap; font-family: ui-monospace, "Cascadia Mono", Menlo,
       "Noto Sans Mono CJK SC", "Noto Sans CJK SC", monospace;
       font-size: .8rem; border: 1px solid #ddd; padding: 1rem; background: #fcfcfc; }
mark { background: rgba(255, 210, 60, .35); }
mark:target { outline: 2px solid #d60; background: rgba(255, 160, 0, .6); }
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
    return (
        f"<blockquote>&ldquo;{esc(quote['text'])}&rdquo;{key}"
        f'<div class="ref">{where} &middot; {esc(quote["code"])} &middot; '
        f"{esc(quote['coder'])}</div></blockquote>"
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


def synthesis_section(synthesis: dict[str, Any], *, link_quotes: bool) -> str:
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
    notes = "".join(f"<li>{esc(n)}</li>" for n in synthesis.get("notes", []))
    if not synthesis["rows"]:
        rows.append(f'<tr><td colspan="{len(dims) + 1}" class="empty">no cases yet</td></tr>')
    return (
        '<section id="synthesis"><h2>Synthesis: cases &times; dimensions</h2>'
        + (f"<ul>{notes}</ul>" if notes else "")
        + f'<table class="synthesis"><thead><tr><th scope="col">case</th>{head}</tr></thead>'
        + "<tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


# --------------------------------------------------------------------------- heatmaps and bars


def _heat_cell(value: float, top: float, decimals: int) -> str:
    alpha = (value / top) if top > 0 else 0.0
    alpha = max(0.0, min(1.0, alpha))
    fg = "#fff" if alpha > 0.55 else "#222"
    r, g, b = HEAT_RGB
    text = f"{value:.{decimals}f}" if value else ""
    return (
        f'<td style="background: rgba({r}, {g}, {b}, {alpha:.3f}); color: {fg}" '
        f'title="{esc(text or 0)}">{esc(text)}</td>'
    )


def heatmap_section(heat: Heatmap, section_id: str) -> str:
    values = [
        v for i, row in enumerate(heat.cells) for j, v in enumerate(row)
        if not (heat.blank_diagonal and i == j)
    ]
    top = max(values, default=0) or 0
    head = "".join(f'<th scope="col" class="col">{esc(c)}</th>' for c in heat.col_labels)
    rows = []
    for i, (label, row) in enumerate(zip(heat.row_labels, heat.cells, strict=True)):
        tds = "".join(
            '<td class="diag"></td>'
            if heat.blank_diagonal and i == j
            else _heat_cell(float(v), float(top), heat.decimals)
            for j, v in enumerate(row)
        )
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{tds}</tr>')
    empty = "" if heat.row_labels and heat.col_labels else '<p class="empty">nothing to show</p>'
    note = f"<p>{esc(heat.note)}</p>" if heat.note else ""
    return (
        f'<section id="{esc(section_id)}"><h2>{esc(heat.title)}</h2>{note}{empty}'
        f'<table class="heat"><thead><tr><th></th>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></section>"
    )


def bars_section(bars: list[Bar]) -> str:
    top = max((b.count for b in bars), default=0)
    parts, group = [], None
    for bar in bars:
        if bar.group != group:
            group = bar.group
            parts.append(f"<h3>{esc(group)}</h3>")
        width = 100.0 * bar.count / top if top else 0.0
        colour = bar.colour if bar.colour and COLOUR_RE.fullmatch(bar.colour) else "#1f77b4"
        parts.append(
            f'<div class="bar-row"><span class="bar-label">{esc(bar.label)}</span>'
            f'<span class="bar-track"><span class="bar" style="width: {width:.1f}%; '
            f'background: {colour}"></span></span>'
            f'<span class="bar-count">{esc(bar.count)}</span></div>'
        )
    body = "".join(parts) or '<p class="empty">no codes</p>'
    return (
        '<section id="frequencies"><h2>Code frequencies</h2>'
        f'<div class="bars">{body}</div></section>'
    )


# --------------------------------------------------------------------------- appendix


def marked_text(document: str, text: str, spans: list[MarkedSpan]) -> str:
    """The text escaped, each span wrapped in <mark id=anchor_id(...)>. Nested spans nest; a span
    crossing another is closed and reopened around it (only its first piece carries the id)."""
    merged: dict[tuple[int, int], list[str]] = {}
    for s in spans:
        if 0 <= s.start < s.end <= len(text):
            merged.setdefault((s.start, s.end), []).append(s.label)
    ordered = sorted(merged, key=lambda se: (se[0], -se[1]))
    points = sorted({p for se in ordered for p in se} | {0, len(text)})
    starts: dict[int, list[tuple[int, int]]] = {}
    for se in ordered:
        starts.setdefault(se[0], []).append(se)

    def open_tag(se: tuple[int, int], first: bool) -> str:
        title = esc(", ".join(dict.fromkeys(merged[se])))
        ident = f' id="{esc(anchor_id(document, *se))}"' if first else ""
        return f'<mark{ident} title="{title}">'

    out: list[str] = []
    stack: list[tuple[int, int]] = []
    for here, nxt in zip(points, points[1:], strict=False):
        ending = [se for se in stack if se[1] == here]
        if ending:
            deepest = min(stack.index(se) for se in ending)
            reopen = [se for se in stack[deepest:] if se[1] != here]
            out.append("</mark>" * (len(stack) - deepest))
            del stack[deepest:]
            for se in reopen:
                out.append(open_tag(se, first=False))
                stack.append(se)
        for se in starts.get(here, []):
            out.append(open_tag(se, first=True))
            stack.append(se)
        out.append(esc(text[here:nxt]))
    out.append("</mark>" * len(stack))
    return "".join(out)


def appendix_section(documents: list[AppendixDocument]) -> str:
    parts = ['<section id="documents"><h2>Appendix: the documents</h2>']
    for doc in documents:
        label = " (SYNTHETIC)" if doc.synthetic else ""
        case = f" &middot; {esc(doc.case)}" if doc.case else ""
        title = f"<p>{esc(doc.title)}</p>" if doc.title else ""
        parts.append(
            f'<article id="{esc(document_id(doc.name))}" lang="{esc(doc.language)}">'
            f"<h3>{esc(doc.name)}{case}{esc(label)}</h3>{title}"
            f'<div class="doc">{marked_text(doc.name, doc.text, doc.spans)}</div></article>'
        )
    if not documents:
        parts.append('<p class="empty">no documents</p>')
    parts.append("</section>")
    return "".join(parts)


# --------------------------------------------------------------------------- pages


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _notice(text: str | None) -> str:
    return f'<p class="synthetic" role="note">{esc(text)}</p>' if text else ""


def render_report(page: ReportPage) -> str:
    heat_ids = [f"heatmap-{i + 1}" for i in range(len(page.heatmaps))]
    links = [("synthesis", "Synthesis")]
    links += [(hid, h.title) for hid, h in zip(heat_ids, page.heatmaps, strict=True)]
    links += [("frequencies", "Code frequencies"), ("documents", "Documents")]
    nav = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in links)
    notes = "".join(f"<li>{esc(n)}</li>" for n in page.notes)
    body = [
        f"<header>{_notice(page.synthetic_notice)}<h1>{esc(page.title)}</h1>",
        f"<p>{esc(page.subtitle)}</p>" if page.subtitle else "",
        f"<ul>{notes}</ul>" if notes else "",
        f"<nav>{nav}</nav></header>",
        synthesis_section(page.synthesis, link_quotes=True),
        *(heatmap_section(h, i) for h, i in zip(page.heatmaps, heat_ids, strict=True)),
        bars_section(page.frequencies),
        appendix_section(page.documents),
    ]
    return _page(page.title, "\n".join(b for b in body if b))


def render_synthesis_page(
    synthesis: dict[str, Any], *, title: str = "Synthesis", synthetic_notice: str | None = None
) -> str:
    """The synthesis table alone (quotes show their document:start-end, unlinked)."""
    body = (
        f"<header>{_notice(synthetic_notice)}<h1>{esc(title)}</h1></header>"
        + synthesis_section(synthesis, link_quotes=False)
    )
    return _page(title, body)
