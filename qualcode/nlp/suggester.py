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

from qualcode.domain import VETO_LABEL, SuggestionHit, TextUnit
from qualcode.nlp.languages import NEGATION_WINDOW, negation_words
from qualcode.nlp.pipeline import RULER, SENTENCIZER, SPANS_KEY, SuggestPipeline
from qualcode.nlp.rules import TOKEN_RULES
from qualcode.nlp.scoring import hit_score
from qualcode.nlp.segment import trimmed

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


def hits_from_doc(pipe: SuggestPipeline, text_unit: TextUnit, doc: Doc, *, unit: str
                  ) -> list[SuggestionHit]:
    """The hits for one unit from a doc the span_ruler has already run on.

    Within one region (sentence or turn): a veto match of a code or dimension cancels the hits of
    that code (or dimension) and of the codes under it; a match under a negation is marked
    `negated` and scored as its rule's `negation` setting says (scoring.hit_score); a dimension's
    own patterns (its cues) give a dimension-level hit only where no code of that dimension is
    suggested."""
    spans = doc.spans[SPANS_KEY] if SPANS_KEY in doc.spans else ()
    if not spans:
        return []
    if unit == "sentence" and pipe.lazy_sentences:
        doc = pipe.nlp.get_pipe(SENTENCIZER)(doc)
    region_of = _turn_region if unit == "turn" else _SentenceRegions(doc)
    negation = negation_words(pipe.lang)
    grouped: dict[tuple[int, int, str], list[dict[str, Any]]] = {}
    vetoed: dict[tuple[int, int], set[str]] = {}
    for span in spans:
        start, end = trimmed(text_unit.text, *region_of(span))
        label = span.label_
        if label.startswith(VETO_LABEL):
            vetoed.setdefault((start, end), set()).add(label[len(VETO_LABEL):])
            continue
        item = _evidence(pipe, text_unit, span)
        if (negation is not None and pipe.negation_of(span.id_) != "ignore"
                and _negated(doc, span.start, negation)):
            item["negated"] = True
        grouped.setdefault((start, end, label), []).append(item)
    scored = []
    for (start, end, code), evidence in sorted(grouped.items()):
        if any(code == key or code.startswith(key + ".") for key in vetoed.get((start, end), ())):
            continue
        evidence = _distinct(evidence)
        score = hit_score(evidence, pipe.negation_of)
        if score is not None:
            scored.append((start, end, code, score, evidence))
    coded = {(start, end, pipe.dimension_of.get(code)) for start, end, code, _, _ in scored
             if pipe.dimension_of.get(code, code) != code}
    return [
        SuggestionHit(
            document_id=text_unit.document_id, start=text_unit.start + start,
            end=text_unit.start + end, code=code, score=score, method="lexicon", unit=unit,
            evidence=evidence)
        for start, end, code, score, evidence in scored
        if pipe.dimension_of.get(code) != code or (start, end, code) not in coded
    ]


def _negated(doc: Doc, start: int, negation: dict[str, frozenset[str]]) -> bool:
    """Whether a negation cue stands within NEGATION_WINDOW words before token `start`, in the
    same sentence and clause (see languages.NEGATION)."""
    cues, not_after, breaks = negation["cues"], negation["not_after"], negation["breaks"]
    seen = 0
    i = start - 1
    while i >= 0 and seen < NEGATION_WINDOW:
        token = doc[i]
        if token.is_space:
            i -= 1
            continue
        if token.is_punct or token.lower_ in breaks:
            return False
        if token.lower_ in cues:
            following = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if following not in not_after:
                return True
        if token.is_sent_start:
            return False
        seen += 1
        i -= 1
    return False


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
