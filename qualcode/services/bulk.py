"""Many codings and their audit events written at once: one multi-row INSERT per batch of
codings (returning their ids) and one executemany per batch of events, instead of a flush and an
event object per coding. The imports and bulk review decisions use it; through the ORM's unit of
work a REFI-QDA import of 50,000 codings spent ~85% of its time on the per-row writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from qualcode.storage.models import Coding, Event

BATCH = 2000  # rows per statement group; SQLAlchemy splits a batch further if the driver must

CODING_KEY = ("document_id", "code_id", "coder_id", "start", "end")


def coding_key(row: dict[str, Any]) -> tuple:
    """What identifies a coding (the unique constraint): document, code, coder and span."""
    return tuple(row[k] for k in CODING_KEY)


def insert_codings(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert codings given as dicts of Coding's attributes (document_id, code_id, coder_id,
    start, end, origin, quote, and optionally memo, key_quote, created_at); returns their ids in
    the order given. Ids are matched back by the unique key, not by the order the database
    returns them in, so no database needs to promise an order."""
    if not rows:
        return []
    session.flush()  # whatever the ORM holds (documents, coders) goes first
    now = dt.datetime.now(dt.UTC)
    ids: dict[tuple, int] = {}
    columns = (Coding.id, *(getattr(Coding, k) for k in CODING_KEY))
    # render_nulls: a None memo is sent as NULL rather than the column left out, which would
    # split the batch wherever memos come and go.
    statement = insert(Coding).returning(*columns).execution_options(render_nulls=True)
    for start in range(0, len(rows), BATCH):
        part = [{"memo": None, "key_quote": False, "created_at": now, **r}
                for r in rows[start:start + BATCH]]
        for found in session.execute(statement, part):
            ids[tuple(found[1:])] = found[0]
    return [ids[coding_key(r)] for r in rows]


def record_events(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Write audit events given as dicts of Event's attributes (actor, action, entity,
    entity_id, before, after, document_id). A key whose value is None is left out, so the column
    is SQL NULL as services/events.record leaves it (not JSON null); rows with the same keys go
    in one executemany."""
    now = dt.datetime.now(dt.UTC)
    groups: dict[frozenset, list[dict]] = {}
    n = 0
    for row in rows:
        clean = {k: v for k, v in row.items() if v is not None}
        clean.setdefault("at", now)
        group = groups.setdefault(frozenset(clean), [])
        group.append(clean)
        n += 1
        if len(group) >= BATCH:
            session.execute(insert(Event), group)
            group.clear()
    for group in groups.values():
        if group:
            session.execute(insert(Event), group)
    return n
