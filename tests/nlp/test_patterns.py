"""Codebook patterns checked by spaCy and run through a real span_ruler."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from qualcode.domain import Codebook, CodeDef, PatternDef
from qualcode.formats.codebook_yaml import load_codebook, parse_codebook
from qualcode.nlp.patterns import (
    check_patterns,
    has_lookup_lemmas,
    make_lemmatizing_nlp,
    patterns_for_span_ruler,
)

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "codebooks" / "nev_battery_value_chain.yaml"

SMALL = """\
codebook:
  name: Small
strategy:
  definition: Where the firm stands.
  codes:
    relocation:
      definition: Moving production.
      examples: [We moved.]
      patterns:
        - phrase: moved from shenzhen
        - lemma: relocate factory
        - tokens: [{LOWER: land}, {LEMMA: cost}]
        - phrase: 搬迁
          lang: zh
policy:
  definition: Public policy.
  codes:
    subsidies:
      definition: Purchase subsidies.
      examples: [The subsidies ended.]
      patterns:
        - lemma: [subsidy, subsidise]
"""


def parsed(text: str) -> Codebook:
    codebook, problems = parse_codebook(text)
    assert problems == [], [p.one_line() for p in problems]
    return codebook


def ruler_nlp(codebook: Codebook, lang: str = "en"):
    nlp = make_lemmatizing_nlp(lang)
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "found"})
    ruler.add_patterns(patterns_for_span_ruler(codebook, lang=lang))
    return nlp


def found(nlp, text: str) -> list[tuple[str, str, str]]:
    doc = nlp(text)  # kept in a name: spans need their Doc alive
    return [(span.text, span.label_, span.id_) for span in doc.spans["found"]]


# -- lemmas --------------------------------------------------------------------------------------


def test_lookup_lemmas_of_subsidy_forms():
    nlp = make_lemmatizing_nlp("en")
    assert has_lookup_lemmas(nlp)
    lemmas = [t.lemma_ for t in nlp("Subsidies subsidies subsidised subsidising")]
    # The noun and the verb have different lemmas, which is why a lemma pattern can list
    # variants; British and American spellings of the verb share one (languages.LEMMA_OVERRIDES).
    # A capitalised word is found through its lowercase.
    assert lemmas == ["subsidy", "subsidy", "subsidize", "subsidize"]


def test_language_without_lookup_table_falls_back_to_lowercase_words():
    nlp = make_lemmatizing_nlp("zh")
    assert not has_lookup_lemmas(nlp)
    # zh is segmented into words by jieba (not per character); lemmas are the lowercase words
    assert [t.lemma_ for t in nlp("BMS政府补贴")] == ["bms", "政府", "补贴"]


# -- span_ruler patterns -------------------------------------------------------------------------


def test_span_ruler_patterns_shape():
    patterns = patterns_for_span_ruler(parsed(SMALL), lang="en")
    first = patterns[0]
    assert first["label"] == "strategy.relocation" and first["id"] == "strategy.relocation#1"
    words = [t for t in first["pattern"] if "LOWER" in t]
    assert words == [{"LOWER": "moved"}, {"LOWER": "from"}, {"LOWER": "shenzhen"}]
    lemma = patterns[1]["pattern"]
    assert [t for t in lemma if "LEMMA" in t] == [{"LEMMA": "relocate"}, {"LEMMA": "factory"}]
    assert patterns[2]["pattern"] == [{"LOWER": "land"}, {"LEMMA": "cost"}]
    # variants give one pattern each under the same rule id
    assert [p["id"] for p in patterns[3:]] == ["policy.subsidies#1", "policy.subsidies#1"]
    # the zh rule is not in the English list
    assert all(p["id"] != "strategy.relocation#4" for p in patterns)


def test_span_ruler_finds_phrases_case_insensitively_and_lemmas_inflected():
    nlp = ruler_nlp(parsed(SMALL))
    spans = found(nlp, "We MOVED FROM Shenzhen because of land costs, so we relocated factories.")
    assert ("MOVED FROM Shenzhen", "strategy.relocation", "strategy.relocation#1") in spans
    assert ("land costs", "strategy.relocation", "strategy.relocation#3") in spans
    assert ("relocated factories", "strategy.relocation", "strategy.relocation#2") in spans
    subsidy = found(nlp, "Subsidies were cut, and the line was subsidised.")
    assert [(text, rule) for text, _, rule in subsidy] == [
        ("Subsidies", "policy.subsidies#1"), ("subsidised", "policy.subsidies#1")]
    assert found(nlp, "We moved to Shenzhen.") == []


def test_phrase_matches_across_a_line_break():
    nlp = ruler_nlp(parsed(SMALL))
    spans = found(nlp, "we moved from\nShenzhen in 2012")
    assert [s[0] for s in spans] == ["moved from\nShenzhen"]


def test_chinese_phrase_patterns_match_chinese_text():
    nlp = ruler_nlp(parsed(SMALL), lang="zh")
    assert found(nlp, "我们2012年搬迁到惠州。") == [
        ("搬迁", "strategy.relocation", "strategy.relocation#4")]


def test_bundled_codebook_examples_are_found_by_their_own_code():
    codebook = load_codebook(BUNDLED)
    nlp = ruler_nlp(codebook)
    for code in codebook.codes:
        for example in code.examples:
            labels = {label for _, label, _ in found(nlp, example)}
            assert code.key in labels, (code.key, example)


# -- checking ------------------------------------------------------------------------------------


def test_bundled_codebook_patterns_pass_spacy_validation():
    assert check_patterns(load_codebook(BUNDLED)) == []


@pytest.mark.parametrize("tokens, reason", [
    ('[{LOWR: "x"}]', "token 1 LOWR: Extra inputs are not permitted"),
    ('[{LOWER: x}, {OP: "!!"}]', "token 2 OP: Input should be"),
    ('[{LEMMA: {REGEX: "("}}]', "missing )"),
    ("[{LEMMA: Factories}]", "LEMMA 'Factories' never matches (its lemma is 'factory')"),
    ("[{LEMMA: {IN: [land, manufacturing]}}]", "LEMMA 'manufacturing' never matches"),
])
def test_invalid_token_pattern_is_one_line_with_key_and_line(tokens, reason):
    text = SMALL.replace("[{LOWER: land}, {LEMMA: cost}]", tokens)
    problems = check_patterns(parsed(text))
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.key, problem.line) == ("strategy.relocation", 12)
    assert problem.message.startswith("pattern #3: ") and reason in problem.message
    assert "\n" not in problem.one_line() and "Traceback" not in problem.message


def test_empty_phrase_after_tokenisation_and_unknown_language():
    # Codebooks can come from a database, not only from YAML, so these are checked again here.
    code = CodeDef(key="d.c", name="C", dimension="d", parent="d", definition="x", patterns=(
        PatternDef("phrase", "   ", "en", 5, "d.c#1"),
        PatternDef("lemma", ("cost", "\n"), "en", 6, "d.c#2"),
        PatternDef("phrase", "x", "qq", 7, "d.c#3"),
        PatternDef("phrase", "y", "qq", 8, "d.c#4"),
    ))
    dim = CodeDef(key="d", name="D", dimension="d", parent=None, definition="x",
                  is_dimension=True)
    book = Codebook(name="b", version="1", language="en", languages=("en", "qq"),
                    codes=[dim, code])
    problems = [(p.line, p.message) for p in check_patterns(book)]
    assert problems == [
        (5, "pattern #1: the phrase '   ' has no words once tokenised"),
        (6, "pattern #2: the lemma '\\n' has no words once tokenised"),
        (7, "spaCy has no language 'qq' (used by 2 pattern(s))"),
    ]


def test_every_rule_reaches_a_validating_span_ruler():
    # nothing is dropped on the way, and span_ruler's own validation accepts every pattern
    codebook = load_codebook(BUNDLED)
    patterns = patterns_for_span_ruler(codebook, lang="en")
    english = {p.rule_id for c in codebook.codes for p in c.patterns if p.language == "en"}
    assert {p["id"] for p in patterns} == english
    ruler = spacy.blank("en").add_pipe("span_ruler", config={"validate": True})
    ruler.add_patterns(patterns)
    assert len(ruler.patterns) == len(patterns)
