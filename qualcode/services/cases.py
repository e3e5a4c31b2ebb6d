"""Cases (firms and institutions) and their typed attributes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.nlp.languages import count_words  # jieba only for zh; no spaCy
from qualcode.services import attributes, events, lookup
from qualcode.storage.models import Attribute, Case, CaseValue, Code, Coding, Document


@dataclass
class CaseSummary:
    name: str
    attributes: dict[str, Any]
    documents: int
    codings: int


@dataclass
class CaseDetail:
    name: str
    attributes: dict[str, Any]
    attribute_types: dict[str, str]
    documents: list[dict[str, Any]]
    codings_by_dimension: dict[str, int] = field(default_factory=dict)


def case_attributes(case: Case) -> dict[str, Any]:
    return {
        v.attribute.name: attributes.from_stored(v.value, v.attribute.type)
        for v in sorted(case.values, key=lambda v: v.attribute.name)
    }


def list_cases(session: Session) -> list[CaseSummary]:
    docs = dict(
        session.execute(select(Document.case_id, func.count()).group_by(Document.case_id)).all()
    )
    codings = dict(
        session.execute(
            select(Document.case_id, func.count(Coding.id))
            .join(Coding, Coding.document_id == Document.id)
            .group_by(Document.case_id)
        ).all()
    )
    values: dict[int, dict[str, Any]] = {}
    for case_id, name, kind, value in session.execute(  # one query, not two per case
        select(CaseValue.case_id, Attribute.name, Attribute.type, CaseValue.value)
        .join(Attribute, CaseValue.attribute_id == Attribute.id)
        .order_by(Attribute.name)
    ):
        values.setdefault(case_id, {})[name] = attributes.from_stored(value, kind)
    return [
        CaseSummary(
            name=name,
            attributes=values.get(case_id, {}),
            documents=docs.get(case_id, 0),
            codings=codings.get(case_id, 0),
        )
        for case_id, name in session.execute(select(Case.id, Case.name).order_by(Case.name))
    ]


def show_case(session: Session, name: str) -> CaseDetail:
    case = lookup.case(session, name)
    documents = []
    for d in sorted(case.documents, key=lambda d: d.name):
        n = session.scalar(select(func.count(Coding.id)).where(Coding.document_id == d.id))
        documents.append(
            {
                "name": d.name,
                "interviewee_role": d.interviewee_role,
                "date": d.interview_date.isoformat() if d.interview_date else None,
                "place": d.place,
                "words": count_words(d.text, d.language),
                "turns": len(d.turns),
                "codings": n,
            }
        )
    by_dim = dict(
        session.execute(
            select(Code.dimension, func.count(Coding.id))
            .join(Coding, Coding.code_id == Code.id)
            .join(Document, Coding.document_id == Document.id)
            .where(Document.case_id == case.id)
            .group_by(Code.dimension)
        ).all()
    )
    return CaseDetail(
        name=case.name,
        attributes=case_attributes(case),
        attribute_types={v.attribute.name: v.attribute.type for v in case.values},
        documents=documents,
        codings_by_dimension=lookup.in_codebook_order(session, by_dim),
    )


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QualcodeError(
                f"{pair!r} is not NAME=VALUE",
                hint='e.g. segment=cells origin="relocated from Shenzhen"',
            )
        out[name.strip()] = value
    return out


def set_attributes(
    session: Session, name: str, pairs: list[str], *, actor: str, create: bool = False
) -> CaseDetail:
    """Set attributes of a case; an existing attribute keeps its type and the value must fit it.
    An empty value (`origin=`) removes the attribute from the case."""
    assignments = parse_assignments(pairs)
    if create and session.scalars(select(Case).where(Case.name == name)).first() is None:
        session.add(Case(name=name))
        session.flush()
    case = lookup.case(session, name)
    before = case_attributes(case)
    current = {v.attribute.name: v for v in case.values}
    for key, raw in assignments.items():
        if raw == "":
            if key in current:
                case.values.remove(current.pop(key))
            continue
        attr = attributes.get_or_create(session, "case", key, raw)
        stored = attributes.to_stored(raw, attr.type, name=key)
        if key in current:
            current[key].value = stored
        else:
            value = CaseValue(attribute=attr, value=stored)
            case.values.append(value)
            current[key] = value
    session.flush()
    session.expire(case, ["values"])
    after = case_attributes(case)
    events.record(session, actor, "case.set", "case", case.id, before=before, after=after)
    return show_case(session, name)
