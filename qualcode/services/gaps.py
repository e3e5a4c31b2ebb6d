"""Where the evidence is missing or thin: cases (firms) x dimensions (or codes) with no coding, and
those resting on a single quote. Built on the count matrix, so child codes roll up the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services.counting import Counting, counted_codings
from qualcode.services.matrix import (
    NO_CASE,
    build_matrix,
    coding_filter,
    direct_counts,
    layout_columns,
)
from qualcode.storage.models import Case, Coding, Document

BY = ("dimension", "code")


@dataclass
class Gap:
    case: str
    column: str
    count: int  # 0: no evidence; 1: a single quote
    document: str | None = None  # for a single quote: where it is
    quote: str | None = None


@dataclass
class Gaps:
    by: str
    cases: list[str]
    columns: list[str]
    counts: list[list[int]]  # cases x columns, codings (children rolled up)
    missing: list[Gap] = field(default_factory=list)
    single: list[Gap] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counting: Counting | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "cases": self.cases, "columns": self.columns,
                "counts": self.counts, "missing": self.missing, "single": self.single,
                "filters": self.filters, "notes": self.notes,
                "coders": self.counting.as_dict() if self.counting else None}


def _single_quotes(session: Session, by: str, wanted: set[tuple[str, str]], coder: str | None,
                   origin: str | None) -> dict[tuple[str, str], tuple[str, str]]:
    """(case, column) -> (document, quote) of the one coding behind each single-quote cell."""
    if not wanted:
        return {}
    filt = coding_filter(session, coder=coder, origin=origin)
    columns = layout_columns(session, by, filt, direct_counts(session, filt))
    query = filt.apply(
        select(Coding.id, func.coalesce(Case.name, NO_CASE), Document.name, Coding.quote)
        .join(Document, Coding.document_id == Document.id)
        .outerjoin(Case, Document.case_id == Case.id)
    )
    details = {cid: rest for cid, *rest in session.execute(query)}
    # The one counted coding behind the cell (several coders' copies of it merged).
    out = {}
    for c in counted_codings(session, filt).codings:
        if c.id not in details:
            continue  # not among the filtered codings
        case, document, quote = details[c.id]
        for col in columns.targets.get(c.code_id, ()):
            key = (case, columns.labels[col])
            if key in wanted:
                out[key] = (document, quote)
    return out


def find_gaps(session: Session, *, by: str = "dimension", coder: str | None = None,
              origin: str | None = None) -> Gaps:
    """Every case x dimension (or x code) with no coding, and every one with exactly one.
    Coded documents without a case form a last row, "(no case)", and a note says so (they used
    to drop out silently). Retired codes count only as the matrix shows them (when they have
    codings)."""
    if by not in BY:
        raise QualcodeError(f"unknown --by {by!r}", hint="use --by dimension or --by code")
    matrix = build_matrix(session, rows="case", cols=by, value="count", coder=coder,
                          origin=origin)
    cases, counts = [], []
    for label, row in zip(matrix.row_labels, matrix.cells, strict=True):
        cases.append(label)
        counts.append([int(v) for v in row])
    columns = matrix.col_labels
    result = Gaps(by=by, cases=cases, columns=columns, counts=counts,
                  filters=matrix.filters, counting=matrix.counting)
    if NO_CASE in cases:
        caseless = session.scalars(select(Document.name).where(Document.case_id.is_(None))
                                   .order_by(Document.name)).all()
        result.notes.append(f"{len(caseless)} document(s) belong to no case; their codings are "
                            f"in the row {NO_CASE!r}: {', '.join(caseless)}")
    wanted = set()
    for case, row in zip(cases, counts, strict=True):
        if case == NO_CASE:  # shown in the grid; a gap is a firm's, not the leftovers'
            continue
        for column, n in zip(columns, row, strict=True):
            if n == 0:
                result.missing.append(Gap(case, column, 0))
            elif n == 1:
                wanted.add((case, column))
                result.single.append(Gap(case, column, 1))
    where = _single_quotes(session, by, wanted, coder, origin)
    for gap in result.single:
        gap.document, gap.quote = where.get((gap.case, gap.column), (None, None))
    return result
