"""evaluate --ci (bootstrap intervals of F1, by sentence or by document) and --compare METHOD
(the paired difference in macro F1). The figures are worked out by hand in the comments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.test_agreement_cmds import OTHER, _code, two_coders  # noqa: F401
from tests.conftest import Project


def _macro(project: Project, *args: str) -> float:
    return json.loads(project.ok("evaluate", "--against", "wei", "--json", *args))[
        "dimension_macro_f1"]


def test_intervals_follow_from_which_sentences_a_resample_holds(two_coders: Project):  # noqa: F811
    # li's five respondent sentences: wei codes policy on S1 and S4; the lexicon suggests policy
    # on S1 and S4 (F1 1) and strategy on S2, which wei left uncoded (F1 0); macro 0.5.
    # Any resample holding S1 or S4 has policy F1 1; any holding S2 strategy F1 0: both
    # intervals have no width. The macro is 0.5 when a resample holds both, 1 when it lacks S2
    # (chance (4/5)^5 = 33%) and 0 when it holds S2 but neither S1 nor S4 (6.8%): both tails
    # lie beyond 2.5%, so the interval is 0 to 1.
    report = json.loads(two_coders.ok("evaluate", "--against", "wei", "--ci", "--json"))
    dims = {d["name"]: d for d in report["dimensions"]}
    assert dims["policy"]["f1"] == 1.0
    assert dims["policy"]["f1_interval"] == {"low": 1.0, "high": 1.0}
    assert dims["strategy"]["f1"] == 0.0
    assert dims["strategy"]["f1_interval"] == {"low": 0.0, "high": 0.0}
    assert report["dimension_macro_f1"] == 0.5
    assert report["dimension_macro_f1_interval"] == {"low": 0.0, "high": 1.0}
    assert report["intervals"] == {"resamples": 1000, "by": "sentence", "level": 0.95,
                                   "seed": 0}
    assert not any(n.startswith("intervals:") for n in report["notes"])
    # codes pooled: 3 of wei's 3 found, 1 wrong (relocation): F1 6/7; a resample without S2
    # scores 1, and it lacks S2 a third of the time
    assert report["overall"]["f1"] == pytest.approx(6 / 7, abs=1e-4)
    assert report["overall"]["f1_interval"]["high"] == 1.0
    assert report["overall"]["f1_interval"]["low"] < 6 / 7
    # without --ci there is no interval, and the point figures are the same
    plain = json.loads(two_coders.ok("evaluate", "--against", "wei", "--json"))
    assert plain["intervals"] is None and plain["dimensions"][0]["f1_interval"] is None
    assert plain["dimension_macro_f1"] == report["dimension_macro_f1"]


def test_the_table_shows_each_f1_beside_its_interval_within_80_columns(two_coders: Project):  # noqa: F811
    res = two_coders.run("evaluate", "--against", "wei", "--ci", "--resamples", "500",
                         "--seed", "4", columns=80)
    assert res.exit_code == 0
    out = res.stdout
    assert "F1 with 95% bootstrap intervals" in out
    assert "from 500 resamples of sentences (seed 4)" in out
    policy = next(line for line in out.splitlines()
                  if "policy" in line and "1.00-1.00" in line)
    assert "1.00" in policy.replace("1.00-1.00", "")
    macro = next(line for line in out.splitlines() if "dimension macro F1" in line)
    assert "0.50" in macro and "0.00-1.00" in macro
    table = out[out.index("F1 with 95% bootstrap intervals"):out.index("(seed 4)")]
    assert max(map(len, table.splitlines())) <= 80


def test_resampling_documents_draws_whole_interviews(two_coders: Project, tmp_path: Path):  # noqa: F811
    # A second interview where wei codes land and the lexicon (cheap land) finds it: drawn by
    # document, every resample holds whole interviews, so strategy's wrong hit on li comes with
    # li's right policy hits; the seed decides the draw, and the same seed the same interval.
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    _code(two_coders, "other", "wei", "policy.land", "The land was cheap.")
    runs = [json.loads(two_coders.ok("evaluate", "--against", "wei", "--ci", "--ci-by",
                                     "document", "--seed", seed, "--json"))
            for seed in ("1", "1")]
    assert runs[0] == runs[1]
    report = runs[0]
    assert report["intervals"]["by"] == "document"
    # two documents drawn twice: {li, li}, {li, other}, {other, other}, and the report says so
    assert any(n.startswith("intervals: 2 documents allow only 3 different resamples")
               for n in report["notes"])
    # two documents, drawn twice: {li, li}, {li, other} or {other, other}. Policy: on `other`
    # wei's land sentence is not found (the lexicon wants "cheap land"), so F1 there is 0, and
    # on li alone 1: the interval spans the extremes.
    dims = {d["name"]: d for d in report["dimensions"]}
    assert dims["policy"]["f1_interval"]["low"] < dims["policy"]["f1"]
    assert dims["policy"]["f1_interval"]["high"] == 1.0


def test_compare_gives_the_paired_difference_of_two_methods(
        two_coders: Project, tmp_path: Path):  # noqa: F811
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    two_coders.ok("import", str(other))
    _code(two_coders, "other", "wei", "policy.land", "The land was cheap.")
    report = json.loads(two_coders.ok("evaluate", "--against", "wei", "--compare", "learned",
                                      "--json"))
    c = report["comparison"]
    learned = _macro(two_coders, "--method", "learned")
    assert c["method"] == "learned" and c["dimension_macro_f1"] == learned
    assert c["difference"] == pytest.approx(report["dimension_macro_f1"] - learned, abs=1e-4)
    span = c["difference_interval"]
    assert span["low"] <= c["difference"] <= span["high"]
    assert (c["resamples"], c["by"]) == (1000, "sentence")
    out = two_coders.ok("evaluate", "--against", "wei", "--compare", "learned")
    said = " ".join(out.split())  # the line folds at the terminal's width
    assert (f"lexicon against learned: dimension macro F1 {report['dimension_macro_f1']:.2f} "
            f"against {learned:.2f}, difference {c['difference']:+.2f} (95% CI "
            f"{span['low']:+.2f} to {span['high']:+.2f}, paired, 1,000 resamples of "
            "sentences).") in said


@pytest.mark.parametrize("args, message", [
    (("--ci", "--resamples", "0"), "--resamples 0: a bootstrap needs 1 or more resamples"),
    (("--ci", "--ci-by", "chapter"), "unknown resampling unit 'chapter'"),
    (("--ci", "--ci-by", "document"), "resampling by document needs at least two documents"),
    (("--compare", "lexicon"), "--compare lexicon is the method being evaluated"),
    (("--compare", "llm"), "unknown method 'llm'"),
])
def test_bad_interval_options_are_one_line_and_change_nothing(two_coders: Project, args,  # noqa: F811
                                                              message: str):
    before = two_coders.ok("codings", "list", "--json")
    err = two_coders.fails("evaluate", "--against", "wei", *args)
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert two_coders.ok("codings", "list", "--json") == before


LONG = """\
codebook: {name: long, version: "1", language: en}
innovation:
  definition: Technology.
  codes:
    cell-design:
      definition: Cell design.
      codes:
        own-research-and-development-programme:
          definition: The firm's own research programme on cell design.
          patterns:
            - lemma: [laboratory]
"""


def test_the_tables_keep_their_numbers_whole_at_80_columns(project: Project, tmp_path: Path):
    # A code name of 60 characters: the numbers stay whole, the name is set under its
    # dimension without the prefix and folds; every header is spelled out (no "…").
    book = tmp_path / "long.yaml"
    book.write_text(LONG, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    doc = tmp_path / "lab.txt"
    doc.write_text("Interviewer: Research?\n\nMs. Wu: Our laboratory works on cells. We sell "
                   "cells.\n", encoding="utf-8")
    project.ok("import", str(doc))
    code = "innovation.cell-design.own-research-and-development-programme"
    project.ok("code", "add", "lab", code, "--quote", "Our laboratory works on cells.",
               "--coder", "wei")
    res = project.run("evaluate", "--against", "wei", "--ci", columns=80)
    assert res.exit_code == 0
    out = res.stdout
    assert "…" not in out
    assert max(map(len, out.splitlines())) <= 80
    per_code = out[out.index("Per code"):]
    rows = per_code.splitlines()
    heading = next(i for i, line in enumerate(rows) if line.startswith("│ innovation "))
    # the code's row: its name without "innovation.", and gold 1, sugg 1, both 1, P R F1 1.00
    first = rows[heading + 1]
    assert first.startswith("│  cell-design.own-research")
    assert re.search(r"│\s+1 │\s+1 │\s+1 │ 1\.00 │ 1\.00 │ 1\.00 │\s+[-\d.]+ │$", first)
    body = [line for line in rows[heading + 1:heading + 4] if line.startswith("│")]
    folded = "".join(line.split("│")[1].strip() for line in body)
    assert folded == "cell-design.own-research-and-development-programme"
    assert "P precision, R recall" in " ".join(out.split())


def test_codes_are_listed_under_their_dimensions_in_the_codebooks_order(
        coded_project: Project):
    # The per-dimension table follows the codebook (strategy first, policy last); the per-code
    # table used to sort by key, which put innovation first and strategy last.
    report = json.loads(coded_project.ok("evaluate", "--against", "wei", "--json"))
    dims = [d["name"] for d in report["dimensions"]]
    assert dims == ["strategy", "organization", "innovation", "market-position", "policy"]
    order = [dims.index(c["name"].split(".")[0]) for c in report["codes"]]
    assert order == sorted(order) and len(set(order)) == 5
    names = [c["name"] for c in report["codes"]]
    for d in dims:  # alphabetical within a dimension
        inside = [n for n in names if n.startswith(d + ".")]
        assert inside == sorted(inside)
