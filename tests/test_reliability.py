"""Agreement statistics against published worked examples, degenerate data, and NVivo's method."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError, SpanError
from qualcode.reliability import (
    UndefinedStatistic,
    coded_char_agreement,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_agreement,
    fleiss_kappa,
    format_decimal,
    krippendorff_alpha,
    percent_agreement,
    positive_agreement,
    precision_recall_f1,
)

# The published vectors travel with the repository (tests/data), so a fresh clone checks the
# statistics; ../shared/reliability/vectors.json, beside a developer checkout, is a second source.
REPO_VECTORS = Path(__file__).resolve().parent / "data" / "reliability_vectors.json"
SHARED_VECTORS = Path(__file__).resolve().parents[2] / "shared" / "reliability" / "vectors.json"
KINDS = ("krippendorff_alpha", "cohen_kappa", "fleiss_kappa")


def _load(path: Path) -> dict:
    return {
        name: vector
        for name, vector in json.loads(path.read_text(encoding="utf-8")).items()
        if not name.startswith("_") and vector["kind"] in KINDS
    }


def _vector_cases() -> list:
    """One case per (source, vector, statistic variant) with an exact answer and its published
    text; the shared source is skipped, with the reason, when ../shared is absent."""
    cases = []
    for source, path in (("repo", REPO_VECTORS), ("shared", SHARED_VECTORS)):
        if not path.is_file():
            cases.append(
                pytest.param(
                    None, None, None, None,
                    id=f"{source}-absent",
                    marks=pytest.mark.skip(
                        reason=f"published vectors not found at {path} (../shared is only "
                        "beside a developer checkout; tests/data holds the same figures)"
                    ),
                )
            )
            continue
        for name, vector in _load(path).items():
            for variant, computed in vector["computed"].items():
                if isinstance(computed, dict):
                    published = vector["published"].get(variant)
                    cases.append(
                        pytest.param(
                            vector,
                            variant,
                            Fraction(computed["exact"]),
                            published,
                            id=f"{source}-{name}-{variant}",
                        )
                    )
    return cases


def test_repo_vectors_are_the_shared_ones():
    """The copy in tests/data holds exactly the shared figures it was taken from."""
    if not SHARED_VECTORS.is_file():
        pytest.skip(f"{SHARED_VECTORS} is not here (only beside a developer checkout)")
    shared = json.loads(SHARED_VECTORS.read_text(encoding="utf-8"))
    repo = json.loads(REPO_VECTORS.read_text(encoding="utf-8"))
    assert {name: repo[name] for name in shared} == shared


def _published_number(text: str) -> str:
    # Some published entries carry a remark after the number: "0.210 (statsmodels test ...)".
    return re.match(r"-?\d+\.\d+", text).group(0)


def _compute(vector: dict, variant: str) -> Fraction:
    kind = vector["kind"]
    if kind == "krippendorff_alpha":
        return krippendorff_alpha(vector["data"], variant)
    if kind == "cohen_kappa":
        return cohen_kappa_table(vector["data"], variant)
    assert kind == "fleiss_kappa", kind
    return fleiss_kappa(vector["counts"])


@pytest.mark.parametrize(("vector", "variant", "exact", "published"), _vector_cases())
def test_published_vector_exact_and_rounded(vector, variant, exact, published):
    value = _compute(vector, variant)
    assert isinstance(value, Fraction)
    assert value == exact
    if published is not None:
        number = _published_number(published)
        places = len(number.split(".")[1])
        assert format_decimal(value, places) == number


@pytest.mark.parametrize(
    ("vector", "variant", "exact", "published"),
    [
        case
        for case in _vector_cases()
        if case.values[0] is None or case.values[0]["kind"] == "cohen_kappa"
    ],
)
def test_cohen_kappa_from_labels_matches_table(vector, variant, exact, published):
    # Expand the contingency table back into per-unit labels: both entry points must agree.
    labels_a, labels_b = [], []
    for i, row in enumerate(vector["data"]):
        for j, count in enumerate(row):
            labels_a += [i] * count
            labels_b += [j] * count
    assert cohen_kappa(labels_a, labels_b, weights=variant) == exact


def test_fleiss_observed_and_chance_agreement_match_published():
    vector = _load(REPO_VECTORS)["Wikipedia_fleiss_10x14"]
    p_bar, p_e = fleiss_agreement(vector["counts"])
    assert p_bar == Fraction(vector["computed"]["Pbar"])
    assert p_e == Fraction(vector["computed"]["Pe"])
    assert format_decimal(p_bar, 3) == vector["published"]["Pbar"]
    assert format_decimal(p_e, 3) == vector["published"]["Pe"]


def test_binary_alpha_is_the_same_at_every_level():
    data = _load(REPO_VECTORS)["K2011_A_binary_2coders"]["data"]
    values = {
        level: krippendorff_alpha(data, level)
        for level in ("nominal", "ordinal", "interval", "ratio")
    }
    assert set(values.values()) == {Fraction(2, 21)}


# --------------------------------------------------------------------------- format_decimal


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Fraction(1, 8), 2, "0.13"),  # a tie rounds away from zero (round() would give 0.12)
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(-1, 1000), 2, "0.00"),  # no "-0.00"
        (Fraction(5, 2), 0, "3"),
        (Fraction(2, 21), 4, "0.0952"),
        (1, 3, "1.000"),
    ],
)
def test_format_decimal_rounds_the_exact_value(value, places, text):
    assert format_decimal(value, places) == text


# --------------------------------------------------------------------------- Cohen / percent


def test_cohen_kappa_hand_computed():
    # A: yes yes no no, B: yes no no no -> p_o = 3/4, p_e = (2*1 + 2*3)/16 = 1/2, kappa = 1/2.
    assert cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"]) == Fraction(1, 2)
    assert percent_agreement(["y", "y", "n", "n"], ["y", "n", "n", "n"]) == Fraction(3, 4)


def test_cohen_kappa_perfect_agreement_on_two_categories_is_one():
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1


def test_weighted_kappa_follows_the_given_category_order():
    a, b = ["low", "mid", "high"], ["mid", "mid", "high"]
    natural = cohen_kappa(a, b, categories=["low", "mid", "high"], weights="linear")
    shuffled = cohen_kappa(a, b, categories=["mid", "low", "high"], weights="linear")
    assert natural != shuffled
    # Pairs (low,mid) (mid,mid) (high,high): one disagreement of distance 1, N = 3; marginals
    # A = (1, 1, 1), B = (0, 2, 1); kappa_w = 1 - N * 1 / sum |i-j| A_i B_j.
    rows, cols = [1, 1, 1], [0, 2, 1]
    expected = sum(abs(i - j) * rows[i] * cols[j] for i in range(3) for j in range(3))
    assert natural == 1 - Fraction(1 * 3, expected)


def test_kappa_undefined_when_everyone_uses_one_category():
    with pytest.raises(UndefinedStatistic, match="same single category"):
        cohen_kappa(["x", "x", "x"], ["x", "x", "x"])
    with pytest.raises(UndefinedStatistic):
        cohen_kappa_table([[5, 0], [0, 0]], "quadratic")


def test_kappa_rejects_bad_input_with_clear_errors():
    with pytest.raises(QualcodeError, match="square"):
        cohen_kappa_table([[1, 2], [3]])
    with pytest.raises(QualcodeError, match="negative"):
        cohen_kappa_table([[1, -2], [3, 4]])
    with pytest.raises(QualcodeError, match="no ratings"):
        cohen_kappa_table([[0, 0], [0, 0]])
    with pytest.raises(QualcodeError, match="unknown kappa weights"):
        cohen_kappa_table([[1, 0], [0, 1]], "cubic")
    with pytest.raises(QualcodeError, match="got 2 and 3 labels"):
        cohen_kappa(["a", "b"], ["a", "b", "c"])
    with pytest.raises(QualcodeError, match="missing label") as err:
        cohen_kappa(["a", None], ["a", "b"])
    assert "unit 2" in err.value.one_line()
    with pytest.raises(QualcodeError, match="not one of the categories"):
        cohen_kappa(["a", "c"], ["a", "b"], categories=["a", "b"])
    with pytest.raises(QualcodeError, match="no units"):
        cohen_kappa([], [])
    with pytest.raises(QualcodeError, match="ordered categories"):
        cohen_kappa([1, "a"], ["a", 1], weights="linear")
    with pytest.raises(UndefinedStatistic, match="no units"):
        percent_agreement([], [])


def test_unweighted_kappa_accepts_unsortable_labels():
    assert cohen_kappa([1, "a", 1], [1, "a", "a"]) == cohen_kappa([0, 1, 0], [0, 1, 1])


# --------------------------------------------------------------------------- Fleiss


def test_fleiss_degenerate_and_malformed():
    with pytest.raises(UndefinedStatistic, match="same category"):
        fleiss_kappa([[3, 0], [3, 0]])
    with pytest.raises(QualcodeError, match="same number of ratings") as err:
        fleiss_kappa([[2, 1], [1, 1]])
    assert err.value.where == "unit 2"
    with pytest.raises(QualcodeError, match="at least 2 ratings"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(QualcodeError, match="no units"):
        fleiss_kappa([])


def test_fleiss_perfect_agreement_is_one():
    assert fleiss_kappa([[3, 0], [0, 3]]) == 1


# --------------------------------------------------------------------------- Krippendorff


def test_alpha_skips_units_with_a_single_value_and_treats_nan_as_missing():
    base = [["a", "b", "a"], ["a", "b", "b"]]
    with_lonely_units = [["a", "b", "a", "z", None], ["a", "b", "b", None, float("nan")]]
    assert krippendorff_alpha(with_lonely_units) == krippendorff_alpha(base)


def test_alpha_ordinal_uses_the_given_order():
    data = [["low", "mid", "high", "mid"], ["low", "high", "high", "mid"]]
    numeric = [[1, 2, 3, 2], [1, 3, 3, 2]]
    assert krippendorff_alpha(data, "ordinal", order=["low", "mid", "high"]) == krippendorff_alpha(
        numeric, "ordinal"
    )
    # Alphabetical order would rank high < low < mid and so give another value.
    assert krippendorff_alpha(data, "ordinal") != krippendorff_alpha(numeric, "ordinal")


def test_alpha_interval_reads_floats_as_typed():
    assert krippendorff_alpha([[0.1, 0.2, 0.3], [0.1, 0.2, 0.4]], "interval") == krippendorff_alpha(
        [[1, 2, 3], [1, 2, 4]], "interval"
    )


def test_alpha_perfect_agreement_is_one():
    assert krippendorff_alpha([[1, 2, None], [1, 2, 3]], "interval") == 1


def test_alpha_degenerate_and_malformed():
    with pytest.raises(UndefinedStatistic, match="no variation"):
        krippendorff_alpha([["a", "a"], ["a", "a"]])
    with pytest.raises(QualcodeError, match="no unit has values from two"):
        krippendorff_alpha([["a", None], [None, "b"]])
    with pytest.raises(QualcodeError, match="no coders"):
        krippendorff_alpha([])
    with pytest.raises(QualcodeError, match="one cell per unit") as err:
        krippendorff_alpha([[1, 2], [1]])
    assert err.value.where == "coder 2"
    with pytest.raises(QualcodeError, match="needs numbers") as err:
        krippendorff_alpha([[1, "2"], [1, 2]], "interval")
    assert err.value.where == "coder 1, unit 2"
    with pytest.raises(QualcodeError, match=">= 0"):
        krippendorff_alpha([[1, -2], [1, 2]], "ratio")
    with pytest.raises(QualcodeError, match="not in the given order"):
        krippendorff_alpha([["a", "b"], ["a", "c"]], "ordinal", order=["a", "b"])
    with pytest.raises(QualcodeError, match="unknown alpha level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")


# --------------------------------------------------------------------------- precision/recall


def test_precision_recall_f1_values_and_undefined_cases():
    assert precision_recall_f1(6, 2, 4) == (Fraction(3, 4), Fraction(3, 5), Fraction(2, 3))
    assert precision_recall_f1(0, 0, 3) == (None, Fraction(0), Fraction(0))
    assert precision_recall_f1(0, 3, 0) == (Fraction(0), None, Fraction(0))
    assert precision_recall_f1(0, 0, 0) == (None, None, None)
    with pytest.raises(QualcodeError, match="negative"):
        precision_recall_f1(1, -1, 0)


def test_positive_agreement_is_f1_between_two_coders_and_pairwise_beyond():
    # Two coders, a = 3 both, b = 2 A only, c = 1 B only (joint absences carry no weight):
    # 2a / (2a + b + c) = 6/9, which is precision_recall_f1 of B against A.
    ratings = [(2, 2)] * 3 + [(1, 2)] * 3 + [(0, 2)] * 40
    assert positive_agreement(ratings) == Fraction(2, 3) == precision_recall_f1(3, 1, 2)[2]
    assert positive_agreement([(2, 2), (1, 2), (0, 2)], weights=[3, 3, 40]) == Fraction(2, 3)
    # Three coders: a unit all three marked gives 3 * 2 agreeing of 3 * 2 partner pairs; one two
    # marked, 2 * 1 of 2 * 2; one only one marked (of two who rated it), 0 of 1.
    assert positive_agreement([(3, 3), (2, 3), (1, 2)]) == Fraction(8, 11)
    with pytest.raises(UndefinedStatistic, match="positive agreement is undefined"):
        positive_agreement([(0, 2), (0, 3)])
    with pytest.raises(QualcodeError, match="3 coders marked a unit only 2"):
        positive_agreement([(3, 2)])


# --------------------------------------------------------------------------- NVivo-style


def test_char_agreement_hand_computed():
    # Text of 20 characters. A codes [0,10) and [12,15); B codes [5,15).
    # both = [5,10) + [12,15) = 8, only A = [0,5) = 5, only B = [10,12) = 2, neither = 5.
    result = coded_char_agreement([(0, 10), (12, 15)], [(5, 15)], 20)
    assert (result["both"], result["only_a"], result["only_b"], result["neither"]) == (8, 5, 2, 5)
    assert result["percent_agreement"] == Fraction(13, 20)
    # p_o = 13/20; A codes 13, B codes 10: p_e = (13*10 + 7*10) / 400 = 1/2; kappa = 3/10.
    assert result["kappa"] == Fraction(3, 10)


def test_char_agreement_matches_nvivo_documented_example():
    # NVivo's help: 1000 characters, 50 coded by both, 150 by one user only, 800 by neither -> 85%.
    result = coded_char_agreement([(0, 200)], [(150, 200)], 1000)
    assert result["percent_agreement"] == Fraction(85, 100)


def test_char_agreement_merges_overlapping_spans_of_one_coder():
    merged = coded_char_agreement([(0, 6), (4, 10)], [(0, 10)], 12)
    assert merged["only_a"] == 0 and merged["both"] == 10
    assert merged["kappa"] == 1


def test_char_agreement_kappa_when_nobody_coded_or_only_one_did():
    nobody = coded_char_agreement([], [], 50)
    assert nobody["percent_agreement"] == 1 and nobody["kappa"] == 1  # NVivo's convention
    one = coded_char_agreement([(0, 10)], [], 50)
    assert one["percent_agreement"] == Fraction(40, 50) and one["kappa"] == 0


def test_char_agreement_rejects_bad_spans():
    with pytest.raises(SpanError, match="outside the text") as err:
        coded_char_agreement([(5, 30)], [], 20)
    assert err.value.where == "coder A"
    with pytest.raises(SpanError, match="empty"):
        coded_char_agreement([], [(4, 4)], 20)
    with pytest.raises(QualcodeError, match="positive whole number"):
        coded_char_agreement([], [], 0)


def test_weights_stand_for_repeated_units_in_fleiss_and_alpha():
    """A unit with weight w counts as w identical units: grouped and expanded data agree."""
    fleiss = _load(REPO_VECTORS)["Wikipedia_fleiss_10x14"]["counts"]
    weights = [1, 3, 1, 2, 1, 1, 4, 1, 1, 2]
    expanded = [row for row, w in zip(fleiss, weights, strict=True) for _ in range(w)]
    assert fleiss_kappa(fleiss, weights) == fleiss_kappa(expanded) != fleiss_kappa(fleiss)
    data = _load(REPO_VECTORS)["K2011_C_4coders_missing"]["data"]
    columns = list(zip(*data, strict=True))
    weights = [2, 1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 1]
    wide = [col for col, w in zip(columns, weights, strict=True) for _ in range(w)]
    expanded = [list(row) for row in zip(*wide, strict=True)]
    assert krippendorff_alpha(data, weights=weights) == krippendorff_alpha(expanded)
    with pytest.raises(QualcodeError, match="one weight per unit"):
        krippendorff_alpha(data, weights=[1, 2])
