"""The corrections to spacy-lookups-data's English lemma table (languages.LEMMA_OVERRIDES): each
holds in the lemmatizer (documents, the learned model) and in lemma rules (the suggester)."""

from __future__ import annotations

import pytest

from qualcode.domain import TextUnit
from qualcode.formats.codebook_yaml import parse_codebook
from qualcode.nlp.languages import lemma_overrides
from qualcode.nlp.patterns import make_lemmatizing_nlp
from qualcode.nlp.pipeline import build_pipeline
from qualcode.nlp.rules import lemma_forms
from qualcode.nlp.suggester import suggest

CASES = [
    ("Rent", "rent"), ("rented", "rent"), ("rents", "rent"),
    ("taxes", "tax"), ("ground", "ground"), ("developed", "develop"), ("developing", "develop"),
    ("carmakers", "carmaker"), ("gigafactories", "gigafactory"),
    ("subsidised", "subsidize"), ("subsidized", "subsidize"), ("subsidising", "subsidize"),
    ("incentivized", "incentivize"), ("incentivised", "incentivize"), ("localised", "localize"),
]


@pytest.mark.parametrize(("word", "lemma"), CASES)
def test_the_lemmatizer_uses_the_corrections(word, lemma):
    nlp = make_lemmatizing_nlp("en")
    assert [t.lemma_ for t in nlp(word)] == [lemma]


def test_the_table_itself_is_still_wrong_so_the_corrections_are_needed():
    # Without the overrides these are what the lookup table says; if spacy-lookups-data fixes
    # them, the override for that word can go.
    import spacy

    plain = spacy.blank("en")
    plain.add_pipe("lemmatizer", config={"mode": "lookup"})
    plain.initialize()
    assert [t.lemma_ for t in plain("rent taxes developed subsidised")] == [
        "rend", "taxis", "develope", "subsidise"]


def test_reverse_forms_follow_the_corrections():
    forms = lemma_forms("en")
    assert {"rent", "rents", "rented", "renting"} <= forms.forms("rent")
    assert "rent" not in forms.forms("rend")
    assert {"subsidised", "subsidized", "subsidise", "subsidize"} <= forms.forms("subsidize")
    assert "taxes" in forms.forms("tax")


def test_every_override_is_its_own_lemma_or_an_existing_one():
    forms = lemma_forms("en")
    for word, lemma in lemma_overrides("en").items():
        assert forms.lemma(word) == lemma
        assert forms.lemma(lemma) == lemma, f"{lemma} must map to itself"


CODEBOOK = """\
policy:
  definition: Public policy.
  codes:
    subsidies:
      definition: Public money.
      examples: [We got a subsidy.]
      patterns:
        - lemma: [subsidy, subsidize]
        - lemma: tax
    land:
      definition: Land and rent.
      examples: [The rent was high.]
      patterns:
        - lemma: rent
"""


def test_lemma_rules_match_the_corrected_forms():
    codebook, problems = parse_codebook(CODEBOOK, source="t.yaml")
    assert not problems
    pipe = build_pipeline(codebook)
    text = ("The plant was subsidised. We rented a hall. Taxes went up. The rend of cloth.")
    hits = list(suggest(pipe, [TextUnit(document_id=1, start=0, text=text)]))
    found = {(text[h.start:h.end], h.code) for h in hits}
    assert found == {
        ("The plant was subsidised.", "policy.subsidies"),
        ("We rented a hall.", "policy.land"),
        ("Taxes went up.", "policy.subsidies"),
    }
