"""agreement: two coders compared per code by sentence and by character, values by hand."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from tests.cli.test_suggest_cmds import MINI, TRANSCRIPT
from tests.conftest import Project

S1 = "The subsidies mattered a lot."
S4 = "The city subsidised our land, cheap land near the river."
S5 = "Nothing more to say."


@pytest.fixture
def two_coders(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "mini.yaml"
    book.write_text(MINI, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    doc = tmp_path / "li.txt"
    doc.write_text(TRANSCRIPT, encoding="utf-8")
    project.ok("import", str(doc))
    for coder, code, quote in (("wei", "policy.subsidies", S1), ("wei", "policy.subsidies", S4),
                               ("wei", "policy.land", S4), ("li", "policy.subsidies", S1),
                               ("li", "policy.land", S4), ("li", "policy.land", S5)):
        project.ok("code", "add", "li", code, "--quote", quote, "--coder", coder)
    return project


def test_sentence_agreement_matches_hand_computed_kappa_and_alpha(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--json"))
    codes = {c["name"]: c for c in report["codes"]}
    sub = codes["policy.subsidies"]
    # 5 respondent sentences; wei 10010, li 10000: po 4/5, pe 14/25 -> kappa 6/11; alpha 4/7.
    assert (sub["units"], sub["coded_a"], sub["coded_b"], sub["both"]) == (5, 2, 1, 1)
    assert sub["percent_agreement"] == 0.8
    assert sub["kappa"] == round(6 / 11, 4)
    assert sub["alpha"] == round(4 / 7, 4)
    assert codes["policy.land"]["kappa"] == round(6 / 11, 4)
    policy = next(d for d in report["dimensions"] if d["name"] == "policy")
    assert (policy["coded_a"], policy["coded_b"], policy["both"]) == (2, 3, 2)
    assert report["documents"] == ["li"]
    out = two_coders.ok("agreement", "wei", "li")
    assert "policy.subsidies" in out and "0.55" in out


def test_character_agreement_pools_the_2x2_table(two_coders: Project):
    report = json.loads(two_coders.ok("agreement", "wei", "li", "--unit", "character", "--json"))
    text = json.loads(two_coders.ok("show", "li", "--json"))["text"]
    sub = next(c for c in report["codes"] if c["name"] == "policy.subsidies")
    n, a, b, both = len(text), len(S1) + len(S4), len(S1), len(S1)
    assert (sub["units"], sub["coded_a"], sub["coded_b"], sub["both"]) == (n, a, b, both)
    neither = n - a - b + both
    po = Fraction(both + neither, n)
    pe = Fraction(a * b + (n - a) * (n - b), n * n)
    assert sub["kappa"] == round(float((po - pe) / (1 - pe)), 4)
    assert sub["alpha"] is None


def test_agreement_refusals(two_coders: Project, tmp_path: Path):
    assert "different coders" in two_coders.fails("agreement", "wei", "wei")
    assert "no coder" in two_coders.fails("agreement", "wei", "zhang")
    assert "unknown unit" in two_coders.fails("agreement", "wei", "li", "--unit", "word")
    other = tmp_path / "other.txt"
    other.write_text("Interviewer: Land?\n\nMs. Wu: The land was cheap.\n", encoding="utf-8")
    two_coders.ok("import", str(other))
    two_coders.ok("code", "add", "other", "policy.land", "--quote", "cheap", "--coder", "solo")
    assert "no document in common" in two_coders.fails("agreement", "wei", "solo")
