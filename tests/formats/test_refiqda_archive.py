"""A .qdpx is untrusted input: hostile archives and hostile XML are refused with one line naming
the file and member, before anything is read into a project."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.formats.refiqda import Limits, read_refi
from qualcode.formats.refiqda.archive import SafeArchive, unsafe_name

PROJECT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="t"><Sources>'
    '<TextSource guid="11111111-2222-3333-4444-555555555555" name="a" '
    'plainTextPath="internal://11111111-2222-3333-4444-555555555555.txt"/>'
    "</Sources></Project>"
)
TEXT_MEMBER = "sources/11111111-2222-3333-4444-555555555555.txt"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _refused(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(InputError) as info:
        read_refi(path, limits) if limits else read_refi(path)
    line = info.value.one_line()
    assert "\n" not in line
    assert str(path) in line
    return line


def test_a_normal_archive_reads(tmp_path: Path):
    path = _zip(tmp_path / "ok.qdpx", {"project.qde": PROJECT.encode(), TEXT_MEMBER: b"Hello."})
    refi = read_refi(path)
    assert [t.text for t in refi.texts.values()] == ["Hello."]


def test_total_bytes_are_counted_while_reading(tmp_path: Path):
    path = _zip(tmp_path / "big.qdpx", {"project.qde": PROJECT.encode(),
                                        TEXT_MEMBER: b"word " * 40_000})
    line = _refused(path, Limits(max_total_bytes=100_000))
    assert "bytes in all" in line
    assert TEXT_MEMBER in line


def test_member_cap_is_enforced_while_reading(tmp_path: Path):
    path = _zip(tmp_path / "big.qdpx", {"project.qde": PROJECT.encode(),
                                        TEXT_MEMBER: b"word " * 40_000})
    # the header check is done with the same cap; a header under it still meets the reading cap
    with SafeArchive(path, Limits(max_member_bytes=10**9)) as archive:
        archive.limits = Limits(max_member_bytes=50_000)
        with pytest.raises(InputError, match="more than 50,000 bytes"):
            archive.read(archive.find(TEXT_MEMBER))


def test_ratio_is_judged_on_bytes_produced(tmp_path: Path):
    path = _zip(tmp_path / "bomb.qdpx", {"project.qde": PROJECT.encode(),
                                         TEXT_MEMBER: b"\0" * 3_000_000})
    line = _refused(path)
    assert "zip bomb" in line
    with SafeArchive(path, Limits(max_ratio=10**6)) as archive:  # headers pass, reading trips
        archive.limits = Limits(max_ratio=100)
        with pytest.raises(InputError, match="zip bomb"):
            archive.read(archive.find(TEXT_MEMBER))


def test_member_count_is_capped_before_zipfile_parses_the_directory(tmp_path: Path):
    members = {"project.qde": PROJECT.encode()} | {f"sources/{i}.txt": b"" for i in range(30)}
    path = _zip(tmp_path / "many.qdpx", members)
    assert "more than the 20 allowed" in _refused(path, Limits(max_members=20))


@pytest.mark.parametrize("name, why", [
    ("../evil.txt", "path traversal"),
    ("sources/../../evil.txt", "path traversal"),
    ("/etc/evil.txt", "absolute path"),
    ("C:/evil.txt", "absolute path"),
    ("..\\evil.txt", "path traversal"),
])
def test_unsafe_names(name: str, why: str):
    assert why in (unsafe_name(name) or "")


def test_safe_names():
    assert unsafe_name("sources/a..b.txt") is None
    assert unsafe_name("project.qde") is None


def test_case_twins_are_refused(tmp_path: Path):
    path = _zip(tmp_path / "twins.qdpx", {"project.qde": PROJECT.encode(),
                                          "sources/A.txt": b"a", "Sources/a.txt": b"b"})
    assert "differ only in case" in _refused(path)


def test_not_a_zip_and_not_xml(tmp_path: Path):
    path = tmp_path / "junk.qdpx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "not a readable zip archive" in _refused(path)
    path = tmp_path / "junk.qdc"
    path.write_bytes(b"hello, I am not XML")
    assert "malformed XML" in _refused(path)


def test_xml_of_another_kind_is_refused(tmp_path: Path):
    path = tmp_path / "other.qdc"
    path.write_bytes(b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>')
    assert "not a REFI-QDA file" in _refused(path)


def test_billion_laughs_in_a_bare_codebook(tmp_path: Path):
    path = tmp_path / "laughs.qdc"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE CodeBook [\n<!ENTITY a "haha">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="'
        '11111111-2222-3333-4444-555555555555" name="&c;" isCodable="true"/></Codes></CodeBook>',
        encoding="utf-8",
    )
    assert "DTD" in _refused(path)


def test_deeply_nested_codes_are_refused(tmp_path: Path):
    path = tmp_path / "deep.qdc"
    code = '<Code guid="11111111-2222-3333-4444-{:012d}" name="c{}" isCodable="true">'
    body = "".join(code.format(i, i) for i in range(80)) + "</Code>" * 80
    path.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{body}</Codes>'
                    "</CodeBook>", encoding="utf-8")
    assert "nested more than" in _refused(path)


def test_duplicate_guids_are_refused(tmp_path: Path):
    path = tmp_path / "dupes.qdc"
    guid = "11111111-2222-3333-4444-555555555555"
    path.write_text(f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                    f'<Code guid="{guid}" name="a" isCodable="true"/>'
                    f'<Code guid="{{{guid.upper()}}}" name="b" isCodable="true"/>'
                    "</Codes></CodeBook>", encoding="utf-8")
    assert "share the GUID" in _refused(path)


def test_missing_required_attributes_name_the_element(tmp_path: Path):
    qde = PROJECT.replace(
        '.txt"/>',
        '.txt"><PlainTextSelection guid="aaaaaaaa-2222-3333-4444-555555555555" '
        'startPosition="x" endPosition="3"/></TextSource>',
    )
    path = _zip(tmp_path / "bad.qdpx", {"project.qde": qde.encode(), TEXT_MEMBER: b"Hello."})
    line = _refused(path)
    assert "PlainTextSelection" in line and "startPosition='x'" in line
    assert "project.qde" in line
