"""Write a domain.Table as CSV, TSV, Markdown, JSON, HTML or XLSX.

Cells may be None (empty), bool, int, float, str (newlines allowed) or a list of str. Fractions
and Decimals are written as floats, dates as ISO text, NaN as an empty cell.

Shapes:
- csv/tsv: a header row then the rows; title and notes are left out (pure data for pandas/R).
  Lists are joined with "; ".
- json: by default a list of row objects keyed by column (``pandas.DataFrame(json.load(f))``),
  lists kept as arrays. With ``json_wrap=True`` (and always in write_tables):
  ``{"title": ..., "notes": [...], "columns": [...], "rows": [{...}, ...]}``. Repeated column
  names get " (2)", " (3)"... so no value is lost to a duplicate key.
- md: optional "## title", the pipe table, then notes as a bullet list.
- html: one self-contained page (inline CSS, no external resource), everything escaped.
- xlsx: one sheet per table, bold frozen header, sized and wrapped columns; notes go to a final
  "Notes" sheet so data sheets stay rectangular.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from qualcode.domain import Table
from qualcode.errors import QualcodeError
from qualcode.formats.atomic import atomic_target, write_atomically

FORMATS = ("csv", "tsv", "md", "json", "html", "xlsx")
TEXT_FORMATS = FORMATS[:-1]
MULTI_TABLE_FORMATS = ("md", "json", "html", "xlsx")
LIST_SEPARATOR = "; "

# Spreadsheets run a cell starting with one of these as a formula, so a quote from an interview
# such as "=HYPERLINK(...)" or "-1 for the plan" could execute or mangle on opening (CSV
# injection, OWASP). A leading apostrophe makes Excel/LibreOffice keep it as text. Tab and CR are
# on OWASP's list too. Only text cells are guarded; numbers are written as they are.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Excel limits and rules for sheet names and cells.
SHEET_NAME_MAX = 31
SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
XLSX_CELL_MAX = 32767
XLSX_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 forbids these
XLSX_MAX_WIDTH = 60
XLSX_MIN_WIDTH = 8


# --------------------------------------------------------------------------- checks


def _check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    name = fmt.lower().lstrip(".")
    if name not in allowed:
        raise QualcodeError(
            f"unknown table format {fmt!r}", hint=f"use one of: {', '.join(allowed)}"
        )
    return name


def format_for_path(path: Path) -> str:
    """The table format named by a file's suffix ("results.xlsx" -> "xlsx")."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "markdown":
        suffix = "md"
    if suffix not in FORMATS:
        raise QualcodeError(
            f"cannot tell the table format from the file name {Path(path).name!r}",
            where=str(path),
            hint=f"end it with one of: .{', .'.join(FORMATS)}",
        )
    return suffix


def _check_shape(table: Table) -> None:
    # A malformed Table is a programming error in the caller, not something a user typed.
    if not table.columns:
        raise ValueError("a table needs at least one column")
    for number, row in enumerate(table.rows, start=1):
        if len(row) != len(table.columns):
            raise ValueError(
                f"table {table.title!r} row {number} has {len(row)} cells "
                f"for {len(table.columns)} columns"
            )


# --------------------------------------------------------------------------- cell values


def _plain(value: Any) -> Any:
    """Reduce a cell to None, bool, int, float, str or list[str]."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (Fraction, Decimal)):
        return _plain(float(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    raise TypeError(f"cannot write a {type(value).__name__} in a table cell: {value!r}")


def _float_text(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _flat_text(value: Any) -> str:
    """A cell as one piece of text for csv/tsv/md/html."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def _defuse_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _spreadsheet_text(value: Any) -> str:
    text = _flat_text(value)
    is_text = isinstance(_plain(value), (str, list))
    return _defuse_formula(text) if is_text else text


# --------------------------------------------------------------------------- text renderers


def _render_delimited(table: Table, delimiter: str) -> str:
    out = io.StringIO()
    # "\n" line ends keep files diff-friendly; cells with newlines or delimiters get quoted.
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([_defuse_formula(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_spreadsheet_text(v) for v in row])
    return out.getvalue()


def _md_cell(value: Any) -> str:
    text = _flat_text(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _md_section(table: Table, heading: str = "##") -> str:
    lines = []
    if table.title:
        lines += [f"{heading} {_md_cell(table.title)}", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    if table.notes:
        lines.append("")
        lines += [f"- {_md_cell(note)}" for note in table.notes]
    return "\n".join(lines) + "\n"


def _unique_keys(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for name in columns:
        key, n = name, 1
        while key in seen:
            n += 1
            key = f"{name} ({n})"
        seen[key] = 1
        keys.append(key)
    return keys


def _json_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, float) and math.isinf(value):
        return _float_text(value)  # JSON has no infinity
    return value


def _json_rows(table: Table) -> list[dict[str, Any]]:
    keys = _unique_keys(table.columns)
    return [dict(zip(keys, map(_json_value, row), strict=True)) for row in table.rows]


def _json_document(table: Table) -> dict[str, Any]:
    return {
        "title": table.title,
        "notes": list(table.notes),
        "columns": list(table.columns),
        "rows": _json_rows(table),
    }


def _dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


_HTML_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1, h2 { font-weight: 600; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.35rem 0.6rem; vertical-align: top; text-align: left; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.notes { color: #555; font-size: 0.88rem; }
""".strip()


def _html_text(value: Any) -> str:
    escaped = html.escape(_flat_text(value), quote=True)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _html_section(table: Table) -> str:
    parts = ["<section>"]
    if table.title:
        parts.append(f"<h2>{_html_text(table.title)}</h2>")
    parts.append("<table>")
    parts.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{_html_text(c)}</th>' for c in table.columns)
        + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in table.rows:
        cells = []
        for value in row:
            plain = _plain(value)
            numeric = isinstance(plain, (int, float)) and not isinstance(plain, bool)
            css = ' class="num"' if numeric else ""
            cells.append(f"<td{css}>{_html_text(value)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody>")
    parts.append("</table>")
    if table.notes:
        parts.append(
            '<ul class="notes">'
            + "".join(f"<li>{_html_text(n)}</li>" for n in table.notes)
            + "</ul>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _html_page(tables: list[Table], page_title: str) -> str:
    body = "\n".join(_html_section(t) for t in tables)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html_text(page_title)}</title>\n<style>\n{_HTML_STYLE}\n</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _page_title(tables: list[Table]) -> str:
    titles = [t.title for t in tables if t.title]
    return " / ".join(titles) if titles else "qualcode table"


def render_table(table: Table, fmt: str, *, json_wrap: bool = False) -> str:
    """`table` as text in one of csv, tsv, md, json, html (see the module doc for each shape)."""
    name = _check_format(fmt)
    if name == "xlsx":
        raise QualcodeError(
            "xlsx is a binary format and cannot be rendered as text",
            hint="write it to a file with write_table, or choose " + ", ".join(TEXT_FORMATS),
        )
    _check_shape(table)
    if name == "csv":
        return _render_delimited(table, ",")
    if name == "tsv":
        return _render_delimited(table, "\t")
    if name == "md":
        return _md_section(table)
    if name == "json":
        return _dump_json(_json_document(table) if json_wrap else _json_rows(table))
    return _html_page([table], _page_title([table]))


# --------------------------------------------------------------------------- xlsx


def unique_sheet_names(titles: Iterable[str | None]) -> list[str]:
    """Excel-safe sheet names: illegal characters removed, <= 31 chars, unique ignoring case."""
    names: list[str] = []
    taken: set[str] = set()
    for number, title in enumerate(titles, start=1):
        # Illegal characters become spaces ("cost/price" -> "cost price"), then spaces collapse.
        base = " ".join(SHEET_NAME_ILLEGAL.sub(" ", title or "").split()).strip("'").strip()
        if not base or base.lower() == "history":  # Excel reserves "History"
            base = f"{base} table".strip() if base else f"Table {number}"
        base = base[:SHEET_NAME_MAX].rstrip().rstrip("'")
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _xlsx_value(value: Any) -> Any:
    plain = _plain(value)
    if isinstance(plain, float) and math.isinf(plain):
        return _float_text(plain)
    if not isinstance(plain, (str, list)):
        return plain  # numbers, booleans and empty cells stay native
    text = XLSX_ILLEGAL_CHARS.sub("", _spreadsheet_text(plain))
    if len(text) > XLSX_CELL_MAX:
        marker = " [truncated]"
        text = text[: XLSX_CELL_MAX - len(marker)] + marker
    return text


def _fill_sheet(sheet: Any, table: Table) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header = [_xlsx_value(c) for c in table.columns]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(str(h)) for h in header]
    wrap = [False] * len(header)
    for row in table.rows:
        values = [_xlsx_value(v) for v in row]
        sheet.append(values)
        for i, value in enumerate(values):
            text = "" if value is None else str(value)
            longest = max((len(line) for line in text.split("\n")), default=0)
            widths[i] = max(widths[i], longest)
            wrap[i] = wrap[i] or "\n" in text or longest > XLSX_MAX_WIDTH
    for i, width in enumerate(widths):
        letter = get_column_letter(i + 1)
        sheet.column_dimensions[letter].width = min(max(width + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
        if wrap[i]:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions


def _write_xlsx(tables: list[Table], path: Path) -> None:
    from openpyxl import Workbook  # imported here so text exports never load openpyxl

    workbook = Workbook()
    workbook.remove(workbook.active)
    noted = [t for t in tables if t.notes]
    names = unique_sheet_names([t.title for t in tables] + (["Notes"] if noted else []))
    for table, name in zip(tables, names, strict=False):
        _fill_sheet(workbook.create_sheet(name), table)
    if noted:
        notes_rows = [[names[i], note] for i, t in enumerate(tables) for note in t.notes]
        _fill_sheet(workbook.create_sheet(names[-1]), Table(["sheet", "note"], notes_rows))
    workbook.save(path)


# --------------------------------------------------------------------------- files


def _xlsx_atomically(tables: list[Table], path: Path) -> None:
    with atomic_target(path) as tmp:
        _write_xlsx(tables, tmp)


def _save(path: Path, write) -> None:
    try:
        write()
    except OSError as exc:
        raise QualcodeError(
            f"cannot write the table: {exc.strerror or exc}",
            where=str(path),
            hint="check that the folder exists and is writable",
        ) from exc


def write_table(table: Table, fmt: str, path: Path, *, json_wrap: bool = False) -> None:
    """Write one table to `path`: xlsx through openpyxl, the rest as render_table's UTF-8 text."""
    name = _check_format(fmt)
    path = Path(path)
    if name == "xlsx":
        _check_shape(table)
        _save(path, lambda: _xlsx_atomically([table], path))
        return
    text = render_table(table, name, json_wrap=json_wrap)
    # Bytes, not write_text: no newline translation, so quoted multi-line CSV cells stay exact.
    _save(path, lambda: write_atomically(path, text.encode("utf-8")))


def write_tables(tables: list[Table], fmt: str, path: Path) -> None:
    """Write several tables to one file: xlsx sheets, md/html sections one after another, or a
    json list of {"title", "notes", "columns", "rows"} documents. csv/tsv hold one table only."""
    name = _check_format(fmt)
    if name not in MULTI_TABLE_FORMATS:
        raise QualcodeError(
            f"{name} holds a single table, and {len(tables)} were given",
            hint=f"write one file per table, or use one of: {', '.join(MULTI_TABLE_FORMATS)}",
        )
    if not tables:
        raise ValueError("write_tables needs at least one table")
    for table in tables:
        _check_shape(table)
    path = Path(path)
    if name == "xlsx":
        _save(path, lambda: _xlsx_atomically(tables, path))
        return
    if name == "md":
        text = "\n".join(_md_section(t) for t in tables)
    elif name == "json":
        text = _dump_json([_json_document(t) for t in tables])
    else:
        text = _html_page(tables, _page_title(tables))
    _save(path, lambda: write_atomically(path, text.encode("utf-8")))
