"""Cached analyses: restored docs + the span_ruler give exactly what the full pipeline gives."""

from __future__ import annotations

import dataclasses

import pytest

from qualcode.domain import TextUnit
from qualcode.nlp.doc_cache import analyse, restore, suggest_from_docs
from qualcode.nlp.pipeline import SPANS_KEY, build_pipeline
from qualcode.nlp.suggester import suggest


@pytest.mark.parametrize("unit", ["sentence", "turn"])
def test_restored_docs_give_the_same_hits_as_suggest(bundled_pipe, demo, unit):
    units = [u for doc in demo for u in doc.units]
    expected = list(suggest(bundled_pipe, units, unit=unit))
    restored = restore(bundled_pipe, analyse(bundled_pipe, units))
    assert len(restored) == len(units)
    assert list(suggest_from_docs(bundled_pipe, units, restored, unit=unit)) == expected
    assert len(expected) > 100


def test_cache_holds_no_matches_and_keeps_lemmas_and_sentences(bundled_pipe, demo):
    units = demo[0].units
    restored = restore(bundled_pipe, analyse(bundled_pipe, units))
    fresh = list(bundled_pipe.nlp.pipe(u.text for u in units))
    assert all(SPANS_KEY not in doc.spans for doc in restored)
    for old, new in zip(fresh, restored, strict=True):
        assert [t.lemma_ for t in old] == [t.lemma_ for t in new]
        assert [s.text for s in old.sents] == [s.text for s in new.sents]


def test_cache_survives_a_codebook_change(bundled_codebook, make_codebook, demo):
    # analyse once, then a different codebook with the same pipeline_key reuses the bytes.
    units = [u for doc in demo[:3] for u in doc.units]
    data = analyse(build_pipeline(bundled_codebook), units)
    smaller = dataclasses.replace(bundled_codebook, sha256=None,
                                  codes=bundled_codebook.codes[: len(bundled_codebook.codes) // 2])
    pipe = build_pipeline(smaller)
    assert pipe.pipeline_key == build_pipeline(bundled_codebook).pipeline_key
    assert list(suggest_from_docs(pipe, units, restore(pipe, data))) == list(suggest(pipe, units))


def test_stale_or_short_cache_is_refused(make_codebook):
    pipe = build_pipeline(make_codebook({"cost": ["lemma: wage"]}))
    units = [TextUnit(1, 0, "Wages rose."), TextUnit(1, 20, "Land was cheap.")]
    docs = restore(pipe, analyse(pipe, units))
    with pytest.raises(ValueError, match="differ in number"):
        list(suggest_from_docs(pipe, units, docs[:1]))
    changed = [units[0], TextUnit(1, 20, "Land was dear.")]
    with pytest.raises(ValueError, match="does not hold its unit's text"):
        list(suggest_from_docs(pipe, changed, docs))
