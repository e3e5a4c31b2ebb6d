"""Bad input around Chinese fieldwork: each refused with one line naming the file and line, and
nothing written (the project's tables, and the pseudonym key, unchanged)."""

from __future__ import annotations

import shutil

from tests.conftest import CODEBOOK, DEMO, Project

CHINESE = "访谈者：补贴多吗？\n王总：政府补贴不多。\n访谈者：土地呢？\n王总：土地是政府给的。\n"


def test_a_folder_with_one_chinese_file_declared_english_imports_nothing(project, tmp_path):
    project.ok("codebook", "load", str(CODEBOOK))
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(DEMO / "interview-03.md", folder / "a-interview-03.md")
    (folder / "b-wang.md").write_text(f"---\ncase: Firm W\nlanguage: en\n---\n{CHINESE}",
                                      encoding="utf-8")
    before = project.snapshot()
    error = project.fails("import", str(folder))
    assert error.count("\n") == 1 and f"{folder / 'b-wang.md'}:3:" in error
    assert "the text is Chinese" in error
    assert project.snapshot() == before


def test_a_coding_file_pasted_from_two_encodings_names_the_line(project: Project, tmp_path):
    project.ok("codebook", "load", str(CODEBOOK))
    (tmp_path / "wang.txt").write_text(CHINESE, encoding="utf-8")
    project.ok("import", str(tmp_path / "wang.txt"))
    path = tmp_path / "wang.yaml"
    path.write_bytes("document: wang\ncoder: ana\ncodings:\n  - code: policy.subsidies\n"
                     "    quote: 政府补贴不多\n  - code: policy.subsidies\n    quote: ".encode()
                     + "土地是政府给的".encode("gb18030") + b"\n")
    before = project.snapshot()
    error = project.fails("codings", "import", str(path))
    assert error.count("\n") == 1 and f"{path}:7:" in error and "mixed encodings" in error
    assert project.snapshot() == before


def test_a_pseudonym_key_in_another_encoding_is_refused_and_left_alone(project, tmp_path):
    key = project.folder / "pseudonyms.yaml"
    key.write_bytes(b"firms:\n  Desay: Firm A\n" + "  德赛: 甲公司\n".encode("gb18030"))
    before = key.read_bytes()
    error = project.fails("pseudonyms", "list")
    assert error.count("\n") == 1 and f"{key}:3:" in error and "not UTF-8" in error
    assert f"{key}:3:" in project.fails("pseudonyms", "add", "people", "王总")
    assert f"{key}:3:" in project.fails("matrix", "--pseudonymise", "-o",
                                        str(tmp_path / "m.csv"))
    assert key.read_bytes() == before and not (tmp_path / "m.csv").exists()


def test_a_pseudonym_key_with_a_pseudonym_holding_a_real_name_is_refused(project: Project):
    key = project.folder / "pseudonyms.yaml"
    key.write_text("firms:\n  德赛电池: 甲公司\npeople:\n  王总: 德赛电池的老板\n",
                   encoding="utf-8")
    error = project.fails("pseudonyms", "list")
    assert f"{key}:4:" in error and "contains the name '德赛电池'" in error

