"""The event log read back: `qualcode log`, `qualcode undo`, `qualcode redo`.

Every change is an event with the state before and after (services/events.py). Undoing event E
applies its inverse and records an `undo` event that points at E (`reverses_id`) and keeps what
the inverse removed (a snapshot), so a `redo` (an event pointing at the undo) can put it back.
Before reversing, the current state is compared with what E left: if later work changed or
depends on it, the undo is refused with a one-line reason that names that work.

A coder's undo and redo touch only events whose actor is that coder unless `any_actor`. Handlers
per action live in HANDLERS; other services register theirs with `handler()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, DateTime, and_, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import events
from qualcode.services.coding import snapshot
from qualcode.storage.models import (
    Code,
    Coder,
    Coding,
    CodingFlag,
    Document,
    Event,
    Memo,
    Suggestion,
    Summary,
)

UNDO, REDO = "undo", "redo"


class UndoRefused(QualcodeError):
    """Later work depends on the change, or it no longer exists as the event left it."""


@dataclass
class LogEntry:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: int | None
    document: str | None
    summary: str
    undone: bool  # reversed by an undo that stands
    redone: bool  # an undo reversed by a redo
    reverses: int | None


@dataclass
class Reversal:
    """One undo or redo done: the new event, the event it reversed, and what it did."""

    event_id: int
    reversed_event: int
    action: str
    summary: str


# action -> (undo, redo). undo(session, event) returns the payload stored on the undo event;
# redo(session, event, undo_payload) re-applies the change and returns the redo payload.
Undo = Callable[[Session, Event], dict[str, Any]]
Redo = Callable[[Session, Event, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, tuple[Undo, Redo]] = {}


def handler(*actions: str):
    def wrap(pair_factory):
        pair = pair_factory()
        for action in actions:
            HANDLERS[action] = pair
        return pair_factory

    return wrap


# --------------------------------------------------------------------------- restoring rows


def restore(session: Session, model, data: dict[str, Any], **override) -> Any:
    """Insert a row from a snapshot. It keeps its old id when that id is free (SQLite may have
    given it to a newer row); otherwise it gets a new one, which the caller reads back."""
    data = {**data, **override}
    mapper = sa_inspect(model)
    obj = model()
    for attr in mapper.column_attrs:
        if attr.key not in data:
            continue
        value = data[attr.key]
        kind = attr.columns[0].type
        if isinstance(value, str) and isinstance(kind, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(kind, Date):
            value = dt.date.fromisoformat(value)
        setattr(obj, attr.key, value)
    if data.get("id") is not None and session.get(model, data["id"]) is not None:
        obj.id = None
    session.add(obj)
    session.flush()
    return obj


def _coding_by_span(session: Session, row: dict[str, Any]) -> Coding | None:
    """A coding by what identifies it (document, code, coder, span), not its id, which changes
    when an undone removal is restored under a new id."""
    return session.scalars(
        select(Coding)
        .join(Document, Coding.document_id == Document.id)
        .join(Code, Coding.code_id == Code.id)
        .join(Coder, Coding.coder_id == Coder.id)
        .where(Document.name == row["document"], Code.key == row["code"],
               Coder.name == row["coder"], Coding.start == row["start"],
               Coding.end == row["end"])
    ).first()


def take_coding(session: Session, coding: Coding, *, allow_memos: bool = True) -> dict[str, Any]:
    """Delete a coding, returning a snapshot with its memos and the suggestions that point at
    it, from which put_coding() restores all of it."""
    memos = list(session.scalars(select(Memo).where(Memo.coding_id == coding.id)))
    if memos and not allow_memos:
        raise UndoRefused(f"coding {coding.id} has {len(memos)} memo(s) written since",
                          hint=f"remove them first: qualcode memo remove {memos[0].id}")
    flag = session.get(CodingFlag, coding.id)
    data = {
        "coding": snapshot(coding),
        "flag": snapshot(flag) if flag is not None else None,
        "memos": [snapshot(m) for m in memos],
        "suggestions": list(session.scalars(
            select(Suggestion.id).where(Suggestion.coding_id == coding.id))),
    }
    session.delete(coding)
    session.flush()
    return data


def put_coding(session: Session, data: dict[str, Any], *, link_suggestions: bool = True
               ) -> Coding:
    row = data["coding"]
    clash = session.scalars(select(Coding).where(
        Coding.document_id == row["document_id"], Coding.code_id == row["code_id"],
        Coding.coder_id == row["coder_id"], Coding.start < row["end"],
        Coding.end > row["start"])).first()
    if clash is not None:
        raise UndoRefused(f"coding {clash.id} now covers {clash.start}:{clash.end} with the "
                          "same code and coder", hint=f"remove it first: qualcode code remove "
                          f"{clash.id}")
    if session.get(Document, row["document_id"]) is None:
        raise UndoRefused(f"document {row['document_id']} no longer exists",
                          hint="undo its removal first")
    coding = restore(session, Coding, row)
    if data.get("flag"):
        restore(session, CodingFlag, data["flag"], coding_id=coding.id)
    for memo in data.get("memos", []):
        restore(session, Memo, memo, coding_id=coding.id)
    if link_suggestions:
        for sid in data.get("suggestions", []):
            s = session.get(Suggestion, sid)
            if s is not None and s.coding_id is None:
                s.coding_id = coding.id
    return coding


# --------------------------------------------------------------------------- handlers


@handler("coding.add", "coding.import")
def _coding_add():
    def undo(session, ev):
        row = ev.after or {}
        coding = _coding_by_span(session, row)
        if coding is None:
            raise UndoRefused(f"coding {ev.entity_id} is no longer there (removed since)")
        return take_coding(session, coding, allow_memos=False)

    def redo(session, ev, payload):
        coding = put_coding(session, payload)
        return {"coding_id": coding.id}

    return undo, redo


@handler("coding.remove")
def _coding_remove():
    def undo(session, ev):
        data = ev.before or {}
        if "coding" not in data:  # an event from before 0003e: the row as listed
            raise UndoRefused(f"event {ev.id} predates undo and cannot be reversed")
        coding = put_coding(session, data)
        return {"coding_id": coding.id, "row": snapshot(coding)}

    def redo(session, ev, payload):
        coding = session.get(Coding, payload["coding_id"])
        if coding is None:
            raise UndoRefused(f"coding {payload['coding_id']} is no longer there")
        return take_coding(session, coding)  # with its memos, as the removal itself did

    return undo, redo


@handler("suggestion.accept", "suggestion.recode", "suggestion.reject")
def _decision():
    def undo(session, ev):
        s = session.get(Suggestion, ev.entity_id)
        after = ev.after or {}
        if s is None:
            raise UndoRefused(f"suggestion {ev.entity_id} no longer exists (suggest re-ran?)")
        if s.status != after.get("status") or s.coding_id != after.get("coding_id"):
            raise UndoRefused(f"suggestion {s.id} has been decided again since (now {s.status})")
        payload: dict[str, Any] = {"decided_by_id": s.decided_by_id,
                                   "decided_at": s.decided_at.isoformat() if s.decided_at
                                   else None}
        if s.coding_id is not None:
            coding = session.get(Coding, s.coding_id)
            if coding is not None:
                payload["taken"] = take_coding(session, coding, allow_memos=False)
        s.status, s.coding_id, s.decided_by_id, s.decided_at = "pending", None, None, None
        session.flush()
        return payload

    def redo(session, ev, payload):
        s = session.get(Suggestion, ev.entity_id)
        if s is None or s.status != "pending":
            raise UndoRefused(f"suggestion {ev.entity_id} is no longer pending")
        coding_id = None
        if "taken" in payload:
            coding_id = put_coding(session, payload["taken"], link_suggestions=False).id
        s.status = (ev.after or {}).get("status", "accepted")
        s.coding_id = coding_id
        s.decided_by_id = payload.get("decided_by_id")
        s.decided_at = (dt.datetime.fromisoformat(payload["decided_at"])
                        if payload.get("decided_at") else dt.datetime.now(dt.UTC))
        session.flush()
        return {"coding_id": coding_id}

    return undo, redo


def _memo_still_there(session: Session, memo_id: int) -> Memo:
    """The memo an event is about; every memo handler refuses alike when it has gone since."""
    memo = session.get(Memo, memo_id)
    if memo is None:
        raise UndoRefused(f"memo {memo_id} is no longer there")
    return memo


@handler("memo.add")
def _memo_add():
    def undo(session, ev):
        memo = _memo_still_there(session, ev.entity_id)
        data = snapshot(memo)
        session.delete(memo)
        session.flush()
        return {"memo": data}

    def redo(session, ev, payload):
        return {"memo_id": restore(session, Memo, payload["memo"]).id}

    return undo, redo


@handler("memo.edit")
def _memo_edit():
    def undo(session, ev):
        memo = _memo_still_there(session, ev.entity_id)
        after, before = ev.after or {}, ev.before or {}
        if memo.text != after.get("text") or memo.title != after.get("title"):
            raise UndoRefused(f"memo {memo.id} was edited again since", hint="undo that first")
        memo.text, memo.title = before.get("text"), before.get("title")
        return {}

    def redo(session, ev, payload):
        memo = _memo_still_there(session, ev.entity_id)
        memo.text, memo.title = (ev.after or {}).get("text"), (ev.after or {}).get("title")
        return {}

    return undo, redo


@handler("memo.remove")
def _memo_remove():
    def undo(session, ev):
        data = (ev.before or {}).get("memo")
        if data is None:
            raise UndoRefused(f"event {ev.id} does not hold the memo")
        for target, model in (("case_id", None), ("document_id", Document),
                              ("coding_id", Coding), ("code_id", Code)):
            if model is not None and data.get(target) and session.get(model, data[target]) is None:
                raise UndoRefused(f"the memo was about {target[:-3]} {data[target]}, which is "
                                  "gone")
        return {"memo_id": restore(session, Memo, data).id}

    def redo(session, ev, payload):
        memo = _memo_still_there(session, payload["memo_id"])
        session.delete(memo)
        session.flush()
        return {}

    return undo, redo


@handler("summary.set")
def _summary_set():
    def put(session, summary: Summary, state: dict[str, Any]) -> None:
        author = state.get("author")
        summary.text = state["text"]
        summary.author_id = (session.scalars(select(Coder.id).where(Coder.name == author)).first()
                             if author else None)
        summary.evidence_fingerprint = state["evidence_fingerprint"]
        summary.evidence_count = state["evidence_count"]

    def undo(session, ev):
        summary = session.get(Summary, ev.entity_id)
        after = ev.after or {}
        if summary is None:
            raise UndoRefused(f"the summary of {after.get('case')} / {after.get('dimension')} "
                              "is gone")
        if summary.text != after.get("text"):
            raise UndoRefused("the summary has been rewritten since", hint="undo that first")
        if ev.before is None:  # it was new: undo removes it
            data = snapshot(summary)
            session.delete(summary)
            session.flush()
            return {"summary": data}
        put(session, summary, ev.before)
        session.flush()
        return {}

    def redo(session, ev, payload):
        if "summary" in payload:
            return {"summary_id": restore(session, Summary, payload["summary"]).id}
        summary = session.get(Summary, ev.entity_id)
        if summary is None:
            raise UndoRefused("the summary is gone")
        put(session, summary, ev.after or {})
        session.flush()
        return {}

    return undo, redo


def _load_handlers() -> None:
    """Services that manage documents, cases and codes register their handlers on import."""
    import qualcode.services.codes  # noqa: F401
    import qualcode.services.documents  # noqa: F401


# --------------------------------------------------------------------------- the log


def _summary(ev: Event) -> str:
    data = ev.after or ev.before or {}
    if ev.action in ("document.remove", "case.remove", "case.merge"):
        data = {**(ev.after or {}), "name": ((ev.before or {}).get("document")
                                             or (ev.before or {}).get("case") or {}).get("name")}
    bits = []
    for key in ("undid", "redid", "code", "document", "name", "key", "target", "status",
                "text"):
        value = data.get(key)
        if isinstance(value, str) and value:
            bits.append(value if len(value) <= 60 else value[:59] + "\u2026")
    if ev.reverses_id:
        bits.insert(0, f"event {ev.reverses_id}")
    if "start" in data and "end" in data:
        bits.append(f"{data['start']}:{data['end']}")
    return " ".join(bits)


def _reversals(session: Session) -> tuple[dict[int, Event], set[int], set[int]]:
    """The undo and redo events (few), with the ids of the events currently undone and of the
    undos currently redone."""
    _load_handlers()
    rows = list(session.scalars(select(Event).where(Event.action.in_([UNDO, REDO]))
                                .order_by(Event.id)))
    by_id = {e.id: e for e in rows}
    undone: set[int] = set()
    redone: set[int] = set()
    for e in rows:  # oldest first: later undo/redo override earlier ones
        if e.action == UNDO and e.reverses_id:
            undone.add(e.reverses_id)
        elif e.action == REDO and e.reverses_id:
            redone.add(e.reverses_id)
            target = by_id.get(e.reverses_id)
            if target is not None and target.reverses_id:
                undone.discard(target.reverses_id)
    return by_id, undone, redone


# Bookkeeping that changes no one's work: undo passes over it to the change before.
PASSED_OVER = ("suggestions.generate", "model.train")


def _newest(session: Session, actor: str | None):
    """Events of one actor (everyone's when None), newest first, bookkeeping left out, read in
    batches so a log of 200,000 imported codings is not loaded to undo the last change."""
    query = select(Event).where(Event.action.notin_(PASSED_OVER))
    if actor is not None:
        query = query.where(Event.actor == actor)
    return session.scalars(query.order_by(Event.id.desc()).execution_options(yield_per=200))


def log(
    session: Session,
    *,
    actor: str | None = None,
    kind: str | None = None,
    document: str | None = None,
    since: str | None = None,
    limit: int | None = 50,
) -> list[LogEntry]:
    """Events, newest first. `kind` matches an action (coding.add) or its first part (coding);
    `document` also finds events of a document since removed; `since` is an ISO date or time."""
    query = select(Event).order_by(Event.id.desc())
    if actor:
        query = query.where(Event.actor == actor)
    if kind:
        query = query.where(or_(Event.action == kind, Event.action.like(f"{kind}.%"),
                                Event.entity == kind))
    names: dict[int, str] = {}
    if document:
        ids = set(session.scalars(select(Document.id).where(Document.name == document)))
        for ev in session.scalars(select(Event).where(Event.action == "document.remove")):
            if (ev.before or {}).get("document", {}).get("name") == document:
                ids.add(ev.entity_id)
        if not ids:
            raise QualcodeError(f"no document {document!r} in the project or its log")
        query = query.where(or_(Event.document_id.in_(ids),  # events before 0003e: by entity
                                and_(Event.entity == "document", Event.entity_id.in_(ids))))
    if since:
        try:
            moment = dt.datetime.fromisoformat(since)
        except ValueError:
            raise QualcodeError(f"--since {since!r} is not a date or time",
                                hint="e.g. 2026-12-01 or 2026-12-01T14:00") from None
        query = query.where(Event.at >= moment)
    if limit:
        query = query.limit(limit)
    rows = list(session.scalars(query))
    doc_ids = {e.document_id or (e.entity_id if e.entity == "document" else None) for e in rows}
    doc_ids.discard(None)
    if doc_ids:
        names = dict(session.execute(
            select(Document.id, Document.name).where(Document.id.in_(doc_ids))).all())
    _, undone, redone = _reversals(session)
    return [
        LogEntry(
            id=e.id, at=e.at.isoformat() if e.at else "", actor=e.actor, action=e.action,
            entity=e.entity, entity_id=e.entity_id,
            document=names.get(e.document_id or (e.entity_id if e.entity == "document" else 0)),
            summary=_summary(e), undone=e.id in undone, redone=e.id in redone,
            reverses=e.reverses_id,
        )
        for e in rows
    ]


# --------------------------------------------------------------------------- undo and redo


def _refuse(ev: Event, exc: UndoRefused) -> UndoRefused:
    return UndoRefused(f"cannot undo event {ev.id} ({ev.action}): {exc.message}", hint=exc.hint)


def undo_event(session: Session, ev: Event, *, actor: str) -> Reversal:
    if ev.action not in HANDLERS:
        raise UndoRefused(f"event {ev.id} ({ev.action}) cannot be undone")
    _, undone, _ = _reversals(session)
    if ev.id in undone:
        raise UndoRefused(f"event {ev.id} is already undone", hint="`qualcode redo` redoes it")
    try:
        with session.begin_nested():
            payload = HANDLERS[ev.action][0](session, ev)
            session.flush()
    except UndoRefused as exc:
        raise _refuse(ev, exc) from None
    new = events.record(session, actor, UNDO, ev.entity, ev.entity_id, before=payload,
                        after={"undid": ev.action}, document_id=ev.document_id,
                        reverses_id=ev.id)
    session.flush()
    return Reversal(new.id, ev.id, ev.action, _summary(ev))


def undo(session: Session, *, actor: str, count: int = 1, any_actor: bool = False,
         event_id: int | None = None) -> list[Reversal]:
    """Undo the actor's `count` most recent changes (everyone's with any_actor), newest first,
    or one event by id. All or nothing: a refusal leaves everything as it was."""
    if event_id is not None:
        ev = session.get(Event, event_id)
        if ev is None:
            raise QualcodeError(f"no event {event_id}", hint="see `qualcode log`")
        if not any_actor and ev.actor != actor:
            raise UndoRefused(f"event {event_id} is {ev.actor}'s work, not {actor}'s",
                              hint="add --any to undo another coder's work")
        return [undo_event(session, ev, actor=actor)]
    if count < 1:
        raise QualcodeError("undo needs a count of 1 or more")
    by_id, undone, _ = _reversals(session)
    seen: set[int] = set()
    todo: list[Event] = []
    for e in _newest(session, None if any_actor else actor):  # a redone change counts from
        if e.action == REDO:                                     # its redo
            u = by_id.get(e.reverses_id)
            target = session.get(Event, u.reverses_id) if u is not None else None
            if target is not None and target.id not in undone and target.id not in seen:
                seen.add(target.id)
                todo.append(target)
        elif e.action != UNDO and e.id not in undone and e.id not in seen:
            if e.action not in HANDLERS:  # never skip silently past a change undo cannot reverse
                raise UndoRefused(
                    f"the change before that, event {e.id} ({e.action}), cannot be undone"
                    if todo else f"your latest change, event {e.id} ({e.action}), cannot be "
                    "undone", hint="`qualcode undo --event ID` undoes an older one; see "
                    "`qualcode log`")
            seen.add(e.id)
            todo.append(e)
        if len(todo) == count:
            break
    if not todo:
        raise QualcodeError("nothing to undo" + ("" if any_actor else f" by {actor}"),
                            hint="see `qualcode log`; --any undoes another coder's work")
    return [undo_event(session, ev, actor=actor) for ev in todo]


def redo(session: Session, *, actor: str, count: int = 1, any_actor: bool = False
         ) -> list[Reversal]:
    """Redo the most recently undone changes (the actor's own unless any_actor)."""
    by_id, undone, redone = _reversals(session)
    todo = [e for e in sorted(by_id.values(), key=lambda e: -e.id)
            if e.action == UNDO and e.id not in redone and e.reverses_id in undone
            and (any_actor or e.actor == actor)][:count]
    if not todo:
        raise QualcodeError("nothing to redo", hint="`qualcode log --kind undo` lists undos")
    done = []
    for u in todo:
        ev = session.get(Event, u.reverses_id)
        try:
            with session.begin_nested():
                payload = HANDLERS[ev.action][1](session, ev, u.before or {})
                session.flush()
        except UndoRefused as exc:
            raise UndoRefused(f"cannot redo event {ev.id} ({ev.action}): {exc.message}",
                              hint=exc.hint) from None
        new = events.record(session, actor, REDO, ev.entity, ev.entity_id, before=None,
                            after={"redid": ev.action, **payload}, document_id=ev.document_id,
                            reverses_id=u.id)
        session.flush()
        done.append(Reversal(new.id, ev.id, ev.action, _summary(ev)))
    return done


def last_decision(session: Session, suggestion_id: int) -> Event | None:
    """The decision event that put a suggestion in its current state (for review's `u`)."""
    _, undone, _ = _reversals(session)
    for ev in session.scalars(select(Event).where(
            Event.entity == "suggestion", Event.entity_id == suggestion_id,
            Event.action.in_(["suggestion.accept", "suggestion.recode", "suggestion.reject"]))
            .order_by(Event.id.desc())):
        if ev.id not in undone:
            return ev
    return None
