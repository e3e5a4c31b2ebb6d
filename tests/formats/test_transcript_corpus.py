"""The real White House transcripts in ../shared/corpus/public-domain split into correct turns.

Expected counts were taken with `grep -oE '^([A-Z][A-Z.]*( [A-Z][A-Z.]*)*):|^Q ' FILE | sort |
uniq -c` and checked by eye against the files (no other line starts with a label).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from qualcode.formats.transcripts import read_transcript

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "public-domain"
ROUNDTABLE = "01_wh_2022-10-19_battery_supply_chain_grantees_roundtable.txt"
SK_MEETING = "03_wh_2022-07-26_sk_group_battery_investment_meeting.txt"
BACKGROUND_CALL = "07_wh_2024-05-13_background_call_china_tariffs_ev_batteries.txt"
ALL = (ROUNDTABLE, SK_MEETING, BACKGROUND_CALL)

# A line that starts like any label in these files.
LABEL_LINE = re.compile(r"^(?:[A-Z][A-Z.]*(?: [A-Z][A-Z.]*)*:|Q\s)", re.MULTILINE)


def _read(name):
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"shared corpus not found at {CORPUS} (run from the project checkout)")
    return read_transcript(path)


def _speakers(parsed):
    return [t.speaker for t in parsed.turns]


def test_roundtable_first_turns():
    parsed = _read(ROUNDTABLE)
    assert _speakers(parsed)[:11] == [
        None, "THE PRESIDENT", "SECRETARY GRANHOLM", "THE PRESIDENT", "SECRETARY GRANHOLM",
        "MR. BROWN", "THE PRESIDENT", "MR. BROWN", "THE PRESIDENT", "MR. BROWN", "THE PRESIDENT"]
    preamble = parsed.turns[0]
    assert preamble.role == "other"
    assert parsed.text[preamble.start:preamble.end] == (
        "South Court Auditorium\nEisenhower Executive Office Building\n\n3:20 P.M. EDT")


def test_roundtable_turn_counts_per_speaker():
    parsed = _read(ROUNDTABLE)
    assert Counter(_speakers(parsed)) == {
        None: 1, "THE PRESIDENT": 22, "SECRETARY GRANHOLM": 11, "MS. MEDFORD": 7,
        "MR. MASTERS": 5, "MR. BROWN": 4, "Q": 3, "MR. MELSERT": 2}


def test_roundtable_reporters_shout_at_the_end():
    parsed = _read(ROUNDTABLE)
    tail = parsed.turns[-4:]
    assert [(t.speaker, t.role) for t in tail] == [
        ("Q", "interviewer"), ("Q", "interviewer"), ("Q", "interviewer"),
        ("THE PRESIDENT", "respondent")]
    last = parsed.text[tail[-1].start:tail[-1].end]
    assert last.startswith("They’re all important.")
    assert last.endswith("Thank you. Thank you.\n\n3:53 P.M. EDT")


def test_sk_meeting_sequence_and_counts():
    parsed = _read(SK_MEETING)
    assert _speakers(parsed)[:9] == [
        None, "MR. DEESE", "THE PRESIDENT", "MR. CHEY", "MR. DEESE", "THE PRESIDENT",
        "MR. DEESE", "THE PRESIDENT", "MR. CHEY"]
    assert Counter(_speakers(parsed)) == {
        None: 1, "THE PRESIDENT": 9, "MR. CHEY": 7, "MR. DEESE": 3}
    # "Hey, Tony.  How are you, pal?" is a second paragraph of the President's turn.
    second = parsed.turns[2]
    assert parsed.text[second.start:second.end] == "How are you?\n\nHey, Tony.  How are you, pal?"


def test_laughter_lines_stay_inside_the_turn():
    parsed = _read(SK_MEETING)
    text = parsed.text
    at = text.index("not there.\n(Laughter.)") + len("not there.\n")
    holder = [t for t in parsed.turns if t.start <= at < t.end]
    assert [t.speaker for t in holder] == ["THE PRESIDENT"]
    assert text[holder[0].start:holder[0].end].endswith("I apologize I’m not there.\n(Laughter.)")
    assert not any(text[t.start:].startswith("(Laughter.)") for t in parsed.turns)


def test_background_call_sequence_and_counts():
    parsed = _read(BACKGROUND_CALL)
    assert [(t.speaker, t.role) for t in parsed.turns[:8]] == [
        (None, "other"), ("MR. KIKUKAWA", "respondent"), ("MS. BRAINARD", "respondent"),
        ("MR. KIKUKAWA", "respondent"), ("Q", "interviewer"),
        ("SENIOR ADMINISTRATION OFFICIAL", "respondent"),
        ("SENIOR ADMINISTRATION OFFICIAL", "respondent"),
        ("SENIOR ADMINISTRATION OFFICIAL", "respondent")]
    assert Counter(_speakers(parsed)) == {
        None: 1, "SENIOR ADMINISTRATION OFFICIAL": 22, "MR. KIKUKAWA": 15, "Q": 15,
        "MS. BRAINARD": 1}


def test_background_call_q_turns_are_interviewer_questions():
    parsed = _read(BACKGROUND_CALL)
    questions = [t for t in parsed.turns if t.speaker == "Q"]
    assert {t.role for t in questions} == {"interviewer"}
    assert {t.role for t in parsed.turns if t.speaker != "Q" and t.speaker} == {"respondent"}
    first = parsed.text[questions[0].start:questions[0].end]
    assert first.startswith("Hi.  Thank you so much for doing this.  I was hoping")
    assert first.endswith("economic development goals.")
    assert parsed.text[questions[3].start:].startswith("[Senior administration official], if I")


def test_bracketed_official_lines_do_not_start_turns():
    parsed = _read(BACKGROUND_CALL)
    text = parsed.text
    for needle, speaker in (("[senior administration official].  I’ll now turn it over to Simon",
                             "MR. KIKUKAWA"),
                            ("[senior administration official].  Just to underscore",
                             "SENIOR ADMINISTRATION OFFICIAL"),
                            ("[senior administration official] can also chime in.",
                             "SENIOR ADMINISTRATION OFFICIAL")):
        at = text.index(needle)
        assert text[at - 1] == "\n"  # it really starts a line
        holder = [t for t in parsed.turns if t.start <= at < t.end]
        assert [t.speaker for t in holder] == [speaker]
        assert holder[0].start != at


@pytest.mark.parametrize("name", ALL)
def test_every_turn_is_a_clean_slice_without_labels(name):
    parsed = _read(name)
    text = parsed.text
    assert (parsed.encoding, parsed.encoding_detected, parsed.newlines_normalised) == (
        "utf-8", False, False)
    assert text == (CORPUS / name).read_text(encoding="utf-8")
    previous_end = 0
    for number, turn in enumerate(parsed.turns, start=1):
        said = text[turn.start:turn.end]
        assert turn.number == number
        assert said and said == said.strip()
        assert turn.start >= previous_end
        assert LABEL_LINE.search(said) is None, said[:80]
        if turn.speaker is not None:
            label = text[turn.label_start:turn.start]
            assert label.startswith(turn.speaker)
            assert label.rstrip(": \t") == turn.speaker
        previous_end = turn.end
    # every label line in the file starts exactly one turn
    label_lines = [m.start() for m in LABEL_LINE.finditer(text)]
    assert label_lines == [t.label_start for t in parsed.turns if t.speaker is not None]
