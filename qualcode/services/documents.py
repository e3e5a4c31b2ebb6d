"""Managing imported documents and cases: list, rename, remove, move to a case, set attributes;
cases renamed, merged, removed. Every change is an event that history.py can undo: a removal
keeps everything it took (codings with their memos, suggestions, memos, attributes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qualcode.errors import ConflictError, QualcodeError
from qualcode.services import attributes, events, lookup
from qualcode.services.coding import snapshot
from qualcode.services.history import UndoRefused, handler, restore
from qualcode.storage.models import (
    Case,
    CaseValue,
    Coding,
    CodingFlag,
    Document,
    DocumentValue,
    JudgedSpan,
    Memo,
    Suggestion,
    Summary,
    Turn,
)


@dataclass
class DocumentRow:
    name: str
    case: str | None
    words: int
    turns: int
    codings: int
    source: str
    imported_at: str
    attributes: dict[str, Any]


def list_documents(session: Session, *, case: str | None = None) -> list[DocumentRow]:
    turns = dict(session.execute(
        select(Turn.document_id, func.count()).group_by(Turn.document_id)).all())
    coded = dict(session.execute(
        select(Coding.document_id, func.count()).group_by(Coding.document_id)).all())
    values: dict[int, dict[str, Any]] = {}
    for v in session.scalars(select(DocumentValue)):
        values.setdefault(v.document_id, {})[v.attribute.name] = attributes.from_stored(
            v.value, v.attribute.type)
    query = (select(Document.id, Document.name, Case.name, Document.words,
                    Document.source_filename, Document.imported_at)
             .outerjoin(Case, Document.case_id == Case.id).order_by(Document.name))
    if case is not None:
        query = query.where(Document.case_id == lookup.case(session, case).id)
    return [DocumentRow(name, case_name, words or 0, turns.get(i, 0), coded.get(i, 0), source,
                        at.isoformat() if at else "", values.get(i, {}))
            for i, name, case_name, words, source, at in session.execute(query)]


def _free_name(session: Session, model, name: str, what: str) -> str:
    name = name.strip()
    if not name:
        raise QualcodeError(f"the new {what} name is empty")
    if session.scalars(select(model).where(model.name == name)).first() is not None:
        raise ConflictError(f"there is already a {what} called {name!r}",
                            hint=f"choose another name, or merge the {what}s")
    return name


def rename_document(session: Session, name: str, new: str, *, actor: str) -> str:
    doc = lookup.document(session, name)
    new = _free_name(session, Document, new, "document")
    old, doc.name = doc.name, new
    session.flush()
    events.record(session, actor, "document.rename", "document", doc.id, before={"name": old},
                  after={"name": new}, document_id=doc.id)
    return new


def _case_or_create(session: Session, name: str) -> tuple[Case, bool]:
    found = session.scalars(select(Case).where(Case.name == name)).first()
    if found is not None:
        return found, False
    case = Case(name=_free_name(session, Case, name, "case"))
    session.add(case)
    session.flush()
    return case, True


def set_case(session: Session, name: str, case: str | None, *, actor: str) -> str | None:
    """Move a document to a case (created if new), or out of any case with None."""
    doc = lookup.document(session, name)
    old = doc.case.name if doc.case else None
    created = False
    if case is None:
        doc.case_id = None
    else:
        target, created = _case_or_create(session, case)
        doc.case_id = target.id
    session.flush()
    events.record(session, actor, "document.set-case", "document", doc.id,
                  before={"case": old}, after={"case": case, "created_case": created,
                                               "name": doc.name}, document_id=doc.id)
    return case


def _values_of(owner_values) -> dict[str, Any]:
    return {v.attribute.name: v.value for v in owner_values}


def _assign(session: Session, scope: str, values: list, make, wanted: dict[str, str]) -> None:
    """Set stored attribute values (NAME -> raw text; '' removes) on a case or document."""
    current = {v.attribute.name: v for v in values}
    for key, raw in wanted.items():
        if raw == "" or raw is None:
            if key in current:
                values.remove(current.pop(key))
            continue
        attr = attributes.get_or_create(session, scope, key, raw)
        stored = attributes.to_stored(raw, attr.type, name=key)
        if key in current:
            current[key].value = stored
        else:
            current[key] = make(attr, stored)
            values.append(current[key])
    session.flush()


def set_document_attributes(session: Session, name: str, pairs: list[str], *, actor: str
                            ) -> dict[str, Any]:
    from qualcode.services.cases import parse_assignments

    doc = lookup.document(session, name)
    wanted = parse_assignments(pairs)
    before = _values_of(doc.values)
    _assign(session, "document", doc.values,
            lambda attr, stored: DocumentValue(attribute=attr, value=stored), wanted)
    after = _values_of(doc.values)
    events.record(session, actor, "document.set", "document", doc.id, before=before,
                  after=after, document_id=doc.id)
    return {k: attributes.from_stored(v.value, v.attribute.type) for k, v in
            ((v.attribute.name, v) for v in doc.values)}


def _document_snapshot(session: Session, doc: Document) -> dict[str, Any]:
    codings = list(session.scalars(select(Coding).where(Coding.document_id == doc.id)))
    coding_ids = [c.id for c in codings]
    return {
        "document": snapshot(doc),
        "case": doc.case.name if doc.case else None,
        "turns": [snapshot(t) for t in doc.turns],
        "values": [snapshot(v) for v in doc.values],
        "codings": [snapshot(c) for c in codings],
        "suggestions": [snapshot(s) for s in session.scalars(
            select(Suggestion).where(Suggestion.document_id == doc.id))],
        "memos": [snapshot(m) for m in session.scalars(select(Memo).where(
            (Memo.document_id == doc.id) | Memo.coding_id.in_(coding_ids)))],
        "flags": [snapshot(f) for f in session.scalars(
            select(CodingFlag).where(CodingFlag.coding_id.in_(coding_ids)))],
        "judged": [snapshot(j) for j in session.scalars(
            select(JudgedSpan).where(JudgedSpan.document_id == doc.id))],
    }


def remove_document(
    session: Session, name: str, *, actor: str,
    record: bool = True) -> dict[str, int]:
    """Remove a document with its turns, codings, suggestions and memos. The event keeps all of
    it: `qualcode undo` restores the document as it was."""
    doc = lookup.document(session, name)
    data = _document_snapshot(session, doc)
    counts = {k: len(data[k]) for k in ("codings", "suggestions", "memos", "turns")}
    doc_id = doc.id
    session.execute(update(Suggestion).where(Suggestion.document_id == doc_id)
                    .values(coding_id=None))
    for memo in session.scalars(select(Memo).where(
            Memo.coding_id.in_([c["id"] for c in data["codings"]]))):
        session.delete(memo)
    for coding in session.scalars(select(Coding).where(Coding.document_id == doc_id)):
        session.delete(coding)
    session.flush()
    session.delete(doc)
    session.flush()
    if record:
        events.record(session, actor, "document.remove", "document", doc_id, before=data,
                      after=counts, document_id=doc_id)
    return counts


def _restore_document(session: Session, data: dict[str, Any]) -> Document:
    name = data["document"]["name"]
    if session.scalars(select(Document).where(Document.name == name)).first() is not None:
        raise UndoRefused(f"a document called {name!r} exists again",
                          hint="rename or remove it first")
    case_id = None
    if data.get("case"):
        case_id, _ = _case_or_create(session, data["case"])
        case_id = case_id.id
    doc = restore(session, Document, data["document"], case_id=case_id)
    for t in data["turns"]:
        restore(session, Turn, t, document_id=doc.id)
    for v in data["values"]:
        restore(session, DocumentValue, v, document_id=doc.id)
    new_coding: dict[int, int] = {}
    for c in data["codings"]:
        new_coding[c["id"]] = restore(session, Coding, c, document_id=doc.id).id
    for s in data["suggestions"]:
        restore(session, Suggestion, s, document_id=doc.id,
                coding_id=new_coding.get(s["coding_id"]) if s.get("coding_id") else None)
    for f in data.get("flags", []):
        restore(session, CodingFlag, f, coding_id=new_coding[f["coding_id"]])
    for j in data.get("judged", []):
        restore(session, JudgedSpan, j, document_id=doc.id)
    for m in data["memos"]:
        restore(session, Memo, m,
                document_id=doc.id if m.get("document_id") else None,
                coding_id=new_coding.get(m["coding_id"]) if m.get("coding_id") else None)
    return doc


# --------------------------------------------------------------------------- cases


def rename_case(session: Session, name: str, new: str, *, actor: str) -> str:
    case = lookup.case(session, name)
    new = _free_name(session, Case, new, "case")
    old, case.name = case.name, new
    session.flush()
    events.record(session, actor, "case.rename", "case", case.id, before={"name": old},
                  after={"name": new})
    return new


def _case_snapshot(session: Session, case: Case) -> dict[str, Any]:
    return {
        "case": snapshot(case),
        "values": [snapshot(v) for v in case.values],
        "summaries": [snapshot(s) for s in session.scalars(
            select(Summary).where(Summary.case_id == case.id))],
        "memos": [snapshot(m) for m in session.scalars(
            select(Memo).where(Memo.case_id == case.id))],
        "documents": list(session.scalars(select(Document.id).where(
            Document.case_id == case.id))),
    }


def merge_cases(
    session: Session, source: str, target: str, *, actor: str,
    record: bool = True) -> dict[str, Any]:
    """Merge case SOURCE into TARGET: its documents, memos and summaries move, its attributes
    fill TARGET's gaps, and SOURCE is removed. Refused when the two disagree on an attribute or
    both have a summary of the same dimension (nothing is overwritten)."""
    a, b = lookup.case(session, source), lookup.case(session, target)
    if a.id == b.id:
        raise QualcodeError("a case cannot be merged into itself")
    b_values = _values_of(b.values)
    for key, value in _values_of(a.values).items():
        if key in b_values and b_values[key] != value:
            raise ConflictError(f"{a.name} and {b.name} disagree on {key} ({value} vs "
                                f"{b_values[key]})", hint=f"set one first: qualcode cases set "
                                f"{a.name!r} {key}={b_values[key]}")
    b_dims = set(session.scalars(select(Summary.dimension).where(Summary.case_id == b.id)))
    clash = sorted(b_dims & set(session.scalars(
        select(Summary.dimension).where(Summary.case_id == a.id))))
    if clash:
        raise ConflictError(f"both cases have a summary of {', '.join(clash)}",
                            hint="keep one: rewrite the other with `qualcode summary set`")
    data = _case_snapshot(session, a)
    added = {k: v for k, v in _values_of(a.values).items() if k not in b_values}
    for v in list(a.values):
        if v.attribute.name in added:
            b.values.append(CaseValue(attribute_id=v.attribute_id, value=v.value))
    session.execute(update(Document).where(Document.case_id == a.id).values(case_id=b.id))
    session.execute(update(Memo).where(Memo.case_id == a.id).values(case_id=b.id))
    session.execute(update(Summary).where(Summary.case_id == a.id).values(case_id=b.id))
    session.flush()
    session.expire_all()
    session.delete(session.get(Case, a.id))
    session.flush()
    data["into"] = b.name
    data["values_added"] = sorted(added)
    if record:
        events.record(session, actor, "case.merge", "case", data["case"]["id"], before=data,
                      after={"name": b.name, "documents": len(data["documents"])})
    return {"merged": source, "into": b.name, "documents": len(data["documents"]),
            "attributes_added": sorted(added)}


def remove_case(
    session: Session, name: str, *, actor: str,
    record: bool = True) -> dict[str, Any]:
    """Remove a case: its documents stay, without a case; its attributes, summaries and memos go
    into the event, from which `qualcode undo` restores them."""
    case = lookup.case(session, name)
    data = _case_snapshot(session, case)
    session.execute(update(Document).where(Document.case_id == case.id).values(case_id=None))
    session.flush()
    session.delete(case)
    session.flush()
    if record:
        events.record(session, actor, "case.remove", "case", data["case"]["id"], before=data,
                      after={"name": None})
    return {"removed": name, "documents": len(data["documents"]),
            "summaries": len(data["summaries"]), "memos": len(data["memos"])}


def _restore_case(session: Session, data: dict[str, Any]) -> Case:
    name = data["case"]["name"]
    if session.scalars(select(Case).where(Case.name == name)).first() is not None:
        raise UndoRefused(f"a case called {name!r} exists again", hint="rename it first")
    case = restore(session, Case, data["case"])
    for v in data["values"]:
        restore(session, CaseValue, v, case_id=case.id)
    return case


# --------------------------------------------------------------------------- undo handlers


def _named(session: Session, model, name: str | None, what: str):
    found = session.scalars(select(model).where(model.name == name)).first()
    if found is None:
        raise UndoRefused(f"no {what} called {name!r} any more (renamed or removed since)")
    return found


@handler("document.rename", "case.rename")
def _rename():
    def swap(session, ev, frm: str, to: str):
        model = Document if ev.entity == "document" else Case
        row = _named(session, model, (ev.after if frm == "after" else ev.before)["name"],
                     ev.entity)
        row.name = _free_name(session, model, (ev.before if frm == "after" else ev.after)
                              ["name"], ev.entity)
        session.flush()
        return {}

    return (lambda s, ev: swap(s, ev, "after", "before"),
            lambda s, ev, _p: swap(s, ev, "before", "after"))


@handler("document.set-case")
def _set_case():
    def move(session, ev, case_name, drop_if_created: bool):
        doc = session.get(Document, ev.entity_id)
        if doc is None:
            raise UndoRefused(f"document {ev.entity_id} is gone")
        old = doc.case
        doc.case_id = (_case_or_create(session, case_name)[0].id if case_name else None)
        session.flush()
        if drop_if_created and old is not None and (ev.after or {}).get("created_case"):
            if not session.scalars(select(Document).where(Document.case_id == old.id)).first():
                session.delete(old)
                session.flush()
        return {}

    return (lambda s, ev: move(s, ev, (ev.before or {}).get("case"), True),
            lambda s, ev, _p: move(s, ev, (ev.after or {}).get("case"), False))


@handler("document.set", "case.set")
def _set_values():
    def apply(session, ev, values: dict, other: dict):
        if ev.entity == "document":
            owner = session.get(Document, ev.entity_id)
            make = lambda attr, stored: DocumentValue(attribute=attr, value=stored)  # noqa: E731
        else:
            owner = session.get(Case, ev.entity_id)
            make = lambda attr, stored: CaseValue(attribute=attr, value=stored)  # noqa: E731
        if owner is None:
            raise UndoRefused(f"{ev.entity} {ev.entity_id} is gone")
        wanted = {k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                  for k, v in values.items()}
        wanted.update({k: "" for k in other if k not in values})
        _assign(session, ev.entity, owner.values, make, wanted)
        return {}

    return (lambda s, ev: apply(s, ev, ev.before or {}, ev.after or {}),
            lambda s, ev, _p: apply(s, ev, ev.after or {}, ev.before or {}))


@handler("document.remove")
def _document_remove():
    def undo(session, ev):
        doc = _restore_document(session, ev.before or {})
        return {"document_id": doc.id}

    def redo(session, ev, payload):
        doc = session.get(Document, payload["document_id"])
        if doc is None:
            raise UndoRefused("the document is gone already")
        remove_document(session, doc.name, actor="redo", record=False)
        return {}

    return undo, redo


@handler("case.remove", "case.merge")
def _case_remove():
    def undo(session, ev):
        data = ev.before or {}
        case = _restore_case(session, data)
        session.execute(update(Document).where(Document.id.in_(data["documents"]))
                        .values(case_id=case.id))
        for s in data["summaries"]:
            session.execute(update(Summary).where(Summary.id == s["id"]).values(case_id=case.id))
            if session.get(Summary, s["id"]) is None:
                restore(session, Summary, s, case_id=case.id)
        for m in data["memos"]:
            session.execute(update(Memo).where(Memo.id == m["id"]).values(case_id=case.id))
            if session.get(Memo, m["id"]) is None:
                restore(session, Memo, m, case_id=case.id)
        if data.get("into"):
            into = session.scalars(select(Case).where(Case.name == data["into"])).first()
            if into is not None:
                for v in list(into.values):
                    if v.attribute.name in data.get("values_added", []):
                        into.values.remove(v)
        session.flush()
        return {"case_id": case.id}

    def redo(session, ev, payload):
        case = session.get(Case, payload["case_id"])
        if case is None:
            raise UndoRefused("the case is gone already")
        if ev.action == "case.merge":
            merge_cases(session, case.name, (ev.before or {})["into"], actor="redo",
                        record=False)
        else:
            remove_case(session, case.name, actor="redo", record=False)
        return {}

    return undo, redo

