"""Each transcript format read from a real file: .txt, .md, .docx, .vtt, .srt."""

from __future__ import annotations

import hashlib

import docx

from qualcode.formats.transcripts import SUPPORTED_SUFFIXES, read_transcript


def _cut(parsed):
    return [(t.speaker, t.role, parsed.text[t.start:t.end]) for t in parsed.turns]


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".vtt", ".srt")


def test_txt_transcript_fields(tmp_path):
    text = "Interviewer: Why Ningde?\n\nRespondent: The suppliers are here.\n"
    path = tmp_path / "Wu-2024.TXT"
    path.write_bytes(text.encode("utf-8"))
    parsed = read_transcript(path)
    assert (parsed.name, parsed.source_filename, parsed.source_format) == (
        "Wu-2024", "Wu-2024.TXT", "txt")
    assert parsed.text == text
    assert parsed.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert parsed.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert _cut(parsed) == [("Interviewer", "interviewer", "Why Ningde?"),
                            ("Respondent", "respondent", "The suppliers are here.")]
    assert parsed.warnings == []


def test_interviewer_labels_and_speaker_regex_reach_the_detector(tmp_path):
    path = tmp_path / "regex.txt"
    path.write_text(">> Anna: Why?\n>> Bo: Cost.\n", encoding="utf-8")
    parsed = read_transcript(path, speaker_regex=r">> (?P<speaker>\w+):",
                             interviewer_labels=["Anna"])
    assert _cut(parsed) == [("Anna", "interviewer", "Why?"), ("Bo", "respondent", "Cost.")]


def test_docx_paragraphs_joined_with_blank_paragraphs_kept(tmp_path):
    paragraphs = ["Site visit, Ningde", "", "Interviewer: How many lines?", "",
                  "Engineer Wu: Three.", "A fourth next year.", "", "Interviewer: Thanks."]
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    path = tmp_path / "ningde visit.docx"
    document.save(path)
    parsed = read_transcript(path, name="visit-1")
    assert parsed.text == "\n".join(paragraphs)
    assert (parsed.name, parsed.source_format, parsed.encoding) == ("visit-1", "docx", "utf-8")
    assert parsed.encoding_detected is False
    assert parsed.meta.case is None  # a .docx carries no front matter
    assert _cut(parsed) == [
        (None, "other", "Site visit, Ningde"),
        ("Interviewer", "interviewer", "How many lines?"),
        ("Engineer Wu", "respondent", "Three.\nA fourth next year."),
        ("Interviewer", "interviewer", "Thanks.")]


def test_docx_table_text_is_reported_not_silently_lost(tmp_path):
    document = docx.Document()
    document.add_paragraph("Q: Why?")
    document.add_table(rows=1, cols=1).cell(0, 0).text = "A: Because."
    path = tmp_path / "table.docx"
    document.save(path)
    parsed = read_transcript(path)
    assert parsed.text == "Q: Why?"
    assert any("tables" in w for w in parsed.warnings)


def test_md_transcript(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("---\ncase: Acme\n---\n**Interviewer:** Why?\n\n**Wu**: Cost.\n",
                    encoding="utf-8")
    parsed = read_transcript(path)
    assert parsed.source_format == "md"
    assert _cut(parsed) == [("Interviewer", "interviewer", "Why?"),
                            ("Wu", "respondent", "Cost.")]


VTT = """WEBVTT

NOTE recorded on site

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>How did the firm start?

2
00:00:04.500 --> 00:00:06.000
<v.loud Wu Lei>In 2009,
in Ningde.

3
00:00:06.000 --> 00:00:09.000
<v Wu Lei>We made <i>cathodes</i> &amp; cells.</v>

4
01:02:03.250 --> 01:02:05.000
Interviewer: Thanks.
"""


def test_vtt_cues_by_one_speaker_merge_into_one_turn(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text(VTT, encoding="utf-8")
    parsed = read_transcript(path)
    assert parsed.text == ("Interviewer: How did the firm start?\n\n"
                           "Wu Lei: In 2009, in Ningde. We made cathodes & cells.\n\n"
                           "Interviewer: Thanks.")
    assert [(t.speaker, t.role, t.time, parsed.text[t.start:t.end]) for t in parsed.turns] == [
        ("Interviewer", "interviewer", "00:00:01", "How did the firm start?"),
        ("Wu Lei", "respondent", "00:00:04", "In 2009, in Ningde. We made cathodes & cells."),
        ("Interviewer", "interviewer", "01:02:03", "Thanks.")]
    second = parsed.turns[1]
    assert parsed.text[second.label_start:second.start] == "Wu Lei: "
    assert parsed.source_format == "vtt"


SRT = """1
00:00:01,000 --> 00:00:02,500
Anna: Hello, and thanks
for joining.

2
00:00:03,000 --> 00:00:04,000
<i>Shall we start?</i>

3
00:01:03,000 --> 00:01:04,000
Ben: Sure.

4
00:01:05,000 --> 00:01:06,000
{\\an8}Anna: Great.
"""


def test_srt_name_prefixes_and_unlabelled_cues_continue_the_speaker(tmp_path):
    path = tmp_path / "talk.srt"
    path.write_bytes(SRT.replace("\n", "\r\n").encode("utf-8"))
    parsed = read_transcript(path, interviewer_labels=["Anna"])
    assert parsed.text == ("Anna: Hello, and thanks for joining. Shall we start?\n\n"
                           "Ben: Sure.\n\nAnna: Great.")
    assert parsed.newlines_normalised is True
    assert [(t.speaker, t.role, t.time, parsed.text[t.start:t.end]) for t in parsed.turns] == [
        ("Anna", "interviewer", "00:00:01", "Hello, and thanks for joining. Shall we start?"),
        ("Ben", "respondent", "00:01:03", "Sure."),
        ("Anna", "interviewer", "00:01:05", "Great.")]


def test_subtitles_without_speakers_are_one_respondent_turn(tmp_path):
    path = tmp_path / "plain.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nWe began\n\n"
                    "2\n00:00:02,000 --> 00:00:03,000\nin 2009.\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert _cut(parsed) == [(None, "respondent", "We began in 2009.")]
    assert parsed.turns[0].time == "00:00:01"
    assert any("no speakers" in w for w in parsed.warnings)
