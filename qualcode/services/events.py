"""The audit trail: every change a service makes is logged here, in the same transaction."""

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
) -> None:
    session.add(
        Event(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )
