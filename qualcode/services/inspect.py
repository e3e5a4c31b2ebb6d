"""What `qualcode show` and `qualcode stats` need: a document with its turns and codings, and the
project's counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.coding import CodingRow, list_codings
from qualcode.storage.models import Case, Code, Coder, Coding, Document, Event, Turn


@dataclass
class TurnView:
    number: int
    speaker: str | None
    role: str
    start: int
    end: int
    time: str | None


@dataclass
class DocumentView:
    name: str
    case: str | None
    title: str | None
    text: str
    language: str
    interviewee_role: str | None
    date: str | None
    place: str | None
    source_filename: str
    encoding: str
    synthetic: bool
    turns: list[TurnView]
    codings: list[CodingRow]
    colours: dict[str, str | None]
    # code key -> its name in the document's language, for codes that have a translation
    translated_names: dict[str, str] = field(default_factory=dict)


def document_view(
    session: Session, name: str, *, coder: str | None = None, blind_for: str | None = None
) -> DocumentView:
    """A document with its turns and codings (only `blind_for`'s own under blind coding)."""
    doc = lookup.document(session, name)
    codings = list_codings(session, document=name, coder=coder, blind_for=blind_for)
    colours = dict(session.execute(select(Code.key, Code.colour)).all())
    translated = {key: t[doc.language]["name"] for key, t in session.execute(
        select(Code.key, Code.translations)) if t and t.get(doc.language, {}).get("name")}
    return DocumentView(
        name=doc.name,
        case=doc.case.name if doc.case else None,
        title=doc.title,
        text=doc.text,
        language=doc.language,
        interviewee_role=doc.interviewee_role,
        date=doc.interview_date.isoformat() if doc.interview_date else None,
        place=doc.place,
        source_filename=doc.source_filename,
        encoding=doc.encoding,
        synthetic=doc.synthetic,
        turns=[TurnView(t.number, t.speaker, t.role, t.start, t.end, t.time) for t in doc.turns],
        codings=codings,
        colours=colours,
        translated_names=translated,
    )


def project_stats(session: Session) -> dict[str, Any]:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    # One aggregate per table, joined in Python: no transcript text is read.
    turns = dict(session.execute(
        select(Turn.document_id, func.count()).group_by(Turn.document_id)).all())
    coded = dict(session.execute(
        select(Coding.document_id, func.count()).group_by(Coding.document_id)).all())
    documents = [
        {"name": name, "case": case, "words": n or 0, "turns": turns.get(doc_id, 0),
         "codings": coded.get(doc_id, 0)}
        for doc_id, name, case, n in session.execute(
            select(Document.id, Document.name, Case.name, Document.words)
            .outerjoin(Case, Document.case_id == Case.id)
            .order_by(Document.name))
    ]
    words = sum(d["words"] for d in documents)
    # Grouped along indexes (codings by code; by coder and origin), names from small tables: no
    # join and no sort over the 200,000 codings of a large project.
    dims = dict(session.execute(select(Code.id, Code.dimension)).all())
    coder_names = dict(session.execute(select(Coder.id, Coder.name)).all())
    by_dimension: dict[str, int] = {}
    for code_id, n in session.execute(
            select(Coding.code_id, func.count()).group_by(Coding.code_id)):
        by_dimension[dims[code_id]] = by_dimension.get(dims[code_id], 0) + n
    by_dimension = lookup.in_codebook_order(session, by_dimension)
    by_origin: dict[str, int] = {}
    by_coder: dict[str, int] = {}
    for coder_id, origin, n in session.execute(
            select(Coding.coder_id, Coding.origin, func.count())
            .group_by(Coding.coder_id, Coding.origin)):
        by_origin[origin] = by_origin.get(origin, 0) + n
        by_coder[coder_names[coder_id]] = by_coder.get(coder_names[coder_id], 0) + n
    return {
        "cases": count(Case),
        "documents": count(Document),
        "words": words,
        "turns": sum(turns.values()),
        # As `refi import` reports them: dimensions are the top-level codes, codes the ones
        # below them; retired codes (either kind) are counted apart.
        "dimensions": session.scalar(
            select(func.count())
            .select_from(Code)
            .where(Code.retired.is_(False), Code.is_dimension.is_(True))
        ),
        "codes": session.scalar(
            select(func.count())
            .select_from(Code)
            .where(Code.retired.is_(False), Code.is_dimension.is_(False))
        ),
        "retired_codes": session.scalar(
            select(func.count()).select_from(Code).where(Code.retired.is_(True))
        ),
        "codings": sum(by_origin.values()),
        "coders": count(Coder),
        "events": count(Event),
        "codings_by_origin": by_origin,
        "codings_by_coder": by_coder,
        "codings_by_dimension": by_dimension,
        "document_list": documents,
    }


def turn_at(session: Session, name: str, offset: int) -> int:
    """The number of the turn holding `offset` in the document; an offset between turns (in a
    speaker label, say) belongs to the next turn, or to the last one at the end."""
    doc = lookup.document(session, name)
    if not 0 <= offset < max(len(doc.text), 1):
        raise QualcodeError(
            f"offset {offset} is outside the document",
            where=doc.name,
            hint=f"offsets run from 0 to {len(doc.text) - 1}",
        )
    if not doc.turns:
        raise QualcodeError("the document has no turns", where=doc.name)
    for turn in doc.turns:
        if offset < turn.end:
            return turn.number
    return doc.turns[-1].number
