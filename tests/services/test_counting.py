"""Several coders on one document: every analysis counts one passage once (merged) or one coder
alone, and says which coders were counted. Exact counts on a hand-built project where two coders
overlap partly, and on the demo (Official H, coded by wei and li)."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qualcode.services.cooccur import cooccurrence
from qualcode.services.counting import _merge_group, counted_codings, counted_groups
from qualcode.services.gaps import find_gaps
from qualcode.services.matrix import build_matrix, coding_filter
from qualcode.services.report import build_report
from qualcode.services.synthesis import build_synthesis
from tests.conftest import DEMO, DEMO_CODING, SMALL_CODEBOOK, Project, build_demo_project

TEXT = "We moved here from Shenzhen. Land was cheap. The subsidy helped. We design our own cells."
DOC = f"""\
---
case: Firm X
language: en
interviewer_labels: [Interviewer]
---
Interviewer: Why here?

Mr. Li: {TEXT}
"""
# (code, coder, quote, key)
CODINGS = [
    # wei codes the relocation passage whole, ana in two pieces inside it: one passage, which
    # counts twice (ana's pieces), never three times.
    ("strategy.relocation", "wei", "We moved here from Shenzhen. Land was cheap.", False),
    ("strategy.relocation", "ana", "We moved here from Shenzhen.", False),
    ("strategy.relocation", "ana", "Land was cheap.", False),
    # Partly overlapping codings of one code by two coders: once; wei's key mark carries over.
    ("policy.subsidies", "wei", "The subsidy helped.", True),
    ("policy.subsidies", "ana", "subsidy helped. We design", False),
    ("innovation.cell-design.own-research", "wei", "We design our own cells.", False),
]


@pytest.fixture
def two_coders(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    (tmp_path / "doc-a.md").write_text(DOC, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(tmp_path / "doc-a.md"))
    for code, coder, quote, key in CODINGS:
        project.ok("code", "add", "doc-a", code, "--quote", quote, "--coder", coder,
                   *(["--key"] if key else []))
    return project


def cell(m, row: str, col: str):
    return m.cells[m.row_labels.index(row)][m.col_labels.index(col)]


def test_merged_counts_count_a_passage_once_per_piece_of_its_finest_coder(two_coders):
    with two_coders.session() as s:
        m = build_matrix(s, cols="code")
        wei = build_matrix(s, cols="code", coder="wei")
        ana = build_matrix(s, cols="code", coder="ana")
        by_coder = build_matrix(s, rows="coder", cols="code")
    assert [cell(m, "Firm X", c) for c in ("strategy.relocation", "policy.subsidies",
                                           "innovation.cell-design.own-research")] == [2, 1, 1]
    assert cell(m, "Firm X", "innovation.cell-design") == 1  # own-research rolls up
    assert [cell(wei, "Firm X", c) for c in ("strategy.relocation", "policy.subsidies")] == [1, 1]
    assert [cell(ana, "Firm X", c) for c in ("strategy.relocation", "policy.subsidies")] == [2, 1]
    # Rows by coder: each coder's own codings, nothing merged.
    assert cell(by_coder, "ana", "strategy.relocation") == 2
    assert cell(by_coder, "wei", "strategy.relocation") == 1
    assert m.counting.coders == ["ana", "wei"] and m.counting.mode == "merged"
    assert (m.counting.codings, m.counting.counted) == (6, 4)
    assert m.counting.shared_documents == ["doc-a"]
    assert "Coders counted: ana, wei, merged" in m.notes[-1]
    assert "2 of 6 codings were not counted again" in m.notes[-1]
    assert wei.counting.line == "Coders counted: wei only (--coder)."
    assert by_coder.counting.line == "Coders counted: ana, wei, each in its own row (not merged)."


def test_one_coders_own_overlapping_codings_are_never_merged():
    """`code add` refuses them, but an import from another program may bring them."""
    # id, document, code, coder, start, end, key, origin
    rows = [(1, 1, 5, 7, 0, 20, False, "imported"), (2, 1, 5, 7, 10, 30, False, "imported"),
            (3, 1, 5, 8, 15, 25, True, "manual")]
    counted = _merge_group(rows, {7: (1, "a"), 8: (1, "b")})
    # One passage {1, 2, 3}: coder 7 coded it twice, coder 8 once, so it counts twice.
    assert [c.id for c in counted] == [1, 2]
    assert all(c.key for c in counted)  # coder 8's key mark overlaps both
    assert {(c.passage_start, c.passage_end) for c in counted} == {(0, 30)}
    assert [c.id for c in _merge_group(rows[:2], {})] == [1, 2]


def test_coverage_is_the_union_of_what_any_counted_coder_coded(two_coders):
    with two_coders.session() as s:
        m = build_matrix(s, cols="code", value="coverage")
    respondent = len(TEXT)
    start = TEXT.index("The subsidy helped.")
    end = TEXT.index("subsidy helped. We design") + len("subsidy helped. We design")
    assert cell(m, "Firm X", "policy.subsidies") == float(Fraction(end - start, respondent))


def test_synthesis_gaps_cooccur_and_report_take_the_same_counted_codings(two_coders):
    with two_coders.session() as s:
        syn = build_synthesis(s, quotes=5)
        gaps = find_gaps(s)
        co = cooccurrence(s, unit="overlap", measure="count")
        page = build_report(s)
    policy = syn.cell("Firm X", "policy")
    assert policy.codings == 1
    [quote] = policy.quotes
    # Tie (one coding each): the first name; the key mark wei set on the passage carries over.
    assert (quote.coder, quote.text, quote.key) == ("ana", "subsidy helped. We design", True)
    assert quote.coders == ["ana", "wei"]
    strategy = syn.cell("Firm X", "strategy")
    assert strategy.codings == 2
    assert sorted(q.text for q in strategy.quotes) == ["Land was cheap.",
                                                      "We moved here from Shenzhen."]
    assert [(g.case, g.column, g.quote) for g in gaps.single] == [
        ("Firm X", "innovation", "We design our own cells."),
        ("Firm X", "policy", "subsidy helped. We design")]
    assert gaps.counting.coders == ["ana", "wei"]
    assert co.counts == {"strategy.relocation": 2, "innovation.cell-design": 0,
                         "innovation.cell-design.own-research": 1, "policy.subsidies": 1}
    assert co.notes[-1] == syn.counting.line
    bars = {b.label: b.count for b in page.frequencies}
    assert (bars["strategy.relocation"], bars["policy.subsidies"]) == (2, 1)
    assert page.coders_note == syn.counting.line


def test_a_consensus_coder_is_preferred_in_ties_and_suggested(two_coders):
    two_coders.ok("code", "add", "doc-a", "policy.subsidies", "--quote", "The subsidy helped.",
                  "--coder", "consensus")
    with two_coders.session() as s:
        syn = build_synthesis(s)
    [quote] = syn.cell("Firm X", "policy").quotes
    assert quote.coder == "consensus" and quote.coders == ["consensus", "ana", "wei"]
    assert "--coder consensus counts only the reconciled coding" in syn.counting.line


def test_the_cli_says_which_coders_were_counted_everywhere(two_coders, tmp_path):
    line = "Coders counted: ana, wei, merged."
    for args in (["matrix"], ["synthesize"], ["gaps"], ["cooccur"]):
        out = two_coders.ok(*args)
        assert line in " ".join(out.split()), args
    assert json.loads(two_coders.ok("matrix", "--json"))["coders"]["counted"] == ["ana", "wei"]
    assert json.loads(two_coders.ok("gaps", "--json"))["coders"]["mode"] == "merged"
    assert json.loads(two_coders.ok("synthesize", "--json"))["coders"]["counted_codings"] == 4
    assert json.loads(two_coders.ok("cooccur", "--json"))["coders"]["codings"] == 6
    rows = list(csv.DictReader(io.StringIO(two_coders.ok("matrix", "--format", "csv"))))
    assert rows[0]["coders counted"] == "ana, wei (merged)"
    assert rows[0]["strategy.relocation"] == "2"
    assert line in two_coders.ok("matrix", "--format", "md")
    two_coders.ok("matrix", "-o", str(tmp_path / "m.xlsx"))
    notes = load_workbook(tmp_path / "m.xlsx")["Notes"]
    assert any(line in str(c.value) for row in notes.iter_rows() for c in row)
    assert line in two_coders.ok("matrix", "--format", "html")
    two_coders.ok("synthesize", "-o", str(tmp_path / "s.csv"))
    with open(tmp_path / "s.csv", encoding="utf-8") as f:
        assert next(csv.DictReader(f))["coders counted"] == "ana, wei (merged)"
    assert line in (lambda p: (two_coders.ok("report", "-o", str(p)), p.read_text())[1])(
        tmp_path / "r.html")


@pytest.fixture(scope="module")
def demo_two_coders(tmp_path_factory) -> Project:
    project = build_demo_project(tmp_path_factory.mktemp("counting") / "proj")
    project.ok("codings", "import", str(DEMO_CODING.parent / "demo-coding-li"))
    return project


def test_official_h_policy_counts_once_on_the_demo(demo_two_coders):
    """li and wei both coded interview-08 (Official H): wei 31 policy codings, li 35; adding
    them up gave 66. Merged, 40 (checked by an independent pairwise reckoning of overlapping
    codings per code, counting each connected passage as its busiest coder's codings)."""
    assert DEMO.exists()
    with demo_two_coders.session() as s:
        merged = build_matrix(s, cols="dimension")
        wei = build_matrix(s, cols="dimension", coder="wei")
        li = build_matrix(s, cols="dimension", coder="li")
        syn = build_synthesis(s)
        page = build_report(s)
    assert cell(wei, "Official H", "policy") == 31
    assert cell(li, "Official H", "policy") == 35
    assert cell(merged, "Official H", "policy") == 40
    assert syn.cell("Official H", "policy").codings == 40
    heat = page.heatmaps[0]
    row = heat.row_labels.index("Official H")
    assert sum(v for v, key in zip(heat.cells[row], heat.col_labels, strict=True)
               if key.startswith("policy.")) == 40
    assert merged.counting.shared_documents == ["interview-02", "interview-03", "interview-08"]
    # 619 codings of the English interviews (122 merge away: li and wei on the same passages) and
    # 91 of the Chinese ones, coded by wei alone.
    assert (merged.counting.codings, merged.counting.counted) == (710, 588)


def test_counted_groups_agree_with_counted_codings_on_the_demo(demo_two_coders):
    with demo_two_coders.session() as s:
        filt = coding_filter(s)
        rows = counted_codings(s, filt).codings
        groups = counted_groups(s, filt).groups
    tally: dict[tuple[int, int, int], int] = {}
    for c in rows:
        key = (c.document_id, c.coder_id, c.code_id)
        tally[key] = tally.get(key, 0) + 1
    assert tally == groups and sum(groups.values()) == 588
