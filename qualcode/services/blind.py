"""Blind coding: what one coder may see while coding independently of the others.

Two coders (or more) coding the same documents for an agreement check must not see each other's
work. Under blind coding a coder sees only their own codings, and only the suggestions that are
still pending or that they decided themselves. `show`, `review`, `codings list`,
`suggestions list` and the full-screen coder (`code DOC`, services/coder_view.py) take
`--blind` and all use the filters below.

A suggestion is decided once for the project: one coder's accepting it makes that coder's
coding, and it leaves every other coder's queue. For an independent second coding, let each
coder code by hand (or review suggestions only in documents no one else codes) until the
agreement check is done.
"""

from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qualcode.storage.models import Coder, Coding, Suggestion


def _coder_id(session: Session, coder: str) -> int | None:
    """The coder's id, or None for a coder who has not coded anything yet (they see nothing)."""
    return session.scalars(select(Coder.id).where(Coder.name == coder.strip())).first()


def codings_visible_to(session: Session, coder: str) -> ColumnElement[bool]:
    """A where-clause on Coding: only this coder's own codings."""
    coder_id = _coder_id(session, coder)
    return false() if coder_id is None else Coding.coder_id == coder_id


def suggestions_visible_to(session: Session, coder: str) -> ColumnElement[bool]:
    """A where-clause on Suggestion: pending ones, and those this coder decided."""
    coder_id = _coder_id(session, coder)
    if coder_id is None:
        return Suggestion.status == "pending"
    return or_(Suggestion.status == "pending", Suggestion.decided_by_id == coder_id)


__all__ = ["codings_visible_to", "suggestions_visible_to"]
