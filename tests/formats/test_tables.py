"""Table writers: every format is written to a file and read back with a real reader."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from qualcode.domain import Table
from qualcode.errors import QualcodeError
from qualcode.formats.tables import (
    FORMATS,
    format_for_path,
    render_table,
    unique_sheet_names,
    write_table,
    write_tables,
)

COLUMNS = ["firm", "n", "share", "open", "codes", "quote"]
ROWS = [
    ["Firma Ä", 3, 0.25, True, ["strategy.cost", "policy.subsidy"], "line one\nline two"],
    ["B | C", -2, None, False, [], 'says "hi", <b>bold</b> & more'],
    ["电池厂", 0, 1.5, None, ["innovation"], None],
]


def sample(title: str | None = "Firms", notes: list[str] | None = None) -> Table:
    return Table(
        columns=list(COLUMNS), rows=[list(r) for r in ROWS], title=title, notes=list(notes or [])
    )


def empty() -> Table:
    return Table(columns=["case", "code"], rows=[], title="Nothing yet")


# What a flat text format shows for each sample cell.
FLAT = [
    ["Firma Ä", "3", "0.25", "true", "strategy.cost; policy.subsidy", "line one\nline two"],
    ["B | C", "-2", "", "false", "", 'says "hi", <b>bold</b> & more'],
    ["电池厂", "0", "1.5", "", "innovation", ""],
]


# --------------------------------------------------------------------------- readers


def read_delimited(path: Path, delimiter: str) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def parse_md_tables(text: str) -> list[list[list[str]]]:
    """Minimal GFM table reader: split on unescaped pipes, undo \\| \\\\ and <br>."""
    tables, current = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = re.split(r"(?<!\\)((?:\\\\)*)\|", line.strip())
        # re.split keeps the captured backslash runs; glue them back to the preceding cell.
        joined, i = [], 0
        while i < len(cells):
            piece = cells[i]
            if i + 1 < len(cells):
                piece += cells[i + 1]
            joined.append(piece)
            i += 2
        row = [c.strip() for c in joined[1:-1]]
        if all(re.fullmatch(r"-{3,}", c) for c in row):
            continue  # the header separator
        row = [re.sub(r"\\(.)", r"\1", c.replace("<br>", "\n")) for c in row]
        if current is None:
            current = []
            tables.append(current)
        current.append(row)
    return tables


class PageReader(HTMLParser):
    """Collects the page title, table cells (with <br> as newline), headings and tags seen."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.tables: list[list[list[str]]] = []
        self.headings: list[str] = []
        self.notes: list[str] = []
        self.title = ""
        self._cell: list[str] | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th", "h2", "title", "li"):
            self._cell, self._in = [], tag
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag != self._in:
            return
        text = "".join(self._cell)
        if tag in ("td", "th"):
            self.tables[-1][-1].append(text)
        elif tag == "h2":
            self.headings.append(text)
        elif tag == "li":
            self.notes.append(text)
        else:
            self.title = text
        self._cell, self._in = None, None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_html(path: Path) -> PageReader:
    reader = PageReader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader


# --------------------------------------------------------------------------- per format


def test_csv_round_trip(tmp_path):
    path = tmp_path / "t.csv"
    write_table(sample(notes=["not in csv"]), "csv", path)
    rows = read_delimited(path, ",")
    assert rows == [COLUMNS] + FLAT
    assert "not in csv" not in path.read_text(encoding="utf-8")


def test_tsv_round_trip_with_tabs_inside_cells(tmp_path):
    table = sample()
    table.rows[0][0] = "tab\there"
    path = tmp_path / "t.tsv"
    write_table(table, "tsv", path)
    rows = read_delimited(path, "\t")
    assert rows[0] == COLUMNS
    assert rows[1][0] == "tab\there"
    assert rows[2:] == FLAT[1:]


def test_markdown_escapes_pipes_and_newlines(tmp_path):
    table = sample(notes=["kappa undefined for policy | subsidy"])
    table.rows[2][5] = "back\\slash"
    path = tmp_path / "t.md"
    write_table(table, "md", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("## Firms\n")
    assert "B \\| C" in text and "line one<br>line two" in text
    assert "\n- kappa undefined for policy \\| subsidy\n" in text
    [parsed] = parse_md_tables(text)
    expected = [row[:] for row in FLAT]
    expected[2][5] = "back\\slash"
    assert parsed == [COLUMNS] + expected


def test_json_is_a_list_of_row_objects(tmp_path):
    path = tmp_path / "t.json"
    write_table(sample(), "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data[0] == {
        "firm": "Firma Ä",
        "n": 3,
        "share": 0.25,
        "open": True,
        "codes": ["strategy.cost", "policy.subsidy"],
        "quote": "line one\nline two",
    }
    assert data[1]["codes"] == [] and data[1]["share"] is None
    assert data[2]["open"] is None and data[2]["firm"] == "电池厂"
    assert "电池厂" in path.read_text(encoding="utf-8")  # readable, not \\u escapes


def test_json_wrapped_shape_and_duplicate_columns():
    table = Table(columns=["code", "code", "n"], rows=[["a", "b", 1]], title="T", notes=["x"])
    assert json.loads(render_table(table, "json")) == [{"code": "a", "code (2)": "b", "n": 1}]
    wrapped = json.loads(render_table(table, "json", json_wrap=True))
    assert wrapped == {
        "title": "T",
        "notes": ["x"],
        "columns": ["code", "code", "n"],
        "rows": [{"code": "a", "code (2)": "b", "n": 1}],
    }


def test_json_special_floats():
    table = Table(columns=["v"], rows=[[float("nan")], [float("inf")]])
    assert json.loads(render_table(table, "json")) == [{"v": None}, {"v": "inf"}]


def test_html_page_is_self_contained_and_escaped(tmp_path):
    table = sample(title="Firms <&> co", notes=["a <note>"])
    table.rows[0][0] = "<script>alert(1)</script>"
    path = tmp_path / "t.html"
    write_table(table, "html", path)
    page = read_html(path)
    assert page.title == "Firms <&> co"
    assert page.headings == ["Firms <&> co"]
    assert page.notes == ["a <note>"]
    [cells] = page.tables
    expected = [row[:] for row in FLAT]
    expected[0][0] = "<script>alert(1)</script>"
    assert cells == [COLUMNS] + expected
    # Escaped: the injected tag is text, not markup. Self-contained: nothing is fetched.
    assert "script" not in page.tags and "b" not in page.tags
    assert not {"link", "img", "iframe"} & set(page.tags)
    assert not [v for k, v in page.attrs if k in ("src", "href")]
    text = path.read_text(encoding="utf-8")
    assert "url(" not in text and "@import" not in text and "<style>" in text
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text


def test_xlsx_values_header_and_layout(tmp_path):
    table = sample()
    table.rows[1][5] = "a long answer " * 20
    path = tmp_path / "t.xlsx"
    write_table(table, "xlsx", path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Firms"]
    sheet = book["Firms"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == COLUMNS
    assert values[1] == [
        "Firma Ä",
        3,
        0.25,
        True,
        "strategy.cost; policy.subsidy",
        "line one\nline two",
    ]
    assert values[2][:4] == ["B | C", -2, None, False]
    assert values[3][0] == "电池厂" and values[3][5] is None
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEF"}
    assert all(8 <= w <= 60 for w in widths.values())
    assert widths["F"] == 60 and widths["B"] == 8  # long text capped, short column floored
    assert sheet["F2"].alignment.wrap_text and sheet["F3"].alignment.wrap_text
    assert not sheet["B2"].alignment.wrap_text


def test_xlsx_drops_xml_illegal_control_characters(tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(Table(columns=["q"], rows=[["page\x0cbreak\x0bhere"]]), "xlsx", path)
    assert openpyxl.load_workbook(path).active["A2"].value == "pagebreakhere"


# --------------------------------------------------------------------------- formula injection

DANGEROUS = ['=HYPERLINK("http://x")', "+1", "-2 for the plan", "@SUM(A1)"]


def injection_table() -> Table:
    return Table(
        columns=["text", "number", "list"],
        rows=[[d, -5, [d, "ok"]] for d in DANGEROUS] + [["plain", -1.5, ["-x"]]],
    )


def test_csv_formula_injection_guard(tmp_path):
    path = tmp_path / "t.csv"
    write_table(injection_table(), "csv", path)
    rows = read_delimited(path, ",")[1:]
    assert [r[0] for r in rows] == ["'" + d for d in DANGEROUS] + ["plain"]
    assert [r[1] for r in rows] == ["-5"] * 4 + ["-1.5"]  # numbers untouched
    assert rows[0][2] == "'" + DANGEROUS[0] + "; ok" and rows[4][2] == "'-x"


def test_xlsx_formula_injection_guard(tmp_path):
    path = tmp_path / "t.xlsx"
    write_table(injection_table(), "xlsx", path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["'" + d for d in DANGEROUS] + ["plain"]
    assert [r[1] for r in rows] == [-5] * 4 + [-1.5]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_json_and_markdown_keep_text_as_is():
    data = json.loads(render_table(injection_table(), "json"))
    assert [r["text"] for r in data[:4]] == DANGEROUS
    [rows] = parse_md_tables(render_table(injection_table(), "md"))
    assert [r[0] for r in rows[1:5]] == DANGEROUS


# --------------------------------------------------------------------------- empty tables


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_table_keeps_its_columns(tmp_path, fmt):
    path = tmp_path / f"empty.{fmt}"
    write_table(empty(), fmt, path)
    if fmt in ("csv", "tsv"):
        assert read_delimited(path, "," if fmt == "csv" else "\t") == [["case", "code"]]
    elif fmt == "md":
        assert parse_md_tables(path.read_text(encoding="utf-8")) == [[["case", "code"]]]
    elif fmt == "json":
        assert json.loads(path.read_text(encoding="utf-8")) == []
    elif fmt == "html":
        assert read_html(path).tables == [[["case", "code"]]]
    else:
        sheet = openpyxl.load_workbook(path)["Nothing yet"]
        assert list(sheet.iter_rows(values_only=True)) == [("case", "code")]


# --------------------------------------------------------------------------- several tables


def test_sheet_names_are_clean_short_and_unique():
    names = unique_sheet_names(
        [
            "Strategy: cost/price [2024]?",
            "A very long title that goes well beyond Excel's limit",
            "A very long title that goes well beyond Excel's limit, again",
            "firms",
            "Firms",
            None,
            "History",
            "'quoted'",
            "***",
        ]
    )
    assert names[0] == "Strategy cost price 2024"
    assert all(len(n) <= 31 for n in names)
    assert names[1] == "A very long title that goes wel"
    assert names[2] == "A very long title that goes (2)"
    assert names[3:5] == ["firms", "Firms (2)"]
    assert names[5] == "Table 6"
    assert names[6] == "History table"
    assert names[7] == "quoted"
    assert names[8] == "Table 9"
    assert len({n.lower() for n in names}) == len(names)


def test_xlsx_multi_sheet_with_notes(tmp_path):
    tables = [
        sample(title="Per firm: cost/price", notes=["2 firms missing"]),
        sample(title="per firm  cost price"),
        empty(),
        sample(title=None),
    ]
    path = tmp_path / "all.xlsx"
    write_tables(tables, "xlsx", path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Per firm cost price",
        "per firm cost price (2)",
        "Nothing yet",
        "Table 4",
        "Notes",
    ]
    assert book["Table 4"]["A2"].value == "Firma Ä"
    notes = list(book["Notes"].iter_rows(values_only=True))
    assert notes == [("sheet", "note"), ("Per firm cost price", "2 firms missing")]


def test_markdown_and_html_sections_follow_each_other(tmp_path):
    tables = [sample(title="First"), empty()]
    md = tmp_path / "all.md"
    write_tables(tables, "md", md)
    text = md.read_text(encoding="utf-8")
    assert text.index("## First") < text.index("## Nothing yet")
    parsed = parse_md_tables(text)
    assert parsed == [[COLUMNS] + FLAT, [["case", "code"]]]
    page_path = tmp_path / "all.html"
    write_tables(tables, "html", page_path)
    page = read_html(page_path)
    assert page.headings == ["First", "Nothing yet"]
    assert page.tables == [[COLUMNS] + FLAT, [["case", "code"]]]
    assert page.tags.count("html") == 1


def test_json_several_tables_are_wrapped(tmp_path):
    path = tmp_path / "all.json"
    write_tables([sample(title="First"), empty()], "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [d["title"] for d in data] == ["First", "Nothing yet"]
    assert data[1] == {"title": "Nothing yet", "notes": [], "columns": ["case", "code"], "rows": []}


# --------------------------------------------------------------------------- errors


def test_unknown_format_lists_the_valid_ones(tmp_path):
    with pytest.raises(QualcodeError) as err:
        render_table(sample(), "docx")
    assert "docx" in err.value.one_line()
    assert all(fmt in err.value.one_line() for fmt in FORMATS)
    with pytest.raises(QualcodeError, match="binary"):
        render_table(sample(), "xlsx")
    with pytest.raises(QualcodeError, match="single table") as err:
        write_tables([sample(), sample()], "csv", tmp_path / "x.csv")
    assert "xlsx" in err.value.one_line()


def test_unwritable_path_is_a_user_error(tmp_path):
    target = tmp_path / "missing-folder" / "t.csv"
    with pytest.raises(QualcodeError, match="cannot write") as err:
        write_table(sample(), "csv", target)
    assert err.value.where == str(target)


def test_malformed_table_is_a_programming_error():
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        render_table(Table(columns=["a", "b"], rows=[["x"]]), "csv")


def test_format_for_path():
    assert format_for_path(Path("out/Results.XLSX")) == "xlsx"
    assert format_for_path(Path("notes.markdown")) == "md"
    with pytest.raises(QualcodeError, match="cannot tell"):
        format_for_path(Path("results.pdf"))
