"""Intercoder agreement between two coders, per code, per dimension and pooled.

Two units, because each answers a different question:
- sentence: each respondent sentence is coded with a code or not by each coder (a coding marks
  every sentence it touches). Cohen's kappa, percent agreement and Krippendorff's alpha (nominal)
  on those binary labels. Recommended: sentences are the units people read and suggestions use.
- character: NVivo's coding comparison: every character coded or not, the 2x2 table pooled over
  the documents both coders coded. Kappa is inflated by long uncoded stretches; reported because
  NVivo users will compare with it.
Only documents that both coders coded are compared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import reliability
from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.storage.models import Code, Coding, Document

UNITS = ("sentence", "character")


@dataclass
class Agreement:
    name: str
    units: int  # sentences or characters compared
    coded_a: int
    coded_b: int
    both: int
    percent_agreement: float
    kappa: float | None
    alpha: float | None  # Krippendorff's alpha, sentence unit only


@dataclass
class AgreementReport:
    coder_a: str
    coder_b: str
    unit: str
    documents: list[str]
    codes: list[Agreement]
    dimensions: list[Agreement]
    overall: Agreement
    notes: list[str] = field(default_factory=list)


def _f(x: Fraction | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _codings(session: Session, coder_id: int, doc_ids: set[int]):
    out: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for doc_id, start, end, key in session.execute(
        select(Coding.document_id, Coding.start, Coding.end, Code.key)
        .join(Code, Coding.code_id == Code.id)
        .where(Coding.coder_id == coder_id)
    ):
        if doc_id in doc_ids:
            out[doc_id].append((start, end, key))
    return out


def _binary(name: str, a: list[bool], b: list[bool]) -> Agreement:
    both = sum(x and y for x, y in zip(a, b, strict=True))
    pa = reliability.percent_agreement(a, b) if a else None
    try:
        kappa = reliability.cohen_kappa(a, b, categories=[False, True])
    except reliability.UndefinedStatistic:
        kappa = None
    try:
        alpha = reliability.krippendorff_alpha([[int(x) for x in a], [int(y) for y in b]])
    except reliability.UndefinedStatistic:
        alpha = None
    return Agreement(
        name=name,
        units=len(a),
        coded_a=sum(a),
        coded_b=sum(b),
        both=both,
        percent_agreement=_f(pa) or 0.0,
        kappa=_f(kappa),
        alpha=_f(alpha),
    )


def agreement(
    session: Session,
    coder_a: str,
    coder_b: str,
    *,
    unit: str = "sentence",
    documents: list[str] | None = None,
) -> AgreementReport:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint="sentence or character")
    a = lookup.coder(session, coder_a, create=False)
    b = lookup.coder(session, coder_b, create=False)
    if a.id == b.id:
        raise QualcodeError("compare two different coders")
    coded_by = {
        c: set(session.scalars(select(Coding.document_id).where(Coding.coder_id == c)))
        for c in (a.id, b.id)
    }
    shared = coded_by[a.id] & coded_by[b.id]
    if documents:
        shared &= {lookup.document(session, d).id for d in documents}
    if not shared:
        raise QualcodeError(f"{a.name} and {b.name} have coded no document in common")
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(shared)))}
    spans_a, spans_b = _codings(session, a.id, shared), _codings(session, b.id, shared)
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    codes = sorted({k for s in (spans_a, spans_b) for items in s.values() for *_, k in items})
    names = sorted(docs[i].name for i in shared)
    if unit == "character":
        return _by_character(a.name, b.name, names, docs, spans_a, spans_b, codes, dims)
    return _by_sentence(session, a.name, b.name, names, docs, spans_a, spans_b, codes, dims)


def _by_sentence(session, name_a, name_b, names, docs, spans_a, spans_b, codes, dims):
    from qualcode.services.learning import respondent_sentences

    sents = respondent_sentences(session, set(docs))

    def labels(spans) -> list[set[str]]:
        out = []
        for s in sents:
            out.append(
                {
                    k
                    for start, end, k in spans.get(s.document_id, ())
                    if start < s.end and end > s.start
                }
            )
        return out

    la, lb = labels(spans_a), labels(spans_b)
    per_code = [_binary(c, [c in x for x in la], [c in y for y in lb]) for c in codes]
    dim_names = sorted({dims.get(c, c) for c in codes})
    per_dim = [
        _binary(
            d,
            [any(dims.get(c) == d for c in x) for x in la],
            [any(dims.get(c) == d for c in y) for y in lb],
        )
        for d in dim_names
    ]
    pooled = _binary(
        "all codes (pooled)",
        [c in x for c in codes for x in la],
        [c in y for c in codes for y in lb],
    )
    return AgreementReport(
        coder_a=name_a,
        coder_b=name_b,
        unit="sentence",
        documents=names,
        codes=per_code,
        dimensions=per_dim,
        overall=pooled,
        notes=[f"{len(sents)} respondent sentences; a coding marks every sentence it touches"],
    )


def _by_character(name_a, name_b, names, docs, spans_a, spans_b, codes, dims):
    def table(select_codes: set[str], name: str) -> Agreement:
        cells = {"both": 0, "only_a": 0, "only_b": 0, "neither": 0}
        for doc_id, doc in docs.items():
            result = reliability.coded_char_agreement(
                [(s, e) for s, e, k in spans_a.get(doc_id, ()) if k in select_codes],
                [(s, e) for s, e, k in spans_b.get(doc_id, ()) if k in select_codes],
                len(doc.text),
            )
            for key in cells:
                cells[key] += result[key]
        total = sum(cells.values())
        try:
            kappa = reliability.cohen_kappa_table(
                [[cells["both"], cells["only_a"]], [cells["only_b"], cells["neither"]]]
            )
        except reliability.UndefinedStatistic:
            kappa = None
        return Agreement(
            name=name,
            units=total,
            coded_a=cells["both"] + cells["only_a"],
            coded_b=cells["both"] + cells["only_b"],
            both=cells["both"],
            percent_agreement=_f(Fraction(cells["both"] + cells["neither"], total)),
            kappa=_f(kappa),
            alpha=None,
        )

    per_code = [table({c}, c) for c in codes]
    dim_names = sorted({dims.get(c, c) for c in codes})
    per_dim = [table({c for c in codes if dims.get(c) == d}, d) for d in dim_names]
    overall = table(set(codes), "any code")
    return AgreementReport(
        coder_a=name_a,
        coder_b=name_b,
        unit="character",
        documents=names,
        codes=per_code,
        dimensions=per_dim,
        overall=overall,
        notes=[
            "NVivo-style: characters pooled over the shared documents; "
            "kappa is inflated by long uncoded stretches"
        ],
    )
