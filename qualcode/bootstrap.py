"""How sure an F1 is: percentile bootstrap intervals for F1 scores, and for the difference between
two methods' macro F1 on the same units (paired).

A gold standard of a few interviews gives F1 figures that move by 0.1 or more when a handful of
sentences change; an interval says so. Units (sentences) are drawn with replacement, or whole
groups of them (documents: a cluster bootstrap, since sentences of one interview are not
independent of each other). Seeded, so the same data and seed give the same interval.

Pure computation on counts: each unit carries, per column (a dimension, or all codes pooled), its
true positives, false positives and false negatives; a resample weights each unit by how often it
was drawn. numpy does the weighting (spaCy already requires it).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from qualcode.errors import QualcodeError

BY = ("sentence", "document")
DEFAULT_RESAMPLES = 1000
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def counts(gold: Sequence[Sequence[bool]], predicted: Sequence[Sequence[bool]]) -> np.ndarray:
    """Per unit and column, (tp, fp, fn): an array of shape (units, columns, 3)."""
    g = np.asarray(gold, dtype=bool).reshape(len(gold), -1)
    p = np.asarray(predicted, dtype=bool).reshape(len(predicted), -1)
    if g.shape != p.shape:
        raise QualcodeError(f"gold and predicted differ in shape: {g.shape} and {p.shape}")
    return np.stack([g & p, p & ~g, g & ~p], axis=-1).astype(np.int64)


def as_tallies(rows: Sequence[Sequence[tuple[int, int, int]]]) -> np.ndarray:
    """Counts already made per unit and column (tp, fp, fn), e.g. codes pooled, as an array."""
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), -1, 3)


def resample_weights(units: int, *, groups: Sequence[Hashable] | None = None,
                     resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """How often each unit is drawn in each resample: shape (resamples, units). With `groups`,
    whole groups are drawn (as many draws as there are groups) and every unit of a group drawn
    twice counts twice."""
    if resamples < 1:
        raise QualcodeError("the number of resamples must be 1 or more")
    if units == 0:
        raise QualcodeError("nothing to resample: there are no units")
    rng = np.random.default_rng(seed)
    if groups is None:
        return rng.multinomial(units, np.full(units, 1 / units), size=resamples)
    if len(groups) != units:
        raise QualcodeError(f"{len(groups)} group labels for {units} units")
    names = sorted(set(groups), key=str)
    member = np.array([names.index(g) for g in groups])
    drawn = rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=resamples)
    return drawn[:, member]


def f1_samples(tallies: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """F1 per resample and column, NaN where a resample holds nothing for that column (no gold
    and nothing predicted), as F1 is undefined there."""
    tp, fp, fn = (weights @ tallies[:, :, i] for i in range(3))
    denominator = 2 * tp + fp + fn
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 2 * tp / denominator, np.nan)


def macro(samples: np.ndarray) -> np.ndarray:
    """Mean F1 over the columns defined in each resample (as `evaluate`'s macro F1 counts only
    the dimensions that occur); NaN where none is."""
    defined = ~np.isnan(samples)
    total = np.where(defined, samples, 0.0).sum(axis=1)
    n = defined.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def interval(values: np.ndarray, level: float = LEVEL) -> Interval | None:
    """The central `level` share of the resampled values (percentile method); None when no
    resample defines the statistic."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return Interval(round(float(low), 4), round(float(high), 4))


def f1_intervals(tallies: np.ndarray, weights: np.ndarray, macro_columns: Sequence[int],
                 level: float = LEVEL) -> tuple[list[Interval | None], Interval | None]:
    """An interval for each column's F1, and one for the macro F1 over `macro_columns`."""
    samples = f1_samples(tallies, weights)
    per_column = [interval(samples[:, j], level) for j in range(samples.shape[1])]
    return per_column, interval(macro(samples[:, list(macro_columns)]), level)


def macro_difference(tallies_a: np.ndarray, tallies_b: np.ndarray, weights: np.ndarray,
                     level: float = LEVEL) -> Interval | None:
    """Paired: the interval of macro F1 (a) minus macro F1 (b), both computed on the same
    resampled units, so that what the two methods share does not widen it."""
    if tallies_a.shape != tallies_b.shape:
        raise QualcodeError("the two methods were scored on different units")
    return interval(macro(f1_samples(tallies_a, weights))
                    - macro(f1_samples(tallies_b, weights)), level)
