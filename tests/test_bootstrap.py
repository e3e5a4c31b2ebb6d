"""Bootstrap intervals of F1 (qualcode/bootstrap.py), checked against distributions known in
closed form and against properties any correct resampling has."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import bootstrap
from qualcode.errors import QualcodeError


def _binomial_quantile(n: int, p: float, q: float) -> int:
    """The smallest k with P(X <= k) >= q for X ~ Binomial(n, p)."""
    total = 0.0
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if total >= q:
            return k
    return n


def test_f1_interval_matches_the_binomial_distribution_of_the_resampled_hits():
    # 200 gold sentences, half of them found, no false positive: in a resample the number of
    # found sentences X is Binomial(200, 1/2) and F1 = 2X / (X + 200). The percentile interval
    # must sit at F1 of the binomial's 2.5% and 97.5% quantiles.
    gold = [[True]] * 200
    predicted = [[True]] * 100 + [[False]] * 100
    tallies = bootstrap.counts(gold, predicted)
    weights = bootstrap.resample_weights(200, resamples=20000, seed=3)
    (f1,), macro = bootstrap.f1_intervals(tallies, weights, [0])
    low_k, high_k = _binomial_quantile(200, 0.5, 0.025), _binomial_quantile(200, 0.5, 0.975)
    assert f1.low == pytest.approx(2 * low_k / (low_k + 200), abs=0.006)
    assert f1.high == pytest.approx(2 * high_k / (high_k + 200), abs=0.006)
    assert macro == f1


def test_perfect_agreement_has_no_width_and_the_estimate_lies_inside():
    gold = [[True, False], [False, True], [True, True], [False, False]] * 5
    tallies = bootstrap.counts(gold, gold)
    weights = bootstrap.resample_weights(len(gold), resamples=500)
    per_column, macro = bootstrap.f1_intervals(tallies, weights, [0, 1])
    assert per_column == [bootstrap.Interval(1.0, 1.0)] * 2
    assert macro == bootstrap.Interval(1.0, 1.0)


def test_more_of_the_same_data_gives_a_narrower_interval():
    base_gold = [[True]] * 6 + [[False]] * 4
    base_pred = [[True]] * 4 + [[False]] * 2 + [[True]] * 2 + [[False]] * 2
    widths = []
    for copies in (1, 10):
        tallies = bootstrap.counts(base_gold * copies, base_pred * copies)
        weights = bootstrap.resample_weights(10 * copies, resamples=4000, seed=1)
        (f1,), _ = bootstrap.f1_intervals(tallies, weights, [0])
        assert f1.low <= 2 * 4 / (2 * 4 + 2 + 2) <= f1.high  # the estimate itself: 8/12
        widths.append(f1.high - f1.low)
    assert widths[1] < widths[0] / 2


def test_resampling_documents_is_wider_when_documents_differ():
    # Two documents: the suggester finds everything in one and nothing in the other. Drawing
    # sentences hides that; drawing documents shows that the F1 rests on two interviews.
    gold = [[True]] * 40
    predicted = [[True]] * 20 + [[False]] * 20
    groups = ["a"] * 20 + ["b"] * 20
    tallies = bootstrap.counts(gold, predicted)
    by_sentence = bootstrap.resample_weights(40, resamples=4000, seed=2)
    by_document = bootstrap.resample_weights(40, groups=groups, resamples=4000, seed=2)
    (s,), _ = bootstrap.f1_intervals(tallies, by_sentence, [0])
    (d,), _ = bootstrap.f1_intervals(tallies, by_document, [0])
    assert d.low == 0.0 and d.high == 1.0  # both documents drawn twice: F1 0 or 1
    assert 0.4 < s.low < s.high < 0.85
    # each resample draws as many documents as there are, every sentence of a drawn one
    assert set(by_document.sum(axis=1)) == {40}
    assert set(np.unique(by_document)) <= {0, 1, 2}


def test_macro_counts_only_the_columns_a_resample_defines():
    # column 1 has one gold sentence, found; column 0 has ten, none found. A resample without
    # that one sentence leaves column 1 undefined, and its macro is column 0's F1 alone (0),
    # not the mean with a zero for the missing column.
    gold = [[True, False]] * 10 + [[False, True]]
    predicted = [[False, False]] * 10 + [[False, True]]
    samples = bootstrap.f1_samples(bootstrap.counts(gold, predicted),
                                   np.array([[1] * 10 + [0], [1] * 10 + [1]]))
    assert np.isnan(samples[0, 1]) and samples[1, 1] == 1.0
    assert list(bootstrap.macro(samples)) == [0.0, 0.5]


def test_a_paired_difference_of_identical_methods_is_zero_and_of_a_better_one_positive():
    rng = np.random.default_rng(0)
    gold = rng.random((300, 3)) < 0.3
    noisy = gold ^ (rng.random((300, 3)) < 0.25)
    worse = gold ^ (rng.random((300, 3)) < 0.45)
    weights = bootstrap.resample_weights(300, resamples=2000, seed=5)
    same = bootstrap.macro_difference(bootstrap.counts(gold, noisy),
                                      bootstrap.counts(gold, noisy), weights)
    assert same == bootstrap.Interval(0.0, 0.0)
    better = bootstrap.macro_difference(bootstrap.counts(gold, noisy),
                                        bootstrap.counts(gold, worse), weights)
    assert 0 < better.low < better.high


def test_the_same_seed_gives_the_same_interval_and_another_seed_may_not():
    gold = [[True]] * 30 + [[False]] * 30
    predicted = [[True]] * 20 + [[False]] * 25 + [[True]] * 15
    tallies = bootstrap.counts(gold, predicted)
    runs = [bootstrap.f1_intervals(tallies, bootstrap.resample_weights(60, resamples=300, seed=s),
                                   [0]) for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_bad_arguments_are_refused():
    with pytest.raises(QualcodeError, match="no units"):
        bootstrap.resample_weights(0)
    with pytest.raises(QualcodeError, match="1 or more"):
        bootstrap.resample_weights(5, resamples=0)
    with pytest.raises(QualcodeError, match="3 group labels for 4 units"):
        bootstrap.resample_weights(4, groups=["a", "b", "a"])
    with pytest.raises(QualcodeError, match="differ in shape"):
        bootstrap.counts([[True]], [[True, False]])


# --------------------------------------------------------------------------- properties

_tables = st.integers(1, 4).flatmap(lambda d: st.lists(
    st.tuples(st.lists(st.booleans(), min_size=d, max_size=d),
              st.lists(st.booleans(), min_size=d, max_size=d)), min_size=1, max_size=40))


@settings(max_examples=60, deadline=None)
@given(_tables, st.integers(0, 2**16))
def test_intervals_are_ordered_f1_values_and_a_method_equals_itself(rows, seed):
    gold = [g for g, _ in rows]
    pred = [p for _, p in rows]
    tallies = bootstrap.counts(gold, pred)
    weights = bootstrap.resample_weights(len(rows), resamples=200, seed=seed)
    per_column, macro = bootstrap.f1_intervals(tallies, weights, range(len(gold[0])))
    for j, span in enumerate(per_column):
        marked = any(g[j] or p[j] for g, p in rows)
        assert (span is None) == (not marked)  # undefined only where nothing is marked
        if span is not None:
            assert 0.0 <= span.low <= span.high <= 1.0
    assert (macro is None) == all(s is None for s in per_column)
    same = bootstrap.macro_difference(tallies, tallies, weights)
    assert same is None or same == bootstrap.Interval(0.0, 0.0)
    perfect, _ = bootstrap.f1_intervals(bootstrap.counts(gold, gold), weights,
                                        range(len(gold[0])))
    assert all(s is None or s == bootstrap.Interval(1.0, 1.0) for s in perfect)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("abcde"), min_size=1, max_size=30), st.integers(0, 2**16))
def test_resampling_by_group_weighs_a_groups_units_alike(groups, seed):
    weights = bootstrap.resample_weights(len(groups), groups=groups, resamples=50, seed=seed)
    for row in weights:
        drawn = {}
        for g, w in zip(groups, row, strict=True):
            assert drawn.setdefault(g, w) == w  # every unit of a group: its group's draws
        assert sum(drawn.values()) == len(set(groups))  # as many draws as groups
