"""Manual coding: adding and removing codings, and listing them with filters."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from qualcode.domain import ORIGIN_MANUAL, ORIGINS
from qualcode.errors import ConflictError, NotFoundError, QualcodeError, SpanError
from qualcode.services import events, lookup
from qualcode.storage.models import Code, Coder, Coding, CodingFlag, Document, Turn


@dataclass
class Candidate:
    start: int
    end: int
    context: str


@dataclass
class CodingRow:
    id: int
    document: str
    case: str | None
    code: str
    dimension: str
    coder: str
    origin: str
    start: int
    end: int
    quote: str
    memo: str | None
    key: bool
    created_at: str
    flag: dict | None = None  # a revised transcript could not place it: reason, old span, quote

    def as_dict(self) -> dict:
        return asdict(self)


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"...{left}[{text[start:end]}]{right}..."


def find_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quote occurs, any run of whitespace matching any other (a quote copied from a
    hard-wrapped transcript crosses line breaks). Always the loose match, so an occurrence number
    counts the same occurrences whether or not some of them happen to be on one line."""
    if not quote.strip():
        raise SpanError("the quote is empty")
    words = quote.split()
    loose = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(loose, text)]


def resolve_span(
    doc: Document,
    *,
    turn: int | None = None,
    span: tuple[int, int] | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
) -> tuple[int, int]:
    given = sum(x is not None for x in (turn, span, quote))
    if given != 1:
        raise QualcodeError("say what to code with exactly one of --turn, --span or --quote")
    if span is not None:
        start, end = span
        if not 0 <= start < end <= len(doc.text):
            raise SpanError(
                f"span {start}:{end} is outside the document or empty",
                where=doc.name,
                hint=f"offsets run from 0 to {len(doc.text)}, start < end",
            )
        return start, end
    if turn is not None:
        found = next((t for t in doc.turns if t.number == turn), None)
        if found is None:
            raise SpanError(
                f"no turn {turn}",
                where=doc.name,
                hint=f"turns are numbered 1 to {len(doc.turns)}; see `qualcode show {doc.name}`",
            )
        if found.start == found.end:
            raise SpanError(f"turn {turn} is empty", where=doc.name)
        return found.start, found.end
    assert quote is not None
    hits = find_quote(doc.text, quote)
    if not hits:
        lowered = [
            (m.start(), m.start() + len(quote))
            for m in re.finditer(re.escape(quote.lower()), doc.text.lower())
        ]
        raise SpanError(
            f"the quote {quote!r} is not in the document",
            where=doc.name,
            candidates=[Candidate(s, e, _context(doc.text, s, e)) for s, e in lowered[:5]],
            hint="quotes must match the text exactly (a different case is shown below)"
            if lowered
            else "check the wording with `qualcode search`",
        )
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise SpanError(
                f"the quote occurs {len(hits)} time(s); there is no occurrence {occurrence}",
                where=doc.name,
            )
        return hits[occurrence - 1]
    if len(hits) > 1:
        raise SpanError(
            f"the quote occurs {len(hits)} times",
            where=doc.name,
            candidates=[Candidate(s, e, _context(doc.text, s, e)) for s, e in hits],
            hint="lengthen the quote, or pick one with --occurrence N or --span START:END",
        )
    return hits[0]


def add_coding(
    session: Session,
    *,
    document: str,
    code: str,
    coder: str,
    actor: str,
    turn: int | None = None,
    span: tuple[int, int] | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
    memo: str | None = None,
    key: bool = False,
    origin: str = ORIGIN_MANUAL,
) -> CodingRow:
    if origin not in ORIGINS:
        raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
    doc = lookup.document(session, document)
    code_row = lookup.code(session, code)
    start, end = resolve_span(doc, turn=turn, span=span, quote=quote, occurrence=occurrence)
    coder_row = lookup.coder(session, coder)
    clash = session.scalars(
        select(Coding).where(
            Coding.document_id == doc.id,
            Coding.code_id == code_row.id,
            Coding.coder_id == coder_row.id,
            Coding.start < end,
            Coding.end > start,
        )
    ).first()
    if clash is not None:
        raise ConflictError(
            f"{coder_row.name} already coded {code_row.key} at {clash.start}:{clash.end}, which "
            f"overlaps {start}:{end}",
            where=doc.name,
            hint=f"remove it first (`qualcode code remove {clash.id}`) or code another span",
        )
    coding = Coding(
        document=doc,
        start=start,
        end=end,
        code=code_row,
        coder=coder_row,
        origin=origin,
        quote=doc.text[start:end],
        memo=memo,
        key_quote=key,
    )
    session.add(coding)
    session.flush()
    row = to_row(coding)
    events.record(session, actor, "coding.add", "coding", coding.id, after=row.as_dict())
    return row


def remove_coding(session: Session, coding_id: int, *, actor: str) -> CodingRow:
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(
            f"no coding with id {coding_id}", hint="see ids with `qualcode codings list`"
        )
    row = to_row(coding)
    session.delete(coding)
    events.record(session, actor, "coding.remove", "coding", coding_id, before=row.as_dict())
    return row


def to_row(c: Coding) -> CodingRow:
    return CodingRow(
        id=c.id,
        document=c.document.name,
        case=c.document.case.name if c.document.case else None,
        code=c.code.key,
        dimension=c.code.dimension,
        coder=c.coder.name,
        origin=c.origin,
        start=c.start,
        end=c.end,
        quote=c.quote,
        memo=c.memo,
        key=c.key_quote,
        created_at=c.created_at.isoformat() if c.created_at else "",
        flag=None
        if c.flag is None
        else {
            "reason": c.flag.reason,
            "old_start": c.flag.old_start,
            "old_end": c.flag.old_end,
            "old_quote": c.flag.old_quote,
        },
    )


def list_codings(
    session: Session,
    *,
    case: str | None = None,
    document: str | None = None,
    code: str | None = None,
    dimension: str | None = None,
    coder: str | None = None,
    origin: str | None = None,
    flagged: bool = False,
    limit: int | None = None,
) -> list[CodingRow]:
    query = (
        select(Coding)
        .options(selectinload(Coding.flag))
        .join(Document, Coding.document_id == Document.id)
        .join(Code, Coding.code_id == Code.id)
        .join(Coder, Coding.coder_id == Coder.id)
    )
    if case is not None:
        case_row = lookup.case(session, case)
        query = query.where(Document.case_id == case_row.id)
    if document is not None:
        query = query.where(Coding.document_id == lookup.document(session, document).id)
    if code is not None:
        root = lookup.code(session, code, allow_retired=True)
        query = query.where(Coding.code_id.in_(lookup.subtree_ids(session, root)))
    if dimension is not None:
        query = query.where(Code.dimension == dimension)
    if coder is not None:
        query = query.where(Coding.coder_id == lookup.coder(session, coder, create=False).id)
    if origin is not None:
        if origin not in ORIGINS:
            raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
        query = query.where(Coding.origin == origin)
    if flagged:
        query = query.where(Coding.id.in_(select(CodingFlag.coding_id)))
    query = query.order_by(Document.name, Coding.start, Code.key, Coding.id)
    if limit:
        query = query.limit(limit)
    return [to_row(c) for c in session.scalars(query)]


def turn_of(session: Session, document_id: int, offset: int) -> Turn | None:
    return session.scalars(
        select(Turn).where(Turn.document_id == document_id, Turn.start <= offset, Turn.end > offset)
    ).first()
