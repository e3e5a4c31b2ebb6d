"""The audit trail: every change a service makes is logged here, in the same transaction, with
enough of the state before and after for `qualcode undo` to reverse it (services/history.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qualcode.storage.models import Event


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    document_id: int | None = None,
    reverses_id: int | None = None,
) -> Event:
    event = Event(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        document_id=document_id,
        reverses_id=reverses_id,
    )
    session.add(event)
    return event
