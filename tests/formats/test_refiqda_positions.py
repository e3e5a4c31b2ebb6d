"""Position conventions of REFI-QDA producers: detected from the selections, mapped to code points
over the LF-normalised text."""

from __future__ import annotations

from qualcode.formats.refiqda.positions import (
    SPEC,
    Convention,
    detect,
    name_matches,
    normalise_newlines,
    unit_table,
)

CRLF_TEXT = (
    "Interviewer: Where did you start?\r\n"
    "Mr. Chen: In Shenzhen, making phone batteries.\r\n"
    "\r\n"
    "Then we moved the cell lines to Huizhou in 2012.\r\n"
    "Interviewer: Why?\r\n"
    "Mr. Chen: Land was cheaper and the rent was eating our margin.\r\n"
)
PHRASES = ("phone batteries", "moved the cell lines to Huizhou", "rent was eating our margin")


def _positions(raw: str, phrase: str, convention: Convention) -> tuple[int, int]:
    """Where a producer using `convention` would say the phrase is."""
    table = unit_table(raw, convention)
    norm = normalise_newlines(raw)
    start = norm.index(phrase)
    return table[start], table[start + len(phrase)]


def _selections(raw: str, convention: Convention, *, named: bool) -> list:
    out = []
    for phrase in PHRASES:
        start, end = _positions(raw, phrase, convention)
        out.append((start, end, phrase if named else f"Quotation {start}"))
    return out


def test_text_without_crlf_bom_or_astral_reads_the_same_under_every_convention():
    text = "We moved to Huizhou in 2012 because the rent was too high."
    det = detect(text, [(3, 8, "moved"), (12, 19, None)])
    assert not det.distinguishable
    assert det.convention == SPEC
    assert det.spans == [(3, 8), (12, 19)]
    assert "every convention agrees" in det.describe()


def test_spec_positions_over_crlf_text_are_detected_and_mapped():
    sels = _selections(CRLF_TEXT, SPEC, named=True)
    det = detect(CRLF_TEXT, sels)
    norm = normalise_newlines(CRLF_TEXT)
    assert det.distinguishable
    assert det.convention.key == "codepoints"
    assert [norm[a:b] for a, b in det.spans] == list(PHRASES)
    assert "the REFI spec" in det.describe()
    assert det.evidence.names_with_text == 3


def test_atlas_style_crlf_counted_once_is_detected_from_names():
    atlas = next(c for c in _candidates() if c.key == "codepoints-crlf1")
    det = detect(CRLF_TEXT, _selections(CRLF_TEXT, atlas, named=True))
    norm = normalise_newlines(CRLF_TEXT)
    assert det.convention.key == "codepoints-crlf1"
    assert [norm[a:b] for a, b in det.spans] == list(PHRASES)
    assert "ATLAS.ti" in det.describe()


def test_word_boundaries_decide_when_names_do_not_hold_the_text():
    atlas = next(c for c in _candidates() if c.key == "codepoints-crlf1")
    det = detect(CRLF_TEXT, _selections(CRLF_TEXT, atlas, named=False))
    norm = normalise_newlines(CRLF_TEXT)
    assert det.convention.key == "codepoints-crlf1"
    assert [norm[a:b] for a, b in det.spans] == list(PHRASES)
    assert det.evidence.names_with_text == 0
    assert det.evidence.edges_on_word_boundaries == 6


def test_nvivo_utf16_units_with_an_emoji_and_crlf():
    raw = "Ms. Lin: Honestly \U0001f600 the subsidy cut hurt.\r\nWe lost the bus orders.\r\n"
    nvivo = next(c for c in _candidates() if c.key == "utf16")
    norm = normalise_newlines(raw)
    sels = []
    for phrase in ("subsidy cut hurt", "lost the bus orders"):
        start = norm.index(phrase)
        table = unit_table(raw, nvivo)
        sels.append((table[start], table[start + len(phrase)], phrase))
    det = detect(raw, sels)
    assert det.convention.key == "utf16"
    assert [norm[a:b] for a, b in det.spans] == ["subsidy cut hurt", "lost the bus orders"]
    assert "UTF-16" in det.short()


def test_a_counted_bom_is_one_of_the_candidates():
    raw = "Mr. Wu: the yields were bad in 2016.\nNow they are fine."
    start = raw.index("yields were bad")
    det = detect(raw, [(start + 1, start + 1 + len("yields were bad"), "yields were bad")],
                 had_bom=True)
    assert det.convention.bom
    assert det.spans == [(start, start + len("yields were bad"))]


def test_out_of_range_positions_leave_no_span():
    det = detect("short text\r\nsecond line", [(0, 5, None), (3, 500, None)])
    assert det.spans[1] is None
    assert det.evidence.out_of_range == 1


def test_no_selections_falls_back_to_the_spec_and_says_so():
    det = detect("line one\r\nline two", [])
    assert det.convention == SPEC
    assert "no selections" in det.describe()


def test_name_matching_accepts_atlas_truncation_and_whitespace():
    assert name_matches("the rent was eating…", "the rent was eating our margin")
    assert name_matches("Oh, that was great.\n See you", "Oh, that was great. See you")
    assert not name_matches("line:6", "anything at all")
    assert not name_matches(None, "text")
    assert not name_matches("…", "text")


def _candidates():
    from qualcode.formats.refiqda.positions import CANDIDATES

    return CANDIDATES
