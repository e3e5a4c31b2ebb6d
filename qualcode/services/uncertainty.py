"""How sure `evaluate`'s figures are: bootstrap intervals of each dimension's F1, of the codes'
micro F1 and of the dimensions' macro F1, and the paired difference from another method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode import bootstrap
from qualcode.errors import QualcodeError


@dataclass
class Intervals:
    resamples: int
    by: str  # "sentence" or "document"
    level: float
    dimensions: list[bootstrap.Interval | None]  # in the order of the dimensions given
    codes_micro: bootstrap.Interval | None
    macro: bootstrap.Interval | None


def _tallies(gold: Sequence[set[str]], predicted: Sequence[set[str]], roots: Sequence[str],
             dims: dict[str, str], codes: Sequence[str]):
    """Per sentence: (tp, fp, fn) for each dimension, then for all codes pooled."""
    code_set = set(codes)
    rows = []
    for g, p in zip(gold, predicted, strict=True):
        g_dims, p_dims = {dims.get(c) for c in g}, {dims.get(c) for c in p}
        row = [(d in g_dims and d in p_dims, d in p_dims and d not in g_dims,
                d in g_dims and d not in p_dims) for d in roots]
        g_codes, p_codes = g & code_set, p & code_set
        row.append((len(g_codes & p_codes), len(p_codes - g_codes), len(g_codes - p_codes)))
        rows.append(row)
    return bootstrap.as_tallies(rows)


def check_unit(by: str) -> None:
    """Refuse an unknown resampling unit (evaluate asks before it scores anything)."""
    if by not in bootstrap.BY:
        raise QualcodeError(f"unknown resampling unit {by!r}", hint="sentence or document")


def _weights(documents: Sequence[int], by: str, resamples: int, seed: int):
    check_unit(by)
    if by == "document" and len(set(documents)) < 2:
        raise QualcodeError("resampling by document needs at least two documents",
                            hint="use --ci-by sentence")
    return bootstrap.resample_weights(len(documents), resamples=resamples, seed=seed,
                                      groups=documents if by == "document" else None)


def intervals(gold, predicted, *, roots, dims, codes, documents: Sequence[int], by: str,
              resamples: int, seed: int) -> Intervals:
    """`documents` names each sentence's document (for resampling by document)."""
    weights = _weights(documents, by, resamples, seed)
    tallies = _tallies(gold, predicted, roots, dims, codes)
    # the macro is over the dimensions only, as the point figure is
    per_column, macro = bootstrap.f1_intervals(tallies, weights, range(len(roots)))
    return Intervals(resamples=resamples, by=by, level=bootstrap.LEVEL,
                     dimensions=per_column[:-1], codes_micro=per_column[-1], macro=macro)


def macro_difference(gold, predicted, other, *, roots, dims, codes, documents: Sequence[int],
                     by: str, resamples: int, seed: int) -> bootstrap.Interval | None:
    """The interval of macro F1 (predicted) minus macro F1 (other) on the same resamples."""
    weights = _weights(documents, by, resamples, seed)
    keep = list(range(len(roots)))  # dimensions only
    a = _tallies(gold, predicted, roots, dims, codes)[:, keep]
    b = _tallies(gold, other, roots, dims, codes)[:, keep]
    return bootstrap.macro_difference(a, b, weights)
