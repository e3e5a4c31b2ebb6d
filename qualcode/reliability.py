"""Inter-coder agreement statistics, computed exactly with fractions.Fraction.

Pure stdlib: no I/O, no numpy. Exact fractions make results reproducible across platforms and let
tests compare against published worked examples digit for digit; call float() or format_decimal()
only when presenting.

Conventions:
- Proportions (agreement, precision...) are fractions in [0, 1], not percentages.
- A statistic whose formula divides 0 by 0 (no variation in the data, nothing to compare) raises
  UndefinedStatistic, a QualcodeError, rather than inventing a number; the message says why and
  what to report instead. Callers looping over many codes can catch it per code.
- Malformed input (ragged rows, negative counts, unknown weights...) raises QualcodeError.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

from qualcode.errors import QualcodeError, SpanError

WEIGHTS = ("none", "linear", "quadratic")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


class UndefinedStatistic(QualcodeError):
    """The formula is 0/0 for this data (e.g. every rating falls in one category)."""


# --------------------------------------------------------------------------- small helpers


def format_decimal(value: Fraction | int, places: int) -> str:
    """`value` rounded half away from zero to `places` decimals, as text ("0.815").

    Rounds the exact fraction, so ties are not distorted by binary floating point.
    """
    value = Fraction(value)
    scaled = abs(value) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    sign = "-" if value < 0 and whole != 0 else ""
    digits = str(whole).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise QualcodeError(f"a count must be a whole number, got {value!r}", where=where)
    if value < 0:
        raise QualcodeError(f"a count cannot be negative, got {value}", where=where)
    return int(value)


def _undefined(what: str, why: str, hint: str) -> UndefinedStatistic:
    return UndefinedStatistic(f"{what} is undefined: {why}", hint=hint)


# --------------------------------------------------------------------------- Cohen's kappa


def _disagreement_weight(i: int, j: int, weights: str) -> int:
    if weights == "none":
        return 0 if i == j else 1
    if weights == "linear":
        return abs(i - j)
    return (i - j) ** 2


def cohen_kappa_table(table: Sequence[Sequence[int]], weights: str = "none") -> Fraction:
    """Cohen's kappa from a k x k contingency table (rows = coder A, columns = coder B).

    kappa_w = 1 - sum(w_ij * o_ij) / sum(w_ij * e_ij), with o_ij the observed counts,
    e_ij = row_i * col_j / N the counts expected by chance, and disagreement weights
    w_ij = [i != j] ("none", which gives the usual (p_o - p_e) / (1 - p_e)), |i - j| ("linear")
    or (i - j)^2 ("quadratic"). Weighted kappa assumes the categories are in their natural order.

    Raises QualcodeError for a non-square table, negative counts or no ratings, and
    UndefinedStatistic when chance disagreement is zero (both coders used one same category for
    everything: observed disagreement is then zero too, 0/0).
    """
    if weights not in WEIGHTS:
        raise QualcodeError(
            f"unknown kappa weights {weights!r}", hint=f"use one of: {', '.join(WEIGHTS)}"
        )
    k = len(table)
    rows = [[_count(v, f"table row {i + 1}") for v in row] for i, row in enumerate(table)]
    if k == 0 or any(len(row) != k for row in rows):
        raise QualcodeError(
            "a kappa table must be square (k rows of k counts), "
            f"got {k} rows of lengths {[len(r) for r in rows]}"
        )
    n = sum(map(sum, rows))
    if n == 0:
        raise QualcodeError("cannot compute kappa: the table holds no ratings")
    row_totals = [sum(row) for row in rows]
    col_totals = [sum(row[j] for row in rows) for j in range(k)]
    observed = 0  # sum w_ij * o_ij
    expected = 0  # N * sum w_ij * e_ij, kept whole by multiplying through by N
    for i in range(k):
        for j in range(k):
            w = _disagreement_weight(i, j, weights)
            observed += w * rows[i][j]
            expected += w * row_totals[i] * col_totals[j]
    if expected == 0:
        raise _undefined(
            "kappa",
            "both coders put every unit in the same single category, so "
            "chance agreement is already perfect",
            "report percent agreement (100%) instead",
        )
    return 1 - Fraction(observed * n, expected)


def _check_labels(labels_a: Sequence, labels_b: Sequence, what: str) -> None:
    if len(labels_a) != len(labels_b):
        raise QualcodeError(
            f"{what} needs one label per unit from each coder, got "
            f"{len(labels_a)} and {len(labels_b)} labels"
        )
    for coder, labels in (("A", labels_a), ("B", labels_b)):
        for i, label in enumerate(labels):
            if label is None or (isinstance(label, float) and math.isnan(label)):
                raise QualcodeError(
                    f"{what} cannot handle a missing label",
                    where=f"coder {coder}, unit {i + 1}",
                    hint="use krippendorff_alpha, which allows missing values",
                )


def _category_order(labels: Sequence, weights: str) -> list:
    distinct = list(dict.fromkeys(labels))
    try:
        return sorted(distinct)
    except TypeError:
        if weights != "none":
            raise QualcodeError(
                "weighted kappa needs ordered categories, and these labels cannot be sorted",
                hint="pass categories= in their order",
            ) from None
        return distinct  # unordered labels: order is irrelevant for unweighted kappa


def cohen_kappa(
    labels_a: Sequence,
    labels_b: Sequence,
    categories: Sequence | None = None,
    weights: str = "none",
) -> Fraction:
    """Cohen's kappa for two coders who each labelled the same units (labels_a[i] vs labels_b[i]).

    `categories` fixes the category set and, for weighted kappa, its order; by default it is the
    sorted set of labels used. See cohen_kappa_table for the formula and degenerate cases.
    """
    _check_labels(labels_a, labels_b, "Cohen's kappa")
    if not labels_a:
        raise QualcodeError("cannot compute kappa: no units were labelled")
    order = (
        list(categories)
        if categories is not None
        else _category_order(list(labels_a) + list(labels_b), weights)
    )
    index = {c: i for i, c in enumerate(order)}
    if len(index) != len(order):
        raise QualcodeError("categories must not repeat", where=f"categories {order!r}")
    table = [[0] * len(order) for _ in order]
    for unit, (a, b) in enumerate(zip(labels_a, labels_b, strict=True), start=1):
        for label in (a, b):
            if label not in index:
                raise QualcodeError(
                    f"label {label!r} is not one of the categories",
                    where=f"unit {unit}",
                    hint=f"categories: {order!r}",
                )
        table[index[a]][index[b]] += 1
    return cohen_kappa_table(table, weights)


def percent_agreement(labels_a: Sequence, labels_b: Sequence) -> Fraction:
    """Share of units on which the two coders gave the same label: agreements / units, in [0, 1].

    Raises QualcodeError for unequal lengths or missing labels, UndefinedStatistic for no units.
    """
    _check_labels(labels_a, labels_b, "percent agreement")
    if not labels_a:
        raise _undefined("percent agreement", "no units were labelled", "label some units first")
    same = sum(1 for a, b in zip(labels_a, labels_b, strict=True) if a == b)
    return Fraction(same, len(labels_a))


# --------------------------------------------------------------------------- Fleiss' kappa


def _weights(weights: Sequence[int] | None, size: int, what: str) -> list[int]:
    """How many identical units each row (or column) stands for; 1 each by default."""
    if weights is None:
        return [1] * size
    out = [_count(w, f"weight {i + 1}") for i, w in enumerate(weights)]
    if len(out) != size:
        raise QualcodeError(f"{what} needs one weight per unit ({size}), got {len(out)}")
    return out


def fleiss_agreement(
    counts: Sequence[Sequence[int]], weights: Sequence[int] | None = None
) -> tuple[Fraction, Fraction]:
    """(P-bar, P_e) for Fleiss' kappa; counts[i][j] = raters who put unit i in category j.

    With n raters per unit and N units: P_i = (sum_j n_ij^2 - n) / (n (n - 1)),
    P-bar = mean P_i, p_j = sum_i n_ij / (N n), P_e = sum_j p_j^2.
    Every unit must have the same number n >= 2 of ratings. `weights[i]` says how many identical
    units row i stands for (many characters or sentences share a few rating patterns).
    """
    rows = [[_count(v, f"unit {i + 1}") for v in row] for i, row in enumerate(counts)]
    weight = _weights(weights, len(rows), "Fleiss' kappa")
    if not rows:
        raise QualcodeError("cannot compute Fleiss' kappa: there are no units")
    width = len(rows[0])
    raters = sum(rows[0])
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            raise QualcodeError(
                f"every unit needs one count per category ({width}), got {len(row)}",
                where=f"unit {i}",
            )
        if sum(row) != raters:
            raise QualcodeError(
                f"Fleiss' kappa needs the same number of ratings for every unit: "
                f"unit 1 has {raters}, this one has {sum(row)}",
                where=f"unit {i}",
                hint="use krippendorff_alpha when ratings are missing",
            )
    if raters < 2:
        raise QualcodeError(f"Fleiss' kappa needs at least 2 ratings per unit, got {raters}")
    units = sum(weight)
    if units == 0:
        raise QualcodeError("cannot compute Fleiss' kappa: every unit has weight 0")
    p_bar = Fraction(
        sum(w * (sum(c * c for c in row) - raters) for w, row in zip(weight, rows, strict=True)),
        units * raters * (raters - 1),
    )
    p_e = sum(
        (
            Fraction(sum(w * row[j] for w, row in zip(weight, rows, strict=True)), units * raters)
            ** 2
            for j in range(width)
        ),
        Fraction(0),
    )
    return p_bar, p_e


def fleiss_kappa(counts: Sequence[Sequence[int]], weights: Sequence[int] | None = None) -> Fraction:
    """Fleiss' kappa = (P-bar - P_e) / (1 - P_e) for a units x categories table of counts
    (`weights` as in fleiss_agreement).

    Raises UndefinedStatistic when P_e = 1 (every rating in one category).
    """
    p_bar, p_e = fleiss_agreement(counts, weights)
    if p_e == 1:
        raise _undefined(
            "Fleiss' kappa",
            "every rating falls in the same category",
            "report percent agreement (100%) instead",
        )
    return (p_bar - p_e) / (1 - p_e)


# --------------------------------------------------------------------------- Krippendorff's alpha


def _is_missing(value: Any) -> bool:
    # NaN counts as missing because that is how pandas hands over empty cells.
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_number(value: Any, where: str, level: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (Rational, float, Decimal)):
        raise QualcodeError(
            f"{level} alpha needs numbers, got {value!r}",
            where=where,
            hint="use level='nominal' or 'ordinal' for labels",
        )
    if isinstance(value, float):
        if math.isinf(value):
            raise QualcodeError(f"{level} alpha needs finite numbers, got {value!r}", where=where)
        # repr() gives the shortest decimal that round-trips: 0.1 means 1/10, as typed.
        return Fraction(repr(value))
    number = Fraction(value)
    if level == "ratio" and number < 0:
        raise QualcodeError(
            f"ratio alpha needs values >= 0, got {value!r}",
            where=where,
            hint="use level='interval' for scales without a true zero",
        )
    return number


def _coincidences(units: list[list[Hashable]], weights: list[int]) -> tuple[Counter, Counter]:
    """Krippendorff's coincidence matrix o_ck and its marginals n_c, over pairable units.

    Each ordered pair of values from different coders in a unit with m_u values adds 1/(m_u - 1)
    (times the unit's weight: how many identical units it stands for).
    """
    o: Counter = Counter()
    for values, weight in zip(units, weights, strict=True):
        m = len(values)
        tally = Counter(values)
        for c, n_c in tally.items():
            for k, n_k in tally.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    o[(c, k)] += Fraction(pairs * weight, m - 1)
    n: Counter = Counter()
    for (c, _k), count in o.items():
        n[c] += count
    return o, n


def _delta_squared(level: str, marginals: Counter, order: list) -> dict:
    """The squared difference function delta^2(c, k) for every pair of observed values."""
    values = order
    if level == "nominal":
        return {(c, k): int(c != k) for c in values for k in values}
    if level == "ordinal":
        # Krippendorff's rank metric: (sum of n_g from c to k, minus half of n_c and n_k)^2.
        deltas = {}
        cumulative = [Fraction(0)]
        for v in values:
            cumulative.append(cumulative[-1] + marginals[v])
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                lo, hi = min(i, j), max(i, j)
                span = cumulative[hi + 1] - cumulative[lo]
                deltas[(c, k)] = (span - (marginals[c] + marginals[k]) / 2) ** 2
        return deltas
    if level == "interval":
        return {(c, k): (c - k) ** 2 for c in values for k in values}
    return {
        (c, k): (Fraction(c - k) / (c + k)) ** 2 if c + k else Fraction(0)
        for c in values
        for k in values
    }


def krippendorff_alpha(
    data: Sequence[Sequence[Any | None]],
    level: str = "nominal",
    *,
    order: Sequence | None = None,
    weights: Sequence[int] | None = None,
) -> Fraction:
    """Krippendorff's alpha; rows are coders, columns are units, None (or NaN) is missing.
    `weights[u]` says how many identical units column u stands for (default 1 each).

    alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck, where o_ck is
    the coincidence matrix over pairable units (those with at least 2 values), n_c its marginals,
    n = sum n_c, and d_ck the squared difference for `level`:
      nominal  [c != k]
      ordinal  (sum_{g between c and k} n_g - (n_c + n_k) / 2)^2  (Krippendorff's rank metric;
               irrCAC's "ordinal" weights differ and give 0.834 instead of 0.815 on K2011 C)
      interval (c - k)^2
      ratio    ((c - k) / (c + k))^2, values must be >= 0
    Ordinal values are ranked by sorting, or by `order` (e.g. ["low", "mid", "high"]).
    Interval/ratio values must be numbers; floats are read as the decimal they print as.

    Raises QualcodeError for ragged rows, bad values, or no pairable unit; UndefinedStatistic
    when all pairable values are identical (expected disagreement 0).
    """
    if level not in LEVELS:
        raise QualcodeError(
            f"unknown alpha level {level!r}", hint=f"use one of: {', '.join(LEVELS)}"
        )
    rows = [list(r) for r in data]
    if not rows:
        raise QualcodeError("cannot compute alpha: there are no coders")
    width = len(rows[0])
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            raise QualcodeError(
                f"every coder needs one cell per unit ({width}), got {len(row)}",
                where=f"coder {i}",
                hint="use None for a unit a coder skipped",
            )
    weight = _weights(weights, width, "alpha")
    units, unit_weights = [], []
    for u in range(width):
        values = []
        for c, row in enumerate(rows, start=1):
            value = row[u]
            if _is_missing(value):
                continue
            if level in ("interval", "ratio"):
                value = _as_number(value, f"coder {c}, unit {u + 1}", level)
            values.append(value)
        if len(values) >= 2 and weight[u]:  # a lone value has nothing to be compared with
            units.append(values)
            unit_weights.append(weight[u])
    if not units:
        raise QualcodeError("cannot compute alpha: no unit has values from two or more coders")
    o, n = _coincidences(units, unit_weights)
    observed_values = list(n)
    if order is not None and level == "ordinal":
        rank = {v: i for i, v in enumerate(order)}
        missing = [v for v in observed_values if v not in rank]
        if missing:
            raise QualcodeError(
                f"values {missing!r} are not in the given order", hint=f"order: {list(order)!r}"
            )
        observed_values.sort(key=rank.__getitem__)
    elif level != "nominal":
        try:
            observed_values.sort()
        except TypeError:
            raise QualcodeError(
                f"{level} alpha needs values that can be ordered",
                hint="pass order=[...] or use level='nominal'",
            ) from None
    if len(observed_values) < 2:
        raise _undefined(
            "alpha",
            f"every pairable value is {observed_values[0]!r}, so the data show no variation",
            "report percent agreement (100%) instead",
        )
    delta = _delta_squared(level, n, observed_values)
    total = sum(n.values())
    observed = sum((count * delta[pair] for pair, count in o.items()), Fraction(0))
    expected = sum((n[c] * n[k] * delta[(c, k)] for c in n for k in n), Fraction(0))
    return 1 - (total - 1) * observed / expected


# --------------------------------------------------------------------------- detection quality


def precision_recall_f1(
    tp: int, fp: int, fn: int
) -> tuple[Fraction | None, Fraction | None, Fraction | None]:
    """(precision, recall, F1) from true positives, false positives and false negatives.

    precision = tp / (tp + fp), None when nothing was predicted (tp + fp = 0);
    recall    = tp / (tp + fn), None when there was nothing to find (tp + fn = 0);
    F1        = 2 tp / (2 tp + fp + fn), None only when all three counts are 0.
    """
    tp, fp, fn = (_count(v, name) for v, name in ((tp, "tp"), (fp, "fp"), (fn, "fn")))
    precision = Fraction(tp, tp + fp) if tp + fp else None
    recall = Fraction(tp, tp + fn) if tp + fn else None
    f1 = Fraction(2 * tp, 2 * tp + fp + fn) if tp + fp + fn else None
    return precision, recall, f1


def positive_agreement(ratings: Sequence[tuple[int, int]],
                       weights: Sequence[int] | None = None) -> Fraction:
    """Specific positive agreement: of the times a coder marked a unit, the share of the other
    coders who marked it too. `ratings[i]` = (coders who marked unit i, coders who rated it).

    Summed over units, sum yes(yes - 1) / sum yes(n - 1) (the pairwise form for any number of
    coders); for two coders it is 2a / (2a + b + c), the F1 of either coder against the other.
    Joint absences do not enter, so a rare code is not flattered by the many units nobody
    marked (where kappa is unstable).
    """
    weights = _weights(weights, len(ratings), "ratings")
    num = den = 0
    for (yes, n), w in zip(ratings, weights, strict=True):
        yes, n = _count(yes, "yes"), _count(n, "n")
        if yes > n:
            raise QualcodeError(f"{yes} coders marked a unit only {n} coders rated")
        num += w * yes * (yes - 1)
        den += w * yes * (n - 1)
    if not den:
        raise _undefined("positive agreement", "no unit was marked by a coder who has a partner",
                         "it needs at least one marked unit rated by two or more coders")
    return Fraction(num, den)


# --------------------------------------------------------------------------- NVivo-style comparison


def _covered(spans: Sequence[tuple[int, int]], length: int, coder: str) -> list[tuple[int, int]]:
    """The spans merged into sorted, disjoint intervals (overlaps within one coder count once)."""
    checked = []
    for start, end in spans:
        if not (0 <= start < end <= length):
            raise SpanError(
                f"span ({start}, {end}) is empty or outside the text (0-{length})",
                where=f"coder {coder}",
            )
        checked.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(checked):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def coded_char_agreement(
    spans_a: Sequence[tuple[int, int]], spans_b: Sequence[tuple[int, int]], length: int
) -> dict[str, Any]:
    """NVivo's coding comparison for one code in one document, with the character as the unit.

    Every character of a text of `length` characters is coded or not by each coder, giving a 2x2
    table. Returns a dict with the four cells "both", "only_a", "only_b", "neither" (characters),
    "percent_agreement" = (both + neither) / length in [0, 1], and "kappa" = Cohen's kappa on the
    2x2 table. When the two codings are identical and cover none or all of the text, kappa's
    formula is 0/0; like NVivo ("complete agreement, K = 1") we return kappa = 1 then.
    Character-level kappa is inflated by long uncoded stretches; prefer unit-level statistics
    when segments are natural units (turns, sentences).
    """
    if isinstance(length, bool) or not isinstance(length, Integral) or length <= 0:
        raise QualcodeError(f"the text length must be a positive whole number, got {length!r}")
    a = _covered(spans_a, length, "A")
    b = _covered(spans_b, length, "B")
    coded_a = sum(end - start for start, end in a)
    coded_b = sum(end - start for start, end in b)
    both = _overlap(a, b)
    only_a, only_b = coded_a - both, coded_b - both
    neither = length - both - only_a - only_b
    try:
        kappa = cohen_kappa_table([[both, only_a], [only_b, neither]])
    except UndefinedStatistic:
        kappa = Fraction(1)  # identical codings over none or all of the text
    return {
        "both": both,
        "only_a": only_a,
        "only_b": only_b,
        "neither": neither,
        "percent_agreement": Fraction(both + neither, length),
        "kappa": kappa,
    }
