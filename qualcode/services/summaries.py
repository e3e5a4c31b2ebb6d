"""The researcher's summaries: one text per case and dimension, with a fingerprint of the evidence
it was written on, so a summary whose codings changed afterwards is flagged STALE.

The fingerprint is a sha256 over the sorted (coding id, code key, start, end) of every coding, by
any coder, on the case's documents under the dimension. Adding, removing or moving a coding (or
recoding it) changes it; removing an added coding again restores it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain import DIMENSIONS
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services import events, lookup
from qualcode.storage.models import Case, Code, Coding, Document, Summary, utcnow


@dataclass
class SummaryView:
    case: str
    dimension: str
    text: str
    author: str | None
    written_at: str
    evidence_count: int  # codings under it when it was written
    current_count: int  # codings under it now
    stale: bool


@dataclass
class SummaryImport:
    case: str
    added: list[str]
    replaced: list[str]
    unchanged: list[str]


Evidence = tuple[int, str, int, int]  # coding id, code key, start, end


def fingerprint(evidence: list[Evidence]) -> str:
    canonical = json.dumps(sorted(evidence), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def evidence_by_cell(session: Session) -> dict[tuple[int, str], list[Evidence]]:
    """Every coding of every case, grouped by (case id, dimension); one query for the project."""
    rows = session.execute(
        select(Document.case_id, Code.dimension, Coding.id, Code.key, Coding.start, Coding.end)
        .join(Document, Coding.document_id == Document.id)
        .join(Code, Coding.code_id == Code.id)
        .where(Document.case_id.is_not(None))
    ).all()
    out: dict[tuple[int, str], list[Evidence]] = {}
    for case_id, dimension, cid, key, start, end in rows:
        out.setdefault((case_id, dimension), []).append((cid, key, start, end))
    return out


def known_dimensions(session: Session) -> list[str]:
    """The dimensions of the project's codebook: the paper's five first, in the paper's order,
    when the codebook has them, then the others in codebook order. A project whose codebook came
    from elsewhere (NVivo, say) gets its own dimensions only."""
    rows = session.execute(
        select(Code.dimension, Code.sort_order).order_by(Code.sort_order, Code.key)
    ).all()
    seen = list(dict.fromkeys(dimension for dimension, _order in rows))
    return [d for d in DIMENSIONS if d in seen] + [d for d in seen if d not in DIMENSIONS]


def check_dimension(session: Session, dimension: str) -> str:
    dims = known_dimensions(session)
    if dimension not in dims:
        raise NotFoundError(f"unknown dimension {dimension!r}",
                            hint="one of " + ", ".join(dims) if dims else
                            "the project has no codebook yet: `qualcode codebook load FILE`")
    return dimension


def _view(summary: Summary, evidence: list[Evidence]) -> SummaryView:
    return SummaryView(
        case=summary.case.name,
        dimension=summary.dimension,
        text=summary.text,
        author=summary.author.name if summary.author else None,
        written_at=summary.written_at.isoformat() if summary.written_at else "",
        evidence_count=summary.evidence_count,
        current_count=len(evidence),
        stale=fingerprint(evidence) != summary.evidence_fingerprint,
    )


def _state(summary: Summary) -> dict:
    return {
        "text": summary.text,
        "author": summary.author.name if summary.author else None,
        "evidence_fingerprint": summary.evidence_fingerprint,
        "evidence_count": summary.evidence_count,
    }


def _write(
    session: Session, case: Case, dimension: str, text: str, author: str | None, actor: str
) -> tuple[Summary, str]:
    """Create or replace one summary; returns it and what happened (added/replaced)."""
    if not text.strip():
        raise QualcodeError(
            "a summary cannot be empty", where=f"{case.name} / {dimension}",
            hint="write one or two sentences",
        )
    evidence = evidence_by_cell(session).get((case.id, dimension), [])
    author_row = lookup.coder(session, author) if author else None
    summary = session.scalars(
        select(Summary).where(Summary.case_id == case.id, Summary.dimension == dimension)
    ).one_or_none()
    before = _state(summary) if summary is not None else None
    what = "replaced" if summary is not None else "added"
    if summary is None:
        summary = Summary(case=case, dimension=dimension)
        session.add(summary)
    summary.text = text.strip()
    summary.author = author_row
    summary.evidence_fingerprint = fingerprint(evidence)
    summary.evidence_count = len(evidence)
    summary.written_at = utcnow()
    session.flush()
    after = _state(summary) | {"case": case.name, "dimension": dimension}
    events.record(session, actor, "summary.set", "summary", summary.id, before=before, after=after)
    return summary, what


def set_summary(
    session: Session, case_name: str, dimension: str, text: str, *, author: str | None, actor: str
) -> SummaryView:
    """Write (or replace) the summary of a case on a dimension, fingerprinting today's evidence."""
    case = lookup.case(session, case_name)
    check_dimension(session, dimension)
    summary, _ = _write(session, case, dimension, text, author, actor)
    return _view(summary, evidence_by_cell(session).get((case.id, dimension), []))


def import_summaries(
    session: Session, case_name: str, summaries: dict[str, str], *, author: str | None, actor: str
) -> SummaryImport:
    """Summaries carried by a coding file (`summaries:` per case). Text already stored as it is
    stays untouched, so re-importing the same file changes nothing; all dimensions are checked
    before anything is written."""
    case = lookup.case(session, case_name)
    for dimension in summaries:
        check_dimension(session, dimension)
    result = SummaryImport(case=case.name, added=[], replaced=[], unchanged=[])
    stored = {
        s.dimension: s
        for s in session.scalars(select(Summary).where(Summary.case_id == case.id))
    }
    for dimension, text in summaries.items():
        current = stored.get(dimension)
        if current is not None and current.text == text.strip():
            result.unchanged.append(dimension)
            continue
        _, what = _write(session, case, dimension, text, author, actor)
        getattr(result, what).append(dimension)
    return result


def show_summaries(
    session: Session, case_name: str, dimension: str | None = None
) -> list[SummaryView]:
    case = lookup.case(session, case_name)
    if dimension is not None:
        check_dimension(session, dimension)
    return [v for v in list_summaries(session) if v.case == case.name
            and (dimension is None or v.dimension == dimension)]


def list_summaries(session: Session, *, stale_only: bool = False) -> list[SummaryView]:
    """Every summary, cases by name, dimensions in the paper's order."""
    evidence = evidence_by_cell(session)
    order = {d: i for i, d in enumerate(known_dimensions(session))}
    views = [
        _view(s, evidence.get((s.case_id, s.dimension), []))
        for s in session.scalars(select(Summary))
    ]
    views.sort(key=lambda v: (v.case, order.get(v.dimension, len(order)), v.dimension))
    return [v for v in views if v.stale or not stale_only]


def summaries_by_cell(session: Session) -> dict[tuple[int, str], SummaryView]:
    """For the synthesis table: every summary keyed by (case id, dimension)."""
    evidence = evidence_by_cell(session)
    return {
        (s.case_id, s.dimension): _view(s, evidence.get((s.case_id, s.dimension), []))
        for s in session.scalars(select(Summary))
    }
