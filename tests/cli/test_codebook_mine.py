"""codebook mine: terms that mark a code in the human coding (log-odds with an informative
Dirichlet prior), and writing chosen ones into the codebook file as a lemma rule. Real SQLite
projects, the real lemmatizer, the real codebook file."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest
import yaml

from qualcode.nlp.mining import log_odds
from tests.conftest import CODEBOOK, REPO, Project

BOOK = """\
# A tiny codebook: this comment and the layout below must survive an edit.
codebook: {name: mine, version: "1", language: en}
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Money from government tied to vehicles.
      examples: ["We got a subsidy."]
      patterns:
        - lemma: [subsidy]   # the one rule so far
    land:
      definition: Land deals.
      examples: ["Cheap land."]
strategy:
  definition: Strategy.
  codes:
    relocation:
      definition: Moving from Shenzhen.
      examples: ["We left Shenzhen."]
"""

TRANSCRIPT = """\
Interviewer: Tell me about your plant.

Ms. Wu: The tax credits paid for half the line. We opened the plant in May.
The weather was hot that year. A tax credit from the state helped again.
Our tax credit came late. We hired forty people. The canteen serves rice.

Interviewer: And the land?

Ms. Wu: The land was cheap. The tax credit application took a month. Nothing else.
"""

UNCODED = """\
Interviewer: How was the year?

Mr. Zhao: Our tax credits came in March. We make cathodes.
"""

LOW = ("--min-z", "1")  # four coded sentences: a lower cut than the default

CODED = [
    "The tax credits paid for half the line.",
    "A tax credit from the state helped again.",
    "Our tax credit came late.",
    "The tax credit application took a month.",
]


@pytest.fixture
def wu(project: Project, tmp_path: Path) -> Project:
    book = project.load_codebook_and_import(
        tmp_path / "mine.yaml", BOOK, (tmp_path / "wu.txt", TRANSCRIPT),
        (tmp_path / "zhao.txt", UNCODED),  # nobody coded it: not mined, but suggested in
    )
    for quote in CODED:
        project.ok("code", "add", "wu", "policy.subsidies", "--quote", quote, "--coder", "wei")
    project.ok("code", "add", "wu", "policy.land", "--quote", "The land was cheap.",
               "--coder", "wei")
    project.book = book
    return project


def test_log_odds_matches_the_formula_by_hand():
    # coded {a: 2}, other {b: 2}, prior weight a0 = 4: alpha_a = 4 * 2/4 = 2,
    # delta_a = log(4 / (2 + 4 - 4)) - log(2 / (2 + 4 - 2)) = 2 log 2, var = 1/4 + 1/2
    scores = log_odds(Counter(a=2), Counter(b=2), prior_weight=4)
    delta, z = scores["a"]
    assert delta == pytest.approx(2 * math.log(2))
    assert z == pytest.approx(2 * math.log(2) / math.sqrt(0.75))
    assert set(scores) == {"a"}  # only features of the coded side are scored
    # the default weight is a twentieth of N = 4: a0 = 0.2, alpha_a = 0.1,
    # delta_a = log(2.1 / 0.1) - log(0.1 / 2.1) = 2 log 21, var = 1/2.1 + 1/0.1
    delta, z = log_odds(Counter(a=2), Counter(b=2))["a"]
    assert delta == pytest.approx(2 * math.log(21))
    assert z == pytest.approx(2 * math.log(21) / math.sqrt(1 / 2.1 + 10))


def test_the_prior_ranks_frequent_evidence_above_a_rare_one():
    # plain log-odds would put "once" (2 coded, 0 other) first; the prior shrinks it
    coded = Counter({"credit": 20, "once": 2, "the": 30})
    other = Counter({"credit": 2, "the": 300, "plant": 50})
    scores = log_odds(coded, other)
    assert scores["credit"][1] > scores["once"][1] > 0 > scores["the"][1]


def test_mine_lists_the_phrase_with_counts_and_an_example(wu: Project):
    # four coded sentences are thin evidence: at the default cut (z >= 1.96) nothing passes
    assert json.loads(wu.ok("codebook", "mine", "policy.subsidies", "--json"))["terms"] == []
    report = json.loads(wu.ok("codebook", "mine", "policy.subsidies", *LOW, "--json"))
    assert report["code"] == "policy.subsidies"
    assert report["coded_sentences"] == 4
    # respondent sentences not coded subsidies: 10 in all (7 + 3) minus the 4
    assert report["other_sentences"] == 6
    first = report["terms"][0]
    # "tax credit", "tax" and "credit" occur in all four coded sentences and nowhere else; of
    # nested terms with the same count only the longer is listed
    assert first["text"] == "tax credit"
    assert (first["coded"], first["other"]) == (4, 0)
    assert first["example"] in CODED
    texts = [t["text"] for t in report["terms"]]
    assert "plant" not in texts and "land" not in texts and "credit" not in texts
    assert "Monroe" in report["statistic"]
    table = wu.ok("codebook", "mine", "policy.subsidies", *LOW)
    assert first["text"] in table and "coded" in table


def test_add_writes_a_lemma_rule_keeping_the_file_and_suggest_uses_it(wu: Project):
    before = wu.book.read_text(encoding="utf-8")
    zhao = ("Our tax credits came in March.", "policy.subsidies")
    wu.ok("suggest")
    assert zhao not in {(r["text"], r["code"]) for r in json.loads(
        wu.ok("suggestions", "list", "--json"))}  # the rule "subsidy" does not find it
    out = wu.ok("codebook", "mine", "policy.subsidies", *LOW, "--add", "1", "--yes")
    after = wu.book.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(added) == 1 and added[0].strip().startswith("- lemma: [")
    assert "+" + added[0] in out  # the diff was shown
    # every line of the file as it was is still there, in order, comments included
    assert [line for line in after.splitlines() if line != added[0]] == before.splitlines()
    value = yaml.safe_load(after)["policy"]["codes"]["subsidies"]["patterns"][-1]["lemma"][0]
    shown = json.loads(wu.ok("codebook", "show", "--json"))
    assert shown  # the file was loaded into the project
    wu.ok("suggest")
    rows = json.loads(wu.ok("suggestions", "list", "--status", "all", "--json"))
    assert value == "tax credit"
    assert zhao in {(r["text"], r["code"]) for r in rows}
    # mined again, the added term is marked as being in the codebook and not offered again
    again = json.loads(wu.ok("codebook", "mine", "policy.subsidies", *LOW, "--json"))
    assert next(t for t in again["terms"] if t["text"] == value)["in_codebook"] is True


def test_pick_by_rank_and_text(wu: Project):
    every = ("--min-z", "0", "--min-count", "1")  # every term more common in the coded ones
    report = json.loads(wu.ok("codebook", "mine", "policy.subsidies", *every, "--json"))
    assert len(report["terms"]) >= 2
    second = report["terms"][1]["text"]
    wu.ok("codebook", "mine", "policy.subsidies", *every, "--pick", "1", "--pick", second,
          "--yes")
    rule = yaml.safe_load(wu.book.read_text(encoding="utf-8"))["policy"]["codes"][
        "subsidies"]["patterns"][-1]["lemma"]
    assert rule == [report["terms"][0]["text"], second]


def test_bad_input_is_one_line_and_changes_nothing(wu: Project):
    before = wu.snapshot()
    text = wu.book.read_text(encoding="utf-8")
    assert "unknown code 'policy.subsidy'" in wu.fails("codebook", "mine", "policy.subsidy")
    assert "no passages are coded strategy.relocation" in wu.fails(
        "codebook", "mine", "strategy.relocation")
    assert "not in the mined list" in wu.fails("codebook", "mine", "policy.subsidies", *LOW,
                                               "--pick", "weather", "--yes")
    # without --yes from a script: asked, not done
    assert "add --yes" in wu.fails("codebook", "mine", "policy.subsidies", *LOW, "--add", "1")
    wu.book.chmod(0o444)
    try:
        line = wu.fails("codebook", "mine", "policy.subsidies", *LOW, "--add", "1", "--yes")
    finally:
        wu.book.chmod(0o644)
    assert "not writable" in line and str(wu.book) in line and len(line.splitlines()) == 1
    missing = wu.book.parent / "gone.yaml"
    assert "no such codebook file" in wu.fails("codebook", "mine", "policy.subsidies", *LOW,
                                               "--add", "1", "--yes", "--codebook", str(missing))
    assert wu.book.read_text(encoding="utf-8") == text
    assert wu.snapshot() == before


def test_mined_terms_raise_recall_on_a_tuning_file_not_mined_from(project: Project,
                                                                  tmp_path: Path):
    """Mine a code from four tuning files' gold coding, add the top terms, and the lexicon finds
    more of that code's sentences in the fifth file (never read by the miner)."""
    gold_dir = REPO / "transcripts" / "public-domain-gold"
    split = yaml.safe_load((gold_dir / "split.yaml").read_text(encoding="utf-8"))
    tune = split["tune"]
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    project.ok("codebook", "load", str(book))
    real = REPO / "transcripts" / "public-domain"
    project.ok("import", *[str(real / f"{name}.txt") for name in tune])
    project.ok("codings", "import", *[str(gold_dir / f"{name}.yaml") for name in tune])
    code, left_out = MINE_CASE
    mined_from = [d for d in tune if d != left_out]

    def recall() -> float:
        report = json.loads(project.ok("evaluate", "--against", "gold", "-d", left_out,
                                       "--json"))
        score = next(s for s in report["codes"] if s["name"] == code)
        assert score["gold"] >= 5
        return score["recall"] or 0.0

    before = recall()
    args = ["codebook", "mine", code, "--by", "gold", "--add", "5", "--yes", "--json"]
    for doc in mined_from:
        args += ["-d", doc]
    added = json.loads(project.ok(*args))["added"]
    # up to five: as many as pass --min-z and --min-count in the four files' coding
    assert 3 <= len(added["values"]) <= 5 and added["path"] == str(book)
    after = recall()
    assert after >= before + 0.1, (before, after, added["values"])


# The code and the left-out tuning file of the recall test.
MINE_CASE = ("market-position.competition",
             "07_wh_2024-05-13_background_call_china_tariffs_ev_batteries")


def test_mined_terms_raise_recall_on_the_held_out_files(project: Project, tmp_path: Path):
    """Issue 7 point 5 on the held-out files. Chosen before the first run and by rule, so that
    nothing held out picks the case: the three codes with the most gold sentences in the tuning
    files are mined from all five tuning files, each gains its top five terms, and the lexicon's
    pooled recall on those codes over the four held-out files (never read by the miner) rises."""
    gold_dir = REPO / "transcripts" / "public-domain-gold"
    split = yaml.safe_load((gold_dir / "split.yaml").read_text(encoding="utf-8"))
    tune, heldout = split["tune"], split["heldout"]
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    project.ok("codebook", "load", str(book))
    real = REPO / "transcripts" / "public-domain"
    project.ok("import", *[str(real / f"{name}.txt") for name in tune + heldout])
    project.ok("codings", "import", *[str(gold_dir / f"{name}.yaml") for name in tune + heldout])
    rows = json.loads(project.ok("codings", "list", "--json"))
    counts = Counter(r["code"] for r in rows
                     if r["coder"] == "gold" and r["document"] in tune and "." in r["code"])
    codes = [code for code, _ in counts.most_common(3)]

    def pooled_recall() -> tuple[float, float]:
        args = ["evaluate", "--against", "gold", "--json"]
        for doc in heldout:
            args += ["-d", doc]
        scores = {s["name"]: s for s in json.loads(project.ok(*args))["codes"]}
        gold = sum(scores[c]["gold"] for c in codes)
        found = sum(scores[c]["true_positive"] for c in codes)
        suggested = sum(scores[c]["predicted"] for c in codes)
        assert gold >= 20  # enough held-out sentences for the figure to mean something
        return found / gold, found / suggested

    before, precision_before = pooled_recall()
    for code in codes:
        args = ["codebook", "mine", code, "--by", "gold", "--add", "5", "--yes", "--json"]
        for doc in tune:
            args += ["-d", doc]
        assert len(json.loads(project.ok(*args))["added"]["values"]) == 5
    after, precision_after = pooled_recall()
    print(f"held-out recall of {codes}: {before:.2f} -> {after:.2f} "
          f"(precision {precision_before:.2f} -> {precision_after:.2f})")
    assert after > before, (codes, before, after)
