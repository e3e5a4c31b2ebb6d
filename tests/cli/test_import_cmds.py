"""import: formats, encodings, cases from front matter, one transaction, skip and refuse."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DEMO, PUBLIC_DOMAIN, Project, need_shared


def _doc_json(project: Project, name: str) -> dict:
    return json.loads(project.ok("show", name, "--json"))


def test_demo_folder_imports_every_interview_with_cases_and_typed_attributes(project: Project):
    report = json.loads(project.ok("import", str(DEMO), "--json"))
    assert [r["status"] for r in report] == ["imported"] * 12
    cases = {c["name"]: c for c in json.loads(project.ok("cases", "list", "--json"))}
    assert set(cases) == {f"Firm {x}" for x in "ABCDEFGJKL"} | {"Official H", "Association I"}
    firm_c = cases["Firm C"]["attributes"]
    assert firm_c["employees"] == 4800 and isinstance(firm_c["employees"], int)
    assert firm_c["heritage_3c"] is True
    assert firm_c["segment"] == "cells"
    assert "employees" not in cases["Official H"]["attributes"]  # null in front matter: no value
    doc = _doc_json(project, "interview-03")
    assert doc["case"] == "Firm C"
    assert doc["date"] == "2018-07-12"
    assert doc["interviewee_role"].startswith("Deputy general manager")
    assert doc["synthetic"] is True
    source = (DEMO / "interview-03.md").read_text(encoding="utf-8")
    assert doc["text"] == source.split("\n---\n", 1)[1].lstrip("\n")
    speakers = {t["speaker"]: t["role"] for t in doc["turns"]}
    assert speakers == {"Interviewer": "interviewer", "Mr. Chen": "respondent"}
    for turn in doc["turns"]:
        said = doc["text"][turn["start"] : turn["end"]]
        assert said and not said.startswith(("Interviewer:", "Mr. Chen:"))


def test_reimporting_identical_files_is_a_reported_no_op(project: Project):
    project.ok("import", str(DEMO))
    before = project.snapshot()
    report = json.loads(project.ok("import", str(DEMO), "--json"))
    assert {r["status"] for r in report} == {"skipped"}
    assert project.snapshot() == before


def test_a_changed_file_under_an_existing_name_is_refused_and_nothing_changes(
    project: Project, tmp_path: Path
):
    project.ok("import", str(DEMO / "interview-01.md"))
    changed = tmp_path / "interview-01.md"
    changed.write_text(
        (DEMO / "interview-01.md").read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8"
    )
    fresh = tmp_path / "interview-77.md"
    fresh.write_text("Interviewer: Hello?\n\nMs. Wu: Hello.\n", encoding="utf-8")
    before = project.snapshot()
    error = project.fails("import", str(fresh), str(changed))
    assert "interview-01" in error and "different text" in error
    assert project.snapshot() == before  # interview-77 was not written either


def test_one_bad_file_stops_the_whole_import(project: Project, tmp_path: Path):
    good = tmp_path / "a-good.txt"
    good.write_text("Q: Why Huizhou?\nA: Land was cheap.\n", encoding="utf-8")
    empty = tmp_path / "b-empty.txt"
    empty.write_bytes(b"")
    before = project.snapshot()
    error = project.fails("import", str(tmp_path))
    assert "b-empty.txt" in error and "empty" in error
    assert error.count("\n") == 1
    assert project.snapshot() == before


def test_binary_unsupported_and_missing_inputs_are_refused(project: Project, tmp_path: Path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF-1.4")
    before = project.snapshot()
    assert "photo.txt" in project.fails("import", str(binary))
    assert "unsupported" in project.fails("import", str(other))
    assert "no such file" in project.fails("import", str(tmp_path / "nope.txt"))
    assert project.snapshot() == before


def test_malformed_front_matter_names_the_file_and_line(project: Project, tmp_path: Path):
    bad = tmp_path / "interview-x.md"
    bad.write_text(
        "---\ncase: Firm X\ncase_attributes: [unclosed\n---\nQ: Hi\nA: Hi\n", encoding="utf-8"
    )
    before = project.snapshot()
    error = project.fails("import", str(bad))
    assert "interview-x.md" in error
    assert project.snapshot() == before


def test_conflicting_case_attributes_across_files_are_refused(project: Project, tmp_path: Path):
    for name, employees in (("one.md", 10), ("two.md", 12)):
        (tmp_path / name).write_text(
            f"---\ncase: Firm Z\ncase_attributes:\n  employees: {employees}\n---\n"
            "Interviewer: Size?\n\nMr. Li: Small.\n",
            encoding="utf-8",
        )
    before = project.snapshot()
    error = project.fails("import", str(tmp_path))
    assert "Firm Z" in error and "employees" in error
    assert project.snapshot() == before


def test_legacy_and_utf16_encodings_are_detected_and_reported(project: Project, tmp_path: Path):
    text = (
        "采访者：请介绍一下贵公司的情况。\n" * 3 + "Interviewer: 公司在惠州吗？\n\n"
        "Mr. Li: 是的，我们二零一二年从深圳搬到惠州，因为土地和劳动力成本更低。"
        "我们以前生产手机电池，后来转向新能源汽车动力电池。\n"
    ) * 3
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    (tmp_path / "u16.txt").write_bytes(
        "\ufeffInterviewer: Where?\n\nMs. Wu: Huizhou.\n".encode("utf-16-le")
    )
    report = {r["document"]: r for r in json.loads(project.ok("import", str(tmp_path), "--json"))}
    assert report["gb"]["encoding"].lower().replace("-", "") in ("gb18030", "gbk", "gb2312")
    assert report["gb"]["encoding_detected"] is True
    assert _doc_json(project, "gb")["text"] == text
    assert report["u16"]["encoding"].lower().startswith("utf")
    assert _doc_json(project, "u16")["text"].startswith("Interviewer: Where?")


def test_public_domain_transcripts_import_with_speaker_turns(project: Project):
    folder = need_shared(PUBLIC_DOMAIN)
    project.ok(
        "import", str(folder / "07_wh_2024-05-13_background_call_china_tariffs_ev_batteries.txt")
    )
    doc = _doc_json(project, "07_wh_2024-05-13_background_call_china_tariffs_ev_batteries")
    speakers = [t["speaker"] for t in doc["turns"]]
    assert speakers[:3] == [None, "MR. KIKUKAWA", "MS. BRAINARD"]
    assert "SENIOR ADMINISTRATION OFFICIAL" in speakers
    questions = [t for t in doc["turns"] if t["speaker"] == "Q"]
    assert questions and all(t["role"] == "interviewer" for t in questions)
    first_q = doc["text"][questions[0]["start"] : questions[0]["end"]]
    assert first_q.startswith("Hi.  Thank you so much for doing this.")


def test_the_import_table_keeps_document_and_case_names_whole_at_80_columns(project: Project):
    """At 80 columns the names are not folded mid-word ("interview-0 / 1" was), the table fits,
    and a detected encoding is starred with the star explained under the table."""
    res = project.run("import", str(DEMO), columns=80)
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert all(line.rstrip().endswith(("│", "┓", "┃", "┩", "┘")) for line in lines
               if line.startswith(("│", "┏", "┃", "┡", "└")))  # nothing cropped on the right
    for n in range(1, 13):
        assert any(f"│ interview-{n:02d} │" in line for line in lines), n
    assert any("│ Association " in line for line in lines)
    assert any("gb18030*" in line for line in lines)
    assert "* detected, not declared in the file" in res.stdout


def test_the_import_table_fits_80_columns_with_long_names_and_no_case(project: Project, tmp_path):
    """A long file name with no case: the narrow columns need their headers' width ("case" is
    wider than "-"); reserving only the values' width made the table 83 columns wide, which cut
    off the status column."""
    name = "01_wh_2022-10-19_battery_supply_chain_grantees_roundtable"
    (tmp_path / f"{name}.txt").write_text("Interviewer: Why here?\nMs. Li: The port.\n",
                                          encoding="utf-8")
    res = project.run("import", str(tmp_path / f"{name}.txt"), columns=80)
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert all(line.rstrip().endswith(("│", "┓", "┃", "┩", "┘")) for line in lines
               if line.startswith(("│", "┏", "┃", "┡", "└")))
    assert any(line.rstrip().endswith("│ imported │") for line in lines)
    assert "".join(line.split("│")[1].strip() for line in lines
                   if line.startswith("│")) == name  # the name folds, whole, in its column
