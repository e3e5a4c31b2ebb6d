"""synthesize (80-column cards, wide table, exports read back), report, and their errors."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.domain import DIMENSIONS
from qualcode.services.coding import add_coding
from tests.conftest import Project, build_demo_project

CASES = [f"Firm {x}" for x in "ABCDEFGJKL"] + ["Association I", "Official H"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Project:
    """The demo project with the researcher's summaries; Firm C's innovation one made stale."""
    project = build_demo_project(tmp_path_factory.mktemp("synth") / "proj")
    with project.session() as s:
        add_coding(s, document="interview-03", code="innovation.cell-design.dependence",
                   coder="ana", actor="ana", quote="we still buy our cell design")
    return project


def run(project: Project, *args: str, columns: int = 80) -> str:
    res = CliRunner().invoke(app, ["--project", str(project.folder), *args],
                             env={"QUALCODE_CODER": "tester", "COLUMNS": str(columns)})
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    assert res.exit_code == 0, res.stderr + res.stdout
    return res.stdout


def _header_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if all(d in line for d in ("case", *DIMENSIONS))]


def _fits(out: str, width: int) -> None:
    too_long = [line for line in out.splitlines() if len(line) > width]
    assert not too_long, f"{len(too_long)} line(s) wider than {width}: {too_long[0]!r}"


def test_80_columns_give_one_panel_per_case_with_dimension_rows(demo: Project):
    out = run(demo, "synthesize", columns=80)
    _fits(out, 80)
    panels = re.findall(r"^╭─ (.+?) ─", out, flags=re.M)
    assert panels == CASES  # firms first, then the institutions
    assert not _header_lines(out)
    firm_b = out[out.index("╭─ Firm B"):out.index("╭─ Firm C")]
    for dim in DIMENSIONS:
        assert re.search(rf"^│ {re.escape(dim)} ", firm_b, flags=re.M)
    assert "relocation 5" in firm_b and "interview-02:" in firm_b
    firm_c = out[out.index("╭─ Firm C"):out.index("╭─ Firm D")]
    assert firm_c.count("[STALE]") == 1 and "[STALE]" not in firm_b
    assert out.splitlines()[0].startswith("12 of 12 documents are marked SYNTHETIC")


def test_a_wide_terminal_gives_cases_by_dimensions(demo: Project):
    out = run(demo, "synthesize", columns=160)
    _fits(out, 160)
    assert len(_header_lines(out)) == 1
    header = _header_lines(out)[0]
    assert [header.index(d) for d in DIMENSIONS] == sorted(header.index(d) for d in DIMENSIONS)
    assert "╭─ Firm" not in out
    assert out.count("[STALE]") == 1
    for case in ("Firm A", "Firm G", "Official H"):
        assert re.search(rf"^│ {case} ", out, flags=re.M)


def test_layout_can_be_forced(demo: Project):
    forced_table = run(demo, "synthesize", "--layout", "table", columns=80)
    _fits(forced_table, 80)
    assert "╭─" not in forced_table and forced_table.count("\n┏") == 1
    assert re.search(r"^┃ +┃ +┃ organizatio", forced_table, flags=re.M)  # headers wrap
    forced_cards = run(demo, "synthesize", "--layout", "cards", columns=160)
    _fits(forced_cards, 160)
    assert re.findall(r"^╭─ (.+?) ─", forced_cards, flags=re.M) == CASES
    assert not _header_lines(forced_cards)


def test_case_and_dimension_options(demo: Project):
    out = run(demo, "synthesize", "--case", "Firm D", "--dimension", "innovation", "--json")
    data = json.loads(out)
    assert data["dimensions"] == ["innovation"] and [r["name"] for r in data["rows"]] == ["Firm D"]
    for layout in ("cards", "table"):  # one of each is singular ("1 cases" read badly)
        out = run(demo, "synthesize", "--case", "Firm D", "--dimension", "innovation",
                  "--layout", layout)
        assert "Synthesis: 1 case x 1 dimension" in out and "1 cases" not in out


def _md_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            rows.append([c.strip().replace("\\|", "|") for c in cells])
    return rows


def test_markdown_export_is_a_case_by_dimension_table(demo: Project, tmp_path: Path):
    out = tmp_path / "synthesis.md"
    assert "Wrote" in run(demo, "synthesize", "--format", "md", "-o", str(out))
    rows = _md_rows(out.read_text(encoding="utf-8"))
    assert rows[0] == ["case", *DIMENSIONS]
    assert set(rows[1]) == {"---"}
    body = {r[0]: dict(zip(DIMENSIONS, r[1:], strict=True)) for r in rows[2:]}
    assert list(body) == CASES
    innovation_c = body["Firm C"]["innovation"]
    assert innovation_c.startswith("[STALE] ")
    # wei's three codings; ana's coding of the same words overlaps one of them and counts once.
    assert "innovation.cell-design.dependence (3)" in innovation_c
    assert re.search(r"\[interview-03:\d+-\d+\]", innovation_c)
    assert all(body[c][d] != "-" for c in CASES[:7] for d in DIMENSIONS)


def test_csv_and_xlsx_exports_have_one_row_per_case(demo: Project, tmp_path: Path):
    from openpyxl import load_workbook

    run(demo, "synthesize", "-o", str(tmp_path / "s.csv"))
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["case"] for r in rows] == CASES
    firm_b = rows[1]
    assert firm_b["segment"] == "cells" and "Shenzhen" in firm_b["origin"]
    assert "strategy.relocation (5)" in firm_b["strategy codes"].split("; ")
    assert firm_b["policy summary"] and "interview-02:" in firm_b["policy quotes"]
    assert rows[2]["stale summaries"] == "innovation"

    run(demo, "synthesize", "--format", "xlsx", "-o", str(tmp_path / "s.xlsx"))
    sheet = load_workbook(tmp_path / "s.xlsx").active
    values = list(sheet.values)
    header = list(values[0])
    assert [v[0] for v in values[1:]] == CASES
    assert values[2][header.index("strategy codes")].startswith("strategy.relocation (5)")


def test_json_export_and_json_output_carry_the_full_structure(demo: Project, tmp_path: Path):
    run(demo, "synthesize", "--format", "json", "-o", str(tmp_path / "s.json"))
    exported = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    printed = json.loads(run(demo, "synthesize", "--json"))
    assert exported == printed
    cell = exported["rows"][2]["cells"]["innovation"]
    assert exported["rows"][2]["name"] == "Firm C" and cell["summary_stale"] is True
    quote = cell["quotes"][0]
    assert {"document", "start", "end", "code", "coder", "text", "ref"} <= set(quote)
    assert quote["ref"] == f"{quote['document']}:{quote['start']}-{quote['end']}"


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None
        self._skip = 0  # inside a row header's attribute list

    def handle_starttag(self, tag, attrs):
        self.links += [v for k, v in attrs if k in ("href", "src")]
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "div" and ("class", "attrs") in attrs:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "div" and self._skip:
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def test_html_export_is_a_self_contained_table(demo: Project, tmp_path: Path):
    run(demo, "synthesize", "-o", str(tmp_path / "s.html"))
    text = (tmp_path / "s.html").read_text(encoding="utf-8")
    parser = _Cells()
    parser.feed(text)
    assert parser.links == [] and "<script" not in text
    assert parser.rows[0] == ["case", *DIMENSIONS]
    assert [r[0] for r in parser.rows[1:]] == CASES
    assert "STALE" in parser.rows[3][3] and "SYNTHETIC" in text


def test_report_command_writes_one_file(demo: Project, tmp_path: Path):
    out = tmp_path / "report.html"
    data = json.loads(run(demo, "report", "-o", str(out), "--json"))
    assert data["cases"] == 12 and data["documents"] == 12 and data["bytes"] == out.stat().st_size
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    assert "Wrote" in run(demo, "report", "-o", str(tmp_path / "r2.html"))


def test_bad_requests_are_one_line_errors(demo: Project, tmp_path: Path):
    assert "xlsx is a binary format" in demo.fails("synthesize", "--format", "xlsx")
    assert "cannot tell the format" in demo.fails("synthesize", "-o", str(tmp_path / "s.txt"))
    assert "unknown format 'pdf'" in demo.fails("synthesize", "--format", "pdf")
    assert "no coder named 'nobody'" in demo.fails("synthesize", "--coder", "nobody")
    assert "unknown dimension" in demo.fails("synthesize", "--dimension", "strateg")
    assert "cannot write" in demo.fails("report", "-o", str(tmp_path / "no" / "r.html"))
    assert not (tmp_path / "s.txt").exists()


def test_an_empty_project_says_so(project: Project, tmp_path: Path):
    assert "No cases yet" in run(project, "synthesize")
    data = json.loads(run(project, "synthesize", "--json"))
    assert data["rows"] == [] and data["dimensions"] == []  # no codebook, no dimensions
    run(project, "synthesize", "-o", str(tmp_path / "e.csv"))
    assert (tmp_path / "e.csv").read_text(encoding="utf-8").count("\n") == 1  # header only
    run(project, "report", "-o", str(tmp_path / "e.html"))
    assert "no cases yet" in (tmp_path / "e.html").read_text(encoding="utf-8")


def test_synthesis_commands_have_help(demo: Project):
    for args in (["synthesize"], ["report"], ["summary", "set"], ["summary", "show"],
                 ["summary", "list"]):
        out = run(demo, *args, "--help")
        assert "Usage" in out and len(out.splitlines()) > 5


def test_stdout_export_without_a_file(demo: Project):
    text = run(demo, "synthesize", "--format", "csv", "--case", "Firm A")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["case"] for r in rows] == ["Firm A"]


def test_a_markdown_export_of_synthetic_data_says_so_first(demo: Project, tmp_path):
    out = tmp_path / "firms.md"
    run(demo, "synthesize", "--format", "md", "-o", str(out))
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("## Synthesis (SYNTHETIC: 12 of 12 documents")
