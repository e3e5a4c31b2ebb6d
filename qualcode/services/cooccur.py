"""Code co-occurrence: which codes are applied together, within a unit of text.

Units:
- overlap: two codings whose spans overlap (share at least one character) in one document;
- sentence: both codes touch the same sentence (spaCy's rule-based sentencizer, run per turn);
- turn: both codes touch the same speaker turn;
- document: both codes occur in the same document.

Measures, for codes A and B:
- count: the number of units holding both; for overlap, the number of overlapping coding pairs.
- jaccard: n12 / (n1 + n2 - n12) over units, n1 and n2 the units holding A and B. For overlap the
  units are the codings themselves, so Jaccard equals the c-coefficient.
- c-coefficient, as ATLAS.ti defines it, over codings (quotations): n12 = pairs (a, b) of a
  coding of A and a coding of B that co-occur in the unit, n1 and n2 = the codings of A and B,
  c = n12 / (n1 + n2 - n12). Like ATLAS.ti's, it can leave [0, 1] when codings of one code
  overlap several of the other; such cells are listed in the notes, and a cell whose
  denominator is zero or less is empty (None).
The diagonal holds each code's own count (units holding it; codings for overlap and c).

At --level code each coding counts for its own code only: a parent does not include its
children, which would co-occur with it trivially. At --level dimension codings count for their
dimension. Several coders: the codings counted are those of services/counting.py (one code's
overlapping codings by different coders merged into one passage); a code coded by one coder and
another code by another coder on the same text co-occur, so filter with coder=... to see one
coder's co-occurrences.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain import Table
from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.counting import Counting, counted_codings
from qualcode.services.matrix import (
    CodingFilter,
    coding_filter,
    direct_counts,
    layout_columns,
    merge,
)
from qualcode.storage.models import Case, Coding, Document, Turn

UNITS = ("overlap", "sentence", "turn", "document")
MEASURES = ("count", "jaccard", "c-coefficient")
LEVELS = ("code", "dimension")
CLIP = 300


@dataclass
class Cooccurrence:
    """A symmetric code x code table; cells[i][j] is the measure for codes[i] and codes[j], the
    diagonal each code's own count (counts[code])."""

    unit: str
    measure: str
    level: str
    codes: list[str]
    counts: dict[str, int]
    cells: list[list[float | int | None]]
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)  # n12 behind each cell
    retired: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counting: Counting | None = None

    @property
    def title(self) -> str:
        return f"co-occurrence ({self.measure}) within {self.unit}"

    def wide_table(self) -> Table:
        return Table(
            columns=[self.level, *self.codes],
            rows=[[code, *row] for code, row in zip(self.codes, self.cells, strict=True)],
            title=self.title, notes=list(self.notes),
        )

    def long_table(self) -> Table:
        """One line per pair of different codes (each pair once), with n1, n2 and n12."""
        rows = []
        for i, j in combinations(range(len(self.codes)), 2):
            a, b = self.codes[i], self.codes[j]
            rows.append([a, b, self.counts[a], self.counts[b], self.pairs.get((a, b), 0),
                         self.cells[i][j]])
        return Table(columns=[f"{self.level} a", f"{self.level} b", "n1", "n2", "n12",
                              self.measure],
                     rows=rows, title=self.title, notes=list(self.notes))

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "measure": self.measure, "level": self.level,
                "codes": self.codes, "counts": self.counts, "cells": self.cells,
                "retired": self.retired, "filters": self.filters, "notes": self.notes,
                "coders": self.counting.as_dict() if self.counting else None}


@dataclass(frozen=True)
class _Coding:
    id: int
    document_id: int
    label: int
    start: int
    end: int
    quote: str


def _check(unit: str, measure: str, level: str) -> None:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint="one of " + ", ".join(UNITS))
    if measure not in MEASURES:
        raise QualcodeError(f"unknown measure {measure!r}", hint="one of " + ", ".join(MEASURES))
    if level not in LEVELS:
        raise QualcodeError(f"unknown level {level!r}", hint="use --level code or dimension")


def _codings(session: Session, filt: CodingFilter, level: str
             ) -> tuple[list[str], list[str], list[_Coding], Counting]:
    """The counted codings (several coders' copies of a passage merged, services/counting.py),
    each under its column."""
    columns = layout_columns(session, level, filt, direct_counts(session, filt), roll_up=False)
    quotes = dict(session.execute(filt.apply(select(Coding.id, Coding.quote))).all())
    counted = counted_codings(session, filt)
    found = []
    for c in counted.codings:
        for label in columns.targets.get(c.code_id, ()):
            found.append(_Coding(c.id, c.document_id, label, c.start, c.end, quotes[c.id]))
    return columns.labels, columns.retired, found, counted.counting


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    turn: int | None


def units_by_document(session: Session, unit: str, document_ids: set[int]
                      ) -> dict[int, list[Unit]]:
    """Each document's units, sorted and non-overlapping: its turns, the sentences of its turns,
    or the whole document. A document without turns is one turn."""
    docs = session.execute(select(Document.id, Document.text, Document.language)
                           .where(Document.id.in_(document_ids))).all()
    if unit == "document":
        return {d: [Unit(0, len(text), None)] for d, text, _ in docs}
    turns: dict[int, list[Unit]] = defaultdict(list)
    for doc_id, number, start, end in session.execute(
        select(Turn.document_id, Turn.number, Turn.start, Turn.end)
        .where(Turn.document_id.in_(document_ids)).order_by(Turn.document_id, Turn.start)
    ):
        if start < end:
            turns[doc_id].append(Unit(start, end, number))
    for doc_id, text, _ in docs:
        if doc_id not in turns:
            turns[doc_id] = [Unit(0, len(text), None)]
    if unit == "turn":
        return dict(turns)
    from qualcode.nlp.segment import sentence_bounds  # spaCy only for sentence units

    by_language: dict[str, list[tuple[int, Unit, str]]] = defaultdict(list)
    for doc_id, text, language in docs:
        for turn in turns[doc_id]:
            by_language[language or "en"].append((doc_id, turn, text[turn.start:turn.end]))
    out: dict[int, list[Unit]] = defaultdict(list)
    for language, items in by_language.items():
        bounds = sentence_bounds([text for _, _, text in items], language)
        for (doc_id, turn, _), sentences in zip(items, bounds, strict=True):
            out[doc_id].extend(Unit(turn.start + s, turn.start + e, turn.turn)
                               for s, e in sentences)
    return {d: sorted(u, key=lambda x: x.start) for d, u in out.items()}


def touched(units: list[Unit], starts: list[int], start: int, end: int) -> list[int]:
    """Indices of the units a span [start, end) shares a character with."""
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    out = []
    while i < len(units) and units[i].start < end:
        if units[i].end > start:
            out.append(i)
        i += 1
    return out


def _by_document(codings: list[_Coding]) -> dict[int, list[_Coding]]:
    by_doc: dict[int, list[_Coding]] = defaultdict(list)
    for c in codings:
        by_doc[c.document_id].append(c)
    return by_doc


def _count_overlaps(spans: dict[int, list[tuple[int, int, int]]]) -> dict[tuple[int, int], int]:
    """Per pair of labels (low, high), the number of overlapping (start, end, label) spans of
    the two labels within one document. A sweep in start order keeps, per label, how many spans
    are still open, so the work grows with spans x labels, not with pairs of spans."""
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for items in spans.values():
        items.sort()
        open_ends: list[tuple[int, int]] = []  # heap of (end, label)
        open_count: dict[int, int] = defaultdict(int)
        for start, end, label in items:
            while open_ends and open_ends[0][0] <= start:
                _, gone = heapq.heappop(open_ends)
                open_count[gone] -= 1
            for other, k in open_count.items():
                if k and other != label:
                    pairs[(min(other, label), max(other, label))] += k
            heapq.heappush(open_ends, (end, label))
            open_count[label] += 1
    return dict(pairs)


def _overlapping_pairs(codings: list[_Coding]) -> list[tuple[_Coding, _Coding]]:
    """Pairs of codings of different labels in one document whose spans overlap."""
    pairs = []
    for items in _by_document(codings).values():
        items.sort(key=lambda c: (c.start, c.end))
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                if b.start >= a.end:
                    break
                if a.label != b.label:
                    pairs.append((a, b))
    return pairs


def _unit_members(codings: list[_Coding], units: dict[int, list[Unit]]
                  ) -> dict[tuple[int, int], list[_Coding]]:
    """(document, unit index) -> the codings touching that unit."""
    starts = {d: [u.start for u in us] for d, us in units.items()}
    members: dict[tuple[int, int], list[_Coding]] = defaultdict(list)
    for c in codings:
        doc_units = units.get(c.document_id, [])
        for k in touched(doc_units, starts.get(c.document_id, []), c.start, c.end):
            members[(c.document_id, k)].append(c)
    return members


# --------------------------------------------------------------------------- the table


def cooccurrence(
    session: Session,
    *,
    unit: str = "overlap",
    measure: str = "count",
    coder: str | None = None,
    origin: str | None = None,
    code: str | None = None,
    level: str = "code",
) -> Cooccurrence:
    """Code x code co-occurrence within `unit`, as `measure` (see the module docstring for the
    exact definitions of the units, count, Jaccard and the c-coefficient)."""
    _check(unit, measure, level)
    filt = coding_filter(session, coder=coder, origin=origin, code=code)
    labels, retired, codings, counting = _codings(session, filt, level)
    n = len(labels)
    codings_per_label = [0] * n
    for c in codings:
        codings_per_label[c.label] += 1

    units_per_label = [0] * n
    unit_pairs: dict[tuple[int, int], int] = defaultdict(int)
    coding_pairs: dict[tuple[int, int], int]
    if unit == "overlap":
        units_per_label = list(codings_per_label)
        coding_pairs = _count_overlaps(
            {d: [(c.start, c.end, c.label) for c in cs] for d, cs in _by_document(codings).items()}
        )
        unit_pairs = coding_pairs
    else:
        units = units_by_document(session, unit, {c.document_id for c in codings})
        starts = {d: [u.start for u in us] for d, us in units.items()}
        labels_in_unit: dict[tuple[int, int], set[int]] = defaultdict(set)
        ranges: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for c in codings:
            hit = touched(units.get(c.document_id, []), starts.get(c.document_id, []),
                          c.start, c.end)
            for k in hit:
                labels_in_unit[(c.document_id, k)].add(c.label)
            if hit:  # the units a span touches are consecutive: first..last
                ranges[c.document_id].append((hit[0], hit[-1] + 1, c.label))
        for present in labels_in_unit.values():
            for label in present:
                units_per_label[label] += 1
            for x, y in combinations(sorted(present), 2):
                unit_pairs[(x, y)] += 1
        # Two codings co-occur when their ranges of units intersect, so coding pairs are
        # counted like overlapping spans, over unit numbers (a pair sharing two sentences
        # counts once).
        coding_pairs = _count_overlaps(ranges)

    use_codings = measure == "c-coefficient"
    own = codings_per_label if use_codings else units_per_label
    n12 = coding_pairs if use_codings else unit_pairs
    cells: list[list[float | int | None]] = [[0] * n for _ in range(n)]
    out_of_range = []
    for i in range(n):
        cells[i][i] = own[i]
        for j in range(i + 1, n):
            both = n12.get((i, j), 0)
            if measure == "count":
                value: float | int | None = both
            else:
                denominator = own[i] + own[j] - both
                if denominator <= 0:
                    value = None if both else 0.0
                else:
                    value = both / denominator
                if both and (value is None or value > 1):
                    out_of_range.append(f"{labels[i]} x {labels[j]}")
            cells[i][j] = cells[j][i] = value

    result = Cooccurrence(
        unit=unit, measure=measure, level=level, codes=labels,
        counts={label: own[i] for i, label in enumerate(labels)},
        cells=cells,
        pairs={(labels[i], labels[j]): v for (i, j), v in n12.items()},
        retired=retired, filters=list(filt.description), counting=counting,
    )
    result.pairs.update({(b, a): v for (a, b), v in list(result.pairs.items())})
    result.notes = _notes(result, out_of_range)
    return result


def _notes(result: Cooccurrence, out_of_range: list[str]) -> list[str]:
    unit_text = {
        "overlap": "codings whose spans overlap",
        "sentence": "codes touching the same sentence",
        "turn": "codes touching the same speaker turn",
        "document": "codes in the same document",
    }[result.unit]
    measure_text = {
        "count": "number of overlapping coding pairs" if result.unit == "overlap"
        else f"number of {result.unit}s holding both codes",
        "jaccard": "Jaccard n12 / (n1 + n2 - n12) over "
        + ("codings" if result.unit == "overlap" else f"{result.unit}s"),
        "c-coefficient": "c-coefficient (ATLAS.ti) n12 / (n1 + n2 - n12), n12 = co-occurring "
        "coding pairs, n1, n2 = codings of each code",
    }[result.measure]
    notes = [f"Co-occurrence: {unit_text}; values: {measure_text}.",
             "The diagonal is each code's own count."]
    if result.level == "code":
        notes.append("Each coding counts for its own code (parents do not include children).")
    if result.retired:
        notes.append("Retired codes shown because they have codings: "
                     + ", ".join(result.retired) + ".")
    if out_of_range:
        notes.append("Out of range (codings of one code overlap several of the other): "
                     + ", ".join(out_of_range) + ".")
    if result.filters:
        notes.append("Only codings of " + "; ".join(result.filters) + ".")
    if result.counting is not None:
        notes.append(result.counting.line)
    return notes


# --------------------------------------------------------------------------- passages


@dataclass
class Passage:
    """Where two codes co-occur: the unit (for overlap, the union of the two codings) and the
    quotes of both codes in it."""

    document: str
    case: str | None
    unit: str
    turn: int | None
    start: int
    end: int
    text: str
    quote_a: str
    quote_b: str
    spans_a: list[list[int]]
    spans_b: list[list[int]]


def _clip(text: str, width: int = CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _label_index(labels: list[str], name: str, level: str, session: Session) -> int:
    if name in labels:
        return labels.index(name)
    if level == "code":
        found = lookup.code(session, name, allow_retired=True)  # unknown: a one-line error
        if found.is_dimension:
            raise QualcodeError(f"{name!r} is a dimension", hint="add --level dimension")
        raise QualcodeError(f"code {name!r} has no codings under these filters",
                            hint="see `qualcode codings list --code " + name + "`")
    raise QualcodeError(f"unknown dimension {name!r}", hint="one of " + ", ".join(labels))


def cooccurrence_passages(
    session: Session,
    code_a: str,
    code_b: str,
    *,
    unit: str = "overlap",
    coder: str | None = None,
    origin: str | None = None,
    code: str | None = None,
    level: str = "code",
) -> list[Passage]:
    """The passages behind one cell of the co-occurrence table: for overlap, each overlapping
    pair of codings; for other units, each unit holding both codes."""
    _check(unit, "count", level)
    filt = coding_filter(session, coder=coder, origin=origin, code=code)
    labels, _, codings, _ = _codings(session, filt, level)
    a = _label_index(labels, code_a, level, session)
    b = _label_index(labels, code_b, level, session)
    if a == b:
        raise QualcodeError("--pair needs two different codes")
    wanted = [c for c in codings if c.label in (a, b)]
    docs = {
        doc_id: (name, text, case)
        for doc_id, name, text, case in session.execute(
            select(Document.id, Document.name, Document.text, Case.name)
            .outerjoin(Case, Document.case_id == Case.id)
            .where(Document.id.in_({c.document_id for c in wanted}))
        )
    }
    passages = []
    if unit == "overlap":
        for x, y in _overlapping_pairs(wanted):
            first, second = (x, y) if x.label == a else (y, x)
            name, text, case = docs[x.document_id]
            start, end = min(x.start, y.start), max(x.end, y.end)
            passages.append(Passage(name, case, unit, None, start, end,
                                    _clip(text[start:end]), first.quote, second.quote,
                                    [[first.start, first.end]], [[second.start, second.end]]))
    else:
        units = units_by_document(session, unit, {c.document_id for c in wanted})
        for (doc_id, k), members in _unit_members(wanted, units).items():
            side_a = [c for c in members if c.label == a]
            side_b = [c for c in members if c.label == b]
            if not side_a or not side_b:
                continue
            name, text, case = docs[doc_id]
            u = units[doc_id][k]
            passages.append(Passage(
                name, case, unit, u.turn, u.start, u.end, _clip(text[u.start:u.end]),
                " \u2026 ".join(c.quote for c in sorted(side_a, key=lambda c: c.start)),
                " \u2026 ".join(c.quote for c in sorted(side_b, key=lambda c: c.start)),
                [list(s) for s in merge([(c.start, c.end) for c in side_a])],
                [list(s) for s in merge([(c.start, c.end) for c in side_b])],
            ))
    passages.sort(key=lambda p: (p.document, p.start, p.end))
    return passages
