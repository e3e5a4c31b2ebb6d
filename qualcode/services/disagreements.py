"""The passages where coders differ, so that a team can reconcile them.

A passage is a unit of the agreement (sentence, turn or document) on which the coders' codes are
not the same; for the character and span units it is a stretch of text over which every coder's
codes stay the same and differ between coders. Each carries its text, who coded what and the
command that shows it in its turn (`qualcode show DOC --at OFFSET`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.agreement import UNITS, Comparison, character_runs, compare, units
from qualcode.storage.models import Code, Turn

# A whole-document passage is shown by its opening words, not its whole text.
DOCUMENT_TEXT = 300


@dataclass
class Disagreement:
    document: str
    case: str | None
    turn: int | None
    start: int
    end: int
    text: str
    codes: dict[str, list[str]]  # each coder's codes on this passage ([] = none; absent = missing)
    differing: list[str]  # codes some coders gave here and others did not
    show: str  # the command that shows the passage in its turn


@dataclass
class DisagreementReport:
    coders: list[str]
    unit: str
    documents: list[str]
    passages: list[Disagreement]


def _differing(codes: list[set[str] | None]) -> list[str]:
    present = [c for c in codes if c is not None]
    if len(present) < 2:
        return []
    return sorted(set().union(*present) - set.intersection(*present))


def _runs(comp: Comparison):
    """Adjacent character runs with the same codes per coder, joined into one passage."""
    current = None
    for doc_id, start, end, codes in character_runs(comp):
        if current and current[0] == doc_id and current[2] == start and current[3] == codes:
            current[2] = end
            continue
        if current:
            yield tuple(current)
        current = [doc_id, start, end, codes]
    if current:
        yield tuple(current)


def disagreements(
    session: Session,
    coders: list[str],
    *,
    unit: str = "sentence",
    documents: list[str] | None = None,
    partial: bool = False,
    code: str | None = None,
    dimension: str | None = None,
) -> DisagreementReport:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint=", ".join(UNITS))
    keep = None
    if code is not None:
        root = lookup.code(session, code, allow_retired=True)
        ids = set(lookup.subtree_ids(session, root))
        keep = set(session.scalars(select(Code.key).where(Code.id.in_(ids))))
    comp = compare(session, coders, documents=documents, partial=partial)
    if unit in ("character", "span"):
        passages = [(d, s, e, codes) for d, s, e, codes in _runs(comp)]
    else:
        found, _what = units(session, comp, unit)
        passages = [(u.document_id, u.start, u.end, u.codes) for u in found]
    turns: dict[int, list[tuple[int, int, int]]] = {}
    for doc_id, number, start, end in session.execute(
        select(Turn.document_id, Turn.number, Turn.start, Turn.end)
        .where(Turn.document_id.in_(list(comp.docs)))
        .order_by(Turn.document_id, Turn.start)
    ):
        turns.setdefault(doc_id, []).append((number, start, end))
    out = []
    for doc_id, start, end, codes in passages:
        differing = _differing(codes)
        if keep is not None:
            differing = [c for c in differing if c in keep]
        if dimension is not None:
            differing = [c for c in differing if comp.dims.get(c) == dimension]
        doc = comp.docs[doc_id]
        text = doc.text[start:end]
        if not differing or not text.strip():
            continue
        if unit == "document" and len(text) > DOCUMENT_TEXT:
            text = text[:DOCUMENT_TEXT].rstrip() + "\u2026"
        turn = next((n for n, s, e in turns.get(doc_id, ()) if s <= start < e), None)
        out.append(
            Disagreement(
                document=doc.name,
                case=doc.case.name if doc.case else None,
                turn=turn,
                start=start,
                end=end,
                text=text,
                codes={
                    name: sorted(c)
                    for name, c in zip(comp.coders, codes, strict=True)
                    if c is not None
                },
                differing=differing,
                show=f"qualcode show {shlex.quote(doc.name)} --at {start}",
            )
        )
    out.sort(key=lambda d: (d.document, d.start))
    return DisagreementReport(
        coders=comp.coders,
        unit=unit,
        documents=sorted(d.name for d in comp.docs.values()),
        passages=out,
    )
