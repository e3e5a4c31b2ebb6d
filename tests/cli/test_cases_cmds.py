"""cases list | show | set: typed attributes, refusals leave the database unchanged."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEMO, Project


@pytest.fixture
def imported(project: Project) -> Project:
    project.ok("import", str(DEMO))
    return project


def test_set_as_in_the_issue(imported: Project):
    detail = json.loads(
        imported.ok(
            "cases", "set", "Firm C", "segment=cells", "origin=relocated from Shenzhen", "--json"
        )
    )
    assert detail["attributes"]["origin"] == "relocated from Shenzhen"
    shown = json.loads(imported.ok("cases", "show", "Firm C", "--json"))
    assert shown["attributes"]["origin"] == "relocated from Shenzhen"
    assert shown["documents"][0]["name"] == "interview-03"
    actions = [e[3] for e in imported.snapshot()["events"]]
    assert "case.set" in actions


def test_typed_attribute_keeps_its_type(imported: Project):
    detail = json.loads(imported.ok("cases", "set", "Firm C", "employees=5000", "--json"))
    assert detail["attributes"]["employees"] == 5000
    before = imported.snapshot()
    error = imported.fails("cases", "set", "Firm C", "employees=many")
    assert "integer" in error
    assert imported.snapshot() == before


def test_new_attribute_type_is_inferred_and_empty_value_removes(imported: Project):
    detail = json.loads(
        imported.ok("cases", "set", "Firm A", "visited=2018-06-01", "kilns=4", "--json")
    )
    assert detail["attribute_types"]["visited"] == "date"
    assert detail["attribute_types"]["kilns"] == "integer"
    detail = json.loads(imported.ok("cases", "set", "Firm A", "kilns=", "--json"))
    assert "kilns" not in detail["attributes"]


def test_unknown_case_and_bad_pairs_are_refused(imported: Project):
    before = imported.snapshot()
    assert "did you mean" in imported.fails("cases", "set", "Firm Cc", "segment=x")
    assert "NAME=VALUE" in imported.fails("cases", "set", "Firm C", "segment")
    assert "no case" in imported.fails("cases", "show", "Firm Q")
    assert imported.snapshot() == before


def test_create_option_makes_a_new_case(imported: Project):
    detail = json.loads(
        imported.ok("cases", "set", "Firm J", "segment=separators", "--create", "--json")
    )
    assert detail["name"] == "Firm J"
    names = [c["name"] for c in json.loads(imported.ok("cases", "list", "--json"))]
    assert "Firm J" in names


def test_list_shows_attribute_columns(imported: Project):
    out = imported.ok("cases", "list")
    assert "segment" in out and "Association I" in out
