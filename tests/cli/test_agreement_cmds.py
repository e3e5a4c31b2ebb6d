"""agreement for two or more coders by sentence, turn, document, character and span, and the
passages where they differ; the values are computed by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from tests.cli.test_suggest_cmds import MINI, TRANSCRIPT
from tests.conftest import Project

S1 = "The subsidies mattered a lot."
S4 = "The city subsidised our land, cheap land near the river."
S5 = "Nothing more to say."
OTHER = "Interviewer: Land?\n\nMs. Wu: The land was cheap. We moved.\n"


def _code(project: Project, doc: str, coder: str, code: str, quote: str) -> None:
    project.ok("code", "add", doc, code, "--quote", quote, "--coder", coder)


@pytest.fixture
def two_coders(project: Project, tmp_path: Path) -> Project:
    project.load_codebook_and_import(tmp_path / "mini.yaml", MINI,
                                     (tmp_path / "li.txt", TRANSCRIPT))
    for coder, code, quote in (("wei", "policy.subsidies", S1), ("wei", "policy.subsidies", S4),
                               ("wei", "policy.land", S4), ("li", "policy.subsidies", S1),
                               ("li", "policy.land", S4), ("li", "policy.land", S5)):
        _code(project, "li", coder, code, quote)
    return project


@pytest.fixture
def three_coders(two_coders: Project, tmp_path: Path) -> Project:
    for code, quote in (("policy.subsidies", S1), ("policy.subsidies", S4)):
        _code(two_coders, "li", "zhang", code, quote)
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    for coder in ("wei", "li"):  # zhang did not code this one
        _code(two_coders, "other", coder, "policy.land", "The land was cheap.")
    return two_coders


def _row(report: dict, name: str) -> dict:
    return next(r for r in [*report["codes"], *report["dimensions"]] if r["name"] == name)


def test_two_coders_by_sentence_match_hand_computed_kappa_and_alpha(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--json"))
    sub = _row(report, "policy.subsidies")
    # 5 respondent sentences; wei 10010, li 10000: po 4/5, pe 14/25 -> kappa 6/11; alpha 4/7.
    assert (sub["units"], sub["coded"], sub["all_coded"]) == (5, {"wei": 2, "li": 1}, 1)
    assert sub["percent_agreement"] == 0.8
    assert sub["kappa"] == round(6 / 11, 4)
    assert sub["alpha"] == round(4 / 7, 4)
    # Positive agreement: a = 1 (S1), b = 1 (S4 by wei only), c = 0 -> 2a / (2a + b + c) = 2/3.
    assert sub["positive"] == round(2 / 3, 4)
    assert _row(report, "policy.land")["kappa"] == round(6 / 11, 4)
    policy = _row(report, "policy")
    assert (policy["coded"], policy["all_coded"]) == ({"wei": 2, "li": 3}, 2)
    assert report["documents"] == ["li"] and report["kappa"] == "Cohen's kappa"
    # Pooled over codes: every (sentence, code) pair is a unit, 10 here. TT 2 (S1 subsidies, S4
    # land), wei only 1 (S4 subsidies), li only 1 (S5 land), neither 6: po 8/10, pe 0.3^2 +
    # 0.7^2 = 0.58 -> kappa 11/21; yes 6 of 20 values: alpha = 1 - 19 * 2 / (6 * 14) = 23/42.
    pooled = report["overall"]
    assert pooled["name"] == "all (pooled)"
    assert (pooled["units"], pooled["coded"], pooled["all_coded"]) == (10, {"wei": 3, "li": 3}, 2)
    assert pooled["percent_agreement"] == 0.8
    assert (pooled["kappa"], pooled["alpha"]) == (round(11 / 21, 4), round(23 / 42, 4))
    assert pooled["positive"] == round(4 / 6, 4)  # 2 * 2 / (2 * 2 + 1 + 1)
    out = two_coders.ok("agreement", "wei", "li")
    assert "subsidies" in out and "0.55" in out
    assert re.search(r"both\s+agree\s+pos\s+kappa\s+alpha", out)
    # the pooled row's 10 (sentence, code) pairs under the table, which keeps to 80 columns
    assert re.search(r"all \(pooled\)\s+3\s+3\s+2\s+80%\s+0\.67\s+0\.52\s+0\.55", out)
    assert "all (pooled): 10 sentence x code pairs" in out


def test_the_tables_keep_to_80_columns_with_long_coder_names(two_coders: Project):
    """The pooled row's count of (unit, code) pairs is said under the table rather than in a
    column of its own, so the last column (alpha) is not cut off at 80 columns."""
    for coder, quote in (("adjudicator", S1), ("adjudicator", S4), ("second-reader", S1)):
        _code(two_coders, "li", coder, "policy.subsidies", quote)
    res = two_coders.run("agreement", "adjudicator", "second-reader", columns=80)
    assert res.exit_code == 0
    header = next(line for line in res.stdout.splitlines() if "kappa" in line)
    assert header.rstrip().endswith("alpha") and len(header) <= 80
    pooled = next(line for line in res.stdout.splitlines() if line.startswith(" all (pooled)"))
    # Pooled over the one code they used, 5 sentences: S1 both, S4 adjudicator only -> agree
    # 4/5, pos 2/3, kappa 6/11, alpha 4/7 (as in the first test).
    assert re.search(r"all \(pooled\)\s+2\s+1\s+1\s+80%\s+0\.67\s+0\.55\s+0\.57$",
                     pooled.rstrip())


def test_three_coders_get_fleiss_kappa_and_alpha(three_coders: Project):
    report = json.loads(three_coders.ok("agreement", "wei", "li", "zhang", "--json"))
    assert report["kappa"] == "Fleiss' kappa"
    # subsidies over the 5 sentences: (1,1,1) (0,0,0) (0,0,0) (1,0,1) (0,0,0).
    # P-bar = (4 + 1/3) / 5 = 13/15, P_e = (1/3)^2 + (2/3)^2 = 5/9 -> kappa 7/10.
    # Coincidences o11 = 4, o00 = 9, o10 = o01 = 1; n1 = 5, n0 = 10 -> alpha = 1 - 14*2/100.
    sub = _row(report, "policy.subsidies")
    assert sub["kappa"] == 0.7 and sub["alpha"] == 0.72
    assert sub["percent_agreement"] == round(13 / 15, 4)
    # Positive agreement, pairwise: S1 (3 of 3) gives 3*2 of 3*2 partner marks, S4 (2 of 3) 2*1
    # of 2*2 -> 8/10.
    assert sub["positive"] == 0.8
    assert sub["all_coded"] == 1 and sub["coded"] == {"wei": 2, "li": 1, "zhang": 2}
    # Pooled: land adds (0,0,0) x3, (1,1,0) at S4 and (0,1,0) at S5. P-bar = (7 + 3/3) / 10,
    # 8 of 30 ratings yes: P_e = (64 + 484) / 900 -> Fleiss' kappa (720 - 548) / 352 = 43/88.
    assert report["overall"]["kappa"] == round(43 / 88, 4)
    assert report["overall"]["percent_agreement"] == 0.8
    # The other document was coded by wei and li only: left out, and said why.
    assert report["documents"] == ["li"]
    assert report["left_out"] == [{"document": "other", "coded_by": ["wei", "li"],
                                   "reason": "not coded by zhang (--partial compares it with "
                                             "their values missing)"}]
    same = json.loads(three_coders.ok("agreement", "--coders", "wei,li,zhang", "--json"))
    assert same == report
    out = three_coders.ok("agreement", "wei", "li", "zhang")
    assert "Left out 1, coded by wei, li (not coded by zhang" in out
    assert "Fleiss" in out


def test_partial_keeps_a_document_with_missing_values_for_alpha_only(three_coders: Project):
    report = json.loads(
        three_coders.ok("agreement", "wei", "li", "zhang", "--partial", "--json"))
    assert report["documents"] == ["li", "other"] and report["left_out"] == []
    sub = _row(report, "policy.subsidies")
    # Two more sentences (0, 0, missing): o00 += 2 each -> n0 = 14, n = 19:
    # alpha = 1 - 18 * 2 / (2 * 5 * 14) = 26/35; kappa still on the 5 complete sentences.
    assert sub["units"] == 7
    assert sub["alpha"] == round(26 / 35, 4)
    assert sub["kappa"] == 0.7
    assert sub["percent_agreement"] == round(19 / 21, 4)


def test_turn_and_document_units(three_coders: Project):
    by_turn = json.loads(three_coders.ok("agreement", "wei", "li", "zhang", "--unit", "turn",
                                         "--json"))
    # Two respondent turns: (1,1,1) and (1,0,1): P-bar 2/3, P_e 13/18 -> kappa -1/5.
    sub = _row(by_turn, "policy.subsidies")
    assert (sub["units"], sub["kappa"]) == (2, -0.2)
    by_doc = json.loads(three_coders.ok("agreement", "wei", "li", "zhang", "--unit",
                                        "document", "--json"))
    sub = _row(by_doc, "policy.subsidies")
    # One document, every coder used the code: agreement is complete, kappa and alpha are 0/0.
    assert (sub["units"], sub["percent_agreement"], sub["kappa"], sub["alpha"]) == (
        1, 1.0, None, None)


def test_character_agreement_pools_the_2x2_table(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--unit", "character", "--json"))
    text = json.loads(two_coders.ok("show", "li", "--json"))["text"]
    sub = _row(report, "policy.subsidies")
    n, a, b, both = len(text), len(S1) + len(S4), len(S1), len(S1)
    assert (sub["units"], sub["coded"], sub["all_coded"]) == (n, {"wei": a, "li": b}, both)
    neither = n - a - b + both
    po = Fraction(both + neither, n)
    pe = Fraction(a * b + (n - a) * (n - b), n * n)
    assert sub["kappa"] == round(float((po - pe) / (1 - pe)), 4)


def test_span_unit_is_unitizing_alpha(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--unit", "span", "--json"))
    text = json.loads(two_coders.ok("show", "li", "--json"))["text"]
    n, a, b = len(text), [len(S1), len(S4)], [len(S1)]
    # Two observers: l(unit, gap) = |A - B| + |B - A| = d, l(unit, .) = |A| + |B|, l.. = 2N;
    # self-pairs: squared unit lengths plus one per gap position.
    d = len(S4)
    units = sum(a) + sum(b)
    gaps = 2 * n - units
    selfpairs = sum(x * x for x in a + b) + gaps
    chance = Fraction(2 * units * gaps) / (2 * n - Fraction(selfpairs, 2 * n))
    expected = 1 - 2 * d / chance
    sub = _row(report, "policy.subsidies")
    assert sub["binary_u_alpha"] == round(float(expected), 4)
    assert sub["coded"] == {"wei": sum(a), "li": sum(b)}
    assert sub["segments"] == {"wei": 2, "li": 1}
    assert sub["cu_alpha"] is None  # one code: nothing to compare within units
    policy = _row(report, "policy")
    assert policy["u_alpha"] is not None and policy["cu_alpha"] is not None
    assert policy["combined"] == 1  # wei gave S4 two codes
    out = two_coders.ok("agreement", "wei", "li", "--unit", "span")
    assert "|u-alpha" in out and "cu-alpha" in out


def test_disagreements_list_the_passages_with_who_coded_what(two_coders: Project, monkeypatch):
    monkeypatch.chdir(two_coders.folder)  # inside the project: links need no -p
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--disagreements", "--json"))
    passages = report["passages"]
    assert [p["text"] for p in passages] == [S4, S5]
    s4, s5 = passages
    assert s4["codes"] == {"wei": ["policy.land", "policy.subsidies"], "li": ["policy.land"]}
    assert s4["differing"] == ["policy.subsidies"]
    assert s5["codes"] == {"wei": [], "li": ["policy.land"]} and s5["turn"] == 4
    assert s5["show"] == f"qualcode show li --at {s5['start']}"
    shown = two_coders.ok(*s5["show"].split()[1:])
    assert "turn 4" in shown and "Nothing" in shown and "Shenzhen" not in shown
    land = json.loads(two_coders.ok("agreement", "wei", "li", "--disagreements", "--code",
                                    "policy.land", "--json"))
    assert [p["text"] for p in land["passages"]] == [S5]
    rows = list(csv.reader(io.StringIO(two_coders.ok(
        "agreement", "wei", "li", "--disagreements", "--format", "csv"))))
    assert rows[0] == ["document", "case", "turn", "start", "end", "text", "wei", "li",
                       "differing", "show"]
    assert rows[1][5:9] == [S4, "policy.land; policy.subsidies", "policy.land",
                            "policy.subsidies"]
    table = two_coders.ok("agreement", "wei", "li", "--disagreements")
    assert "2 passages where wei, li differ" in table and "qualcode show li --at" in table


def test_disagreement_links_name_the_project_when_run_from_elsewhere(two_coders: Project,
                                                                      tmp_path: Path,
                                                                      monkeypatch):
    """Run with -p from another folder, the `show` link (and the consensus hint) carry the -p,
    so pasting it from that folder shows the passage."""
    import shlex

    monkeypatch.chdir(tmp_path)
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--disagreements", "--json"))
    link = report["passages"][-1]["show"]
    words = shlex.split(link)
    assert words[:3] == ["qualcode", "-p", str(two_coders.folder)], link
    from typer.testing import CliRunner

    from qualcode.cli import app

    res = CliRunner().invoke(app, words[1:], env={"COLUMNS": "120"})
    assert res.exit_code == 0 and "turn 4" in res.stdout and "Nothing" in res.stdout
    table = two_coders.ok("agreement", "wei", "li", "--disagreements")
    assert f"qualcode -p {two_coders.folder} consensus take" in " ".join(table.split())


def test_disagreements_by_character_are_the_differing_stretches(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--disagreements", "--unit",
                                      "character", "--json"))
    assert [(p["text"], p["differing"]) for p in report["passages"]] == [
        (S4, ["policy.subsidies"]), (S5, ["policy.land"])]


def test_consensus_take_and_agreed(two_coders: Project):
    text = json.loads(two_coders.ok("show", "li", "--json"))["text"]
    at = text.index(S4) + 5
    before = two_coders.ok("consensus", "take", "li", "li", "--at", str(at), "--json")
    assert [r["code"] for r in json.loads(before)["added"]] == ["policy.land"]
    # Changing one's mind: taking wei's version replaces li's there.
    change = json.loads(two_coders.ok("consensus", "take", "wei", "li", "--at", str(at),
                                      "--json"))
    assert sorted(r["code"] for r in change["added"]) == ["policy.land", "policy.subsidies"]
    assert [r["code"] for r in change["removed"]] == ["policy.land"]
    bulk = json.loads(two_coders.ok("consensus", "agreed", "wei", "li", "--json"))
    # wei and li agree on subsidies at S1 and land at S4 (already taken): one added.
    assert [(r["code"], r["quote"]) for r in bulk["added"]] == [("policy.subsidies", S1)]
    assert bulk["already"] == 1
    rows = json.loads(two_coders.ok("codings", "list", "--by", "consensus", "--json"))
    assert sorted((r["code"], r["quote"]) for r in rows) == sorted([
        ("policy.land", S4), ("policy.subsidies", S1), ("policy.subsidies", S4)])
    assert json.loads(two_coders.ok("consensus", "agreed", "wei", "li", "--json"))["added"] == []


def test_agreement_and_consensus_refusals_change_nothing(two_coders: Project, tmp_path: Path):
    before = two_coders.snapshot()
    assert "at least two coders" in two_coders.fails("agreement", "wei")
    assert "named twice" in two_coders.fails("agreement", "wei", "wei")
    assert "no coder" in two_coders.fails("agreement", "wei", "zhang")
    assert "unknown unit" in two_coders.fails("agreement", "wei", "li", "--unit", "word")
    assert "--partial" in two_coders.fails("agreement", "wei", "li", "--unit", "span",
                                           "--partial")
    assert "--disagreements" in two_coders.fails("agreement", "wei", "li", "--code",
                                                 "policy.land")
    assert "--disagreements" in two_coders.fails("agreement", "wei", "li", "--format", "csv")
    assert "exactly one of" in two_coders.fails("consensus", "take", "li", "li")
    assert "outside the document" in two_coders.fails("consensus", "take", "li", "li", "--at",
                                                      "99999")
    assert "written to" in two_coders.fails("consensus", "agreed", "wei", "consensus")
    assert "outside the document" in two_coders.fails("show", "li", "--at", "99999")
    assert two_coders.snapshot() == before
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    _code(two_coders, "other", "solo", "policy.land", "cheap")
    assert "no document in common" in two_coders.fails("agreement", "wei", "solo")


def test_a_coder_who_recorded_judged_sentences_is_missing_elsewhere(
    two_coders: Project, tmp_path: Path
):
    gold = tmp_path / "gold.yaml"
    gold.write_text(
        "document: li\ncoder: gold\nsentences:\n"
        f'  - quote: "{S1}"\n    codes: [policy.subsidies]\n'
        f'  - quote: "{S4}"\n    codes: []\n',
        encoding="utf-8",
    )
    two_coders.ok("codings", "import", str(gold))
    report = json.loads(two_coders.ok("agreement", "wei", "gold", "--json"))
    sub = _row(report, "policy.subsidies")
    # gold judged S1 (subsidies) and S4 (nothing); S2, S3, S5 are missing for gold, not "no".
    # wei: S1 yes, S4 yes -> TT 1, TF 1: po 1/2, pe 1/2 -> kappa 0; alpha 1 - 3 * 2 / 6 = 0.
    assert (sub["units"], sub["coded"], sub["all_coded"]) == (2, {"wei": 2, "gold": 1}, 1)
    assert (sub["kappa"], sub["alpha"], sub["percent_agreement"]) == (0.0, 0.0, 0.5)
    assert any("gold recorded the sentences they judged" in n for n in report["notes"])
    passages = json.loads(two_coders.ok("agreement", "wei", "gold", "--disagreements",
                                        "--json"))["passages"]
    assert [p["text"] for p in passages] == [S4]  # S2, S3, S5: gold did not judge them


def test_dimensions_and_codes_follow_the_codebook_order(project: Project):
    # The bundled codebook puts strategy first and policy last; the tables sorted dimensions by
    # name (innovation first). A dimension-level label is named "(dimension level)", short
    # enough not to fold at 80 columns.
    from tests.conftest import CODEBOOK, DEMO

    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    subsidy = "That is my biggest worry, honestly."
    design = "we still buy our cell design"
    plant = "Because the money goes into the plant first."
    for coder in ("wei", "li"):
        _code(project, "interview-03", coder, "policy.subsidies", subsidy)
        _code(project, "interview-03", coder, "innovation.cell-design.dependence", design)
        _code(project, "interview-03", coder, "strategy" if coder == "wei" else
              "strategy.capital-investment", plant)
    report = json.loads(project.ok("agreement", "--coders", "wei,li", "--json"))
    assert [d["name"] for d in report["dimensions"]] == ["strategy", "innovation", "policy"]
    assert [c["name"] for c in report["codes"]] == [
        "strategy", "strategy.capital-investment", "innovation.cell-design.dependence",
        "policy.subsidies"]
    out = project.run("agreement", "--coders", "wei,li", columns=80).stdout
    assert re.search(r"^\s+\(dimension level\)\s+1\s+0\s+0 ", out, re.M)
    per_code = out[out.index("Per code"):]
    assert per_code.index(" strategy") < per_code.index(" innovation") < per_code.index(" policy")


def test_a_typed_coder_filters_codings_list_and_show_as_by_does(two_coders: Project):
    # `--coder li` was silently ignored by `codings list` and `show` (it only named who is
    # coding, for --blind), so every coder's codings came out as if filtered. Typed, it filters
    # now, as --by and as matrix's --coder do; $QUALCODE_CODER alone (the tests set it to
    # "tester") filters nothing.
    def coders(*args: str) -> list[str]:
        return [r["coder"] for r in json.loads(two_coders.ok("codings", "list", "--json", *args))]

    assert sorted(coders()) == ["li", "li", "li", "wei", "wei", "wei"]
    assert coders("--coder", "li") == coders("--by", "li") == ["li", "li", "li"]
    assert coders("--coder", "li", "--by", "li") == ["li", "li", "li"]
    error = two_coders.fails("codings", "list", "--coder", "li", "--by", "wei")
    assert "--by wei and --coder li name different coders" in error
    shown = json.loads(two_coders.ok("show", "li", "--coder", "wei", "--json"))
    by = json.loads(two_coders.ok("show", "li", "--by", "wei", "--json"))
    everyone = json.loads(two_coders.ok("show", "li", "--json"))
    assert shown == by != everyone
