"""Replacing key names (longest first, ignoring case and typography, inside Chinese text, Latin
names as whole words), moving offsets with the text, and the leak check on every output form."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.formats.pseudonym_key import KeyEntry, key_text, read_key
from qualcode.services.pseudonyms import LeakError, Pseudonymiser, document_text
from qualcode.typography import fold, name_key, name_regex, names_pattern
from tests.fuzz_inputs import FUZZ

ENTRIES = [
    KeyEntry("firms", "Desay Battery", "Firm A", 3),
    KeyEntry("firms", "Desay", "Firm A", 4),
    KeyEntry("firms", "德赛电池有限公司", "甲公司", 5),
    KeyEntry("firms", "德赛", "甲公司", 6),
    KeyEntry("people", "Li", "Manager L", 8),
    KeyEntry("people", "王总", "某总", 9),
    KeyEntry("places", "Huizhou", "City H", 11),
]


@pytest.fixture
def p() -> Pseudonymiser:
    return Pseudonymiser(ENTRIES)


def test_longest_first_case_and_typography_and_whole_latin_words(p):
    text = ("DESAY BATTERY moved to Huizhou; Desay\nBattery's lithium line; Mr. Li said "
            "desay’s plant; 德赛电池有限公司在惠州，王总说德赛很好。")
    assert p.text(text) == ("Firm A moved to City H; Firm A's lithium line; Mr. Manager L said "
                            "Firm A’s plant; 甲公司在惠州，某总说甲公司很好。")


def test_a_chinese_name_is_found_in_traditional_and_simplified_script(p):
    """A key written in simplified characters catches the traditional spelling (and back): a
    transcript from Hong Kong or Taiwan, or a quote typed in the other script, must not leak."""
    text = "德賽電池有限公司在惠州，王總說德賽很好；德赛也是。"
    assert p.text(text) == "甲公司在惠州，某总說甲公司很好；甲公司也是。"
    assert [e.original for e in p.leaks(text)] == ["德赛电池有限公司", "德赛", "王总"]
    traditional = Pseudonymiser([KeyEntry("firms", "億緯鋰能", "乙公司", 3)])
    assert traditional.text("亿纬锂能和億緯鋰能") == "乙公司和乙公司"
    assert name_key("德賽電池") == name_key("德赛电池") != name_key("德赛")


def test_offsets_move_with_the_text(p):
    @dataclass
    class Span:
        start: int
        end: int

    text = "We, Desay Battery, met 王总 in Huizhou."
    quotes = ["Desay Battery, met 王总", "met", "Huizhou", "We"]
    spans = [Span(text.index(q), text.index(q) + len(q)) for q in quotes]
    spans.append(Span(text.index("Battery"), text.index("Battery") + 3))  # inside a name
    new = document_text(p, text, spans)
    assert new == "We, Firm A, met 某总 in City H."
    assert [new[s.start:s.end] for s in spans] == [
        "Firm A, met 某总", "met", "City H", "We", "Firm A"]


def test_deep_copies_dataclasses_and_containers_and_never_changes_the_original(p):
    @dataclass
    class Row:
        case: str
        attrs: dict = field(default_factory=dict)
        quotes: list = field(default_factory=list)

    row = Row("Desay", {"origin": "Huizhou-native", "德赛": 1}, [("王总说", 3)])
    out = p.deep(row)
    assert out == Row("Firm A", {"origin": "City H-native", "甲公司": 1}, [("某总说", 3)])
    assert row.case == "Desay" and row.attrs["origin"] == "Huizhou-native"


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("output, part", [
    ("a,b\nFirm A,Desay Battery\n", ""),                                   # CSV
    ("<td>Firm A &amp; D&#101;say</td>", ""),                              # an HTML reference
    (json.dumps({"quote": "德赛来了"}), ""),                                 # JSON, escaped
    ('<a href="https://example.com/Hui%7Ahou">x</a>'.replace("%7A", "z"), ""),
    ("see https://example.com/Desay%20Battery/about", ""),                  # URL-escaped
    (_zip({"xl/sharedStrings.xml": "<t>王总</t>"}), "xl/sharedStrings.xml"),  # XLSX
    (_zip({"sources/Desay.txt": "nothing"}), "sources/Desay.txt"),          # a member's name
])
def test_the_leak_check_reads_outputs_as_a_reader_would(p, output, part):
    data = output if isinstance(output, bytes) else output.encode("utf-8")
    with pytest.raises(LeakError) as caught:
        p.check(data, where="out.x")
    assert "nothing was written" in caught.value.message
    assert (f"(in {part})" in caught.value.message) if part else "(in" not in caught.value.message


def test_clean_outputs_pass_the_leak_check(p):
    p.check("Firm A in City H; Lithium; Lin; 惠州".encode(), where="out.csv")
    p.check(_zip({"project.qde": "<Project name='Firm A'/>"}), where="out.qdpx")


def test_the_key_file_is_read_strictly_with_lines(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text(key_text(ENTRIES), encoding="utf-8")
    assert [(e.kind, e.original, e.pseudonym) for e in read_key(path)] == [
        (e.kind, e.original, e.pseudonym) for e in ENTRIES]
    for body, line, words in [
        ("firms:\n  Desay: Firm A\npeople:\n  desay: Person 1\n", 4, "twice"),
        ("firms:\n  Desay: Firm A\n  Li: Firm Desay\n", 3, "contains the name"),
        ("firms:\n  Desay:\n", 2, "no pseudonym"),
        ("companies:\n  Desay: Firm A\n", 1, "unknown section"),
        ("firms:\n  Desay: [Firm A]\n", 2, "must be text"),
    ]:
        path.write_text(body, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            read_key(path)
        assert f"{path}:{line}" in caught.value.one_line() and words in caught.value.one_line()


_NAME_ALPHABET = "abAB \u2019'-\u2014\u5fb7\u8d5b\uff41"


@FUZZ
@given(st.lists(st.text(alphabet=_NAME_ALPHABET, min_size=1, max_size=6), min_size=1,
                max_size=5),
       st.text(alphabet=_NAME_ALPHABET + "\nxy", max_size=60))
def test_the_fast_names_pattern_finds_what_one_loose_regex_per_name_finds(names, text):
    """typography.names_pattern (one first-character class, names grouped behind a lookbehind,
    case in the classes) against a plain alternation of each name's loose regex with
    re.IGNORECASE: the same matches, and each match keyed to its name."""
    names = list(dict.fromkeys(n for n in names if fold(n)))
    names = list({name_key(n): n for n in names}.values())
    if not names:
        return
    names.sort(key=lambda n: -len(fold(n)))
    plain = re.compile("|".join(f"({name_regex(n)})" for n in names), re.IGNORECASE)
    fast = names_pattern(names)
    expected = [(m.start(), m.end(), names[m.lastindex - 1]) for m in plain.finditer(text)]
    got = [(m.start(), m.end()) for m in fast.finditer(text)]
    assert got == [(s, e) for s, e, _ in expected]
    by_key = {name_key(n): n for n in names}
    assert [by_key[name_key(text[s:e])] for s, e in got] == [n for _, _, n in expected]
