"""Nothing in a transcript, codebook, coding file or REFI-QDA archive is executed, and nothing is
read or written outside what the user named: each refusal is one line and changes nothing."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SMALL_CODEBOOK, Project

TRANSCRIPT = "Q: What brought you here?\nA: We moved here for the subsidy.\n"


@pytest.fixture
def small(project: Project, tmp_path: Path) -> Project:
    codebook = tmp_path / "small.yaml"
    codebook.write_text(SMALL_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(codebook))
    doc = tmp_path / "in" / "firm.md"
    doc.parent.mkdir()
    doc.write_text(TRANSCRIPT, encoding="utf-8")
    project.ok("import", str(doc))
    return project


def _tags(sentinel: Path) -> list[str]:
    """YAML that would run a command (and create `sentinel`) if it were loaded unsafely."""
    return [
        f"!!python/object/apply:os.system ['touch {sentinel}']",
        f"!!python/object/apply:subprocess.call [['touch', '{sentinel}']]",
        f"!!python/object/new:subprocess.Popen [['touch', '{sentinel}']]",
        "!!python/name:os.system",
        "!!python/module:os",
    ]


def test_yaml_tags_in_front_matter_are_refused_and_run_nothing(small: Project, tmp_path: Path):
    sentinel = tmp_path / "pwned"
    before = small.snapshot()
    for number, tag in enumerate(_tags(sentinel)):
        path = tmp_path / f"evil{number}.md"
        path.write_text(f"---\ncase: {tag}\n---\n{TRANSCRIPT}", encoding="utf-8")
        error = small.fails("import", str(path))
        assert f"{path}:2: malformed front matter: the tag" in error and "is not allowed" in error
    assert not sentinel.exists()
    assert small.snapshot() == before


def test_yaml_tags_in_a_codebook_are_refused_and_run_nothing(small: Project, tmp_path: Path):
    sentinel = tmp_path / "pwned"
    before = small.snapshot()
    for number, tag in enumerate(_tags(sentinel)):
        path = tmp_path / f"evil{number}.yaml"
        path.write_text(SMALL_CODEBOOK.replace("definition: Policy.", f"definition: {tag}"),
                        encoding="utf-8")
        for command in ("validate", "load"):
            res = small.run("codebook", command, str(path))
            assert res.exit_code == 1
            assert "is not allowed" in res.stdout + res.stderr
    assert not sentinel.exists()
    assert small.snapshot() == before


def test_yaml_tags_in_a_coding_file_are_refused_and_run_nothing(small: Project, tmp_path: Path):
    sentinel = tmp_path / "pwned"
    before = small.snapshot()
    for number, tag in enumerate(_tags(sentinel)):
        path = tmp_path / f"evil{number}.yaml"
        path.write_text(f"document: firm\ncoder: wei\ncodings:\n  - code: policy.subsidies\n"
                        f"    quote: the subsidy\n    memo: {tag}\n", encoding="utf-8")
        error = small.fails("codings", "import", str(path))
        assert f"{path}:6: malformed YAML: the tag" in error
    assert not sentinel.exists()
    assert small.snapshot() == before


def test_import_of_a_folder_does_not_follow_links_out_of_it(project: Project, tmp_path: Path):
    secret = tmp_path / "private" / "diary.txt"
    secret.parent.mkdir()
    secret.write_text("A: My private diary, not an interview.\n", encoding="utf-8")
    folder = tmp_path / "shared-folder"
    folder.mkdir()
    (folder / "firm-a.txt").write_text(TRANSCRIPT, encoding="utf-8")
    os.symlink(secret, folder / "diary.txt")
    os.symlink(folder / "firm-a.txt", folder / "firm-a-again.txt")  # stays inside: followed
    os.symlink(tmp_path / "nowhere.txt", folder / "broken.txt")
    out = project.ok("import", str(folder))
    assert f"skipped {folder / 'diary.txt'} -> {secret} (a link to a file outside the folder, " \
           "not followed)" in out
    assert f"skipped {folder / 'broken.txt'}" in out and "(a broken link)" in out
    names = {row[1] for row in project.snapshot()["documents"]}
    assert names == {"firm-a", "firm-a-again"}
    texts = " ".join(str(row) for row in project.snapshot()["documents"])
    assert "private diary" not in texts


def test_a_folder_with_only_outside_links_is_refused(project: Project, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text(TRANSCRIPT, encoding="utf-8")
    folder = tmp_path / "links"
    folder.mkdir()
    os.symlink(secret, folder / "secret.txt")
    before = project.snapshot()
    error = project.fails("import", str(folder))
    assert "holds no transcript files (links out of it are not followed: 1)" in error
    assert project.snapshot() == before


def test_codings_import_of_a_folder_does_not_follow_links_out_of_it(small: Project,
                                                                      tmp_path: Path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("document: firm\ncoder: mallory\ncodings:\n  - code: policy.subsidies\n"
                       "    quote: the subsidy\n", encoding="utf-8")
    folder = tmp_path / "coding"
    folder.mkdir()
    (folder / "firm.yaml").write_text("document: firm\ncoder: wei\ncodings:\n"
                                      "  - code: strategy.relocation\n    quote: We moved here\n",
                                      encoding="utf-8")
    os.symlink(outside, folder / "z.yaml")
    out = small.ok("codings", "import", str(folder))
    assert f"skipped {folder / 'z.yaml'} -> {outside}" in out
    coders = {row[1] for row in small.snapshot()["coders"]}
    assert "mallory" not in coders and "wei" in coders


# -- REFI-QDA archives ---------------------------------------------------------------------------

GUID = "11111111-2222-3333-4444-555555555555"


def _project_xml(path_value: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="t"><Sources>'
            f'<TextSource guid="{GUID}" name="a" plainTextPath="{path_value}"/>'
            "</Sources></Project>").encode()


def _qdpx(path: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)  # a symbolic link entry
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("members, links, expected", [
    ({"project.qde": _project_xml(f"internal://{GUID}.txt"), "../escape.txt": b"x"}, (),
     "path traversal"),
    ({"project.qde": _project_xml(f"internal://{GUID}.txt"), "/tmp/abs.txt": b"x"}, (),
     "absolute path"),
    ({"project.qde": _project_xml(f"internal://{GUID}.txt")}, (f"sources/{GUID}.txt",),
     "symbolic link"),
    ({"project.qde": _project_xml(f"internal://{GUID}.txt",
                                  '<!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'),
      f"sources/{GUID}.txt": b"text"}, (), "declares a DTD"),
])
def test_hostile_archives_are_refused_and_write_nothing(project: Project, tmp_path: Path,
                                                        members, links, expected):
    work = tmp_path / "work"
    work.mkdir()
    path = _qdpx(work / "hostile.qdpx", members, links)
    before = project.snapshot()
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    error = project.fails("refi", "import", str(path))
    assert str(path) in error and expected in error
    assert project.snapshot() == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing  # nothing written anywhere


def test_sources_outside_the_archive_are_never_opened(project: Project, tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("A secret that must not be imported.", encoding="utf-8")
    for scheme in ("absolute://", "relative://"):
        path = _qdpx(tmp_path / f"{scheme[:3]}.qdpx",
                     {"project.qde": _project_xml(f"{scheme}{outside}")})
        out = project.run("refi", "import", str(path))
        assert f"not opened: {scheme[:-3]}:// points outside the archive" in out.stdout + out.stderr
    texts = " ".join(str(row) for row in project.snapshot()["documents"])
    assert "secret" not in texts
