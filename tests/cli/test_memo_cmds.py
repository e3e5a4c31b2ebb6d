"""memo add | list: notes on the project, a case, a document, a code or a coding."""

from __future__ import annotations

import json

from tests.conftest import CODEBOOK, DEMO, Project


def test_memos_on_each_kind_of_target(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    coding = json.loads(
        project.ok(
            "code",
            "add",
            "interview-03",
            "innovation.cell-design",
            "--quote",
            "we still buy our cell design",
            "--json",
        )
    )
    project.ok("memo", "add", "Overall: thin design research everywhere.")
    project.ok("memo", "add", "Listed in 2017?", "--case", "Firm C", "--title", "check")
    project.ok("memo", "add", "Typhoon day.", "--document", "interview-03")
    project.ok("memo", "add", "Split own vs bought?", "--code", "innovation.cell-design")
    project.ok("memo", "add", "Key for the paper.", "--coding", str(coding["id"]))
    memos = json.loads(project.ok("memo", "list", "--json"))
    assert [m["target"] for m in memos] == [
        "project",
        "case Firm C",
        "document interview-03",
        "code innovation.cell-design",
        f"coding {coding['id']}",
    ]
    assert all(m["author"] == "tester" for m in memos)
    firm_c = json.loads(project.ok("memo", "list", "--case", "Firm C", "--json"))
    assert [(m["title"], m["text"]) for m in firm_c] == [("check", "Listed in 2017?")]


def test_bad_memos_change_nothing(project: Project):
    project.ok("import", str(DEMO / "interview-03.md"))
    before = project.snapshot()
    assert "empty" in project.fails("memo", "add", "  ")
    assert "no case" in project.fails("memo", "add", "x", "--case", "Firm Z")
    assert "no coding" in project.fails("memo", "add", "x", "--coding", "99")
    assert "one thing" in project.fails(
        "memo", "add", "x", "--case", "Firm C", "--document", "interview-03"
    )
    assert project.snapshot() == before
