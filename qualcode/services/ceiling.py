"""The suggester beside a second human coder: how far two people agree on the same documents is the
ceiling against which a suggester's F1 is read (`evaluate --beside CODER`).

Both figures are F1 against the same coder on the same documents, per dimension: the suggester's
from `evaluate`, the second coder's from `agreement`'s positive agreement (2a / (2a + b + c),
which for two coders is either one's F1 against the other), on respondent sentences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qualcode.bootstrap import Interval
from qualcode.errors import QualcodeError
from qualcode.services.agreement import agreement
from qualcode.services.evaluation import evaluate


@dataclass
class CeilingRow:
    name: str  # a dimension
    coder_f1: float | None  # the second coder against `against`
    suggester_f1: float | None  # the suggestions against `against`, the same documents
    # with resampling (`--ci`): 95% bootstrap intervals on the same resampled sentences
    coder_f1_interval: Interval | None = None
    suggester_f1_interval: Interval | None = None


@dataclass
class Ceiling:
    coder: str
    against: str
    method: str
    documents: list[str]  # those both coders coded (within --document, when given)
    dimensions: list[CeilingRow]
    coder_macro_f1: float | None  # over the dimensions either coder marked
    suggester_macro_f1: float | None  # as evaluate counts it
    coder_macro_f1_interval: Interval | None = None
    suggester_macro_f1_interval: Interval | None = None
    # the suggester's macro F1 minus the second coder's, and its paired interval
    difference: float | None = None
    difference_interval: Interval | None = None
    intervals: dict | None = None  # {"resamples", "by", "level", "seed"}


def ceiling(session: Session, *, against: str, beside: str, method: str = "lexicon",
            documents: list[str] | None = None, **evaluate_options) -> Ceiling:
    if beside == against:
        raise QualcodeError(f"--beside names the coder compared against ({against})",
                            hint="name a second coder who coded the same documents")
    # refuses coders with no document in common, and unknown coders, itself
    pair = agreement(session, [against, beside], unit="sentence", documents=documents)
    scores = evaluate(session, against=against, method=method, documents=pair.documents,
                      beside=beside, **evaluate_options)
    coders = {r.name: r.positive for r in pair.dimensions}
    suggester = {s.name: s.f1 for s in scores.dimensions if s.gold or s.predicted}
    rows = [CeilingRow(name, coders.get(name), suggester.get(name))
            for name in sorted(set(coders) | set(suggester))]
    marked = [r.coder_f1 or 0.0 for r in rows if r.name in coders]
    if scores.intervals is not None:
        # the second coder in evaluate's frame: the same sentences and overlap rule as the
        # suggester, so both intervals and the paired difference come from the same resamples
        second = {d.name: d.f1_interval for d in scores.second_coder.dimensions}
        mine = {d.name: d.f1_interval for d in scores.dimensions}
        for row in rows:
            row.coder_f1_interval = second.get(row.name) if row.coder_f1 is not None else None
            row.suggester_f1_interval = (mine.get(row.name) if row.suggester_f1 is not None
                                         else None)
    side = scores.second_coder
    return Ceiling(
        coder=beside,
        against=against,
        method=scores.method,
        documents=pair.documents,
        dimensions=rows,
        coder_macro_f1=round(sum(marked) / len(marked), 4) if marked else None,
        suggester_macro_f1=scores.dimension_macro_f1,
        coder_macro_f1_interval=side.dimension_macro_f1_interval,
        suggester_macro_f1_interval=scores.dimension_macro_f1_interval,
        difference=(None if scores.dimension_macro_f1 is None or side.dimension_macro_f1 is None
                    else round(scores.dimension_macro_f1 - side.dimension_macro_f1, 4)),
        difference_interval=side.difference_interval,
        intervals=scores.intervals,
    )
