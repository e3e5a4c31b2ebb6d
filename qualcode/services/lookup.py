"""Finding documents, cases, codes and coders by the names researchers type, with a helpful error
(close matches) when a name is wrong; and the dimensions in the codebook's order."""

from __future__ import annotations

import difflib
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.storage.models import Case, Code, Coder, Document

_Named = TypeVar("_Named", Case, Document)


def dimensions(session: Session) -> list[str]:
    """The dimensions' keys in the codebook's order (strategy before policy), retired ones too."""
    return list(session.scalars(select(Code.key).where(Code.is_dimension.is_(True))
                                .order_by(Code.sort_order, Code.id)))


def in_codebook_order(session: Session, by_dimension: dict[str, int]) -> dict[str, int]:
    """Counts by dimension in the order every table uses, not the order a query met them."""
    place = {key: i for i, key in enumerate(dimensions(session))}
    return dict(sorted(by_dimension.items(), key=lambda kv: (place.get(kv[0], len(place)), kv[0])))


def _did_you_mean(name: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(name, options, n=3, cutoff=0.5)
    return "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None


def _named(session: Session, model: type[_Named], name: str, what: str, listing: str) -> _Named:
    """The row of `model` called `name`, or NotFoundError with close names (else where to list
    them): documents and cases are looked up, and refused, the same way."""
    found = session.scalars(select(model).where(model.name == name)).one_or_none()
    if found is None:
        names = list(session.scalars(select(model.name)))
        raise NotFoundError(
            f"no {what} named {name!r}",
            hint=_did_you_mean(name, names) or f"list them with `{listing}`",
        )
    return found


def document(session: Session, name: str) -> Document:
    return _named(session, Document, name, "document", "qualcode stats")


def case(session: Session, name: str) -> Case:
    return _named(session, Case, name, "case", "qualcode cases list")


def code(session: Session, key: str, *, allow_retired: bool = False) -> Code:
    found = session.scalars(select(Code).where(Code.key == key)).one_or_none()
    if found is None:
        keys = list(session.scalars(select(Code.key)))
        if not keys:
            raise NotFoundError(
                f"unknown code {key!r}: the project has no codebook yet",
                hint="run `qualcode codebook load FILE`",
            )
        raise NotFoundError(
            f"unknown code {key!r}", hint=_did_you_mean(key, keys) or "see `qualcode codebook show`"
        )
    if found.retired and not allow_retired:
        raise QualcodeError(
            f"code {key!r} is retired (it is no longer in the codebook)",
            hint="put it back in the codebook and run `qualcode codebook load`",
        )
    return found


def coder(session: Session, name: str, *, create: bool = True) -> Coder:
    name = name.strip()
    if not name:
        raise QualcodeError("a coder needs a name", hint="pass --coder NAME or set QUALCODE_CODER")
    found = session.scalars(select(Coder).where(Coder.name == name)).one_or_none()
    if found is None:
        if not create:
            names = list(session.scalars(select(Coder.name)))
            raise NotFoundError(
                f"no coder named {name!r}",
                hint=_did_you_mean(name, names) or "coders: " + ", ".join(names),
            )
        found = Coder(name=name)
        session.add(found)
        session.flush()
    return found


def subtree_ids(session: Session, root: Code) -> list[int]:
    """The code and every code below it (child codes roll up into their parents)."""
    rows = session.execute(select(Code.id, Code.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for cid, pid in rows:
        children.setdefault(pid, []).append(cid)
    out, stack = [], [root.id]
    while stack:
        cid = stack.pop()
        out.append(cid)
        stack.extend(children.get(cid, []))
    return out
