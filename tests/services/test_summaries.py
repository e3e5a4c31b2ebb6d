"""Summaries: set/replace with an audit event, the evidence fingerprint and STALE detection,
errors that change nothing, and importing the demo coding files' summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.formats.codings_yaml import read_coding_file
from qualcode.services import lookup
from qualcode.services.coding import add_coding, remove_coding
from qualcode.services.summaries import (
    import_summaries,
    list_summaries,
    set_summary,
    show_summaries,
)
from qualcode.storage.models import Coding, Event, Summary
from tests.conftest import DEMO_CODING, Project

CODEBOOK = """
codebook: {name: small, version: "1", language: en}
strategy:
  definition: Strategy.
  codes:
    relocation: {definition: Moving., examples: [We moved.]}
innovation:
  definition: Innovation.
  codes:
    dependence: {definition: Licences., examples: [We license.]}
    own-research: {definition: Own., examples: [We design.]}
"""
SAID = [
    "We moved the lines out of Shenzhen in 2012.",
    "For new formats we still license the cell design from a partner.",
    "Our own design team is small.",
]


@pytest.fixture
def small(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "small.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "interview-c.md").write_text(
        "---\ncase: Firm C\ncase_attributes:\n  kind: firm\n---\n"
        "Interviewer: Where do designs come from?\n\n"
        f"Mr. Chen: {' '.join(SAID)}\n",
        encoding="utf-8",
    )
    project.ok("codebook", "load", str(tmp_path / "small.yaml"))
    project.ok("import", str(tmp_path / "interview-c.md"))
    project.ok("code", "add", "interview-c", "innovation.dependence", "--quote", SAID[1],
               "--coder", "wei")
    project.ok("code", "add", "interview-c", "strategy.relocation", "--quote", SAID[0],
               "--coder", "wei")
    return project


def _view(project: Project, dimension: str = "innovation"):
    with project.session() as s:
        (view,) = show_summaries(s, "Firm C", dimension)
    return view


def test_a_summary_goes_stale_when_its_codings_change_and_fresh_when_they_are_restored(
    small: Project,
):
    with small.session() as s:
        view = set_summary(s, "Firm C", "innovation", "Licenses cell designs.", author="wei",
                           actor="wei")
    assert (view.stale, view.evidence_count, view.current_count) == (False, 1, 1)
    assert view.author == "wei"

    # a coding in another dimension leaves it fresh
    with small.session() as s:
        add_coding(s, document="interview-c", code="strategy.relocation", coder="ana",
                   actor="ana", quote=SAID[2])
    assert not _view(small).stale

    # a coding under it, by anyone, makes it stale
    with small.session() as s:
        added = add_coding(s, document="interview-c", code="innovation.own-research",
                           coder="ana", actor="ana", quote=SAID[2])
    view = _view(small)
    assert view.stale and (view.evidence_count, view.current_count) == (1, 2)
    with small.session() as s:
        assert [(v.case, v.dimension) for v in list_summaries(s, stale_only=True)] == [
            ("Firm C", "innovation")]

    # removing it again restores the fingerprint
    with small.session() as s:
        remove_coding(s, added.id, actor="ana")
    assert not _view(small).stale
    with small.session() as s:
        assert list_summaries(s, stale_only=True) == []


def test_a_moved_coding_makes_the_summary_stale(small: Project):
    with small.session() as s:
        set_summary(s, "Firm C", "innovation", "Licenses.", author="wei", actor="wei")
        coding = s.scalars(select(Coding).where(Coding.quote == SAID[1])).one()
        coding.end -= 1  # same count, different evidence
    assert _view(small).stale


def test_replacing_a_summary_logs_before_and_after(small: Project):
    with small.session() as s:
        set_summary(s, "Firm C", "innovation", "First take.", author="wei", actor="wei")
        set_summary(s, "Firm C", "innovation", "Second take.", author="ana", actor="ana")
    with small.session() as s:
        assert s.query(Summary).count() == 1
        events = s.scalars(select(Event).where(Event.entity == "summary").order_by(Event.id)).all()
    assert [e.action for e in events] == ["summary.set", "summary.set"]
    assert events[0].before is None and events[0].after["text"] == "First take."
    assert events[1].before["text"] == "First take." and events[1].before["author"] == "wei"
    assert events[1].after["text"] == "Second take." and events[1].actor == "ana"
    assert _view(small).text == "Second take."


def test_errors_name_the_problem_and_leave_the_database_unchanged(small: Project):
    before = small.snapshot()
    assert "no case named 'Firm Q'" in small.fails("summary", "set", "Firm Q", "innovation", "x")
    assert "unknown dimension 'inovation'" in small.fails(
        "summary", "set", "Firm C", "inovation", "x")
    assert "cannot be empty" in small.fails("summary", "set", "Firm C", "innovation", "  ")
    assert "unknown dimension" in small.fails("summary", "show", "Firm C", "inovation")
    assert small.fails("summary", "set", "Firm Q", "innovation", "x").count("\n") == 1
    assert small.snapshot() == before
    with small.session() as s, pytest.raises(NotFoundError):
        import_summaries(s, "Firm C", {"strategy": "ok", "inovation": "typo"}, author="wei",
                         actor="wei")
    assert small.snapshot() == before  # the import checks every dimension before writing


def test_summary_commands_set_show_and_list_with_json(small: Project):
    out = small.ok("summary", "set", "Firm C", "innovation",
                   "Implements imported cell designs fast; little own research.",
                   "--coder", "wei")
    assert "Firm C" in out and "innovation" in out
    shown = json.loads(small.ok("summary", "show", "Firm C", "--json"))
    assert [(v["dimension"], v["author"], v["stale"]) for v in shown] == [
        ("innovation", "wei", False)]
    assert "No summary of Firm C on strategy" in small.ok("summary", "show", "Firm C",
                                                          "strategy")
    small.ok("code", "add", "interview-c", "innovation.own-research", "--quote", SAID[2])
    listed = json.loads(small.ok("summary", "list", "--stale", "--json"))
    assert [(v["case"], v["stale"], v["current_count"]) for v in listed] == [
        ("Firm C", True, 2)]
    text = small.ok("summary", "list")
    assert "STALE" in text and "Implements imported" in text


def test_import_summaries_of_the_demo_files_is_fresh_and_idempotent(coded_project: Project):
    files = [read_coding_file(p) for p in sorted(DEMO_CODING.glob("*.yaml"))]
    assert all(f.summaries for f in files)
    with coded_project.session() as s:  # `codings import` wrote them: start from none here
        s.execute(delete(Summary))
    with coded_project.session() as s:
        results = []
        for parsed in files:
            case = lookup.document(s, parsed.document).case.name
            results.append(import_summaries(s, case, parsed.summaries, author=parsed.coder,
                                            actor="test"))
    assert sum(len(r.added) for r in results) == sum(len(f.summaries) for f in files)
    with coded_project.session() as s:
        views = list_summaries(s)
        assert len(views) == sum(len(f.summaries) for f in files)
        assert not any(v.stale for v in views) and {v.author for v in views} == {"wei"}
        firm_c = {v.dimension: v for v in show_summaries(s, "Firm C")}
        c_file = next(f for f in files if f.document == "interview-03")
        assert firm_c["innovation"].text == c_file.summaries["innovation"].strip()
        assert firm_c["innovation"].evidence_count > 0
    before = coded_project.snapshot()
    with coded_project.session() as s:
        for parsed in files:
            case = lookup.document(s, parsed.document).case.name
            again = import_summaries(s, case, parsed.summaries, author="wei", actor="test")
            assert again.added == again.replaced == []
    assert coded_project.snapshot() == before


def test_import_replaces_a_changed_summary(small: Project):
    with small.session() as s:
        set_summary(s, "Firm C", "strategy", "Old.", author="wei", actor="wei")
        result = import_summaries(s, "Firm C", {"strategy": "New.", "innovation": "Added."},
                                  author="wei", actor="wei")
    assert (result.replaced, result.added) == (["strategy"], ["innovation"])
    assert _view(small, "strategy").text == "New."
    with small.session() as s, pytest.raises(QualcodeError):
        import_summaries(s, "Firm C", {"strategy": ""}, author="wei", actor="wei")
