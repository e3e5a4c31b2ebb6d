"""Which codings an analysis counts when several coders coded the same document.

An interview coded twice for reliability would otherwise count twice. Every analysis (matrix,
gaps, synthesize, cooccur, the report) takes its codings from here:

- **one coder** (`--coder NAME`): that coder's codings, as they are;
- **merged** (the default): in a document, codings of the same code by *different* coders that
  overlap (share a character) are one passage. A passage counts as many times as the coder who
  coded it most often there (usually once; twice if one coder split what another coded whole),
  so the merged count is never below any single coder's count and agreement is not counted
  twice. A coder's own codings are never merged with each other: with one coder counted,
  merged counts are that coder's counts. The codings counted for a passage are those of that
  coder (ties: the consensus coder, then the first name); they give the quotes. A key-quote
  mark by any coder on an overlapping coding carries over. Coverage is the union of the
  characters any counted coder coded. Co-occurrence is computed on the counted codings, so a
  code coded by one coder and another code by another coder on overlapping text co-occur.

The merging itself is in `_merge_group`, used by both entry points: `counted_codings` (one row
per counted coding) and `counted_groups` (counts per document x coder x code, by SQL for the
documents only one coder coded).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.storage.models import Coder, Coding, Document

if TYPE_CHECKING:
    from qualcode.services.matrix import CodingFilter

CONSENSUS = "consensus"  # the coder `qualcode consensus` writes the reconciled coding to
ONE_CODER, MERGED, BY_CODER = "one coder", "merged", "by coder"
SHOWN_DOCUMENTS = 5  # shared documents named in a note before "and N more"


class Counted(NamedTuple):
    """One coding as an analysis counts it. `coders` are everyone who coded its passage (itself
    included); `passage_start`/`passage_end` the union of the passage's codings. (A named tuple:
    there may be 200,000 of them.)"""

    id: int
    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    key: bool
    origin: str
    coders: tuple[int, ...]
    passage_start: int
    passage_end: int


@dataclass
class Counting:
    """Who was counted, and how; every analysis reports it (terminal line, JSON, export note)."""

    mode: str  # ONE_CODER, MERGED or BY_CODER
    coders: list[str]  # the coders whose codings passed the filters, by name
    shared_documents: list[str] = field(default_factory=list)  # coded by more than one of them
    codings: int = 0  # codings passing the filters
    counted: int = 0  # codings counted after merging
    consensus: bool = False  # a consensus coder has codings and was not chosen alone

    @property
    def line(self) -> str:
        """One sentence: which coders, and what was done with codings several of them made."""
        names = ", ".join(self.coders) or "none (no codings)"
        if self.mode == ONE_CODER:
            text = f"Coders counted: {names} only (--coder)."
        elif self.mode == BY_CODER:
            text = f"Coders counted: {names}, each in its own row (not merged)."
        elif len(self.coders) <= 1:
            text = f"Coders counted: {names}."
        elif not self.shared_documents:
            text = (f"Coders counted: {names}; no document was coded by more than one of them, "
                    "so nothing was merged.")
        elif self.codings == self.counted:
            text = (f"Coders counted: {names}, merged; {len(self.shared_documents)} document(s) "
                    "were coded by more than one of them, but no passage with the same code by "
                    "two of them, so nothing was merged. One coder alone: --coder NAME.")
        else:
            shown = ", ".join(self.shared_documents[:SHOWN_DOCUMENTS])
            more = len(self.shared_documents) - SHOWN_DOCUMENTS
            shown += f" and {more} more" if more > 0 else ""
            text = (
                f"Coders counted: {names}, merged. {len(self.shared_documents)} document(s) were "
                f"coded by more than one coder ({shown}): overlapping codings of one code by "
                "different coders count once (as often as the coder who coded the passage most "
                f"often), so {self.codings - self.counted} of {self.codings} codings were not "
                "counted again. One coder alone: --coder NAME."
            )
        if self.consensus:
            text += (f" A consensus coder exists: --coder {CONSENSUS} counts only the reconciled "
                     "coding.")
        return text

    @property
    def short(self) -> str:
        """For a column of a CSV export: "li, wei (merged)"."""
        names = ", ".join(self.coders) or "none"
        return names if self.mode == MERGED and len(self.coders) <= 1 else f"{names} ({self.mode})"

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "counted": self.coders,
                "shared_documents": self.shared_documents, "codings": self.codings,
                "counted_codings": self.counted, "consensus_available": self.consensus,
                "note": self.line}


@dataclass
class CountedCodings:
    codings: list[Counted]
    counting: Counting


@dataclass
class CountedGroups:
    """Counted codings per (document id, coder id, code id), for counts without the rows."""

    groups: dict[tuple[int, int, int], int]
    counting: Counting


# --------------------------------------------------------------------------- the rule


# id, document, code, coder, start, end, key quote, origin
_Row = tuple[int, int, int, int, int, int, bool, str]


def _as_is(rows: list[_Row]) -> list[Counted]:
    return [Counted(*r, (r[3],), r[4], r[5]) for r in rows]


def _merge_group(rows: list[_Row], preference: dict[int, tuple]) -> list[Counted]:
    """The counted codings of one document and one code (the module docstring's rule).
    `preference` orders coders for ties (smaller first)."""
    if len({r[3] for r in rows}) == 1:
        return _as_is(rows)
    rows = sorted(rows, key=lambda r: (r[4], r[5], r[0]))
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Sweep in start order; a coding joins every still-open coding of another coder.
    open_: list[tuple[int, int, int]] = []  # (end, index, coder)
    joined = False
    for i, r in enumerate(rows):
        start, coder = r[4], r[3]
        open_ = [o for o in open_ if o[0] > start]
        for _, j, other in open_:
            if other != coder:
                parent[find(j)] = find(i)
                joined = True
        open_.append((r[5], i, coder))
    if not joined:
        return _as_is(rows)
    passages: dict[int, list[int]] = defaultdict(list)
    for i in range(len(rows)):
        passages[find(i)].append(i)

    out = []
    for members in passages.values():
        if len(members) == 1:
            out += _as_is([rows[members[0]]])
            continue
        per_coder = Counter(rows[i][3] for i in members)
        lead = min(per_coder, key=lambda c: (-per_coder[c], preference.get(c, (2, ""))))
        coders = tuple(sorted(per_coder, key=lambda c: preference.get(c, (2, ""))))
        lo = min(rows[i][4] for i in members)
        hi = max(rows[i][5] for i in members)
        keyed = [rows[i] for i in members if rows[i][6]]
        for i in members:
            r = rows[i]
            if r[3] != lead:
                continue
            key = r[6] or any(k[4] < r[5] and r[4] < k[5] for k in keyed)
            out.append(Counted(r[0], r[1], r[2], r[3], r[4], r[5], key, r[7], coders, lo, hi))
    out.sort(key=lambda c: (c.start, c.end, c.id))
    return out


# --------------------------------------------------------------------------- entry points


def _coders(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Coder.id, Coder.name)).all())


def _preference(names: dict[int, str]) -> dict[int, tuple]:
    return {cid: (0 if name == CONSENSUS else 1, name) for cid, name in names.items()}


def _counting(session: Session, filt: CodingFilter, names: dict[int, str], by_coder: bool,
              codings: int, counted: int) -> Counting:
    coder_ids = [c for (c,) in session.execute(
        filt.apply(select(Coding.coder_id).distinct()))]
    shared = list(session.scalars(
        filt.apply(select(Document.name).join(Coding, Coding.document_id == Document.id))
        .group_by(Document.id, Document.name)
        .having(func.count(Coding.coder_id.distinct()) > 1)
        .order_by(Document.name)
    )) if len(coder_ids) > 1 else []
    mode = ONE_CODER if filt.coder_id is not None else BY_CODER if by_coder else MERGED
    consensus = (mode != ONE_CODER and CONSENSUS in {names[c] for c in coder_ids})
    return Counting(mode=mode, coders=sorted(names[c] for c in coder_ids),
                    shared_documents=shared, codings=codings,
                    counted=codings if by_coder else counted, consensus=consensus)


def _shared_documents(filt: CodingFilter):
    """A subquery: the documents more than one coder coded (under the filters)."""
    return (filt.apply(select(Coding.document_id)).group_by(Coding.document_id)
            .having(func.count(Coding.coder_id.distinct()) > 1))


def _rows_query(filt: CodingFilter):
    return filt.apply(select(Coding.id, Coding.document_id, Coding.code_id, Coding.coder_id,
                             Coding.start, Coding.end, Coding.key_quote, Coding.origin))


def counted_codings(session: Session, filt: CodingFilter, *, by_coder: bool = False
                    ) -> CountedCodings:
    """The codings an analysis counts under `filt`, merged across coders unless `filt` names
    one coder or `by_coder` (each coder is counted on their own, as in rows by coder)."""
    names = _coders(session)
    preference = _preference(names)
    groups: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    total = 0
    for row in session.execute(_rows_query(filt)):
        total += 1
        groups[(row[1], row[2])].append(tuple(row))  # type: ignore[arg-type]
    out: list[Counted] = []
    for rows in groups.values():
        if by_coder:
            out += _as_is(rows)
        else:
            out += _merge_group(rows, preference)
    out.sort(key=lambda c: (c.document_id, c.start, c.end, c.id))
    return CountedCodings(out, _counting(session, filt, names, by_coder, total, len(out)))


def counted_groups(session: Session, filt: CodingFilter, *, by_coder: bool = False
                   ) -> CountedGroups:
    """How many codings count per (document, coder, code): SQL GROUP BY for documents one coder
    coded, the merge rule for the others (same result as counting `counted_codings`)."""
    names = _coders(session)
    merge = not by_coder and filt.coder_id is None
    shared = _shared_documents(filt) if merge else None
    grouped = filt.apply(
        select(Coding.document_id, Coding.coder_id, Coding.code_id, func.count())
        .group_by(Coding.document_id, Coding.coder_id, Coding.code_id))
    if shared is not None:
        grouped = grouped.where(Coding.document_id.not_in(shared))
    groups: dict[tuple[int, int, int], int] = {}
    total = 0
    for doc_id, coder_id, code_id, n in session.execute(grouped):
        groups[(doc_id, coder_id, code_id)] = n
        total += n
    if shared is not None:
        preference = _preference(names)
        by_group: dict[tuple[int, int], list[_Row]] = defaultdict(list)
        for row in session.execute(_rows_query(filt).where(Coding.document_id.in_(shared))):
            total += 1
            by_group[(row[1], row[2])].append(tuple(row))  # type: ignore[arg-type]
        for rows in by_group.values():
            for c in _merge_group(rows, preference):
                key = (c.document_id, c.coder_id, c.code_id)
                groups[key] = groups.get(key, 0) + 1
    return CountedGroups(groups, _counting(session, filt, names, by_coder, total,
                                           sum(groups.values())))
