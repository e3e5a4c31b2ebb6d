"""Changing one coding in place (its key-quote flag, its memo) and putting a removed coding back
exactly as it was: what the full-screen coder's actions and their undo need. Each change is
logged with before and after, like every other write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from qualcode.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.services import events, lookup
from qualcode.services.coding import CodingRow, to_row
from qualcode.storage.models import Coding


def _get(session: Session, coding_id: int) -> Coding:
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(f"no coding with id {coding_id}",
                            hint="it may have been removed; see `qualcode codings list`")
    return coding


def set_key(session: Session, coding_id: int, key: bool, *, actor: str) -> CodingRow:
    """Mark (or unmark) a coding as a key quote for the synthesis table."""
    coding = _get(session, coding_id)
    before = coding.key_quote
    coding.key_quote = key
    session.flush()
    events.record(session, actor, "coding.key", "coding", coding.id,
                  before={"key": before}, after={"key": key})
    return to_row(coding)


def set_memo(session: Session, coding_id: int, memo: str | None, *, actor: str) -> CodingRow:
    """Write, replace or (with None or blank text) clear a coding's memo."""
    coding = _get(session, coding_id)
    memo = memo if memo and memo.strip() else None
    before = coding.memo
    coding.memo = memo
    session.flush()
    events.record(session, actor, "coding.memo", "coding", coding.id,
                  before={"memo": before}, after={"memo": memo})
    return to_row(coding)


def restore_coding(session: Session, row: CodingRow | dict[str, Any], *, actor: str
                   ) -> CodingRow:
    """Put a removed coding back with everything it had: its id, span, code, coder, origin,
    memo, key flag and creation time. Refused if the text under it changed or the id is taken."""
    data = row.as_dict() if isinstance(row, CodingRow) else dict(row)
    if session.get(Coding, data["id"]) is not None:
        raise ConflictError(f"coding {data['id']} exists already; there is nothing to restore")
    doc = lookup.document(session, data["document"])
    if doc.text[data["start"]:data["end"]] != data["quote"]:
        raise QualcodeError(
            f"the text at {data['start']}:{data['end']} is no longer the coded quote",
            where=doc.name, hint="code the passage again")
    created = data.get("created_at")
    coding = Coding(
        id=data["id"],
        document=doc,
        start=data["start"],
        end=data["end"],
        code=lookup.code(session, data["code"], allow_retired=True),
        coder=lookup.coder(session, data["coder"]),
        origin=data["origin"],
        quote=data["quote"],
        memo=data.get("memo"),
        key_quote=bool(data.get("key")),
    )
    if created:
        coding.created_at = dt.datetime.fromisoformat(created)
    session.add(coding)
    session.flush()
    restored = to_row(coding)
    events.record(session, actor, "coding.restore", "coding", coding.id,
                  after=restored.as_dict())
    return restored
