"""Lexicon suggestions: run the pipeline over text units and turn span_ruler matches into hits.

A hit covers the sentence a match is in (or the whole unit, unit="turn"), in document offsets, so
the coder sees a readable passage rather than a two-word fragment. All matches of one code in one
sentence become one hit whose evidence lists every match: one suggestion to accept or reject, with
all the reasons shown. Units stream through nlp.pipe and each doc is dropped once its hits are out,
so memory stays flat however large the corpus.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from spacy.tokens import Doc, Span

from qualcode.domain import SuggestionHit, TextUnit
from qualcode.nlp.pipeline import RULER, SENTENCIZER, SPANS_KEY, SuggestPipeline
from qualcode.nlp.rules import TOKEN_RULES
from qualcode.nlp.scoring import lexicon_score

UNITS = ("sentence", "turn")


_SPACES = str.maketrans({c: " " for c in "\n\r\t\f\v"})


def check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")


def suggest(pipe: SuggestPipeline, units: Iterable[TextUnit], *, unit: str = "sentence",
            batch_size: int = 64, progress: Callable[[int], None] | None = None
            ) -> Iterator[SuggestionHit]:
    """Lexicon hits for every unit, unit by unit, in document order within a unit."""
    check_unit(unit)
    # Line breaks become spaces of the same length, so offsets hold and a phrase still matches
    # across a hard-wrapped line; evidence text is always read from the original.
    disable = [SENTENCIZER] if pipe.lazy_sentences else []
    docs = pipe.nlp.pipe(((u.text.translate(_SPACES), u) for u in units), as_tuples=True,
                         batch_size=batch_size, disable=disable)
    for done, (doc, text_unit) in enumerate(docs, start=1):
        yield from hits_from_doc(pipe, text_unit, doc, unit=unit)
        if progress is not None:
            progress(done)


def sentences(pipe: SuggestPipeline, units: Iterable[TextUnit], *, batch_size: int = 64
              ) -> Iterator[tuple[int, int, int]]:
    """(document_id, start, end) of every sentence of the units, trimmed, in document offsets."""
    for text_unit, start, end in unit_sentences(pipe, units, batch_size=batch_size):
        yield text_unit.document_id, text_unit.start + start, text_unit.start + end


def unit_sentences(pipe: SuggestPipeline, units: Iterable[TextUnit], *, batch_size: int = 64
                   ) -> Iterator[tuple[TextUnit, int, int]]:
    """(unit, start, end) of every non-blank sentence, trimmed, in offsets into the unit's text.
    The span_ruler is skipped: sentence boundaries do not depend on it."""
    docs = pipe.nlp.pipe(((u.text, u) for u in units), as_tuples=True, batch_size=batch_size,
                         disable=[RULER, TOKEN_RULES])
    for doc, text_unit in docs:
        for sent in doc.sents:
            start, end = trimmed(text_unit.text, sent.start_char, sent.end_char)
            if start < end:
                yield text_unit, start, end


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """start/end moved inwards past whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def hits_from_doc(pipe: SuggestPipeline, text_unit: TextUnit, doc: Doc, *, unit: str
                  ) -> list[SuggestionHit]:
    """The hits for one unit from a doc the span_ruler has already run on."""
    spans = doc.spans[SPANS_KEY] if SPANS_KEY in doc.spans else ()
    if not spans:
        return []
    if unit == "sentence" and pipe.lazy_sentences:
        doc = pipe.nlp.get_pipe(SENTENCIZER)(doc)
    region_of = _turn_region if unit == "turn" else _SentenceRegions(doc)
    grouped: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
    for span in spans:
        start, end = trimmed(text_unit.text, *region_of(span))
        grouped.setdefault((start, end, span.label_), []).append(_evidence(pipe, text_unit, span))
    hits = []
    for (start, end, code), evidence in sorted(grouped.items()):
        evidence = _distinct(evidence)
        hits.append(SuggestionHit(
            document_id=text_unit.document_id, start=text_unit.start + start,
            end=text_unit.start + end, code=code, score=lexicon_score(evidence),
            method="lexicon", unit=unit, evidence=evidence))
    return hits


def _turn_region(span: Span) -> tuple[int, int]:
    return 0, len(span.doc.text)


class _SentenceRegions:
    """Character bounds of the sentence(s) a span lies in; built once per doc that has matches."""

    def __init__(self, doc: Doc):
        self._sents = list(doc.sents)
        self._starts = [sent.start for sent in self._sents]

    def __call__(self, span: Span) -> tuple[int, int]:
        first = self._sents[bisect_right(self._starts, span.start) - 1]
        # A token pattern may run over a sentence boundary; the hit then covers both sentences.
        last = self._sents[bisect_right(self._starts, max(span.end - 1, span.start)) - 1]
        return first.start_char, last.end_char


def _evidence(pipe: SuggestPipeline, text_unit: TextUnit, span: Span) -> dict[str, Any]:
    text = text_unit.text[span.start_char:span.end_char]
    return {"rule": span.id_, "kind": pipe.kind_of(span.id_), "text": text,
            "start": text_unit.start + span.start_char, "end": text_unit.start + span.end_char}


def _distinct(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per (rule, start, end), sorted; a match inside a longer match of the same rule
    (a pattern with "?" or "+" matches both "cell" and "cell line") is dropped as a repeat."""
    unique = {(e["rule"], e["start"], e["end"]): e for e in evidence}
    kept = [e for e in unique.values()
            if not any(o is not e and o["rule"] == e["rule"] and o["start"] <= e["start"]
                       and e["end"] <= o["end"] for o in unique.values())]
    return sorted(kept, key=lambda e: (e["start"], e["end"], e["rule"]))
