"""Every bad transcript gives an InputError whose message names the file (and line if known)."""

from __future__ import annotations

import zipfile

import pytest

from qualcode.errors import InputError
from qualcode.formats.transcripts import read_transcript
from qualcode.formats.transcripts.source import MAX_BYTES

PNG_LIKE = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
            b"\x00\x00\x00\x1f\xf3\xffa\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00")


def _refused(path, *, match: str) -> str:
    with pytest.raises(InputError, match=match) as caught:
        read_transcript(path)
    message = caught.value.one_line()
    assert str(path) in message
    return message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    _refused(path, match="empty")


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.md"
    path.write_bytes(b" \n\t\r\n  \n")
    _refused(path, match="only whitespace")


def test_whitespace_only_utf16_file(tmp_path):
    path = tmp_path / "blank16.txt"
    path.write_bytes(b"\xff\xfe" + " \n \n".encode("utf-16-le"))
    _refused(path, match="only whitespace")


def test_png_bytes_named_txt(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(PNG_LIKE)
    _refused(path, match="PNG image")


def test_unknown_binary_bytes(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes([0, 1, 2, 3, 250, 251, 252, 0, 7, 8]) * 40)
    _refused(path, match="binary")


def test_front_matter_only_has_no_transcript(tmp_path):
    path = tmp_path / "fm.md"
    path.write_text("---\ncase: Acme\n---\n\n\n", encoding="utf-8")
    _refused(path, match="no transcript text")


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    _refused(path, match="not a readable Word document")


def test_zip_that_is_not_a_docx(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    _refused(path, match="not a readable Word document")


def test_docx_without_text(tmp_path):
    import docx

    path = tmp_path / "blank.docx"
    document = docx.Document()
    document.add_paragraph("")
    document.save(path)
    _refused(path, match="no text")


def test_vtt_without_header(tmp_path):
    path = tmp_path / "bad.vtt"
    path.write_text("00:00:01.000 --> 00:00:02.000\nHello\n", encoding="utf-8")
    _refused(path, match="malformed WebVTT")


def test_vtt_with_a_broken_cue(tmp_path):
    path = tmp_path / "badcue.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> soon\nHello\n", encoding="utf-8")
    _refused(path, match="malformed WebVTT")


def test_vtt_without_cues(tmp_path):
    path = tmp_path / "nocues.vtt"
    path.write_text("WEBVTT\n\nNOTE just a comment\n", encoding="utf-8")
    _refused(path, match="no cues")


def test_malformed_srt_names_the_line(tmp_path):
    path = tmp_path / "bad.srt"
    path.write_text("Interview 3 subtitles\n\n1\n00:00:01,000 --> 00:00:02,000\nHello\n",
                    encoding="utf-8")
    message = _refused(path, match="malformed SRT")
    assert f"{path}:1" in message
    assert "Interview 3 subtitles" in message


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.7")
    message = _refused(path, match="unsupported file type")
    assert ".docx" in message  # the hint lists what is supported


def test_missing_file(tmp_path):
    _refused(tmp_path / "nowhere.txt", match="no such file")


def test_directory_with_a_transcript_suffix(tmp_path):
    path = tmp_path / "folder.txt"
    path.mkdir()
    _refused(path, match="not a regular file")


def test_file_over_the_size_cap(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no 50 MB written to disk
    _refused(path, match="limited to 50 MB")


def test_bad_speaker_regex_is_an_input_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Anna: hi\n", encoding="utf-8")
    with pytest.raises(InputError, match="does not compile"):
        read_transcript(path, speaker_regex="(?P<speaker>[A-Z")
    with pytest.raises(InputError, match="no named group 'speaker'"):
        read_transcript(path, speaker_regex="[A-Z][a-z]+:")


def _docx(path, parts: dict[str, str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          'content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
          'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
         '</Relationships>')


@pytest.mark.parametrize("parts", [
    {"[Content_Types].xml": _TYPES},  # only a content-types part
    {"[Content_Types].xml": _TYPES, "_rels/.rels": _RELS, "word/document.xml": "<x/>"},
    {"[Content_Types].xml": _TYPES, "_rels/.rels": _RELS,
     "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                          'wordprocessingml/2006/main"/>'},
], ids=["content-types only", "main part not a document", "document without a body"])
def test_docx_with_a_broken_package_is_an_input_error(tmp_path, parts):
    # These ended in AttributeError inside python-docx.
    _refused(_docx(tmp_path / "broken.docx", parts), match="not a readable Word document")


def test_docx_that_unpacks_to_gigabytes_is_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("word/document.xml", b"\0" * (210 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    _refused(path, match="unpacks to 210 MB")


def test_srt_timestamp_beyond_a_timedelta(tmp_path):
    # Was an OverflowError inside the srt package.
    path = tmp_path / "huge.srt"
    path.write_text("1\n99999999999999999999:00:01,000 --> 99999999999999999999:00:04,000\n"
                    "Hello\n\n", encoding="utf-8")
    _refused(path, match="timestamp is out of range")
