"""log, undo, redo; code remove's confirmation; memo edit/remove and `memo add -`."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CODEBOOK, DEMO, Project

QUOTE = "we still buy our cell design"


@pytest.fixture
def firm_c(project: Project) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    return project


def _codings(project: Project) -> list[dict]:
    return json.loads(project.ok("codings", "list", "--json"))


def _add(project: Project, *extra: str) -> dict:
    return json.loads(project.ok("code", "add", "interview-03", "innovation.cell-design",
                                 "--quote", QUOTE, "--json", *extra))


def test_code_remove_asks_and_a_refusal_changes_nothing(firm_c: Project):
    row = _add(firm_c)
    before = firm_c.snapshot()
    assert "add --yes" in firm_c.fails("code", "remove", str(row["id"]))
    assert firm_c.snapshot() == before
    firm_c.ok("code", "remove", str(row["id"]), "--yes")
    assert _codings(firm_c) == []


def test_undo_brings_back_a_removed_coding_whole_and_redo_removes_it_again(firm_c: Project):
    row = _add(firm_c, "--key", "--memo", "contrast with Firm D")
    note = json.loads(firm_c.ok("memo", "add", "about this quote", "--coding", str(row["id"]),
                                "--json"))
    firm_c.ok("code", "remove", str(row["id"]), "--yes")
    assert _codings(firm_c) == [] and json.loads(firm_c.ok("memo", "list", "--json")) == []
    out = firm_c.ok("undo")
    assert "coding.remove" in out
    (back,) = _codings(firm_c)
    assert (back["code"], back["start"], back["end"], back["key"], back["memo"]) == (
        row["code"], row["start"], row["end"], True, "contrast with Firm D")
    (memo,) = json.loads(firm_c.ok("memo", "list", "--json"))
    assert memo["text"] == "about this quote" and memo["target"] == f"coding {back['id']}"
    assert memo["id"] == note["id"]
    firm_c.ok("redo")
    assert _codings(firm_c) == []
    firm_c.ok("undo")
    assert len(_codings(firm_c)) == 1


def test_undo_of_an_add_and_the_refusal_when_later_work_depends_on_it(firm_c: Project):
    row = _add(firm_c)
    firm_c.ok("memo", "add", "depends on it", "--coding", str(row["id"]))
    before = firm_c.snapshot()
    # The latest change is the memo: undo 2 reverses the memo, then the coding.
    firm_c.ok("undo", "2")
    assert _codings(firm_c) == []
    firm_c.ok("redo", "2")
    assert len(_codings(firm_c)) == 1
    # Undoing only the coding, by its event, is refused: the memo on it came later.
    add_event = next(e for e in json.loads(firm_c.ok("log", "--json"))
                     if e["action"] == "coding.add")
    snap = firm_c.snapshot()
    err = firm_c.fails("undo", "--event", str(add_event["id"]))
    assert "memo" in err and "remove them first" in err
    assert firm_c.snapshot() == snap
    assert before["codings"] == snap["codings"]


def test_a_coders_undo_touches_only_their_own_work_unless_any(firm_c: Project):
    _add(firm_c, "--coder", "wei")
    snap = firm_c.snapshot()
    # tester's own latest change is the import, which undo does not reverse (never silently
    # past it to something older)
    err = firm_c.fails("undo")
    assert "your latest change" in err and "document.import" in err and "cannot be undone" in err
    assert firm_c.snapshot() == snap
    firm_c.ok("undo", "--any")
    assert _codings(firm_c) == []
    undo_event = json.loads(firm_c.ok("log", "--kind", "undo", "--json"))[0]
    assert undo_event["actor"] == "tester"


def test_review_decisions_are_undone_with_the_coding_they_made(firm_c: Project):
    firm_c.ok("suggest")
    pending = json.loads(firm_c.ok("suggestions", "list", "--json"))
    assert pending
    firm_c.ok("suggestions", "accept", "--code", pending[0]["code"], "--min-score", "0",
              "--yes")
    made = _codings(firm_c)
    assert made and all(c["origin"] == "suggested" for c in made)
    accepted = [e for e in json.loads(firm_c.ok("log", "--kind", "suggestion", "--json"))]
    firm_c.ok("undo", str(len(accepted)))
    assert _codings(firm_c) == []
    assert len(json.loads(firm_c.ok("suggestions", "list", "--json"))) == len(pending)
    firm_c.ok("redo", str(len(accepted)))
    assert sorted((c["start"], c["end"]) for c in _codings(firm_c)) == sorted(
        (c["start"], c["end"]) for c in made)


def test_memo_add_from_stdin_edit_remove_and_undo(firm_c: Project):
    view = json.loads(firm_c.ok("memo", "add", "-", "--document", "interview-03", "--json",
                                input="First line.\nSecond line.\n"))
    assert view["text"] == "First line.\nSecond line."
    firm_c.ok("memo", "edit", str(view["id"]), "Rewritten.")
    assert json.loads(firm_c.ok("memo", "list", "--json"))[0]["text"] == "Rewritten."
    firm_c.ok("undo")
    assert json.loads(firm_c.ok("memo", "list", "--json"))[0]["text"] == view["text"]
    snap = firm_c.snapshot()
    assert "add --yes" in firm_c.fails("memo", "remove", str(view["id"]))
    assert "the memo is empty" in firm_c.fails("memo", "edit", str(view["id"]), " ")
    assert firm_c.snapshot() == snap
    firm_c.ok("memo", "remove", str(view["id"]), "--yes")
    assert json.loads(firm_c.ok("memo", "list", "--json")) == []
    firm_c.ok("undo")
    assert json.loads(firm_c.ok("memo", "list", "--json"))[0]["text"] == view["text"]


def test_log_filters_and_marks_undone_events(firm_c: Project):
    _add(firm_c, "--coder", "wei")
    firm_c.ok("memo", "add", "a project memo")
    firm_c.ok("undo")
    events = json.loads(firm_c.ok("log", "--json"))
    assert [e["action"] for e in events[:3]] == ["undo", "memo.add", "coding.add"]
    assert events[1]["undone"] and not events[2]["undone"]
    wei = json.loads(firm_c.ok("log", "--actor", "wei", "--json"))
    assert {e["actor"] for e in wei} == {"wei"}
    docs = json.loads(firm_c.ok("log", "--document", "interview-03", "--json"))
    assert {e["document"] for e in docs} == {"interview-03"}
    assert "coding.add" in {e["action"] for e in docs}
    assert len(json.loads(firm_c.ok("log", "--limit", "1", "--json"))) == 1
    assert json.loads(firm_c.ok("log", "--since", "2999-01-01", "--json")) == []
    piped = firm_c.ok("log", "--kind", "memo").splitlines()
    assert piped[0].split("\t") == ["event", "at", "actor", "action", "document", "what",
                                    "state"]
    # --kind memo: memo events and the undo of one (its entity is the memo)
    assert [line.split("\t")[3] for line in piped[1:]] == ["undo", "memo.add"]
    assert piped[2].endswith("\tundone")
    assert "not a date" in firm_c.fails("log", "--since", "yesterday")
    assert "nothing to redo" not in firm_c.ok("redo")


def test_a_summary_rewritten_is_undone_to_the_old_text_and_a_new_one_removed(firm_c: Project):
    firm_c.ok("summary", "set", "Firm C", "innovation", "First text.")
    firm_c.ok("summary", "set", "Firm C", "innovation", "Second text.")
    firm_c.ok("undo")
    shown = json.loads(firm_c.ok("summary", "show", "Firm C", "innovation", "--json"))
    assert "First text." in json.dumps(shown)
    firm_c.ok("undo")
    assert "First text." not in firm_c.ok("summary", "list", "--json")
    firm_c.ok("redo", "2")
    assert "Second text." in json.dumps(
        json.loads(firm_c.ok("summary", "show", "Firm C", "innovation", "--json")))
