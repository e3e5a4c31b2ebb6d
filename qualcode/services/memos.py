"""Memos: the researcher's notes on the project, a case, a document, a code or a coding."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services import events, lookup
from qualcode.storage.models import Case, Code, Coder, Coding, Document, Memo


@dataclass
class MemoView:
    id: int
    target: str  # "project", "case Firm C", "document interview-03", "code ...", "coding 12"
    title: str | None
    text: str
    author: str | None
    created_at: str


def _target(session: Session, m: Memo) -> str:
    if m.case_id:
        return f"case {session.get(Case, m.case_id).name}"
    if m.document_id:
        return f"document {session.get(Document, m.document_id).name}"
    if m.code_id:
        return f"code {session.get(Code, m.code_id).key}"
    if m.coding_id:
        return f"coding {m.coding_id}"
    return "project"


def _view(session: Session, m: Memo) -> MemoView:
    author = session.get(Coder, m.coder_id).name if m.coder_id else None
    return MemoView(
        id=m.id,
        target=_target(session, m),
        title=m.title,
        text=m.text,
        author=author,
        created_at=m.created_at.isoformat() if m.created_at else "",
    )


def add_memo(
    session: Session,
    text: str,
    *,
    author: str,
    title: str | None = None,
    case: str | None = None,
    document: str | None = None,
    code: str | None = None,
    coding: int | None = None,
) -> MemoView:
    if not text.strip():
        raise QualcodeError("the memo is empty")
    if sum(x is not None for x in (case, document, code, coding)) > 1:
        raise QualcodeError(
            "a memo is about one thing: give at most one of --case, --document, --code, --coding"
        )
    memo = Memo(text=text, title=title, coder_id=lookup.coder(session, author).id)
    if case is not None:
        memo.case_id = lookup.case(session, case).id
    if document is not None:
        memo.document_id = lookup.document(session, document).id
    if code is not None:
        memo.code_id = lookup.code(session, code, allow_retired=True).id
    if coding is not None:
        if session.get(Coding, coding) is None:
            raise NotFoundError(f"no coding with id {coding}")
        memo.coding_id = coding
    session.add(memo)
    session.flush()
    view = _view(session, memo)
    events.record(
        session, author, "memo.add", "memo", memo.id, after={"target": view.target, "text": text},
        document_id=_document_of(session, memo),
    )
    return view


def _document_of(session: Session, memo: Memo) -> int | None:
    if memo.document_id:
        return memo.document_id
    if memo.coding_id:
        coding = session.get(Coding, memo.coding_id)
        return coding.document_id if coding else None
    return None


def _get(session: Session, memo_id: int) -> Memo:
    memo = session.get(Memo, memo_id)
    if memo is None:
        raise NotFoundError(f"no memo with id {memo_id}", hint="see ids with `qualcode memo list`")
    return memo


def edit_memo(session: Session, memo_id: int, *, actor: str, text: str | None = None,
              title: str | None = None) -> MemoView:
    """Replace a memo's text and/or title; the event keeps the old ones for undo."""
    memo = _get(session, memo_id)
    if text is None and title is None:
        raise QualcodeError("say what to change: the new text, or --title")
    if text is not None and not text.strip():
        raise QualcodeError("the memo is empty", hint="to delete it: `qualcode memo remove ID`")
    before = {"text": memo.text, "title": memo.title}
    if text is not None:
        memo.text = text
    if title is not None:
        memo.title = title or None
    session.flush()
    events.record(session, actor, "memo.edit", "memo", memo.id, before=before,
                  after={"text": memo.text, "title": memo.title, "target": _target(session, memo)},
                  document_id=_document_of(session, memo))
    return _view(session, memo)


def remove_memo(session: Session, memo_id: int, *, actor: str) -> MemoView:
    """Delete a memo; the event keeps it whole, so `qualcode undo` restores it."""
    from qualcode.services.coding import snapshot

    memo = _get(session, memo_id)
    view = _view(session, memo)
    document_id = _document_of(session, memo)
    data = snapshot(memo)
    session.delete(memo)
    session.flush()
    events.record(session, actor, "memo.remove", "memo", memo_id,
                  before={"memo": data, "target": view.target, "text": view.text},
                  document_id=document_id)
    return view


def list_memos(
    session: Session,
    *,
    case: str | None = None,
    document: str | None = None,
    code: str | None = None,
) -> list[MemoView]:
    q = select(Memo).order_by(Memo.created_at, Memo.id)
    if case is not None:
        q = q.where(Memo.case_id == lookup.case(session, case).id)
    if document is not None:
        q = q.where(Memo.document_id == lookup.document(session, document).id)
    if code is not None:
        q = q.where(Memo.code_id == lookup.code(session, code, allow_retired=True).id)
    return [_view(session, m) for m in session.scalars(q)]
