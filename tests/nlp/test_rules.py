"""Compiled rules: lemma rules as word forms, LEMMA conditions rewritten, anchors; and the proof
that compiling changes speed, not results: the same spans as a plain span_ruler over lookup
lemmas, on the whole demo corpus."""

from __future__ import annotations

from qualcode.domain import TextUnit
from qualcode.nlp.patterns import make_lemmatizing_nlp, patterns_for_span_ruler
from qualcode.nlp.pipeline import RULER, SPANS_KEY
from qualcode.nlp.rules import _anchors, _rewrite_token, lemma_forms
from qualcode.nlp.suggester import _SPACES


def test_lemma_forms_invert_the_lookup_table():
    forms = lemma_forms("en")
    assert forms.lemma("subsidies") == "subsidy"
    assert {"subsidy", "subsidies"} <= forms.forms("subsidy")
    assert forms.lemma("Factories") == "factory"
    assert lemma_forms("zh") is None  # no table: lemma rules match the listed words


def test_lemma_conditions_become_lower_word_lists():
    forms = lemma_forms("en")
    rewritten = _rewrite_token({"LEMMA": {"IN": ["move", "factory"]}, "OP": "?"}, forms)
    assert rewritten["OP"] == "?"
    assert {"moved", "moves", "move", "factories", "factory"} <= set(rewritten["LOWER"]["IN"])
    assert "LEMMA" not in rewritten
    kept = {"LEMMA": {"REGEX": "^sub"}}
    assert _rewrite_token(kept, forms) == kept  # cannot be rewritten without changing meaning


def test_anchors_skip_optional_tokens_and_stop_words():
    stop = {"to", "the", "our"}
    pattern = [{"LOWER": {"IN": ["ncm", "nca"]}, "OP": "?"}, {"LOWER": "to"},
               {"LOWER": {"IN": ["811", "622"]}}, {"IS_ALPHA": True, "OP": "{0,3}"}]
    assert _anchors(pattern, stop) == (frozenset({"811", "622"}),)
    assert _anchors([{"IS_ALPHA": True}], stop) == ()


def _reference_spans(codebook, units):
    """Every rule as a token pattern on a span_ruler over lookup lemmas: slow, obviously right."""
    nlp = make_lemmatizing_nlp("en")
    ruler = nlp.add_pipe(RULER, config={"spans_key": SPANS_KEY})
    ruler.add_patterns(patterns_for_span_ruler(codebook, lang="en"))
    found = set()
    for unit in units:
        doc = nlp(unit.text)
        found |= {(unit.start + s.start_char, unit.start + s.end_char, s.label_, s.id_)
                  for s in doc.spans[SPANS_KEY]}
    return found


def test_compiled_rules_find_the_same_spans_as_the_plain_span_ruler(bundled_codebook,
                                                                     bundled_pipe, demo):
    units = [u for d in demo if d.language == "en" for u in d.units]
    assert len(units) > 100
    compiled = set()
    for unit in units:
        doc = bundled_pipe.nlp(unit.text.translate(_SPACES))
        compiled |= {(unit.start + s.start_char, unit.start + s.end_char, s.label_, s.id_)
                     for s in doc.spans[SPANS_KEY]}
    reference = _reference_spans(bundled_codebook, units)
    assert len(reference) > 200
    assert compiled == reference


def test_phrases_still_match_across_a_hard_wrapped_line(make_codebook):
    from qualcode.nlp.pipeline import build_pipeline
    from qualcode.nlp.suggester import suggest

    pipe = build_pipeline(make_codebook({"a": ["phrase: cheap land"]}))
    text = "The city offered cheap\nland near the river."
    hits = list(suggest(pipe, [TextUnit(document_id=1, start=10, text=text)]))
    assert [(h.code, h.evidence[0]["text"]) for h in hits] == [("strategy.a", "cheap\nland")]


def test_word_list_token_patterns_become_phrases_and_others_do_not():
    import spacy

    from qualcode.nlp.rules import _phrases_of

    nlp = spacy.blank("en")
    lists = [{"LOWER": {"IN": ["ncm", "nca"]}, "OP": "?"}, {"LOWER": {"IN": ["811", "622"]}}]
    assert _phrases_of(lists, nlp) == ["622", "811", "nca 622", "nca 811", "ncm 622", "ncm 811"]
    assert _phrases_of([{"LOWER": "land"}, {"IS_ALPHA": True, "OP": "?"}], nlp) is None
    assert _phrases_of([{"LOWER": {"IN": ["e-bus"]}}], nlp) is None  # not one token
    assert _phrases_of([{"LOWER": "land", "OP": "+"}], nlp) is None
    assert _phrases_of([{"LOWER": "own"}, {"OP": "?"}, {"LOWER": "chain"}], nlp) is None


def test_an_optional_wildcard_between_lemmas_builds_and_matches(make_codebook_yaml):
    """A bare `{OP: "?"}` token (any one word, or none) between lemma tokens: the lemmas are
    rewritten into word lists, and the rule must stay a token rule rather than crash the build."""
    from qualcode.nlp.pipeline import build_pipeline
    from qualcode.nlp.suggester import suggest

    book = make_codebook_yaml("""
strategy:
  name: Strategy
  definition: Choices.
  codes:
    chain:
      name: Chain
      definition: Owning the chain.
      patterns:
        - tokens: [{LEMMA: own}, {LOWER: the}, {LOWER: whole}, {OP: "?"}, {LEMMA: chain}]
""")
    pipe = build_pipeline(book)
    for text, found in (("We would rather own the whole value chain.", ["strategy.chain"]),
                        ("They owned the whole chain.", ["strategy.chain"]),
                        ("We own the whole big supply chain.", [])):
        hits = suggest(pipe, [TextUnit(document_id=1, start=0, text=text)])
        assert [h.code for h in hits] == found, text
