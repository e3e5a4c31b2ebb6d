"""Blind coding: with --blind a coder sees only their own codings and the suggestions pending or
decided by them, in show, codings list, suggestions list and review."""

from __future__ import annotations

import json

from tests.cli.test_suggest_cmds import mini  # noqa: F401  (the fixture)
from tests.conftest import Project

S1 = "The subsidies mattered a lot."
S4 = "The city subsidised our land, cheap land near the river."


def _setup(project: Project) -> None:
    project.ok("code", "add", "li", "policy.subsidies", "--quote", S1, "--coder", "wei")
    project.ok("code", "add", "li", "policy.land", "--quote", S4, "--coder", "li")
    project.ok("suggest")


def _suggestions(project: Project, *extra: str) -> list[dict]:
    return json.loads(project.ok("suggestions", "list", "--status", "all", "--json", *extra))


def test_blind_codings_and_show_hide_the_other_coders_work(mini: Project):  # noqa: F811
    _setup(mini)
    everyone = json.loads(mini.ok("codings", "list", "--json"))
    assert {c["coder"] for c in everyone} == {"wei", "li"}
    mine = json.loads(mini.ok("codings", "list", "--blind", "--coder", "li", "--json"))
    assert [(c["coder"], c["quote"]) for c in mine] == [("li", S4)]
    view = json.loads(mini.ok("show", "li", "--blind", "--coder", "li", "--json"))
    assert [c["coder"] for c in view["codings"]] == ["li"]
    text = mini.ok("show", "li", "--blind", "--coder", "li")
    assert "(wei)" not in text and "(li)" in text and "Blind" in text
    # A coder who has coded nothing yet sees nothing, rather than an error.
    assert json.loads(mini.ok("codings", "list", "--blind", "--coder", "zhang", "--json")) == []
    before = mini.snapshot()
    error = mini.fails("codings", "list", "--blind", "--coder", "li", "--by", "wei")
    assert "blind coding shows only li's own codings" in error
    assert mini.snapshot() == before


def test_blind_suggestions_and_review_leave_out_the_other_coders_decisions(
    mini: Project,  # noqa: F811
):
    _setup(mini)
    pending = _suggestions(mini)
    assert pending and all(s["status"] == "pending" for s in pending)
    first = pending[0]
    # wei reviews blind: accepts the first suggestion, then quits.
    mini.ok("review", "--blind", "--coder", "wei", input="aq")
    decided = {s["id"]: s for s in _suggestions(mini)}
    assert decided[first["id"]]["decided_by"] == "wei"
    for_li = _suggestions(mini, "--blind", "--coder", "li")
    assert first["id"] not in {s["id"] for s in for_li}
    assert {s["status"] for s in for_li} == {"pending"}
    for_wei = _suggestions(mini, "--blind", "--coder", "wei")
    assert first["id"] in {s["id"] for s in for_wei}
    # li's blind review starts at the next pending suggestion, never the one wei decided.
    out = mini.ok("review", "--blind", "--coder", "li", input="q")
    assert f"1/{len(pending) - 1}" in out
