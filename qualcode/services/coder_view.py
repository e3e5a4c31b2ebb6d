"""What the full-screen coder (`qualcode code DOC`) reads: a document with its turns, sentences and
words, the codings on it, the codes to choose from (ranked by a fuzzy search), and the pending
suggestions. Reads only; the writes go through coding, coding_edit, code_create and review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.services import lookup
from qualcode.services.blind import codings_visible_to
from qualcode.services.coding import CodingRow, to_row
from qualcode.services.review import SuggestionRow, list_suggestions
from qualcode.storage.models import Code, CodebookVersion, Coding


@dataclass
class CoderTurn:
    number: int
    speaker: str | None
    role: str
    start: int
    end: int


@dataclass
class Sentence:
    start: int
    end: int
    turn: int  # index into CoderDocument.turns


@dataclass
class CoderDocument:
    name: str
    case: str | None
    language: str
    text: str
    synthetic: bool
    turns: list[CoderTurn]
    sentences: list[Sentence]  # in document order, never across a turn
    words: list[tuple[int, int]]  # the tokenizer's words and punctuation, in document order


@dataclass
class CodeChoice:
    key: str
    name: str
    dimension: str
    depth: int
    definition: str
    include: list[str]
    exclude: list[str]
    colour: str | None  # the code's own colour, else its nearest ancestor's
    examples: int
    # The codebook's translation into the document's language, if it has one (shown first)...
    local_name: str | None = None
    local_definition: str | None = None
    # ...and every translated name and definition, which the search also reads (补贴 finds
    # policy.subsidies whatever the document's language).
    other_names: tuple[str, ...] = ()
    other_definitions: tuple[str, ...] = ()


def open_document(session: Session, name: str) -> CoderDocument:
    """The document cut into turns, sentences and words by the same sentencizer pipeline the
    suggester uses (spaCy is imported here, in nlp, only)."""
    from qualcode.nlp.segment import sentences_and_words

    doc = lookup.document(session, name)
    turns = [CoderTurn(t.number, t.speaker, t.role, t.start, t.end)
             for t in doc.turns if t.end > t.start]
    if not turns:  # a document without turns is coded as one stretch of text
        turns = [CoderTurn(1, None, "respondent", 0, len(doc.text))]
    units = sentences_and_words([doc.text[t.start:t.end] for t in turns], doc.language or "en")
    sentences: list[Sentence] = []
    words: list[tuple[int, int]] = []
    for i, (turn, (sents, toks)) in enumerate(zip(turns, units, strict=True)):
        sentences.extend(Sentence(turn.start + s, turn.start + e, i) for s, e in sents)
        words.extend((turn.start + s, turn.start + e) for s, e in toks)
    return CoderDocument(
        name=doc.name,
        case=doc.case.name if doc.case else None,
        language=doc.language or "en",
        text=doc.text,
        synthetic=doc.synthetic,
        turns=turns,
        sentences=sentences,
        words=words,
    )


def document_codings(session: Session, document: str, *, only_coder: str | None = None
                     ) -> list[CodingRow]:
    """The codings on one document in text order; with only_coder, that coder's alone (blind
    coding, or --by)."""
    doc = lookup.document(session, document)
    query = select(Coding).where(Coding.document_id == doc.id)
    if only_coder is not None:  # the filter blind coding uses everywhere (services/blind.py)
        query = query.where(codings_visible_to(session, only_coder))
    return [to_row(c) for c in session.scalars(query.order_by(Coding.start, Coding.id))]


def pending_suggestions(session: Session, document: str) -> list[SuggestionRow]:
    return list_suggestions(session, status="pending", document=document)


def code_choices(session: Session, language: str | None = None) -> list[CodeChoice]:
    """The live codes (retired ones cannot be applied), in codebook order, parents first; names
    and definitions in `language` where the codebook translates them."""
    codes = list(session.scalars(
        select(Code).where(Code.retired.is_(False)).order_by(Code.sort_order, Code.key)))
    by_id = {c.id: c for c in codes}

    def colour(c: Code) -> str | None:
        node: Code | None = c
        while node is not None:
            if node.colour:
                return node.colour
            node = by_id.get(node.parent_id) if node.parent_id else None
        return None

    def choice(c: Code) -> CodeChoice:
        translations = c.translations or {}
        local = translations.get(language or "", {})
        others = [translations[lang] for lang in sorted(translations)]
        return CodeChoice(
            key=c.key, name=c.name, dimension=c.dimension, depth=c.key.count("."),
            definition=c.definition, include=list(c.include), exclude=list(c.exclude),
            colour=colour(c), examples=len(c.examples),
            local_name=local.get("name") or None, local_definition=local.get("definition") or None,
            other_names=tuple(t["name"] for t in others if t.get("name")),
            other_definitions=tuple(t["definition"] for t in others if t.get("definition")))

    return [choice(c) for c in codes]


def _subsequence(word: str, text: str) -> float:
    """How well the letters of `word` appear in order in `text` (fzf-like): 0 if they do not,
    more when they are close together."""
    pos, first = -1, None
    for ch in word:
        pos = text.find(ch, pos + 1)
        if pos < 0:
            return 0.0
        first = pos if first is None else first
    return len(word) / (pos - first + 1)


def _word_score(word: str, choice: CodeChoice) -> float:
    key, name = choice.key.lower(), choice.name.lower()
    names = (key, name, *(n.lower() for n in choice.other_names))
    best = 0.0
    for field in names:
        at = field.find(word)
        if at >= 0:
            boundary = at == 0 or not field[at - 1].isalnum()
            best = max(best, 4.0 if boundary else 3.0)
    if best:
        return best
    best = max(_subsequence(word, field) for field in names) * 2.0
    if best >= 1.0:  # at least half the letters adjacent: a plausible abbreviation
        return best
    if any(word in d.lower() for d in (choice.definition, *choice.other_definitions)):
        return 1.0
    if any(word in rule.lower() for rule in choice.include + choice.exclude):
        return 0.5
    return 0.0


def rank_codes(choices: list[CodeChoice], query: str, *, recent: list[str] = ()
               ) -> list[CodeChoice]:
    """Codes matching every word of the query in their key or name, or a translated name (as a
    substring, or its letters in order), or else in their definition (or a translated one) or
    rules; best first, codebook order among equals.
    An empty query lists the recently used codes first, then all in codebook order."""
    words = [w for w in re.split(r"[\s.]+", query.lower()) if w]
    if not words:
        first = [c for key in recent for c in choices if c.key == key]
        return first + [c for c in choices if c.key not in set(recent)]
    scored = []
    for order, choice in enumerate(choices):
        scores = [_word_score(w, choice) for w in words]
        if all(scores):
            scored.append((-sum(scores), order, choice))
    return [c for _, _, c in sorted(scored, key=lambda t: (t[0], t[1]))]


def codebook_file(session: Session, project_folder: Path | None) -> Path | None:
    """The codebook file the project last loaded, if it can still be found: as recorded, or
    relative to the project folder or its parent (a relative path was recorded as given)."""
    version = session.scalars(
        select(CodebookVersion).where(CodebookVersion.source.is_not(None))
        .order_by(CodebookVersion.loaded_at.desc(), CodebookVersion.id.desc())).first()
    if version is None or not version.source:
        return None
    recorded = Path(version.source)
    places = [recorded]
    if not recorded.is_absolute() and project_folder is not None:
        places += [project_folder / recorded, project_folder.parent / recorded]
    return next((p.resolve() for p in places if p.is_file()), None)
