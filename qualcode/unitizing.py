"""Krippendorff's alpha for unitizing a continuum (the u-alpha family), exact with fractions.

When coders choose their own spans of a text, agreement is on where units begin and end as much
as on their codes. Krippendorff's unitizing alpha compares the coders' segmentations of a
continuum of L positions (here: characters), each position being either inside a unit that
carries a value (a code) or in a gap (irrelevant matter, written phi below). Definitions follow
Krippendorff, Mathet, Bouvry & Widloecher (2016) "On the reliability of unitizing textual
continua: further developments", Quality & Quantity 50, and Krippendorff (2019) Content Analysis,
4th ed., sec. 12.6:

- Observed coincidences of lengths: for every ordered pair of different observers i != j and
  every segment g of i (value c) and h of j (value k),
      l_ck += |S_ig intersect S_jh| / (m - 1),
  so l.. = m * L. Gaps are segments of value phi; each gap position counts as a unit of length 1.
- Expected coincidences, excluding a segment's pairing with itself:
      e_ck = (l_c. * l_.k - [c = k] * sum over segments valued c of len^2) / (l.. - S / l..)
  with S the sum of len^2 over all segments (a gap position contributes 1).
- u-alpha      = 1 - sum_{c != k} l_ck / sum_{c != k} e_ck over all values and phi (nominal):
                 agreement on boundaries and codes together.
- |u-alpha     = the same with every value collapsed to "a unit": agreement on telling units from
                 gaps (the segments keep their boundaries).
- cu-alpha     = the same restricted to coincidences between valued segments: agreement on the
                 codes where coders' units overlap. A segment's length here is its pairable
                 length, the mean over the other observers of its overlap with their units.
- (k)u-alpha   = 1 - (1 - l*_kk / l*_k.) / (1 - e*_kk / e*_k.) in that restricted matrix: how
                 reliably one value k is used, with its coverage l*_k. / l_k. (the share of k's
                 length that meets another observer's unit at all).

The published worked example (Krippendorff 2019, fig. 12.11: three observers, L = 60) is in
tests/data/reliability_vectors.json with the values asserted in tests/test_unitizing.py.
Several continua (documents) are pooled by placing them end to end: no segment crosses a seam,
so the coincidences are the sums of the documents' coincidences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from qualcode.errors import QualcodeError

# One observer's unitization of one continuum: half-open [start, end) segments with a value.
Segment = tuple[int, int, Hashable]

GAP = None  # the value of irrelevant matter (phi)


@dataclass
class UnitizingResult:
    """The u-alpha family for one set of unitizations; None where a coefficient is 0/0."""

    observers: int
    length: int  # L, summed over the continua
    u_alpha: Fraction | None
    binary_u_alpha: Fraction | None  # |u-alpha
    cu_alpha: Fraction | None
    per_value: dict[Hashable, Fraction | None] = field(default_factory=dict)  # (k)u-alpha
    coverage: dict[Hashable, Fraction] = field(default_factory=dict)
    observed: dict[tuple[Hashable, Hashable], Fraction] = field(default_factory=dict)


def _check(continua: Sequence[tuple[int, Sequence[Sequence[Segment]]]]) -> int:
    if not continua:
        raise QualcodeError("unitizing alpha needs at least one continuum")
    observers = {len(obs) for _length, obs in continua}
    if len(observers) != 1:
        raise QualcodeError("every continuum needs the same observers")
    m = observers.pop()
    if m < 2:
        raise QualcodeError(f"unitizing alpha needs at least 2 observers, got {m}")
    for n, (length, obs) in enumerate(continua, start=1):
        if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
            raise QualcodeError(f"a continuum needs a positive length, got {length!r}",
                                where=f"continuum {n}")
        for i, segments in enumerate(obs, start=1):
            last = 0
            for start, end, value in sorted(segments, key=lambda s: (s[0], s[1])):
                if not (0 <= start < end <= length):
                    raise QualcodeError(
                        f"segment {start}:{end} is empty or outside the continuum (0-{length})",
                        where=f"continuum {n}, observer {i}",
                    )
                if start < last:
                    raise QualcodeError(
                        f"segment {start}:{end} overlaps another of the same observer",
                        where=f"continuum {n}, observer {i}",
                        hint="a unitization gives each position at most one value",
                    )
                if value is GAP:
                    raise QualcodeError("a segment needs a value (None is the gap)",
                                        where=f"continuum {n}, observer {i}")
                last = end
    return m


def _pieces(length: int, obs: Sequence[Sequence[Segment]]):
    """The continuum cut at every boundary: (piece length, per observer (segment id, value)).

    A segment id is unique per observer and segment; gap positions have id None."""
    cuts = {0, length}
    for segments in obs:
        for start, end, _v in segments:
            cuts.update((start, end))
    bounds = sorted(cuts)
    index = {b: n for n, b in enumerate(bounds)}
    owners = []
    for i, segments in enumerate(obs):
        at = [(None, GAP)] * (len(bounds) - 1)
        for g, (start, end, value) in enumerate(segments):
            for p in range(index[start], index[end]):
                at[p] = ((i, g), value)
        owners.append(at)
    for p in range(len(bounds) - 1):
        yield bounds[p + 1] - bounds[p], [owners[i][p] for i in range(len(obs))]


def _alpha(observed: dict, selfpairs: Counter) -> Fraction | None:
    """1 - D_o / D_e for a coincidence matrix of lengths and each value's sum of squared segment
    lengths (the pairings of a segment with itself, which chance cannot produce)."""
    total = sum(observed.values(), Fraction(0))
    if total == 0:
        return None
    margin: Counter = Counter()
    for (c, _k), v in observed.items():
        margin[c] += v
    disagree = sum((v for (c, k), v in observed.items() if c != k), Fraction(0))
    corrected = total - Fraction(sum(selfpairs.values())) / total
    chance = (total * total - sum(v * v for v in margin.values())) / corrected
    if chance == 0:
        return None
    return 1 - disagree / chance


def unitizing_alpha(continua: Sequence[tuple[int, Sequence[Sequence[Segment]]]]) -> UnitizingResult:
    """The u-alpha family for m observers' unitizations of one or more continua.

    `continua` holds (L, unitizations) pairs; unitizations[i] is observer i's list of
    (start, end, value) segments, half-open, within [0, L), not overlapping each other. Positions
    outside every segment are gaps. Raises QualcodeError on malformed input.
    """
    m = _check(continua)
    observed: Counter = Counter()  # l_ck over values and GAP
    seglen: Counter = Counter()  # (continuum, observer, segment) -> length
    segvalue: dict = {}
    pairable: Counter = Counter()  # (continuum, observer, segment) -> (m-1) * pairable length
    gaps = 0
    length = 0
    for n, (size, obs) in enumerate(continua):
        length += size
        for piece, owners in _pieces(size, obs):
            values = [v for _id, v in owners]
            units = sum(v is not GAP for v in values)
            for i, (seg, c) in enumerate(owners):
                if seg is None:
                    gaps += piece
                else:
                    key = (n, *seg)
                    seglen[key] += piece
                    segvalue[key] = c
                    pairable[key] += piece * (units - 1)  # other observers' units here
                for j, (_s, k) in enumerate(owners):
                    if j != i:
                        observed[(c, k)] += Fraction(piece, m - 1)
    selfpairs: Counter = Counter({GAP: gaps})
    for key, size in seglen.items():
        selfpairs[segvalue[key]] += size * size

    u_alpha = _alpha(observed, selfpairs)

    binary: Counter = Counter()
    for (c, k), v in observed.items():
        binary[(c is not GAP, k is not GAP)] += v
    binary_self = Counter({False: gaps, True: sum(s * s for s in seglen.values())})
    binary_u_alpha = _alpha(binary, binary_self)

    within = Counter({ck: v for ck, v in observed.items() if GAP not in ck})
    within_self: Counter = Counter()
    for key, p in pairable.items():
        within_self[segvalue[key]] += Fraction(p, m - 1) ** 2
    cu_alpha = _alpha(within, within_self)

    per_value: dict = {}
    coverage: dict = {}
    full_margin: Counter = Counter()
    for (c, _k), v in observed.items():
        full_margin[c] += v
    margin: Counter = Counter()
    for (c, _k), v in within.items():
        margin[c] += v
    total = sum(within.values(), Fraction(0))
    corrected = (total - sum(within_self.values(), Fraction(0)) / total) if total else None
    for value in sorted((v for v in full_margin if v is not GAP), key=repr):
        coverage[value] = margin[value] / full_margin[value]
        per_value[value] = None
        if not margin[value] or not corrected:
            continue
        expected_kk = (margin[value] ** 2 - within_self[value]) / corrected
        expected_k = margin[value] * total / corrected
        observed_share = 1 - within[(value, value)] / margin[value]
        expected_share = 1 - expected_kk / expected_k
        if expected_share:
            per_value[value] = 1 - observed_share / expected_share
    return UnitizingResult(
        observers=m,
        length=length,
        u_alpha=u_alpha,
        binary_u_alpha=binary_u_alpha,
        cu_alpha=cu_alpha,
        per_value=per_value,
        coverage=coverage,
        observed=dict(observed),
    )


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans of one coder and one code become one unit (touching ones stay two)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def one_value_each(spans: Sequence[tuple[int, int, Hashable]]) -> list[Segment]:
    """One coder's codings as a unitization: where several codes cover a stretch, its value is
    the tuple of those codes (sorted), so every position has one value. A piece ends wherever a
    coding starts or ends, so two touching codings stay two units."""
    cuts: set[int] = set()
    for start, end, _v in spans:
        cuts.update((start, end))
    bounds = sorted(cuts)
    out: list[Segment] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        value = tuple(sorted({v for s, e, v in spans if s < b and e > a}, key=repr))
        if value:
            out.append((a, b, value))
    return out


__all__ = [
    "GAP", "UnitizingResult", "merge_spans", "one_value_each", "unitizing_alpha"
]

