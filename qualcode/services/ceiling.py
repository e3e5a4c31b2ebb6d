"""The suggester beside a second human coder: how far two people agree on the same documents is the
ceiling against which a suggester's F1 is read (`evaluate --beside CODER`).

Both figures are F1 against the same coder on the same documents, per dimension: the suggester's
from `evaluate`, the second coder's from `agreement`'s positive agreement (2a / (2a + b + c),
which for two coders is either one's F1 against the other), on respondent sentences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.agreement import agreement
from qualcode.services.learning import evaluate


@dataclass
class CeilingRow:
    name: str  # a dimension
    coder_f1: float | None  # the second coder against `against`
    suggester_f1: float | None  # the suggestions against `against`, the same documents


@dataclass
class Ceiling:
    coder: str
    against: str
    method: str
    documents: list[str]  # those both coders coded (within --document, when given)
    dimensions: list[CeilingRow]
    coder_macro_f1: float | None  # over the dimensions either coder marked
    suggester_macro_f1: float | None  # as evaluate counts it


def ceiling(session: Session, *, against: str, beside: str, method: str = "lexicon",
            documents: list[str] | None = None, **evaluate_options) -> Ceiling:
    if beside == against:
        raise QualcodeError(f"--beside names the coder compared against ({against})",
                            hint="name a second coder who coded the same documents")
    # refuses coders with no document in common, and unknown coders, itself
    pair = agreement(session, [against, beside], unit="sentence", documents=documents)
    scores = evaluate(session, against=against, method=method, documents=pair.documents,
                      **evaluate_options)
    coders = {r.name: r.positive for r in pair.dimensions}
    suggester = {s.name: s.f1 for s in scores.dimensions if s.gold or s.predicted}
    rows = [CeilingRow(name, coders.get(name), suggester.get(name))
            for name in sorted(set(coders) | set(suggester))]
    marked = [r.coder_f1 or 0.0 for r in rows if r.name in coders]
    return Ceiling(
        coder=beside,
        against=against,
        method=scores.method,
        documents=pair.documents,
        dimensions=rows,
        coder_macro_f1=round(sum(marked) / len(marked), 4) if marked else None,
        suggester_macro_f1=scores.dimension_macro_f1,
    )
