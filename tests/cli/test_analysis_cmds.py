"""matrix, cooccur, search, gaps on the command line: JSON, Rich output, every export format read
back, confirmation before coding, and bad input as one line with exit 1 and nothing changed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import SMALL_CODEBOOK, Project

DOC_A = """\
---
case: Firm X
case_attributes:
  segment: cells
interviewer_labels: [Interviewer]
---
Interviewer: Why Huizhou?

Mr. Li: We moved here from Shenzhen. Land was cheap. We design our own cells.

Interviewer: And subsidies?

Mr. Li: The subsidy helped us a lot.
"""

DOC_B = """\
Interviewer: Tell me.

Ms. Wu: We buy our cell design. The subsidy is small, the white list matters.
"""

CODES = ["strategy.relocation", "innovation.cell-design", "innovation.cell-design.own-research",
         "policy.subsidies"]


@pytest.fixture
def tiny(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "doc-a.md").write_text(DOC_A, encoding="utf-8")
    (folder / "doc-b.txt").write_text(DOC_B, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(folder))
    for document, code, quote in [
        ("doc-a", "strategy.relocation", "We moved here from Shenzhen."),
        ("doc-a", "innovation.cell-design.own-research", "We design our own cells."),
        ("doc-a", "policy.subsidies", "The subsidy helped us a lot."),
        ("doc-b", "policy.subsidies", "The subsidy is small"),
        ("doc-b", "strategy.relocation", "small, the white list"),
    ]:
        project.ok("code", "add", document, code, "--quote", quote, "--coder", "wei")
    return project


# --------------------------------------------------------------------------- matrix


def test_matrix_json_holds_exact_cells(tiny):
    data = json.loads(tiny.ok("matrix", "--json"))
    assert data["row_labels"] == ["Firm X", "(no case)"]
    assert data["col_labels"] == CODES
    assert data["cells"] == [[1, 1, 1, 1], [1, 0, 0, 1]]
    cov = json.loads(tiny.ok("matrix", "--cols", "dimension", "--value", "coverage", "--json"))
    assert cov["cells"][0][0] == len("We moved here from Shenzhen.") / (69 + 28)


def test_matrix_rich_table_and_help_say_how_codes_roll_up(tiny):
    out = tiny.ok("matrix", "--cols", "dimension")
    assert "Firm X" in out and "(no case)" in out and "innovation" in out
    assert "dimension's column counts the codings of every code" in " ".join(out.split())
    help_text = " ".join(tiny.ok("matrix", "--help").split())
    assert "parent code's column counts its own codings plus those of every code below it" in (
        help_text)


def test_matrix_with_many_code_columns_is_transposed(coded_project):
    out = coded_project.ok("matrix")  # at 120 columns: case names wrap between their words
    lines = out.splitlines()
    header = "\n".join(lines[:next(i for i, line in enumerate(lines) if line.startswith("┡"))])
    assert "code" in header  # codes down the side
    assert any(line.lstrip("│ ").startswith("own-research") for line in lines)  # codes down
    assert sum("relocation" in line for line in lines) >= 1


def _read_back(path: Path, fmt: str) -> list[list[str]]:
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).worksheets[0]
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(
            values_only=True)]
    text = path.read_text(encoding="utf-8")
    if fmt in ("csv", "tsv"):
        return list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    if fmt == "json":
        rows = json.loads(text)
        return [list(rows[0])] + [[str(v) for v in r.values()] for r in rows]
    if fmt == "md":
        lines = [line for line in text.splitlines() if line.startswith("|")]
        return [[c.strip() for c in line.strip("|").split("|")] for line in lines
                if "---" not in line]
    assert fmt == "html"
    import re

    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "md", "json", "html", "xlsx"])
def test_matrix_exports_read_back_wide_and_long(tiny, tmp_path, fmt):
    wide = tmp_path / f"wide.{fmt}"
    assert "Wrote" in tiny.ok("matrix", "-o", str(wide))
    rows = _read_back(wide, fmt)
    # CSV and TSV carry no notes, so which coders were counted is a last column.
    head, who = (["coders counted"], ["wei"]) if fmt in ("csv", "tsv") else ([], [])
    assert rows[0] == ["case", *CODES, *head]
    assert rows[1] == ["Firm X", "1", "1", "1", "1", *who]
    assert rows[2] == ["(no case)", "1", "0", "0", "1", *who]
    long = tmp_path / f"long.{fmt}"
    tiny.ok("matrix", "--long", "--format", fmt, "-o", str(long))
    rows = _read_back(long, fmt)
    assert rows[0] == ["case", "code", "count", *head]
    assert len(rows) == 1 + 2 * 4
    assert ["(no case)", "innovation.cell-design", "0", *who] in rows


def test_matrix_format_prints_to_stdout(tiny):
    out = tiny.ok("matrix", "--format", "csv", "--cols", "dimension")
    assert out.splitlines() == ["case,strategy,innovation,policy,coders counted",
                                "Firm X,1,1,1,wei", "(no case),1,0,1,wei"]
    long = json.loads(tiny.ok("matrix", "--long", "--format", "json", "--cols", "dimension"))
    assert {"case": "(no case)", "dimension": "innovation", "count": 0} in long
    assert tiny.fails("matrix", "--format", "xlsx").count("\n") == 1


@pytest.mark.parametrize("args, words", [
    (["matrix", "--rows", "attribute:sector"], ["unknown attribute 'sector'", "segment (case)"]),
    (["matrix", "--code", "policy.subsidy"], ["unknown code 'policy.subsidy'"]),
    (["matrix", "--value", "share"], ["unknown value 'share'"]),
    (["matrix", "--rows", "firm"], ["unknown rows 'firm'"]),
    (["matrix", "--coder", "nobody"], ["no coder named 'nobody'"]),
    (["matrix", "-o", "out.pdf"], ["cannot tell the table format"]),
    (["cooccur", "--unit", "paragraph"], ["unknown unit 'paragraph'"]),
    (["cooccur", "--pair", "strategy.relocation", "policy.subsidy"], ["unknown code"]),
    (["search", "(white", "--regex"], ["invalid regular expression"]),
    (["search", "white", "--regex", "--lemma"], ["one of --regex and --lemma"]),
    (["search", "white", "--code", "policy.subsidy", "--yes"], ["unknown code"]),
    (["gaps", "--by", "firm"], ["unknown --by 'firm'"]),
])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(tiny, args, words):
    before = tiny.snapshot()
    line = tiny.fails(*args)
    assert line.count("\n") == 1
    for word in words:
        assert word in line
    assert tiny.snapshot() == before


def test_empty_project_gives_honest_zeros(project):
    assert json.loads(project.ok("matrix", "--json"))["cells"] == []
    assert "empty" in project.ok("matrix")
    assert json.loads(project.ok("cooccur", "--json"))["codes"] == []
    assert "No codes" in project.ok("cooccur")
    assert "No hits" in project.ok("search", "anything")
    assert json.loads(project.ok("search", "anything", "--json"))["hits"] == []
    assert json.loads(project.ok("gaps", "--json"))["cases"] == []
    assert "nothing to check" in project.ok("gaps")


# --------------------------------------------------------------------------- cooccur


def test_cooccur_json_table_and_export(tiny, tmp_path):
    data = json.loads(tiny.ok("cooccur", "--unit", "turn", "--json"))
    assert data["codes"] == CODES
    i, j = CODES.index("strategy.relocation"), CODES.index("policy.subsidies")
    assert data["cells"][i][j] == 1  # doc-b's respondent turn holds both
    assert data["cells"][i][i] == 2
    overlap = json.loads(tiny.ok("cooccur", "--json"))
    assert overlap["cells"][i][j] == 1  # "small" is in both codings
    out = tiny.ok("cooccur", "--level", "dimension", "--measure", "jaccard")
    assert "strategy" in out and "0.333" in out  # 1 overlapping pair / (2 + 2 - 1) codings
    path = tmp_path / "co.csv"
    tiny.ok("cooccur", "--unit", "document", "--long", "-o", str(path))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["code a", "code b", "n1", "n2", "n12", "count", "coders counted"]
    assert ["strategy.relocation", "policy.subsidies", "2", "2", "2", "2", "wei"] in rows


def test_cooccur_pair_lists_the_passages(tiny):
    out = tiny.ok("cooccur", "--pair", "strategy.relocation", "policy.subsidies")
    flat = " ".join(out.split())
    assert "1 passage(s)" in flat and "doc-b" in flat
    assert "“The subsidy is small”" in flat and "“small, the white list”" in flat
    data = json.loads(tiny.ok("cooccur", "--pair", "strategy.relocation", "policy.subsidies",
                              "--unit", "document", "--json"))
    assert [p["document"] for p in data] == ["doc-a", "doc-b"]
    assert data[0]["case"] == "Firm X"


# --------------------------------------------------------------------------- search


def test_search_shows_hits_in_context(tiny):
    out = tiny.ok("search", "white list")  # piped: a header and one tab-separated line a hit
    header, *hits = out.splitlines()
    assert header.split("\t") == ["case", "document", "turn", "speaker", "start", "end", "left",
                                   "match", "right"]
    (hit,) = [dict(zip(header.split("\t"), h.split("\t"), strict=True)) for h in hits]
    assert (hit["document"], hit["speaker"], hit["match"]) == ("doc-b", "Ms. Wu", "white list")
    data = json.loads(tiny.ok("search", "subsid", "--regex", "--json",
                              "--speaker-role", "respondent"))
    assert [(h["document"], h["turn"], h["match"]) for h in data["hits"]] == [
        ("doc-a", 4, "subsid"), ("doc-b", 2, "subsid")]


def test_a_plain_search_finds_whole_words_and_a_star_lets_a_word_go_on(project: Project,
                                                                         tmp_path: Path):
    # "rent" was found inside "different" and "current", and `--code` would have coded those.
    doc = tmp_path / "rents.txt"
    doc.write_text("Interviewer: Costs?\n\nMs. Wu: The rent is high; rents rose. A different "
                   "and current problem. 深圳的租金很贵，租金涨了。\n", encoding="utf-8")
    project.ok("import", str(doc))

    def found(query: str) -> list[str]:
        return [h["match"] for h in json.loads(project.ok("search", query, "--json"))["hits"]]

    assert found("rent") == ["rent"]
    assert found("Rent*") == ["rent", "rents"]
    assert found("*rent") == ["rent", "different", "current"]
    assert found("*ren*") == ["rent", "rents", "different", "current"]
    assert found("租金") == ["租金", "租金"]  # Chinese has no spaces: found anywhere
    assert found("rent is high") == ["rent is high"]
    assert "the search query is empty" in project.fails("search", "*")


def test_declining_to_code_writes_nothing(tiny):
    before = tiny.snapshot()
    res = tiny.run("search", "cell*", "--code", "innovation.cell-design", input="n\n")
    assert res.exit_code == 0
    assert "Code 2 hits as innovation.cell-design? [y/N]" in res.stdout
    assert "Nothing coded." in res.stdout
    assert tiny.snapshot() == before
    res = tiny.run("search", "cell*", "--code", "innovation.cell-design", input="\n")
    assert tiny.snapshot() == before  # the default is no


def test_confirming_codes_the_hits_and_skips_overlaps(tiny):
    out = tiny.ok("search", "cell*", "--code", "innovation.cell-design", "--unit", "sentence",
                  "--coder", "ana", input="y\n")
    assert "Coded 2 sentence(s) as innovation.cell-design by ana." in out
    rows = json.loads(tiny.ok("codings", "list", "--code", "innovation.cell-design",
                              "--by", "ana", "--json"))
    assert sorted((r["document"], r["quote"], r["origin"]) for r in rows) == [
        ("doc-a", "We design our own cells.", "manual"),
        ("doc-b", "We buy our cell design.", "manual")]
    # wei already coded the subsidy sentence in doc-b with policy.subsidies.
    out = tiny.ok("search", "subsidy is", "--code", "policy.subsidies", "--yes", "--coder", "wei")
    assert "Coded 0 hit(s)" in out and "skipped doc-b" in out
    data = json.loads(tiny.ok("search", "white list", "--code", "policy.subsidies", "--yes",
                              "--coder", "wei", "--json"))
    assert [r["quote"] for r in data["coded"]["added"]] == ["white list"]


# --------------------------------------------------------------------------- gaps


def test_gaps_grid_and_list(tiny, tmp_path):
    out = tiny.ok("gaps")
    assert "✓" not in out.split("Firm X")[1].splitlines()[0]  # one coding each: 1!
    assert "1!" in out and "✗" not in out.split("(no case)")[0]  # the firms' rows
    assert "A single quote (3)" in out
    assert "Note: 1 document(s) belong to no case" in out and "doc-b" in out
    tiny.ok("cases", "set", "Firm Y", "segment=materials", "--create")
    out = tiny.ok("gaps")
    assert "✗" in out and "Firm Y: strategy, innovation, policy" in out
    data = json.loads(tiny.ok("gaps", "--by", "code", "--json"))
    assert data["columns"] == CODES
    assert data["counts"][:2] == [[1, 1, 1, 1], [0, 0, 0, 0]]
    assert data["cases"][-1] == "(no case)"
    tiny.ok("code", "add", "doc-a", "strategy.relocation", "--quote", "Land was cheap.",
            "--coder", "wei")
    assert "✓ 2" in tiny.ok("gaps")


def test_gaps_with_no_case_at_all_says_there_is_nothing_to_check(project: Project, tmp_path):
    """Coded documents that belong to no case are shown in the '(no case)' row but are no firm
    whose gaps are judged: with no case at all, gaps must not claim that every case is covered."""
    book = tmp_path / "book.yaml"
    book.write_text(SMALL_CODEBOOK, encoding="utf-8")
    (tmp_path / "t.txt").write_text("Interviewer: Policy?\n\nMs. Wu: The subsidy helped.\n",
                                    encoding="utf-8")
    project.ok("codebook", "load", str(book))
    project.ok("import", str(tmp_path / "t.txt"))
    project.ok("code", "add", "t", "policy.subsidies", "--quote", "The subsidy helped.")
    out = project.ok("gaps")
    assert "Every case has" not in out
    assert "No case to check" in out and "documents set-case" in out
    project.ok("documents", "set-case", "t", "Firm W")
    out = project.ok("gaps")
    assert "No case to check" not in out and "Firm W: strategy, innovation" in out
