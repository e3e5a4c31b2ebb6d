"""documents list/rename/remove/set-case/set and cases rename/merge/remove, with undo."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ON_POSTGRES, Project, build_demo_project


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    return build_demo_project(tmp_path_factory.mktemp("demo") / "demo").folder


@pytest.fixture
def demo(demo_folder, tmp_path) -> Project:
    import shutil

    if ON_POSTGRES:  # a schema is not copied with the folder: a new demo project each time
        return build_demo_project(tmp_path / "p")
    shutil.copytree(demo_folder, tmp_path / "p")
    return Project(tmp_path / "p")


def _docs(p: Project) -> dict[str, dict]:
    return {d["name"]: d for d in json.loads(p.ok("documents", "list", "--json"))}


def test_list_piped_is_tab_separated_with_a_header(demo: Project):
    lines = demo.ok("documents", "list").splitlines()
    assert lines[0].split("\t") == ["document", "case", "words", "turns", "codings", "source"]
    row = dict(zip(lines[0].split("\t"), lines[1].split("\t"), strict=True))
    doc = _docs(demo)[row["document"]]
    assert int(row["codings"]) == doc["codings"] > 0 and row["case"] == doc["case"]


def test_rename_keeps_codings_and_undo_renames_back(demo: Project):
    n = _docs(demo)["interview-03"]["codings"]
    demo.ok("documents", "rename", "interview-03", "firm-c-2018")
    assert _docs(demo)["firm-c-2018"]["codings"] == n and "interview-03" not in _docs(demo)
    snap = demo.snapshot()
    assert "already a document" in demo.fails("documents", "rename", "firm-c-2018",
                                              "interview-04")
    assert demo.snapshot() == snap
    demo.ok("undo")
    assert _docs(demo)["interview-03"]["codings"] == n


def test_remove_asks_keeps_everything_in_the_log_and_undo_restores_it(demo: Project):
    demo.ok("memo", "add", "on the document", "--document", "interview-03")
    before = demo.snapshot()
    assert "add --yes" in demo.fails("documents", "remove", "interview-03")
    assert demo.snapshot() == before
    out = demo.ok("documents", "remove", "interview-03", "--yes")
    assert "interview-03" not in _docs(demo) and "codings" in out
    log = json.loads(demo.ok("log", "--document", "interview-03", "--json"))
    assert log[0]["action"] == "document.remove"
    demo.ok("undo")
    after = demo.snapshot()
    for table in ("documents", "turns", "codings", "memos", "suggestions", "document_values",
                  "judged_spans"):
        assert after[table] == before[table], table


def test_set_case_moves_a_document_and_undo_moves_it_back(demo: Project):
    old = _docs(demo)["interview-03"]["case"]
    demo.ok("documents", "set-case", "interview-03", "Firm Z")
    assert _docs(demo)["interview-03"]["case"] == "Firm Z"
    demo.ok("documents", "set-case", "interview-03", "--none")
    assert _docs(demo)["interview-03"]["case"] is None
    assert "(no case)" in demo.ok("documents", "list")
    demo.ok("undo", "2")
    assert _docs(demo)["interview-03"]["case"] == old
    cases = {c["name"] for c in json.loads(demo.ok("cases", "list", "--json"))}
    assert "Firm Z" not in cases  # created by set-case, gone with its undo


def test_document_attributes_set_and_undo(demo: Project):
    old = _docs(demo)["interview-03"]["attributes"]
    demo.ok("documents", "set", "interview-03", "wave=2", "language_of_interview=zh")
    assert _docs(demo)["interview-03"]["attributes"] == {**old, "wave": 2,
                                                         "language_of_interview": "zh"}
    snap = demo.snapshot()
    assert "NAME=VALUE" in demo.fails("documents", "set", "interview-03", "wave")
    assert demo.snapshot() == snap
    demo.ok("undo")
    assert _docs(demo)["interview-03"]["attributes"] == old


def test_cases_rename_merge_remove_and_undo(demo: Project):
    def cases():
        return {c["name"]: c for c in json.loads(demo.ok("cases", "list", "--json"))}

    c_docs = cases()["Firm C"]["documents"]
    demo.ok("cases", "rename", "Firm C", "Firm C (Huizhou)")
    assert cases()["Firm C (Huizhou)"]["documents"] == c_docs
    demo.ok("undo")
    snap = demo.snapshot()
    err = demo.fails("cases", "merge", "Firm C", "Firm D", "--yes")
    assert "disagree" in err or "summary" in err
    assert demo.snapshot() == snap
    demo.ok("cases", "set", "Solo", "--create", "segment=cells")
    demo.ok("documents", "set-case", "interview-03", "Solo")
    merged_from = cases()["Solo"]
    demo.ok("cases", "merge", "Solo", "Firm C", "--yes")
    assert "Solo" not in cases() and cases()["Firm C"]["documents"] == c_docs
    demo.ok("undo")
    assert cases()["Solo"] == merged_from
    before = demo.snapshot()
    demo.ok("cases", "remove", "Solo", "--yes")
    assert _docs(demo)["interview-03"]["case"] is None
    demo.ok("undo")
    assert demo.snapshot()["cases"] == before["cases"]
    assert _docs(demo)["interview-03"]["case"] == "Solo"


def test_caseless_documents_are_listed_under_no_case_and_said(demo: Project):
    n = _docs(demo)["interview-03"]["codings"]
    demo.ok("documents", "set-case", "interview-03", "--none")
    syn = json.loads(demo.ok("synthesize", "--json"))
    (row,) = [r for r in syn["rows"] if r["name"] == "(no case)"]
    assert row["documents"] == ["interview-03"]
    assert sum(c["codings"] for c in row["cells"].values()) == n
    assert any("belong to no case" in note and "interview-03" in note for note in syn["notes"])
    assert syn["rows"][-1]["name"] == "(no case)"
    gaps = json.loads(demo.ok("gaps", "--json"))
    assert gaps["cases"][-1] == "(no case)"
    assert any("interview-03" in note for note in gaps["notes"])
    matrix = json.loads(demo.ok("matrix", "--json"))
    assert matrix["row_labels"][-1] == "(no case)"
    assert any("no case" in note for note in matrix["notes"])
