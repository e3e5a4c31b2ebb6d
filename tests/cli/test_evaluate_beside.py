"""evaluate --beside CODER: a second human coder's F1 against the same coder, on the documents
both coded, beside the suggestions' F1 on those documents (the ceiling to read it against)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_agreement_cmds import OTHER, S1, S4, _code, two_coders  # noqa: F401
from tests.conftest import Project


def test_beside_gives_the_second_coders_f1_and_the_suggestions_on_the_same_documents(
        two_coders: Project, tmp_path: Path):  # noqa: F811
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    _code(two_coders, "other", "wei", "policy.land", "The land was cheap.")  # li: not this one
    report = json.loads(two_coders.ok("evaluate", "--against", "wei", "--beside", "li",
                                      "--json"))
    side = report["beside"]
    assert (side["coder"], side["against"], side["documents"]) == ("li", "wei", ["li"])
    # On li (5 sentences) at dimension level, wei marks S1 and S4 as policy, li S1, S4 and S5:
    # a = 2, b = 0, c = 1 -> li's F1 against wei 4/5, as `agreement` gives it.
    rows = {r["name"]: r for r in side["dimensions"]}
    assert rows["policy"]["coder_f1"] == 0.8
    pair = json.loads(two_coders.ok("agreement", "wei", "li", "--json"))
    assert rows["policy"]["coder_f1"] == next(
        d["positive"] for d in pair["dimensions"] if d["name"] == "policy")
    # the suggestions' F1 is evaluate's own on the shared document only, not on all of wei's
    alone = json.loads(two_coders.ok("evaluate", "--against", "wei", "-d", "li", "--json"))
    assert rows["policy"]["suggester_f1"] == next(
        d["f1"] for d in alone["dimensions"] if d["name"] == "policy")
    assert report["documents"] == 2 and alone["documents"] == 1
    assert side["coder_macro_f1"] == 0.8
    out = two_coders.ok("evaluate", "--against", "wei", "--beside", "li")
    assert "Beside a second coder: li against wei, on the 1 document(s) both coded" in out
    assert "policy" in out and "0.80" in out


def test_beside_refuses_the_same_coder_and_coders_with_no_document_in_common(
        two_coders: Project, tmp_path: Path):  # noqa: F811
    err = two_coders.fails("evaluate", "--against", "wei", "--beside", "wei")
    assert "--beside names the coder compared against (wei)" in err
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    _code(two_coders, "other", "zhang", "policy.land", "The land was cheap.")
    before = two_coders.ok("codings", "list", "--json")
    err = two_coders.fails("evaluate", "--against", "wei", "--beside", "zhang")
    assert "wei and zhang have coded no document in common" in err
    err = two_coders.fails("evaluate", "--against", "wei", "--beside", "nobody")
    assert "nobody" in err
    assert two_coders.ok("codings", "list", "--json") == before


def test_beside_with_ci_gives_both_f1s_intervals_and_the_paired_gap(two_coders: Project):  # noqa: F811
    # On li: wei marks policy on S1 and S4, li on S1, S4 and S5 (F1 4/5), the lexicon on S1 and
    # S4 (F1 1) and strategy on S2, which neither coder marked (F1 0): the suggester's macro
    # 0.5, li's 0.8 (policy alone, the only dimension either coder marked), gap -0.3.
    # li's policy F1 in a resample is 1 without S5 (chance (4/5)^5 = 33%) and 0 with S5 but
    # neither S1 nor S4 (6.8%): both beyond 2.5%, so 0 to 1.
    report = json.loads(two_coders.ok("evaluate", "--against", "wei", "--beside", "li", "--ci",
                                      "--json"))
    side = report["beside"]
    rows = {r["name"]: r for r in side["dimensions"]}
    assert rows["policy"]["coder_f1"] == 0.8
    assert rows["policy"]["coder_f1_interval"] == {"low": 0.0, "high": 1.0}
    assert rows["policy"]["suggester_f1_interval"] == {"low": 1.0, "high": 1.0}
    assert rows["strategy"]["coder_f1"] is None and rows["strategy"]["coder_f1_interval"] is None
    assert rows["strategy"]["suggester_f1_interval"] == {"low": 0.0, "high": 0.0}
    assert side["coder_macro_f1_interval"] == {"low": 0.0, "high": 1.0}
    assert side["difference"] == pytest.approx(0.5 - 0.8)
    span = side["difference_interval"]
    assert span["low"] <= side["difference"] <= span["high"] and span["low"] < span["high"]
    assert side["intervals"]["resamples"] == 1000
    # the second coder's F1 in evaluate's frame is agreement's positive agreement
    pair = json.loads(two_coders.ok("agreement", "wei", "li", "--json"))
    assert rows["policy"]["coder_f1"] == next(
        d["positive"] for d in pair["dimensions"] if d["name"] == "policy")
    res = two_coders.run("evaluate", "--against", "wei", "--beside", "li", "--ci", columns=80)
    out = res.stdout[res.stdout.index("Beside a second coder"):]
    assert max(map(len, out.splitlines())) <= 80
    assert "0.00-1.00" in out and "1.00-1.00" in out
    said = " ".join(out.split())
    assert (f"lexicon minus li: macro F1 -0.30 (95% CI {span['low']:+.2f} to "
            f"{span['high']:+.2f}, paired, on the same resamples).") in said
    # without --ci, no intervals
    plain = json.loads(two_coders.ok("evaluate", "--against", "wei", "--beside", "li",
                                     "--json"))["beside"]
    assert plain["intervals"] is None and plain["dimensions"][0]["coder_f1_interval"] is None
