"""Krippendorff's unitizing alpha against his published worked example, and its edge cases."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.reliability import format_decimal
from qualcode.unitizing import merge_spans, one_value_each, unitizing_alpha

VECTORS = Path(__file__).resolve().parent / "data" / "reliability_vectors.json"


def _example() -> tuple[dict, list]:
    vector = json.loads(VECTORS.read_text(encoding="utf-8"))["K2019_unitizing_fig_12_11"]
    # Printed positions are 1-based and inclusive; ours are 0-based, end exclusive.
    unitizations = [[(s - 1, e, v) for s, e, v in segs] for segs in vector["data"].values()]
    return vector, [(vector["length"], unitizations)]


def test_u_alpha_and_cu_alpha_match_the_published_example_exactly():
    vector, continua = _example()
    result = unitizing_alpha(continua)
    for name in ("u_alpha", "cu_alpha"):
        value = getattr(result, name)
        assert value == Fraction(vector["computed"][name])
        assert format_decimal(value, 3) == vector["published"][name]


def test_per_value_alpha_and_coverage_match_the_published_example():
    vector, continua = _example()
    result = unitizing_alpha(continua)
    for value, published in vector["published"]["per_value"].items():
        assert result.per_value[value] == Fraction(published)
    assert result.per_value["7"] is None  # value 7 meets only gaps: nothing to compare
    assert result.coverage["5"] == Fraction(8, 18)
    assert result.coverage["7"] == 0


def test_binary_u_alpha_exact_value_and_its_distance_from_the_printed_one():
    # The coincidences by hand: valued/gap positions pair as [[45, 26], [26, 83]] (l.. = 3 * 60);
    # the units' squared lengths sum to 911 and there are 71 gap positions, so
    # e(unit, gap) = 109 * 71 / (180 - 982 / 180) and |u-alpha = 1 - 26 / e.
    vector, continua = _example()
    result = unitizing_alpha(continua)
    expected = 1 - Fraction(26) / (Fraction(109 * 71) / (180 - Fraction(982, 180)))
    assert result.binary_u_alpha == expected == Fraction(vector["computed"]["binary_u_alpha"])
    assert result.observed[(None, None)] == 45
    # Printed 0.413; the exact value rounds to 0.414 (see the vector's note): within 0.001.
    assert abs(result.binary_u_alpha - Fraction(vector["published"]["binary_u_alpha"])) < Fraction(
        1, 1000
    )


def test_identical_unitizations_agree_perfectly_and_pooling_continua_adds_them():
    segs = [(0, 5, "a"), (8, 12, "b")]
    same = unitizing_alpha([(20, [segs, segs])])
    assert (same.u_alpha, same.binary_u_alpha, same.cu_alpha) == (1, 1, 1)
    _vector, continua = _example()
    once = unitizing_alpha(continua)
    twice = unitizing_alpha(continua + continua)
    assert twice.length == 120
    assert all(twice.observed[k] == 2 * v for k, v in once.observed.items())


def test_three_observers_one_disagreeing_lowers_alpha_below_two_agreeing():
    a = [(0, 10, "x")]
    b = [(0, 10, "x")]
    c = [(20, 30, "x")]
    two = unitizing_alpha([(40, [a, b])]).binary_u_alpha
    three = unitizing_alpha([(40, [a, b, c])]).binary_u_alpha
    assert two == 1 and three < 1


def test_no_units_at_all_leaves_the_coefficients_undefined():
    result = unitizing_alpha([(10, [[], []])])
    assert result.u_alpha is None and result.cu_alpha is None and result.per_value == {}


@pytest.mark.parametrize(
    ("continua", "message"),
    [
        ([], "at least one continuum"),
        ([(10, [[(0, 3, "a")]])], "at least 2 observers"),
        ([(10, [[(0, 3, "a")], [(5, 12, "a")]])], "outside the continuum"),
        ([(10, [[(0, 5, "a"), (3, 8, "b")], []])], "overlaps"),
        ([(0, [[], []])], "positive length"),
        ([(10, [[(0, 3, None)], []])], "needs a value"),
    ],
)
def test_malformed_unitizations_are_refused(continua, message):
    with pytest.raises(QualcodeError, match=message):
        unitizing_alpha(continua)


def test_merge_spans_joins_overlaps_but_keeps_touching_units_apart():
    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 12)]) == [(0, 4), (5, 9), (9, 12)]


def test_one_value_each_gives_multi_coded_stretches_the_set_of_codes():
    spans = [(0, 10, "a"), (3, 6, "b"), (10, 14, "a")]
    assert one_value_each(spans) == [
        (0, 3, ("a",)), (3, 6, ("a", "b")), (6, 10, ("a",)), (10, 14, ("a",))
    ]
