"""YAML front matter on .txt/.md transcripts."""

from __future__ import annotations

import pytest

from qualcode.errors import InputError
from qualcode.formats.transcripts import read_transcript

FULL = """---
case: Ningde Cathode Co.
case_attributes:
  segment: cathode
  founded: 2009
document_attributes:
  wave: 2
interview:
  interviewee_role: plant manager
  date: 2024-05-13
  place: Ningde
  interviewer: Li Wei
  recorder: phone
language: en
interviewer_labels: [Li Wei]
title: Second visit
synthetic: true
notice: Fictional demo interview.
transcriber: K. Chen
---


Li Wei: How many lines do you run?

Engineer Wu: Three, and a fourth next year.
"""


def _write(tmp_path, text, name="ningde.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_known_key_lands_in_the_meta(tmp_path):
    parsed = read_transcript(_write(tmp_path, FULL))
    meta = parsed.meta
    assert meta.case == "Ningde Cathode Co."
    assert meta.case_attributes == {"segment": "cathode", "founded": 2009}
    assert meta.interviewee_role == "plant manager"
    assert meta.date == "2024-05-13"
    assert meta.place == "Ningde"
    assert meta.interviewer == "Li Wei"
    assert meta.language == "en"
    assert meta.interviewer_labels == ["Li Wei"]
    assert meta.title == "Second visit"
    assert meta.synthetic is True
    # notice, unknown top-level keys and unknown interview keys are kept as document attributes
    assert meta.document_attributes == {"wave": 2, "recorder": "phone",
                                        "notice": "Fictional demo interview.",
                                        "transcriber": "K. Chen"}
    assert parsed.source_format == "md"


def test_stored_text_is_the_body_without_leading_blank_lines(tmp_path):
    parsed = read_transcript(_write(tmp_path, FULL))
    assert parsed.text == ("Li Wei: How many lines do you run?\n\n"
                           "Engineer Wu: Three, and a fourth next year.\n")
    first, second = parsed.turns
    assert parsed.text[first.start:first.end] == "How many lines do you run?"
    assert parsed.text[second.start:second.end] == "Three, and a fourth next year."


def test_front_matter_interviewer_labels_set_the_roles(tmp_path):
    parsed = read_transcript(_write(tmp_path, FULL))
    assert [(t.speaker, t.role) for t in parsed.turns] == [
        ("Li Wei", "interviewer"), ("Engineer Wu", "respondent")]


def test_firm_is_an_alias_of_case(tmp_path):
    parsed = read_transcript(_write(tmp_path, "---\nfirm: Acme Cells\n---\nQ: Hi?\nA: Hi.\n"))
    assert parsed.meta.case == "Acme Cells"


def test_case_and_firm_that_disagree_are_refused(tmp_path):
    path = _write(tmp_path, "---\ncase: Acme\nfirm: Other\n---\nQ: Hi?\n")
    with pytest.raises(InputError, match="disagree") as caught:
        read_transcript(path)
    assert f"{path}:3" in caught.value.one_line()


def test_name_in_front_matter_and_the_name_argument(tmp_path):
    path = _write(tmp_path, "---\nname: wu-2024\n---\nQ: Hi?\n", name="file-stem.txt")
    assert read_transcript(path).name == "wu-2024"
    assert read_transcript(path, name="given").name == "given"
    plain = _write(tmp_path, "Q: Hi?\n", name="plain-stem.txt")
    assert read_transcript(plain).name == "plain-stem"


def test_no_front_matter_keeps_the_text_as_is(tmp_path):
    text = "\n\nQ: Hi?\n\nA: Hello.\n"
    parsed = read_transcript(_write(tmp_path, text, name="a.txt"))
    assert parsed.text == text
    assert parsed.meta.case is None


def test_a_later_rule_line_is_not_front_matter(tmp_path):
    text = "Q: Hi?\n---\nA: Hello.\n---\n"
    parsed = read_transcript(_write(tmp_path, text, name="a.txt"))
    assert parsed.text == text


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = _write(tmp_path, "---\ncase: Acme\nlanguage: en\n  bad: [unclosed\n---\nQ: Hi?\n")
    with pytest.raises(InputError, match="malformed front matter") as caught:
        read_transcript(path)
    assert f"{path}:4" in caught.value.one_line()


def test_unclosed_front_matter_is_refused(tmp_path):
    path = _write(tmp_path, "---\ncase: Acme\n\nQ: Hi?\n")
    with pytest.raises(InputError, match="never closed") as caught:
        read_transcript(path)
    assert f"{path}:1" in caught.value.one_line()


def test_front_matter_that_is_not_a_mapping(tmp_path):
    path = _write(tmp_path, "---\n- just\n- a list\n---\nQ: Hi?\n")
    with pytest.raises(InputError, match="must be a mapping") as caught:
        read_transcript(path)
    assert str(path) in caught.value.one_line()


def test_attributes_that_are_not_a_mapping_name_their_line(tmp_path):
    path = _write(tmp_path, "---\ncase: Acme\ncase_attributes: cathode\n---\nQ: Hi?\n")
    with pytest.raises(InputError, match="'case_attributes' must be a mapping") as caught:
        read_transcript(path)
    assert f"{path}:3" in caught.value.one_line()


def test_synthetic_must_be_a_boolean(tmp_path):
    path = _write(tmp_path, "---\nsynthetic: maybe\n---\nQ: Hi?\n")
    with pytest.raises(InputError, match="true or false"):
        read_transcript(path)


def test_front_matter_after_a_bom_and_with_crlf(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\ncase: Acme\r\n---\r\n\r\nQ: Hi?\r\nA: Hello.\r\n")
    parsed = read_transcript(path)
    assert parsed.meta.case == "Acme"
    assert parsed.text == "Q: Hi?\nA: Hello.\n"
    assert parsed.newlines_normalised is True
