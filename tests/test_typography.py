"""Typography-loose quote matching: what counts as equal, and that offsets are the stored text's."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qualcode.services.coding import find_quote
from qualcode.typography import MAX_DOT_RUN, fold, loose_pattern
from tests.fuzz_inputs import FUZZ

TEXT = ("Mr. Li: We didn\u2019t \u201cmove\u201d \u2014 we   expanded,\n"
        "and the Shenzhen\u2013Huizhou corridor\u2026 was cheaper. "
        "王总\uff1a惠州政府给了土地\uff0c\n"
        "还有税收减免\u3002\uff21\uff22\uff23 电池\u3002人工\u3001土地，"
        "叫\u300c小工厂\u300d和\u300e内卷\u300f")


def _find(quote: str, text: str = TEXT, ignore_case: bool = False) -> list[str]:
    return [text[m.start():m.end()] for m in loose_pattern(quote, ignore_case).finditer(text)]


@pytest.mark.parametrize("quote, expected", [
    ("didn't \"move\"", "didn\u2019t \u201cmove\u201d"),             # straight for curly
    ("move\" - we expanded", "move\u201d \u2014 we   expanded"),     # - for an em dash, spaces
    ("move\" -- we", "move\u201d \u2014 we"),                         # -- for one dash
    ("expanded, and", "expanded,\nand"),                              # a line break for a space
    ("Shenzhen-Huizhou corridor...", "Shenzhen\u2013Huizhou corridor\u2026"),  # en dash, ellipsis
    ("惠州政府给了土地,还有",  # half-width comma, no break
     "惠州政府给了土地\uff0c\n还有"),
    ("王总:惠州", "王总\uff1a惠州"),   # half-width colon
    ("ABC电池", "\uff21\uff22\uff23 电池"),            # full-width letters, space
    ("税收 减免", "税收减免"),         # a space inside Chinese
    # the ideographic full stop and comma typed as '.' and ',' (no width variant of either)
    ("土地,还有税收减免.ABC", "土地\uff0c\n还有税收减免\u3002\uff21\uff22\uff23"),
    ("税收减免. ABC 电池.", "税收减免\u3002\uff21\uff22\uff23 电池\u3002"),
    ("人工、土地", "人工\u3001土地"),
    ("人工,土地", "人工\u3001土地"),
    ("叫\"小工厂\"", "叫\u300c小工厂\u300d"),         # corner brackets as quotation marks
    ("'内卷'", "\u300e内卷\u300f"),
])
def test_typed_quotes_find_the_typeset_text(quote, expected):
    assert _find(quote) == [expected]


@pytest.mark.parametrize("text", ["cheaper.\u2026 yes", "cheaper\u2026. yes",
                                  "cheaper.... yes", "cheaper\uff0e\u2026 yes",
                                  "cheaper. \u2026 yes", "cheaper. . . . yes"])
def test_a_run_of_dots_matches_however_stops_and_ellipses_are_mixed(text):
    # one ellipsis is three dots: four typed dots are a stop and an ellipsis in either order;
    # whitespace beside a stop is optional (fold drops it), inside a run of dots too (the fuzz
    # test below found 'Z. \u2026' missed when typed 'Z. ...')
    assert _find("cheaper.... yes", text) == [text]
    assert _find("cheaper... yes", text) == [] and _find("cheaper..... yes", text) == []


def test_past_the_longest_dot_run_ellipses_come_first():
    n = MAX_DOT_RUN + 2
    assert _find("." * n, "." * n) == ["." * n]
    assert _find("." * n, "\u2026" * (n // 3) + "." * (n % 3)) == [
        "\u2026" * (n // 3) + "." * (n % 3)]
    assert _find("." * n, "." + "\u2026" * (n // 3) + ".") == []  # the limit, not a goal


def test_letters_and_words_still_have_to_match():
    assert _find("didnt") == [] and _find("we expand it") == []
    assert _find("moved") == [] and _find("惠州市") == []
    assert _find("mr. li") == [] and _find("mr. li", ignore_case=True) == ["Mr. Li"]
    assert _find("We didn't") == ["We didn\u2019t"]
    # a dash is not whitespace, and an apostrophe is not a double quote
    assert _find("move\" we") == [] and _find("didn\"t") == []
    # a full stop is not a comma, and the ideographic ones keep that difference
    assert _find("减免,ABC") == [] and _find("人工.土地") == []


def test_fold_is_the_canonical_form_both_sides_agree_on():
    assert fold("  didn\u2019t \u2014\u2014 \uff21\uff22\n\n x\u2026 ") == "didn't - AB x..."
    assert fold("惠州 \n政府\uff0c 土地") == "惠州政府,土地"
    for quote in ("didn't \"move\"", "惠州政府给了土地,还有"):
        (found,) = _find(quote)
        assert fold(found) == fold(quote)


# Property: any piece of a text, typed with any typography, finds a place in the text whose
# canonical form is the piece's (so offsets always point at what was meant).
_ALPHABET = ("ab Z'\u2019\"\u201c-\u2014\u2013.\u2026,\uff0c\n\t\u3000\u60e0\u5dde\uff21"
             "\u3002\u3001\u300c")
_RETYPE = {"\u2019": "'", "\u201c": '"', "\u2014": "--", "\u2013": "-", "\u2026": "...",
           "\uff0c": ",", "\uff21": "A", "\n": " ", "\u3000": " ", "\u3002": ".",
           "\u3001": ",", "\u300c": '"'}


@FUZZ
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=40), st.data())
def test_any_piece_of_a_text_retyped_is_found_where_it_is(text, data):
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i + 1, len(text)))
    piece = text[i:j]
    if not fold(piece):
        return
    typed = "".join(_RETYPE.get(c, c) for c in piece)
    # the documented limit: a run of more dots than this is matched ellipses first (see below)
    assume("." * (MAX_DOT_RUN + 1) not in fold(typed))
    hits = find_quote(text, typed)
    assert hits, (text, typed)
    assert all(fold(text[s:e]) == fold(typed) for s, e in hits), (text, typed, hits)
