"""Keyword in context over the transcripts, and coding the hits.

Three ways to match, all inside speaker turns (speaker labels are not searched, and a hit never
runs from one turn into the next):
- plain: case-insensitive and typography-loose (qualcode.typography: curly or straight quotes,
  any dash, full- or half-width forms; any run of whitespace in the query matches any run in the
  text, so a phrase is found across a line break), and whole words: "rent" is not found in
  "different" (with --code that would have coded it), while a "*" at either end lets the word
  go on, "tariff*" finds "tariffs"; Chinese is found anywhere;
- regex: a Python regular expression, as written (add (?i) to ignore case);
- lemma: the query's lemmas against the words' lemmas, in order (spaCy lookup lemmas, the same
  as the codebook's lemma patterns), so "subsidy cut" finds "Subsidy cuts" and "subsidies cut".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain import INTERVIEWER, RESPONDENT
from qualcode.errors import ConflictError, QualcodeError
from qualcode.services import lookup
from qualcode.services.coding import CodingRow, add_coding
from qualcode.storage.models import Case, Document, Turn
from qualcode.typography import has_wide_forms, words_pattern

MODES = ("plain", "regex", "lemma")
ROLES = (RESPONDENT, INTERVIEWER, "any")
CODE_UNITS = ("hit", "sentence", "turn")


@dataclass
class Hit:
    case: str | None
    document: str
    turn: int | None
    speaker: str | None
    role: str | None
    start: int
    end: int
    left: str
    match: str
    right: str


@dataclass
class _Stretch:
    """A piece of a document searched as one: a turn, or the whole text if it has no turns."""

    document_id: int
    document: str
    case: str | None
    language: str
    turn: int | None
    speaker: str | None
    role: str | None
    start: int
    end: int


def _stretches(session: Session, *, case: str | None, document: str | None,
               speaker_role: str) -> tuple[list[_Stretch], dict[int, str]]:
    if speaker_role not in ROLES:
        raise QualcodeError(f"unknown speaker role {speaker_role!r}",
                            hint="one of " + ", ".join(ROLES))
    query = (select(Document.id, Document.name, Document.text, Document.language, Case.name)
             .outerjoin(Case, Document.case_id == Case.id).order_by(Document.name))
    if case is not None:
        query = query.where(Document.case_id == lookup.case(session, case).id)
    if document is not None:
        query = query.where(Document.id == lookup.document(session, document).id)
    docs = session.execute(query).all()
    texts = {d.id: d.text for d in docs}
    turns: dict[int, list] = defaultdict(list)
    query = select(Turn.document_id, Turn.number, Turn.speaker, Turn.role, Turn.start, Turn.end)
    if len(docs) < 50:  # a long IN list costs more than reading every turn
        query = query.where(Turn.document_id.in_(texts))
    for t in session.execute(query.order_by(Turn.document_id, Turn.start)):  # rows, not objects
        if t.document_id in texts:
            turns[t.document_id].append(t)
    out = []
    for doc_id, name, text, language, case_name in docs:
        if not turns[doc_id]:
            if speaker_role == "any":
                out.append(_Stretch(doc_id, name, case_name, language or "en", None, None, None,
                                    0, len(text)))
            continue
        for t in turns[doc_id]:
            if speaker_role == "any" or t.role == speaker_role:
                out.append(_Stretch(doc_id, name, case_name, language or "en", t.number,
                                    t.speaker, t.role, t.start, t.end))
    return out, texts


def _pattern(query: str, mode: str) -> re.Pattern[str]:
    if mode == "regex":
        try:
            return re.compile(query)
        except re.error as exc:
            raise QualcodeError(f"invalid regular expression {query!r}: {exc}",
                                hint="check brackets and escapes, or search without --regex"
                                ) from None
    return words_pattern(query)


def _spans(stretches: list[_Stretch], texts: dict[int, str], query: str, mode: str
           ) -> list[list[tuple[int, int]]]:
    """For each stretch, its matches as document offsets."""
    if mode == "plain":  # no anchors in a plain query: search the text in place, no copies
        # full-width variants only for the documents that have full-width forms at all
        wide = {doc_id for doc_id, text in texts.items() if has_wide_forms(text)}
        patterns = {True: words_pattern(query), False: words_pattern(query, wide=False)}
        return [[(m.start(), m.end()) for m in
                 patterns[s.document_id in wide].finditer(texts[s.document_id], s.start, s.end)
                 if m.end() > m.start()]
                for s in stretches]
    pieces = [texts[s.document_id][s.start:s.end] for s in stretches]
    if mode != "lemma":
        pattern = _pattern(query, mode)
        return [[(s.start + m.start(), s.start + m.end()) for m in pattern.finditer(piece)
                 if m.end() > m.start()]  # an empty match cannot be shown or coded
                for s, piece in zip(stretches, pieces, strict=True)]
    from qualcode.nlp.segment import lemma_matches, query_lemmas  # spaCy only for --lemma

    out: list[list[tuple[int, int]]] = [[] for _ in stretches]
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(stretches):
        by_language[s.language].append(i)
    for language, indices in by_language.items():
        lemmas = query_lemmas(query, language)
        if not lemmas:
            raise QualcodeError(f"the query {query!r} has no words to lemmatise")
        found = lemma_matches([pieces[i] for i in indices], lemmas, language)
        for i, spans in zip(indices, found, strict=True):
            out[i] = [(stretches[i].start + a, stretches[i].start + b) for a, b in spans]
    return out


def search(
    session: Session,
    query: str,
    *,
    mode: str = "plain",
    context: int = 60,
    case: str | None = None,
    document: str | None = None,
    speaker_role: str = "any",
) -> list[Hit]:
    """Every occurrence of `query` in the transcripts (see the module docstring for the modes),
    in document and text order, with up to `context` characters either side from the same turn.
    match is exactly document.text[start:end]; speaker_role is respondent, interviewer or any."""
    if mode not in MODES:
        raise QualcodeError(f"unknown search mode {mode!r}", hint="one of " + ", ".join(MODES))
    if not query.strip() or (mode == "plain" and not query.strip().strip("*").strip()):
        raise QualcodeError("the search query is empty", hint="give a word or phrase")
    if context < 0:
        raise QualcodeError("--context must be 0 or more characters")
    stretches, texts = _stretches(session, case=case, document=document,
                                  speaker_role=speaker_role)
    hits = []
    for s, spans in zip(stretches, _spans(stretches, texts, query, mode), strict=True):
        text = texts[s.document_id]
        for start, end in spans:
            hits.append(Hit(
                case=s.case, document=s.document, turn=s.turn, speaker=s.speaker, role=s.role,
                start=start, end=end, left=text[max(s.start, start - context):start],
                match=text[start:end], right=text[end:min(s.end, end + context)],
            ))
    return hits


# --------------------------------------------------------------------------- coding the hits


@dataclass
class Skipped:
    hit: Hit
    start: int
    end: int
    reason: str


@dataclass
class CodedHits:
    code: str
    unit: str
    added: list[CodingRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def check_code(session: Session, code: str) -> str:
    """The code to give hits must exist and not be retired (a one-line error otherwise)."""
    return lookup.code(session, code).key


def _target(session: Session, hit: Hit, unit: str, cache: dict) -> tuple[int, int]:
    """The span to code for a hit: the hit itself, its sentence(s) or its turn."""
    if unit == "hit":
        return hit.start, hit.end
    doc = lookup.document(session, hit.document)
    turn = next((t for t in doc.turns if t.number == hit.turn), None)
    lo, hi = (turn.start, turn.end) if turn is not None else (0, len(doc.text))
    if unit == "turn":
        return lo, hi
    key = (doc.id, lo, hi)
    if key not in cache:
        from qualcode.nlp.segment import sentence_bounds

        cache[key] = [(lo + s, lo + e) for s, e in
                      sentence_bounds([doc.text[lo:hi]], doc.language or "en")[0]]
    inside = [(s, e) for s, e in cache[key] if s < hit.end and e > hit.start]
    if not inside:
        return hit.start, hit.end
    return min(s for s, _ in inside), max(e for _, e in inside)


def code_hits(
    session: Session, hits: list[Hit], *, code: str, coder: str, actor: str, unit: str = "hit"
) -> CodedHits:
    """Code each hit (or its sentence, or its turn) with `code` as a manual coding by `coder`.
    A hit whose span overlaps a coding of the same code by the same coder (one made before, or
    one just made for an earlier hit) is skipped and reported, not an error."""
    if unit not in CODE_UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint="one of " + ", ".join(CODE_UNITS))
    key = check_code(session, code)
    result = CodedHits(code=key, unit=unit)
    cache: dict = {}
    for hit in hits:
        start, end = _target(session, hit, unit, cache)
        try:
            row = add_coding(session, document=hit.document, code=key, coder=coder, actor=actor,
                             span=(start, end))
        except ConflictError as exc:
            result.skipped.append(Skipped(hit, start, end, exc.message))
            continue
        result.added.append(row)
    return result
