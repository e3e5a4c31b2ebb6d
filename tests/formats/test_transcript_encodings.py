"""Transcript decoding: BOMs, UTF-16, detected legacy encodings, newline normalisation."""

from __future__ import annotations

import hashlib

import pytest

from qualcode.errors import InputError
from qualcode.formats.transcripts import decode_bytes, read_transcript

INTERVIEW = (
    "Interviewer: Could you tell me how the company started?\n\n"
    "Respondent: Well, it began in 1998 in a small garage in Lyon. My father — he was an engineer "
    "at Renault — thought “batteries will matter”. We called it Société d’Énergie. The first "
    "product was a naïve design, honestly; the café next door was our meeting room.\n\n"
    "Interviewer: And the move to Québec?\n\n"
    "Respondent: That was 2011. The province offered subsidies, and the hydro-électricité was "
    "cheap. We hired twelve people from the université. It’s been a long journey — but we’re "
    "proud of it.\n"
)
CHINESE = (
    "采访者：请介绍一下贵公司的电池业务。\n\n"
    "王经理：我们主要生产磷酸铁锂正极材料，客户包括宁德时代和比亚迪。\n\n"
    "采访者：海外市场呢？\n\n"
    "王经理：我们在匈牙利建厂，明年投产。\n"
)


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_without_bom_is_not_detected(tmp_path):
    parsed = read_transcript(_write(tmp_path, "a.txt", INTERVIEW.encode("utf-8")))
    assert parsed.text == INTERVIEW
    assert (parsed.encoding, parsed.encoding_detected) == ("utf-8", False)


def test_utf8_bom_is_removed_from_the_text(tmp_path):
    parsed = read_transcript(_write(tmp_path, "a.txt", b"\xef\xbb\xbf" + INTERVIEW.encode()))
    assert parsed.text == INTERVIEW
    assert not parsed.text.startswith("\ufeff")
    assert (parsed.encoding, parsed.encoding_detected) == ("utf-8-sig", False)
    assert parsed.turns[0].speaker == "Interviewer"
    assert parsed.turns[0].label_start == 0


def test_utf16_le_with_bom(tmp_path):
    data = b"\xff\xfe" + INTERVIEW.encode("utf-16-le")
    parsed = read_transcript(_write(tmp_path, "a.txt", data))
    assert parsed.text == INTERVIEW
    assert (parsed.encoding, parsed.encoding_detected) == ("utf-16-le", False)
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "Respondent"] * 2


def test_utf16_be_with_bom(tmp_path):
    data = b"\xfe\xff" + CHINESE.encode("utf-16-be")
    parsed = read_transcript(_write(tmp_path, "a.txt", data))
    assert parsed.text == CHINESE
    assert parsed.encoding == "utf-16-be"


def test_gb18030_chinese_is_detected(tmp_path):
    parsed = read_transcript(_write(tmp_path, "zh.txt", CHINESE.encode("gb18030")))
    assert parsed.text == CHINESE
    assert (parsed.encoding, parsed.encoding_detected) == ("gb18030", True)
    assert any("encoding detected as gb18030" in w for w in parsed.warnings)
    assert [t.speaker for t in parsed.turns] == ["采访者", "王经理", "采访者", "王经理"]
    assert [t.role for t in parsed.turns] == ["interviewer", "respondent"] * 2
    assert parsed.text[parsed.turns[1].start:parsed.turns[1].end] == (
        "我们主要生产磷酸铁锂正极材料，客户包括宁德时代和比亚迪。")


def test_cp1252_curly_quotes_and_accents_are_detected(tmp_path):
    data = INTERVIEW.encode("cp1252")
    parsed = read_transcript(_write(tmp_path, "fr.txt", data))
    assert parsed.text == INTERVIEW
    assert (parsed.encoding, parsed.encoding_detected) == ("cp1252", True)
    assert parsed.file_sha256 == hashlib.sha256(data).hexdigest()
    assert parsed.sha256 == hashlib.sha256(INTERVIEW.encode("utf-8")).hexdigest()


def test_decode_bytes_reports_encoding_and_detection():
    assert decode_bytes(b"plain", where="x.txt") == ("plain", "utf-8", False)
    assert decode_bytes(b"\xef\xbb\xbfplain", where="x.txt") == ("plain", "utf-8-sig", False)
    text, encoding, detected = decode_bytes(INTERVIEW.encode("cp1252"), where="x.txt")
    assert (text, encoding, detected) == (INTERVIEW, "cp1252", True)


def test_utf16_without_bom_is_recognised_by_its_nul_pattern():
    text, encoding, detected = decode_bytes(INTERVIEW.encode("utf-16-le"), where="x.txt")
    assert (text, encoding, detected) == (INTERVIEW, "utf-16-le", True)


def test_crlf_is_normalised_once_and_offsets_cut_the_right_text(tmp_path):
    raw = ("Room 4\r\n\r\nInterviewer: How did it start?\r\n\r\n"
           "Respondent: In a garage.\r\nThen a plant.\r\n")
    parsed = read_transcript(_write(tmp_path, "crlf.txt", raw.encode()))
    assert parsed.newlines_normalised is True
    assert "\r" not in parsed.text
    assert parsed.text == raw.replace("\r\n", "\n")
    cut = [parsed.text[t.start:t.end] for t in parsed.turns]
    assert cut == ["Room 4", "How did it start?", "In a garage.\nThen a plant."]


def test_lone_cr_is_normalised(tmp_path):
    raw = "Interviewer: Old Mac file?\rRespondent: Yes.\r"
    parsed = read_transcript(_write(tmp_path, "cr.txt", raw.encode()))
    assert parsed.newlines_normalised is True
    assert parsed.text == "Interviewer: Old Mac file?\nRespondent: Yes.\n"
    assert [parsed.text[t.start:t.end] for t in parsed.turns] == ["Old Mac file?", "Yes."]


def test_lf_file_is_not_marked_normalised(tmp_path):
    parsed = read_transcript(_write(tmp_path, "lf.txt", INTERVIEW.encode()))
    assert parsed.newlines_normalised is False


def test_mostly_replacement_characters_are_refused():
    with pytest.raises(InputError, match="mostly unreadable") as caught:
        decode_bytes(("\ufffd" * 50 + " ok").encode(), where="broken.txt")
    assert "broken.txt" in str(caught.value)


def test_a_few_replacement_characters_are_kept():
    text, _, _ = decode_bytes(("A long enough sentence with one \ufffd in it.").encode(),
                              where="x.txt")
    assert "\ufffd" in text


def test_ambiguous_windows_text_is_reported_as_cp1252():
    # Only dashes and curly quotes: cp1250/1252/1257 decode it identically; cp1252 is the name
    # a researcher on Windows would recognise.
    text = ("MR. KIKUKAWA:  Thanks — we will start with “senior officials” on background.\n\n"
            "Q    Thank you.  Can you say more — briefly — about the tariffs?\n") * 6
    assert decode_bytes(text.encode("cp1252"), where="x.txt") == (text, "cp1252", True)


LEGACY = {
    "cp1250-polish": ("cp1250", "Wywiad: Dzień dobry, proszę opowiedzieć o firmie. Zaczęliśmy w "
                      "Łodzi, produkcja ogniw była trudna, żadnych dotacji. Później "
                      "przenieśliśmy się do Wrocławia, bo tam było więcej inżynierów.\n"),
    "cp1250-czech": ("cp1250", "Tazatel: Proč jste si vybrali Česko pro novou továrnu?\n\n"
                     "Respondent: Hlavně kvůli dodavatelům a kvalifikovaným lidem. Vláda nám "
                     "pomohla s povolením, i když to trvalo déle, než jsme čekali. Největší "
                     "problém byl s elektřinou – ceny energie se loni výrazně zvýšily.\n"),
    "cp1252-english": ("cp1252", "Interviewer: “How did the company get started?”\n\n"
                       "Respondent: Well — it’s a long story. My father founded it in a garage; "
                       "we didn’t have a cent of venture money. We’re proud of it, though…\n"),
    "cp1251-russian": ("cp1251", "Интервьюер: Расскажите, пожалуйста, о вашей компании.\n"
                       "Респондент: Мы начали в 2010 году, сначала было очень трудно.\n"),
}


@pytest.mark.parametrize("case", sorted(LEGACY))
def test_legacy_code_pages_are_told_apart(case):
    # charset-normalizer alone scores cp1250 and cp1252 alike on texts this short and picks the
    # wrong one for French and Czech; the alphabet check must get every one of these right.
    encoding, text = LEGACY[case]
    assert decode_bytes(text.encode(encoding), where="x.txt") == (text, encoding, True)
