"""train (from the codebook's own words, then from the coding) and `--method both`: real spaCy
pipelines, real SQLite projects, the CLI driven in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.nlp.scoring import combine
from qualcode.services.codebook import live_codebook
from qualcode.services.learning import codebook_examples, training_set
from tests.conftest import Project

BOOK = """\
codebook: {name: learn, version: "1", language: en}
policy:
  definition: Government policy toward the industry.
  examples: ["The ministry changed the rules for the whole sector."]
  codes:
    subsidies:
      definition: Money from government tied to vehicles or batteries.
      include: [grants, purchase subsidies, tax credits]
      examples: ["We got a subsidy for every car.", "The grant paid for the line."]
      patterns:
        - lemma: [subsidy, subsidise]
    land:
      definition: Land deals with the local government.
      include: [cheap land, free land]
      examples: ["Cheap land near the river.", "The city gave us land."]
      patterns:
        - phrase: cheap land
strategy:
  definition: The firm's choices of position and place.
  codes:
    relocation:
      definition: Moving production from Shenzhen to another city.
      include: [moving plants, leaving Shenzhen]
      examples: ["We left Shenzhen in 2012.", "We moved the plant to Huizhou."]
      patterns:
        - tokens: [{LOWER: left}, {LOWER: shenzhen}]
"""

TRANSCRIPT = """\
Interviewer: Tell me about the last years.

Mr. Li: The subsidies mattered a lot. We moved the plant to Huizhou in 2012.
The weather was hot. The canteen serves noodles. A grant paid for the new line.

Interviewer: Anything else?

Mr. Li: The city gave us land near the river. Our workers eat there.
The canteen opened in May. Nothing more to say.
"""

# A second interview nobody codes: what the model has learned is tried on it.
OTHER = """\
Interviewer: How is business?

Ms. Wang: Our canteen also serves rice. The subsidy came late this year.
We got cheap land from the city. Sales are flat.
"""


@pytest.fixture
def fresh(project: Project, tmp_path: Path) -> Project:
    project.load_codebook_and_import(tmp_path / "learn.yaml", BOOK,
                                     (tmp_path / "li.txt", TRANSCRIPT),
                                     (tmp_path / "wang.txt", OTHER))
    return project


def _rows(project: Project) -> list[dict]:
    return json.loads(project.ok("suggestions", "list", "--status", "all", "--json"))


def _by_span(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["text"], r["code"]): r for r in rows}


def test_codebook_examples_are_labelled_for_code_and_dimension(fresh: Project):
    with fresh.session() as session:
        rows = codebook_examples(live_codebook(session))
    by_text = {text: cats for text, cats in rows}
    grant = by_text["The grant paid for the line."]
    assert grant["policy.subsidies"] == 1.0 and grant["policy"] == 1.0
    assert grant["policy.land"] == 0.0 and grant["strategy"] == 0.0
    assert by_text["tax credits"]["policy.subsidies"] == 1.0  # an include item
    assert by_text["subsidise"]["policy.subsidies"] == 1.0  # the words of a lemma rule
    dim = by_text["The ministry changed the rules for the whole sector."]
    assert dim["policy"] == 1.0 and dim["policy.subsidies"] == 0.0
    assert "left" not in by_text and "left shenzhen" not in by_text  # token rules are not
    # then as many empty texts, negative for everything: words alone make a suggestion
    filled = [cats for text, cats in rows if text]
    assert len(rows) == 2 * len(filled) and not any(by_text[""].values())


def test_a_fresh_project_trains_on_the_codebook_and_suggests_learned(fresh: Project):
    report = json.loads(fresh.ok("train", "--json"))
    assert report["coded_sentences"] == 0 and report["codebook_examples"] >= 40
    assert {"policy.subsidies", "policy.land", "strategy.relocation", "policy"} <= set(
        report["labels"])
    out = json.loads(fresh.ok("suggest", "--method", "learned", "--json"))
    assert out["written"] >= 1
    rows = _rows(fresh)
    assert rows and all(r["method"] == "learned" for r in rows)
    got = {(r["text"], r["code"]) for r in rows}
    # nobody coded anything: the model learned these from the codebook's words alone
    assert ("We moved the plant to Huizhou in 2012.", "strategy.relocation") in got
    assert ("A grant paid for the new line.", "policy.subsidies") in got
    assert not any(text.startswith("The canteen") for text, _ in got)
    assert "no-codebook" in fresh.fails("train", "--only-codebook", "--no-codebook")


def test_coding_teaches_what_the_codebook_does_not_say(fresh: Project):
    fresh.ok("train", "--only-codebook")
    fresh.ok("suggest", "--method", "learned")
    canteen = "Our canteen also serves rice."
    assert not any(r["text"] == canteen for r in _rows(fresh))
    for quote in ("The canteen serves noodles.", "The canteen opened in May.",
                  "The weather was hot."):
        fresh.ok("code", "add", "li", "policy.land", "--quote", quote, "--coder", "wei")
    report = json.loads(fresh.ok("train", "--json"))
    assert report["coded_sentences"] == 9  # every respondent sentence of the coded document
    fresh.ok("suggest", "--method", "learned")
    assert (canteen, "policy.land") in {(r["text"], r["code"]) for r in _rows(fresh)}
    only = json.loads(fresh.ok("train", "--no-codebook", "--json"))
    assert only["codebook_examples"] == 0 and only["labels"] == ["policy", "policy.land"]


def test_judged_sentences_are_the_negatives_where_a_coder_recorded_them(fresh: Project,
                                                                          tmp_path: Path):
    gold = tmp_path / "gold.yaml"
    gold.write_text(
        "document: li\ncoder: gold\nsentences:\n"
        "  - quote: \"The subsidies mattered a lot.\"\n    codes: [policy.subsidies]\n"
        "  - quote: \"The weather was hot.\"\n    codes: []\n"
        "  - quote: \"The city gave us land near the river.\"\n    codes: [policy]\n",
        encoding="utf-8")
    fresh.ok("codings", "import", str(gold))
    with fresh.session() as session:
        sents = {s.text: s.labels for s in training_set(session)}
    assert sents == {
        "The subsidies mattered a lot.": {"policy.subsidies": 1.0, "policy": 1.0},
        "The weather was hot.": {},  # judged, no code: negative for every label
        "The city gave us land near the river.": {"policy": 1.0},  # a dimension-only label
    }


def _trained_on_canteen(fresh: Project, train: bool = True) -> None:
    for quote in ("The canteen serves noodles.", "The canteen opened in May.",
                  "The subsidies mattered a lot."):
        fresh.ok("code", "add", "li", "policy.subsidies", "--quote", quote, "--coder", "wei")
    if train:
        fresh.ok("train")


def test_both_keeps_each_methods_finds_and_combines_shared_scores(fresh: Project):
    _trained_on_canteen(fresh)
    fresh.ok("suggest", "--method", "lexicon")
    lexicon = _by_span(_rows(fresh))
    fresh.ok("suggest", "--method", "learned")
    learned = _by_span(_rows(fresh))
    fresh.ok("suggest", "--method", "both", "--threshold", "0.5")  # the model's codes from 0.5
    both = _by_span(_rows(fresh))
    assert set(both) == set(lexicon) | set(learned)
    assert all(r["method"] == "both" for r in both.values())
    canteen = ("Our canteen also serves rice.", "policy.subsidies")
    assert canteen in learned and canteen not in lexicon  # only the model finds it...
    assert both[canteen]["score"] == learned[canteen]["score"]  # ...and keeps its score
    shared = [k for k in both if k in lexicon and k in learned]
    lexicon_only = [k for k in both if k in lexicon and k not in learned]
    assert shared and lexicon_only
    for key in shared:  # documented in nlp/scoring.py: 1 - (1 - lexicon) * (1 - learned)
        expected = combine(lexicon[key]["score"], learned[key]["score"])
        assert both[key]["score"] == pytest.approx(expected, abs=1e-4)
        assert both[key]["score"] > max(lexicon[key]["score"], learned[key]["score"])
        kinds = {e["kind"] for e in both[key]["evidence"]}
        assert "learned" in kinds and len(kinds) >= 2  # evidence from both methods
    for key in lexicon_only:
        assert both[key]["score"] == lexicon[key]["score"]
    # by default `both` adds none of the model's own codes (nlp/learned.py, BOTH_THRESHOLD);
    # with this little coding the verifier judges no dimension, so it is the lexicon's finds
    fresh.ok("suggest", "--method", "both")
    assert set(_by_span(_rows(fresh))) == set(lexicon)


def test_evaluate_both_with_a_threshold_counts_the_union(fresh: Project):
    _trained_on_canteen(fresh, train=False)
    assert "qualcode train" in fresh.fails("evaluate", "--against", "wei", "--method", "both",
                                           "--trained")
    fresh.ok("train")
    # what `suggest --method both` finds in wei's document, coded spans included (a dry run
    # counts every hit)
    dry = json.loads(fresh.ok("suggest", "--method", "both", "--document", "li", "--dry-run",
                              "--threshold", "0.5", "--json"))
    reports = {m: json.loads(fresh.ok("evaluate", "--against", "wei", "--method", m,
                                      "--trained", "--threshold", "0.5", "--json"))
               for m in ("lexicon", "learned", "both")}
    sub = {m: next(s for s in r["codes"] if s["name"] == "policy.subsidies")
           for m, r in reports.items()}
    assert sub["both"]["predicted"] == sum(dry["by_code_case"]["policy.subsidies"].values())
    assert sub["both"]["predicted"] >= max(sub["lexicon"]["predicted"],
                                           sub["learned"]["predicted"])
    assert sub["both"]["true_positive"] >= max(sub["lexicon"]["true_positive"],
                                               sub["learned"]["true_positive"])
    # the model learned from this very document: the report says so
    assert any("not a fair test" in n for n in reports["both"]["notes"])
    assert all("not a fair test" not in n for n in reports["lexicon"]["notes"])


def test_train_bad_input_is_one_line_and_changes_nothing(fresh: Project):
    before = fresh.snapshot()
    assert "no coder" in fresh.fails("train", "--by", "nobody")
    assert "no document named 'nothing-here'" in fresh.fails("train", "-d", "nothing-here")
    assert "not enough coding" in fresh.fails("train", "--no-codebook")
    assert fresh.snapshot() == before
