"""Reviewing suggestions: the queue, one suggestion in its context, decisions and their undo.

Accepting makes a coding with origin "suggested"; recoding rejects the suggested code and codes the
span with another; rejecting records a negative example for `train`. Every decision is logged and
can be undone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qualcode.domain import ORIGIN_SUGGESTED
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services import bulk, events, lookup
from qualcode.services.blind import suggestions_visible_to
from qualcode.services.coding import add_coding
from qualcode.storage.models import Code, Coding, Document, Suggestion, Turn

ACTIONS = ("accept", "reject", "recode")


@dataclass
class SuggestionRow:
    id: int
    document: str
    case: str | None
    code: str
    dimension: str
    start: int
    end: int
    text: str
    score: float
    method: str
    unit: str
    status: str
    evidence: list[dict[str, Any]]
    decided_by: str | None
    coding_id: int | None


@dataclass
class SuggestionView:
    row: SuggestionRow
    turn_number: int | None
    speaker: str | None
    turn_start: int
    turn_end: int
    turn_text: str
    code_name: str
    definition: str
    include: list[str]
    exclude: list[str]
    examples: list[str]
    colour: str | None
    # The code's name and definition in the document's language, when the codebook has them.
    translation: dict[str, str] = field(default_factory=dict)


@dataclass
class Decision:
    suggestion_id: int
    action: str
    code: str
    start: int
    end: int
    coding_id: int | None = None
    previous: dict[str, Any] = field(default_factory=dict)


def _row(s: Suggestion) -> SuggestionRow:
    return SuggestionRow(
        id=s.id,
        document=s.document.name,
        case=s.document.case.name if s.document.case else None,
        code=s.code.key,
        dimension=s.code.dimension,
        start=s.start,
        end=s.end,
        text=s.document.text[s.start : s.end],
        score=s.score,
        method=s.method,
        unit=s.unit,
        status=s.status,
        evidence=list((s.evidence or {}).get("items", [])),
        decided_by=s.decided_by.name if s.decided_by else None,
        coding_id=s.coding_id,
    )


def _query(
    session: Session,
    *,
    status: str | None = "pending",
    dimension: str | None = None,
    code: str | None = None,
    document: str | None = None,
    case: str | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    method: str | None = None,
    blind_for: str | None = None,
):
    q = (
        select(Suggestion)
        .join(Code, Suggestion.code_id == Code.id)
        .join(Document, Suggestion.document_id == Document.id)
    )
    if status:
        q = q.where(Suggestion.status == status)
    if dimension:
        q = q.where(Code.dimension == dimension)
    if code:
        q = q.where(
            Suggestion.code_id.in_(
                lookup.subtree_ids(session, lookup.code(session, code, allow_retired=True))
            )
        )
    if document:
        q = q.where(Suggestion.document_id == lookup.document(session, document).id)
    if case:
        q = q.where(Document.case_id == lookup.case(session, case).id)
    if min_score is not None:
        q = q.where(Suggestion.score >= min_score)
    if max_score is not None:
        q = q.where(Suggestion.score <= max_score)
    if method:
        q = q.where(Suggestion.method == method)
    if blind_for is not None:
        q = q.where(suggestions_visible_to(session, blind_for))
    return q.order_by(Document.name, Suggestion.start, Code.key)


def list_suggestions(
    session: Session, *, limit: int | None = None, **filters
) -> list[SuggestionRow]:
    q = _query(session, **filters)
    if limit:
        q = q.limit(limit)
    return [_row(s) for s in session.scalars(q)]


def queue(session: Session, **filters) -> list[int]:
    return [s.id for s in session.scalars(_query(session, **filters))]


def view(session: Session, suggestion_id: int) -> SuggestionView:
    s = _get(session, suggestion_id)
    turn = session.scalars(
        select(Turn).where(
            Turn.document_id == s.document_id, Turn.start <= s.start, Turn.end >= s.end
        )
    ).first()
    start, end = (turn.start, turn.end) if turn else (s.start, s.end)
    return SuggestionView(
        row=_row(s),
        turn_number=turn.number if turn else None,
        speaker=turn.speaker if turn else None,
        turn_start=start,
        turn_end=end,
        turn_text=s.document.text[start:end],
        code_name=s.code.name,
        definition=s.code.definition,
        translation=(s.code.translations or {}).get(s.document.language, {}),
        include=list(s.code.include),
        exclude=list(s.code.exclude),
        examples=list(s.code.examples),
        colour=s.code.colour,
    )


def _get(session: Session, suggestion_id: int) -> Suggestion:
    s = session.get(Suggestion, suggestion_id)
    if s is None:
        raise NotFoundError(
            f"no suggestion with id {suggestion_id}", hint="see `qualcode suggestions list`"
        )
    return s


def decide(
    session: Session,
    suggestion_id: int,
    action: str,
    *,
    coder: str,
    recode_to: str | None = None,
    span: tuple[int, int] | None = None,
) -> Decision:
    if action not in ACTIONS:
        raise QualcodeError(f"unknown decision {action!r}", hint="one of " + ", ".join(ACTIONS))
    s = _get(session, suggestion_id)
    if s.status != "pending":
        raise QualcodeError(
            f"suggestion {suggestion_id} was already {s.status}", hint="undo that decision first"
        )
    start, end = span or (s.start, s.end)
    if not 0 <= start < end <= len(s.document.text):
        raise QualcodeError(f"span {start}:{end} is outside the document")
    who = lookup.coder(session, coder)
    previous = {"status": s.status, "coding_id": s.coding_id}
    coding_id = None
    code_key = s.code.key
    if action in ("accept", "recode"):
        if action == "recode":
            if not recode_to:
                raise QualcodeError("recode needs the code to use instead")
            code_key = lookup.code(session, recode_to).key
        row = add_coding(
            session,
            document=s.document.name,
            code=code_key,
            coder=who.name,
            actor=who.name,
            span=(start, end),
            origin=ORIGIN_SUGGESTED,
            record=False,  # logged with the decision below: one undo reverses both
        )
        coding_id = row.id
    # A recode says the suggested code was wrong for this span: a negative example for training.
    s.status = "accepted" if action == "accept" else "rejected"
    s.decided_by = who
    s.decided_at = dt.datetime.now(dt.UTC)
    s.coding_id = coding_id
    session.flush()
    decision = Decision(
        suggestion_id=s.id,
        action=action,
        code=code_key,
        start=start,
        end=end,
        coding_id=coding_id,
        previous=previous,
    )
    events.record(
        session,
        who.name,
        f"suggestion.{action}",
        "suggestion",
        s.id,
        before=previous,
        after={
            "status": s.status,
            "coding_id": coding_id,
            "code": code_key,
            "start": start,
            "end": end,
        },
        document_id=s.document_id,
    )
    return decision


def undo(session: Session, suggestion_id: int, *, coder: str) -> SuggestionRow:
    """Put a decided suggestion back in the queue, removing the coding its decision made: the
    decision's event is undone like any other (services/history.py), so `qualcode redo` can
    redo it."""
    from qualcode.services import history

    s = _get(session, suggestion_id)
    if s.status == "pending":
        raise QualcodeError(f"suggestion {suggestion_id} has no decision to undo")
    ev = history.last_decision(session, suggestion_id)
    if ev is None:
        raise QualcodeError(f"suggestion {suggestion_id}'s decision is not in the log")
    history.undo_event(session, ev, actor=coder)
    session.refresh(s)
    return _row(s)


def decide_many(session: Session, action: str, *, coder: str, **filters) -> list[Decision]:
    """Accept or reject every pending suggestion matching the filters (non-interactive review),
    with the same outcome and the same events as deciding them one by one, but written in
    batches (services/bulk.py): one insert of the codings, one update of the suggestions and
    one insert of the events per batch. A suggestion whose span overlaps the coder's own coding
    of the same code (or one accepted before it here), whose code is retired or whose span no
    longer fits its document is left pending."""
    if action not in ("accept", "reject"):
        raise QualcodeError("bulk decisions are accept or reject")
    who = lookup.coder(session, coder)
    query = _query(session, **filters).where(Suggestion.status == "pending").with_only_columns(
        Suggestion.id, Suggestion.document_id, Suggestion.code_id, Suggestion.start,
        Suggestion.end, Suggestion.coding_id, Code.key, Code.retired)
    done: list[Decision] = []
    documents: list[int] = []  # the document of each decision, for its event
    codings: list[dict] = []  # accepted: the codings to write, in the order of `done`
    taken: dict[int, list[tuple[int, int]]] = {}  # code -> the coder's spans in this document
    doc_id, text = None, ""
    for sid, document_id, code_id, start, end, coding_id, key, retired in session.execute(
            query).all():
        if action == "accept":
            if retired:
                continue
            if document_id != doc_id:  # suggestions come by document: one read of each
                doc_id = document_id
                text = session.scalar(select(Document.text).where(Document.id == doc_id))
                taken = {}
                for c_code, c_start, c_end in session.execute(select(
                        Coding.code_id, Coding.start, Coding.end).where(
                        Coding.document_id == doc_id, Coding.coder_id == who.id)):
                    taken.setdefault(c_code, []).append((c_start, c_end))
            spans = taken.setdefault(code_id, [])
            if not 0 <= start < end <= len(text) or any(
                    s0 < end and s1 > start for s0, s1 in spans):
                continue
            spans.append((start, end))
            codings.append({"document_id": document_id, "code_id": code_id,
                            "coder_id": who.id, "start": start, "end": end,
                            "origin": ORIGIN_SUGGESTED, "quote": text[start:end]})
        done.append(Decision(suggestion_id=sid, action=action, code=key, start=start, end=end,
                             previous={"status": "pending", "coding_id": coding_id}))
        documents.append(document_id)
    if not done:
        return done
    if codings:
        for decision, new_id in zip(done, bulk.insert_codings(session, codings), strict=True):
            decision.coding_id = new_id
    status = "accepted" if action == "accept" else "rejected"
    now = dt.datetime.now(dt.UTC)
    for first in range(0, len(done), bulk.BATCH):
        session.execute(update(Suggestion), [
            {"id": d.suggestion_id, "status": status, "decided_by_id": who.id,
             "decided_at": now, "coding_id": d.coding_id}
            for d in done[first:first + bulk.BATCH]])
    bulk.record_events(session, (
        {"actor": who.name, "action": f"suggestion.{action}", "entity": "suggestion",
         "entity_id": d.suggestion_id, "before": d.previous, "document_id": document_id,
         "after": {"status": status, "coding_id": d.coding_id, "code": d.code,
                   "start": d.start, "end": d.end}}
        for d, document_id in zip(done, documents, strict=True)))
    session.expire_all()  # suggestions the session holds were updated behind the ORM's back
    return done


def widen(session: Session, suggestion_id: int, current: tuple[int, int]) -> tuple[int, int]:
    """The next wider unit around the current span: the suggested sentence grows to its whole
    speaker turn; a whole turn stays as it is."""
    v = view(session, suggestion_id)
    return (min(current[0], v.turn_start), max(current[1], v.turn_end))


__all__ = [
    "Decision",
    "SuggestionRow",
    "SuggestionView",
    "decide",
    "decide_many",
    "list_suggestions",
    "queue",
    "undo",
    "view",
    "widen",
]
