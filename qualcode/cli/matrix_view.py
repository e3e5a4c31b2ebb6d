"""The matrix in a terminal: a layout chosen for the terminal's width, so the numbers always show.

A matrix of 40 codes by 50 documents cannot be drawn at any width with full labels: Rich then
squeezes every column to nothing. The first of these that fits is used:
  1. the matrix as asked (or turned, codes down the side, when there are many more columns than
     rows), with full column headers on one line;
  2. the same with headers wrapped between their words;
  3. numbered column headers with a legend under the table (row labels folding, if need be);
  4. pages: numbered columns split into tables that each fit, every one with the row labels;
  5. the long form (one line per non-empty cell) when not even one column fits beside the
     labels.
Exports (--format, -o, --json) are unaffected: they always hold the whole matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

# A matrix with more columns than this and more columns than rows is turned by preference.
MAX_TERMINAL_COLUMNS = 8
# Row labels longer than this fold; to avoid a page with a column or two, they may fold down to
# MIN_LABEL.
MAX_LABEL = 40
MIN_LABEL = 12
# The label of a dimension's own row when codes run down the side, under the dimension's heading.
ALL_OF_DIMENSION = "(whole dimension)"
# Width a column costs beyond its content: a padding space each side and a border.
COLUMN_COST = 3


def cell_text(value: int | float, kind: str) -> Text:
    if not value:
        return Text("\u00b7", style="dim")
    if kind == "coverage":
        return Text(f"{value:.1%}")
    if kind == "presence":
        return Text("\u2713", style="green")
    return Text(str(value))


def tree_labels(keys: list[str]) -> list[tuple[str | None, str]]:
    """Code keys shown as a tree under dimension headings: (a new dimension or None, label),
    "innovation.cell-design.dependence" -> "  dependence" under "cell-design", the dimension's
    own key "innovation" -> "(whole dimension)"."""
    out: list[tuple[str | None, str]] = []
    current = None
    for key in keys:
        parts = key.split(".")
        heading = parts[0] if parts[0] != current else None
        current = parts[0]
        depth = max(len(parts) - 2, 0)
        # A dimension's own column counts every coding in it; under its own heading its name
        # again read as a second, unexplained "strategy".
        out.append((heading, "  " * depth + (parts[-1] if len(parts) > 1 else ALL_OF_DIMENSION)))
    return out


def _breakable(header: str) -> str:
    """A header that may wrap between its parts: "innovation.cell-design" at the dot,
    "market-position" between the words."""
    return header.replace(".", ". ") if "." in header else header.replace("-", " ")


@dataclass
class _Orientation:
    corner: str
    labels: list[tuple[str | None, str]]  # (dimension heading or None, row label)
    headers: list[str]
    cells: list[list[Text]]  # per row label, per column
    turned: bool


def _orientations(m) -> list[_Orientation]:
    names = m.column_names()
    texts = [[cell_text(v, m.value) for v in row] for row in m.cells]
    as_asked = _Orientation(m.row_header, [(None, r) for r in m.row_labels], names, texts,
                            turned=False)
    turned = _Orientation(
        m.cols, tree_labels(names) if m.cols == "code" else [(None, n) for n in names],
        list(m.row_labels), [list(col) for col in zip(*texts, strict=True)], turned=True)
    prefer_turned = len(names) > MAX_TERMINAL_COLUMNS and len(names) > len(m.row_labels)
    return [turned, as_asked] if prefer_turned else [as_asked, turned]


def _label_width(o: _Orientation) -> int:
    longest = max([len(label) for _h, label in o.labels]
                  + [len(h) for h, _l in o.labels if h] + [len(o.corner)])
    return min(MAX_LABEL, longest)


def _widths(o: _Orientation, headers: str) -> list[int]:
    out = []
    for j, header in enumerate(o.headers):
        content = max((len(row[j].plain) for row in o.cells), default=1)
        if headers == "full":
            need = len(header)
        elif headers == "wrapped":
            need = max(map(len, _breakable(header).split()))
        else:
            need = len(str(j + 1))
        out.append(max(need, content))
    return out


def _total(label: int, widths: list[int]) -> int:
    return 1 + label + COLUMN_COST + sum(w + COLUMN_COST for w in widths)


def _table(m, o: _Orientation, headers: str, columns: range, widths: list[int],
           title: str, label: int | None = None) -> Table:
    grid = Table(title=title, title_justify="left")
    grid.add_column(o.corner, width=label or _label_width(o), overflow="fold")
    for j in columns:
        if headers == "numbered":
            name = str(j + 1)
        elif headers == "wrapped":
            name = _breakable(o.headers[j])
        else:
            name = o.headers[j]
        grid.add_column(name, justify="right", width=widths[j], overflow="fold")
    for i, (heading, label) in enumerate(o.labels):
        if heading is not None:
            if i:
                grid.add_section()
            grid.add_row(Text(heading, style="bold"))
        grid.add_row(label, *[o.cells[i][j] for j in columns])
    return grid


def _legend(o: _Orientation) -> Text:
    legend = Text()
    for j, header in enumerate(o.headers):
        if j:
            legend.append("  \u00b7  ", style="dim")
        legend.append(f"{j + 1}", style="bold")
        legend.append(f" {header}")
    return legend


def _pages(label: int, widths: list[int], width: int) -> list[range]:
    """Columns split into runs that each fit beside the labels; [] if one column cannot."""
    pages: list[range] = []
    start, used = 0, 1 + label + COLUMN_COST
    for j, w in enumerate(widths):
        if used + w + COLUMN_COST > width:
            if j == start:
                return []
            pages.append(range(start, j))
            start, used = j, 1 + label + COLUMN_COST
        used += w + COLUMN_COST
    pages.append(range(start, len(widths)))
    return pages


def _long_form(m) -> list[RenderableType]:
    out: list[RenderableType] = [Text(f"{m.title} (one line per non-empty cell: the terminal is "
                                      "too narrow for a grid)", style="bold")]
    names = m.column_names()
    for label, row in zip(m.row_labels, m.cells, strict=True):
        for name, value in zip(names, row, strict=True):
            if value:
                line = Text(f"{label} \u00b7 {name}: ")
                line.append_text(cell_text(value, m.value))
                out.append(line)
    return out


def render_matrix(m, width: int) -> list[RenderableType]:
    """What to print for the matrix at this terminal width (see the module's docstring)."""
    orientations = _orientations(m)
    caption = Text(" ".join(m.notes), style="dim") if m.notes else None
    for headers in ("full", "wrapped", "numbered"):
        for o in orientations:
            widths = _widths(o, headers)
            if _total(_label_width(o), widths) <= width:
                out: list[RenderableType] = [
                    _table(m, o, headers, range(len(widths)), widths, m.title)]
                if headers == "numbered":
                    out.append(_legend(o))
                return out + ([caption] if caption else [])
    for o in orientations:  # numbered, with the row labels folding to make room
        widths = _widths(o, "numbered")
        room = width - _total(0, widths)
        if MIN_LABEL <= room < _label_width(o):
            return [_table(m, o, "numbered", range(len(widths)), widths, m.title, label=room),
                    _legend(o)] + ([caption] if caption else [])
    best = None
    for o in orientations:
        widths = _widths(o, "numbered")
        pages = _pages(_label_width(o), widths, width)
        if pages and (best is None or len(pages) < len(best[1])):
            best = (o, pages, widths)
    if best is None:
        return _long_form(m) + ([caption] if caption else [])
    o, pages, widths = best
    n = len(o.headers)
    out = [
        _table(m, o, "numbered", cols, widths,
               f"{m.title}, columns {cols.start + 1}-{cols.stop} of {n} "
               f"(page {p} of {len(pages)})")
        for p, cols in enumerate(pages, start=1)
    ]
    return [*out, _legend(o)] + ([caption] if caption else [])
