"""Dimension cues, veto patterns and negation in the suggester (issue 7), on real pipelines."""

from __future__ import annotations

import pytest

from qualcode.domain import TextUnit
from qualcode.formats.codebook_yaml import parse_codebook
from qualcode.nlp.pipeline import build_pipeline
from qualcode.nlp.scoring import NEGATED_FACTOR, lexicon_score
from qualcode.nlp.suggester import suggest

CODEBOOK = """\
codebook:
  name: cues
  negation: {default}
strategy:
  definition: Firm decisions.
  patterns:
    - lemma: expansion
  codes:
    relocation:
      definition: Moving production.
      examples: [We relocated the plant.]
      patterns:
        - lemma: relocate
        - phrase: 搬迁
          lang: zh
policy:
  definition: Public policy.
  patterns:
    - lemma: law
  veto:
    - lemma: [road, bridge]
  codes:
    subsidies:
      definition: Public money.
      examples: [We got a subsidy.]
      negation: drop
      patterns:
        - lemma: [subsidy, subsidize]
        - lemma: grant
          negation: ignore
    tariffs:
      definition: Duties on imports.
      examples: [Tariffs went up.]
      patterns:
        - lemma: tariff
      veto:
        - phrase: just kidding
"""


def hits_of(text: str, default: str = "lower", lang: str = "en"):
    codebook, problems = parse_codebook(CODEBOOK.format(default=default), source="c.yaml")
    assert not problems
    pipe = build_pipeline(codebook, lang=lang)
    unit = TextUnit(document_id=1, start=0, text=text, language=lang)
    return {(text[h.start:h.end], h.code): h for h in suggest(pipe, [unit])}


def test_a_dimension_cue_alone_gives_a_dimension_level_hit():
    hits = hits_of("The expansion is on track.")
    assert list(hits) == [("The expansion is on track.", "strategy")]


def test_a_dimension_cue_gives_way_to_a_code_of_its_dimension():
    hits = hits_of("We relocated for the expansion.")
    assert list(hits) == [("We relocated for the expansion.", "strategy.relocation")]


def test_a_cue_of_another_dimension_stays():
    hits = hits_of("The law made us relocate.")
    assert set(hits) == {("The law made us relocate.", "policy"),
                         ("The law made us relocate.", "strategy.relocation")}


def test_a_dimension_veto_cancels_its_cue_and_its_codes_in_that_sentence_only():
    text = "The law pays for roads and subsidies. The law helps."
    hits = hits_of(text)
    assert list(hits) == [("The law helps.", "policy")]


def test_a_code_veto_cancels_that_code_only():
    hits = hits_of("Tariffs on relocated plants, just kidding.")
    assert list(hits) == [("Tariffs on relocated plants, just kidding.", "strategy.relocation")]


@pytest.mark.parametrize("text", [
    "We did not relocate.", "We didn't relocate.", "We never really had to relocate.",
    "We no longer relocate plants.", "Nobody could relocate without a plan, not now."])
def test_a_negated_match_is_lowered(text):
    (key, hit), = hits_of(text).items()
    if text.startswith("Nobody"):  # "without a plan" follows the match: not a negation of it
        assert hit.score == lexicon_score(hit.evidence)
        return
    assert key[1] == "strategy.relocation"
    assert hit.evidence[0]["negated"] is True
    assert hit.score == round(0.45 * NEGATED_FACTOR, 4)


@pytest.mark.parametrize("text", [
    "We not only relocated, we grew.", "It was not easy, but we relocated.",
    "No, we relocated in 2012.", "We relocated."])
def test_no_negation_where_the_cue_does_not_govern_the_match(text):
    (key, hit), = hits_of(text).items()
    assert "negated" not in hit.evidence[0]
    assert hit.score == 0.45


def test_negation_drop_removes_the_hit_and_ignore_keeps_it_whole():
    assert hits_of("We did not get subsidies.") == {}
    (key, hit), = hits_of("We did not get a grant.").items()
    assert key[1] == "policy.subsidies" and hit.score == 0.45
    assert "negated" not in hit.evidence[0]


def test_a_hit_with_one_live_match_is_scored_on_the_live_matches():
    (key, hit), = hits_of("There was no subsidy, just a grant.").items()
    assert [e.get("negated", False) for e in hit.evidence] == [True, False]
    assert hit.score == 0.45


def test_the_codebook_default_applies_where_no_code_says_otherwise():
    assert hits_of("We did not relocate.", default="drop") == {}
    (key, hit), = hits_of("We did not relocate.", default="ignore").items()
    assert hit.score == 0.45


def test_chinese_negation():
    (key, hit), = hits_of("我们没有搬迁。", lang="zh").items()
    assert key[1] == "strategy.relocation" and hit.evidence[0]["negated"] is True
    (key, hit), = hits_of("我们搬迁了。", lang="zh").items()
    assert "negated" not in hit.evidence[0]
