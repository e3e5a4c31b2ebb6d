"""Speaker-turn detection on text: every label style, the prose that must not fire, roles."""

from __future__ import annotations

import pytest

from qualcode.errors import InputError
from qualcode.formats.transcripts import detect_turns
from qualcode.formats.transcripts.turns import detect_turns_with_warnings


def _said(text, **kwargs):
    return [(t.speaker, text[t.start:t.end]) for t in detect_turns(text, **kwargs)]


def test_offsets_exclude_label_colon_spaces_and_trailing_whitespace():
    text = "Interviewer:   How did it start?  \n\nRespondent: In a garage.\n\n\n"
    first, second = detect_turns(text)
    assert (first.label_start, first.start, first.end) == (0, 15, 32)
    assert text[first.start:first.end] == "How did it start?"
    assert text[second.label_start:second.start] == "Respondent: "
    assert second.end == text.index("garage.") + len("garage.")
    assert [first.number, second.number] == [1, 2]


def test_name_labels_with_honorifics_titles_and_initials():
    text = ("Dr. Li: Welcome.\nEngineer Wu: Thanks.\nManager Liu: Hello.\nMs. J. Chen: Hi.\n"
            "Henri van Rooyen: Bonjour.\n")
    assert _said(text) == [("Dr. Li", "Welcome."), ("Engineer Wu", "Thanks."),
                           ("Manager Liu", "Hello."), ("Ms. J. Chen", "Hi."),
                           ("Henri van Rooyen", "Bonjour.")]


def test_prose_with_a_colon_is_not_a_label():
    text = ("Interviewer: Why Hungary?\n"
            "Respondent: The reason is simple: we follow our customers.\n"
            "The reason is simple: cost.\n"
            "At 10:30 we met. 10:30 was early.\n"
            "See http://example.org: the plan.\n"
            "Time: 10:30\n")
    turns = _said(text)
    assert [speaker for speaker, _ in turns] == ["Interviewer", "Respondent"]
    assert turns[1][1].endswith("Time: 10:30")


def test_note_is_never_a_label_even_when_repeated():
    text = "Q: Why?\nNote: the respondent laughs.\nA: Because.\nNote: pause.\n"
    assert _said(text) == [("Q", "Why?\nNote: the respondent laughs."),
                           ("A", "Because.\nNote: pause.")]


def test_single_word_name_counts_only_when_used_twice():
    once = "Q: Who joined?\nTony: I did.\nA: Tony did.\n"
    turns, warnings = detect_turns_with_warnings(once)
    assert [t.speaker for t in turns] == ["Q", "A"]
    assert any("line 2" in w and "'Tony:'" in w for w in warnings)
    twice = "Tony: Hello.\nWu: Hi.\nTony: Bye.\nWu: Bye.\n"
    assert [s for s, _ in _said(twice)] == ["Tony", "Wu", "Tony", "Wu"]


def test_q_and_a_and_interviewer_respondent_roles():
    text = "Q: One?\nA: Two.\nInterviewer: Three?\nRespondent: Four.\nModerator: Five?\n"
    assert [(t.speaker, t.role) for t in detect_turns(text)] == [
        ("Q", "interviewer"), ("A", "respondent"), ("Interviewer", "interviewer"),
        ("Respondent", "respondent"), ("Moderator", "interviewer")]


def test_all_caps_labels():
    text = ("MR. MASTERS:  Yes.\nTHE PRESIDENT: Good.\n"
            "SENIOR ADMINISTRATION OFFICIAL:  Next.\nSECRETARY GRANHOLM: Thanks.\n")
    assert _said(text) == [("MR. MASTERS", "Yes."), ("THE PRESIDENT", "Good."),
                           ("SENIOR ADMINISTRATION OFFICIAL", "Next."),
                           ("SECRETARY GRANHOLM", "Thanks.")]


def test_bare_q_opens_a_reporters_question():
    text = ("MR. KIKUKAWA:  Josh, go ahead.\n\nQ    Hi.  Thank you.\n\n"
            "SENIOR ADMINISTRATION OFFICIAL:  Sure.\n\nQ Mr. President, one more?\n")
    turns = detect_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        ("MR. KIKUKAWA", "respondent"), ("Q", "interviewer"),
        ("SENIOR ADMINISTRATION OFFICIAL", "respondent"), ("Q", "interviewer")]
    assert text[turns[1].start:turns[1].end] == "Hi.  Thank you."
    assert text[turns[1].label_start] == "Q"
    assert text[turns[3].start:turns[3].end] == "Mr. President, one more?"


def test_q_starting_prose_is_not_a_question():
    text = "Q: When?\nA: Later. We held\nQ and A sessions every week.\n"
    assert [s for s, _ in _said(text)] == ["Q", "A"]


def test_time_stamped_labels_set_the_time():
    text = ("[00:12:31] Interviewer: First?\n(00:12:40) Wu Lei: Second.\n"
            "00:13:05 Interviewer: Third?\n[01:02] Wu Lei: Fourth.\n")
    turns = detect_turns(text)
    assert [(t.speaker, t.time, text[t.start:t.end]) for t in turns] == [
        ("Interviewer", "00:12:31", "First?"), ("Wu Lei", "00:12:40", "Second."),
        ("Interviewer", "00:13:05", "Third?"), ("Wu Lei", "01:02", "Fourth.")]
    assert turns[1].label_start == text.index("(00:12:40)")


def test_preamble_is_an_other_turn_and_blank_preamble_is_skipped():
    text = "South Court Auditorium\n\n3:20 P.M. EDT\n\nTHE PRESIDENT: Hello.\n"
    preamble, president = detect_turns(text)
    assert (preamble.speaker, preamble.role, preamble.label_start) == (None, "other", None)
    assert text[preamble.start:preamble.end] == "South Court Auditorium\n\n3:20 P.M. EDT"
    assert [t.speaker for t in detect_turns("\n \n\nQ: Hi?\n")] == ["Q"]


def test_multi_paragraph_hard_wrapped_turns_and_stage_notes_stay_in_the_turn():
    text = ("MR. CHEY:  Thank you.  We are\ngrateful.\n(Laughter.)\n\nAnd we will invest\n"
            "more.\n\nTHE PRESIDENT:  Good.\n\nEND 2:36 P.M. EDT\n")
    chey, president = detect_turns(text)
    assert text[chey.start:chey.end] == (
        "Thank you.  We are\ngrateful.\n(Laughter.)\n\nAnd we will invest\nmore.")
    assert text[president.start:president.end] == "Good.\n\nEND 2:36 P.M. EDT"


def test_label_alone_on_its_line():
    text = "Interviewer:\nHow did it start?\n\nRespondent:\n\nSlowly.\n"
    assert _said(text) == [("Interviewer", "How did it start?"), ("Respondent", "Slowly.")]


def test_labels_are_normalised_but_keep_their_casing():
    text = "MR.   MASTERS :  Yes.\nMr. Masters: Also me.\n**Engineer Wu:** Bold.\n"
    assert [t.speaker for t in detect_turns(text)] == ["MR. MASTERS", "Mr. Masters",
                                                       "Engineer Wu"]


def test_markdown_bold_labels():
    text = "**Interviewer:** Why?\n\n**Wu**: Because.\n"
    assert _said(text) == [("Interviewer", "Why?"), ("Wu", "Because.")]


def test_cjk_labels_with_full_width_colon():
    text = "问：为什么？\n答：因为成本。\n王经理：我同意。\n王经理：再补充一点。\n"
    turns = detect_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        ("问", "interviewer"), ("答", "respondent"), ("王经理", "respondent"),
        ("王经理", "respondent")]
    assert text[turns[0].start:turns[0].end] == "为什么？"


def test_interviewer_labels_override_the_default_roles():
    text = "Li Wei: Why?\nEngineer Wu: Cost.\nQ: And?\n"
    turns = detect_turns(text, interviewer_labels=[" li wei ", "X:"])
    assert [(t.speaker, t.role) for t in turns] == [
        ("Li Wei", "interviewer"), ("Engineer Wu", "respondent"), ("Q", "respondent")]


def test_an_interviewer_label_outside_the_grammar_is_accepted():
    text = "int: Why?\nEngineer Wu: Cost.\nint: Thanks.\n"
    turns = detect_turns(text, interviewer_labels=["int"])
    assert [(t.speaker, t.role) for t in turns] == [
        ("int", "interviewer"), ("Engineer Wu", "respondent"), ("int", "interviewer")]


def test_user_regex_replaces_the_built_in_rules():
    text = "<Anna 10:02> Why?\nQ: not a label here\n<Bo 10:03>   Cost.\n"
    regex = r"<(?P<speaker>\w+) (?P<time>\d\d:\d\d)>"
    turns = detect_turns(text, speaker_regex=regex, interviewer_labels=["Anna"])
    assert [(t.speaker, t.role, t.time, text[t.start:t.end]) for t in turns] == [
        ("Anna", "interviewer", "10:02", "Why?\nQ: not a label here"),
        ("Bo", "respondent", "10:03", "Cost.")]
    assert turns[0].label_start == 1  # where the speaker group starts


def test_bad_user_regex():
    with pytest.raises(InputError, match="named group 'speaker'"):
        detect_turns("a: b", speaker_regex=r"\w+:")


def test_text_without_labels_is_one_respondent_turn_with_a_warning():
    text = "We started in 2009.\nThen we grew.\n"
    turns, warnings = detect_turns_with_warnings(text)
    assert [(t.speaker, t.role, text[t.start:t.end]) for t in turns] == [
        (None, "respondent", "We started in 2009.\nThen we grew.")]
    assert any("no speaker labels" in w for w in warnings)


def test_a_label_with_no_text_is_skipped_with_a_warning():
    text = "Q: Why?\nA:\nQ: Again?\n"
    turns, warnings = detect_turns_with_warnings(text)
    assert [t.speaker for t in turns] == ["Q", "Q"]
    assert [t.number for t in turns] == [1, 2]
    assert any("line 2" in w and "no text" in w for w in warnings)
