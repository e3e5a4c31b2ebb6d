"""code add | remove and codings list/import: by turn, span or quote; refusals change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, Project


@pytest.fixture
def firm_c(project: Project) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    return project


def _doc(project: Project) -> dict:
    return json.loads(project.ok("show", "interview-03", "--json"))


def test_code_by_quote_as_in_the_issue(firm_c: Project):
    out = json.loads(
        firm_c.ok(
            "code",
            "add",
            "interview-03",
            "innovation.cell-design",
            "--quote",
            "we still buy our cell design",
            "--coder",
            "wei",
            "--json",
        )
    )
    text = _doc(firm_c)["text"]
    assert text[out["start"] : out["end"]] == "we still buy our cell design"
    listed = json.loads(firm_c.ok("codings", "list", "--case", "Firm C", "--json"))
    assert [(c["code"], c["coder"], c["origin"], c["quote"]) for c in listed] == [
        ("innovation.cell-design", "wei", "manual", "we still buy our cell design")
    ]


def test_code_by_turn_and_by_span(firm_c: Project):
    doc = _doc(firm_c)
    turn = next(t for t in doc["turns"] if t["role"] == "respondent")
    by_turn = json.loads(
        firm_c.ok(
            "code",
            "add",
            "interview-03",
            "strategy.capital-investment",
            "--turn",
            str(turn["number"]),
            "--json",
        )
    )
    assert (by_turn["start"], by_turn["end"]) == (turn["start"], turn["end"])
    by_span = json.loads(
        firm_c.ok(
            "code",
            "add",
            "interview-03",
            "policy.subsidies",
            "--span",
            "10:25",
            "--memo",
            "check",
            "--key",
            "--json",
        )
    )
    assert by_span["quote"] == doc["text"][10:25]
    assert by_span["memo"] == "check" and by_span["key"] is True


def test_quote_crossing_a_line_break_is_found(project: Project, tmp_path: Path):
    project.ok("codebook", "load", str(CODEBOOK))
    path = tmp_path / "wrapped.txt"
    path.write_text(
        "Interviewer: And design?\n\nMr. Li: For power cells we still buy\nour cell "
        "design from a partner.\n",
        encoding="utf-8",
    )
    project.ok("import", str(path))
    row = json.loads(
        project.ok(
            "code",
            "add",
            "wrapped",
            "innovation.cell-design",
            "--quote",
            "we still buy our cell design",
            "--json",
        )
    )
    assert row["quote"] == "we still buy\nour cell design"


def test_ambiguous_missing_and_out_of_range_spans_are_refused(firm_c: Project):
    before = firm_c.snapshot()
    res = firm_c.run("code", "add", "interview-03", "innovation.cell-design", "--quote", "cell")
    assert res.exit_code == 1
    assert "occurs" in res.stderr.splitlines()[0]
    assert len(res.stderr.splitlines()) > 2  # the candidates, one per line
    assert "not in the document" in firm_c.fails(
        "code", "add", "interview-03", "innovation.cell-design", "--quote", "flying cars"
    )
    length = len(_doc(firm_c)["text"])
    assert "outside" in firm_c.fails(
        "code",
        "add",
        "interview-03",
        "innovation.cell-design",
        "--span",
        f"{length - 5}:{length + 5}",
    )
    assert "outside" in firm_c.fails(
        "code", "add", "interview-03", "innovation.cell-design", "--span", "50:40"
    )
    assert "START:END" in firm_c.fails(
        "code", "add", "interview-03", "innovation.cell-design", "--span", "ten:20"
    )
    assert "no turn 999" in firm_c.fails(
        "code", "add", "interview-03", "innovation.cell-design", "--turn", "999"
    )
    assert "exactly one" in firm_c.fails("code", "add", "interview-03", "innovation.cell-design")
    assert firm_c.snapshot() == before


def test_unknown_code_document_and_overlap_are_refused(firm_c: Project):
    firm_c.ok(
        "code",
        "add",
        "interview-03",
        "innovation.cell-design",
        "--quote",
        "we still buy our cell design",
    )
    before = firm_c.snapshot()
    error = firm_c.fails("code", "add", "interview-03", "innovation.cell-desing", "--span", "0:5")
    assert "unknown code" in error and "innovation.cell-design" in error  # did you mean
    assert "no document" in firm_c.fails(
        "code", "add", "interview-3", "innovation.cell-design", "--span", "0:5"
    )
    error = firm_c.fails(
        "code",
        "add",
        "interview-03",
        "innovation.cell-design",
        "--quote",
        "buy our cell design from a partner",
    )
    assert "overlaps" in error
    assert firm_c.snapshot() == before


def test_remove_deletes_the_coding_and_the_event_log_keeps_it(firm_c: Project):
    row = json.loads(
        firm_c.ok(
            "code",
            "add",
            "interview-03",
            "innovation.cell-design",
            "--quote",
            "we still buy our cell design",
            "--json",
        )
    )
    firm_c.ok("code", "remove", str(row["id"]), "--yes")
    assert json.loads(firm_c.ok("codings", "list", "--json")) == []
    events = firm_c.snapshot()["events"]
    actions = [e[3] for e in events]
    assert "coding.add" in actions and "coding.remove" in actions
    assert "no coding with id" in firm_c.fails("code", "remove", str(row["id"]), "--yes")


def test_codings_list_filters(coded_project: Project):
    all_rows = json.loads(coded_project.ok("codings", "list", "--json"))
    firm_c = json.loads(coded_project.ok("codings", "list", "--case", "Firm C", "--json"))
    assert firm_c and {r["case"] for r in firm_c} == {"Firm C"}
    cell = json.loads(
        coded_project.ok("codings", "list", "--code", "innovation.cell-design", "--json")
    )
    assert {r["code"] for r in cell} <= {
        "innovation.cell-design",
        "innovation.cell-design.own-research",
        "innovation.cell-design.dependence",
    }
    assert len(cell) == sum(r["code"].startswith("innovation.cell-design") for r in all_rows)
    policy = json.loads(coded_project.ok("codings", "list", "--dimension", "policy", "--json"))
    assert policy and all(r["code"].startswith("policy.") for r in policy)
    assert json.loads(coded_project.ok("codings", "list", "--origin", "manual", "--json")) == []
    assert "no coder" in coded_project.fails("codings", "list", "--by", "nobody")


def test_demo_coding_import_is_complete_and_idempotent(coded_project: Project):
    import yaml

    expected = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["codings"])
        for p in DEMO_CODING.glob("*.yaml")
    )
    rows = json.loads(coded_project.ok("codings", "list", "--by", "wei", "--json"))
    assert len(rows) == expected
    assert all(r["origin"] == "imported" for r in rows)
    summaries = json.loads(coded_project.ok("summary", "list", "--json"))
    files = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in DEMO_CODING.glob("*.yaml")]
    assert len(summaries) == sum(len(f.get("summaries", {})) for f in files)
    assert not any(s["stale"] for s in summaries)  # written after the codings they rest on
    before = coded_project.snapshot()
    again = json.loads(coded_project.ok("codings", "import", str(DEMO_CODING), "--json"))
    assert again["added"] == 0 and again["skipped"] == expected and again["summaries"] == 0
    assert coded_project.snapshot() == before


def test_a_bad_quote_in_a_coding_file_names_file_and_line(firm_c: Project, tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "document: interview-03\ncoder: li\ncodings:\n"
        "  - code: innovation.cell-design\n    quote: we still buy our cell design\n"
        "  - code: policy.subsidies\n    quote: not in this text at all\n",
        encoding="utf-8",
    )
    before = firm_c.snapshot()
    error = firm_c.fails("codings", "import", str(path))
    assert f"{path}:6" in error
    assert firm_c.snapshot() == before
