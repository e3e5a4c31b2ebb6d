"""codebook validate | load | show: every problem listed, diffs reported, codes with codings
retired rather than deleted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import yaml

from tests.conftest import CODEBOOK, DEMO, ON_POSTGRES, Project


def _mini(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(body, encoding="utf-8")
    return path


MINI = """\
codebook:
  name: mini
  version: "1"
  language: en
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Money from government.
      include: [grants]
      exclude: [taxes]
      examples: ["We got a subsidy."]
      patterns:
        - lemma: subsidy
    land:
      definition: Land deals.
      include: [land]
      exclude: [rent]
      examples: ["Cheap land."]
      patterns:
        - phrase: cheap land
"""


def test_validate_accepts_the_bundled_codebook(project: Project):
    out = project.ok("codebook", "validate", str(CODEBOOK))
    assert "valid" in out and "5 dimensions" in out


def test_validate_lists_every_problem_with_lines_and_exits_1(project: Project, tmp_path: Path):
    bad = _mini(
        tmp_path,
        MINI.replace("definition: Land deals.", "definition: ''").replace(
            "      patterns:\n        - phrase: cheap land",
            "      colour: 'blue-ish'\n      patterns:\n        - tokens: [{LOWR: x}]",
        ),
    )
    res = project.run("codebook", "validate", str(bad))
    assert res.exit_code == 1
    lines = [line for line in res.stderr.splitlines() if line.startswith(str(bad))]
    assert len(lines) >= 2
    assert any("policy.land" in line and "definition" in line for line in lines)
    assert any("colour" in line for line in lines)
    assert all(line.split(":")[1].isdigit() for line in lines)  # file:line on each problem


def test_load_reports_added_then_unchanged(project: Project, tmp_path: Path):
    path = _mini(tmp_path, MINI)
    first = json.loads(project.ok("codebook", "load", str(path), "--json"))
    assert sorted(first["added"]) == ["policy", "policy.land", "policy.subsidies"]
    again = json.loads(project.ok("codebook", "load", str(path), "--json"))
    assert again["added"] == [] and again["changed"] == {} and again["unchanged"] == 3


def test_load_retires_coded_codes_removes_uncoded_and_reports_changes(
    project: Project, tmp_path: Path
):
    path = _mini(tmp_path, MINI)
    project.ok("codebook", "load", str(path))
    doc = tmp_path / "d.txt"
    doc.write_text(
        "Interviewer: Why here?\n\nMr. Li: The subsidy and the cheap land.\n", encoding="utf-8"
    )
    project.ok("import", str(doc))
    project.ok("code", "add", "d", "policy.subsidies", "--quote", "The subsidy")
    data = yaml.safe_load(MINI)
    del data["policy"]["codes"]["subsidies"]  # coded: must be retired
    del data["policy"]["codes"]["land"]  # never used: removed
    data["policy"]["definition"] = "Public policy."
    data["policy"]["codes"]["talent"] = {
        "definition": "Talent programmes.",
        "include": ["x"],
        "exclude": ["y"],
        "examples": ["z"],
        "patterns": [{"phrase": "talent"}],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = project.snapshot()
    # Retiring a coded code is asked first: from a script, nothing happens without --yes ...
    refused = project.fails("codebook", "load", str(path))
    assert "not confirmed" in refused and "--yes" in refused
    assert project.snapshot() == before
    # ... and --dry-run shows the whole change, keeping none of it.
    dry = json.loads(project.ok("codebook", "load", str(path), "--dry-run", "--json"))
    assert dry["dry_run"] is True and dry["retired"] == ["policy.subsidies"]
    assert dry["removed"] == ["policy.land"] and dry["added"] == ["policy.talent"]
    assert "would retire" not in project.ok("codebook", "load", str(path), "--dry-run")
    assert project.snapshot() == before
    backups = set(project.folder.glob("qualcode.db.backup-codebook-load-*"))
    diff = json.loads(project.ok("codebook", "load", str(path), "--yes", "--json"))
    assert diff["retired"] == ["policy.subsidies"]
    if not ON_POSTGRES:  # backed up before: the backup still holds the code unretired
        new = set(project.folder.glob("qualcode.db.backup-codebook-load-*")) - backups
        assert len(new) == 1
        with sqlite3.connect(new.pop()) as conn:
            assert conn.execute("SELECT retired FROM codes WHERE key = 'policy.subsidies'"
                                ).fetchone() == (0,)
    assert diff["removed"] == ["policy.land"]
    assert diff["added"] == ["policy.talent"]
    assert diff["changed"] == {"policy": ["definition"]}
    codings = json.loads(project.ok("codings", "list", "--json"))
    assert [c["code"] for c in codings] == ["policy.subsidies"]  # the evidence survives
    error = project.fails("code", "add", "d", "policy.subsidies", "--quote", "cheap land")
    assert "retired" in error
    tree = json.loads(project.ok("codebook", "show", "--all", "--json"))
    assert {n["key"]: n["retired"] for n in tree}["policy.subsidies"] is True
    # Putting it back restores the same code with its codings.
    path.write_text(MINI, encoding="utf-8")
    back = json.loads(project.ok("codebook", "load", str(path), "--json"))
    assert back["restored"] == ["policy.subsidies"]


def test_loading_an_invalid_codebook_changes_nothing(project: Project, tmp_path: Path):
    project.ok("codebook", "load", str(_mini(tmp_path, MINI)))
    before = project.snapshot()
    broken = tmp_path / "broken.yaml"
    broken.write_text(MINI.replace("    land:", "    subsidies:"), encoding="utf-8")  # dup key
    error = project.fails("codebook", "load", str(broken))
    assert "broken.yaml" in error and "problem" in error
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("policy: [unclosed\n", encoding="utf-8")
    assert "malformed.yaml" in project.fails("codebook", "load", str(malformed))
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "empty" in project.fails("codebook", "load", str(empty))
    assert project.snapshot() == before


def test_show_prints_the_tree_with_rolled_up_counts(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    project.ok(
        "code",
        "add",
        "interview-03",
        "innovation.cell-design.dependence",
        "--quote",
        "we still buy our cell design",
    )
    nodes = {n["key"]: n for n in json.loads(project.ok("codebook", "show", "--json"))}
    assert nodes["innovation.cell-design.dependence"]["codings"] == 1
    assert nodes["innovation.cell-design"]["codings"] == 0
    assert nodes["innovation.cell-design"]["total"] == 1
    assert nodes["innovation"]["total"] == 1
    assert nodes["policy"]["total"] == 0
    text = project.ok("codebook", "show")
    assert "INNOVATION" in text and "dependence" in text


def test_show_one_code_gives_its_branch_with_rules_and_examples(project: Project):
    """`codebook show CODE`: the branch only, each code with its definition, include and exclude
    rules and examples (review points here when the screen is too short for the rules)."""
    from qualcode.formats.codebook_yaml import load_codebook

    project.ok("codebook", "load", str(CODEBOOK))
    book = {c.key: c for c in load_codebook(CODEBOOK).codes}
    nodes = json.loads(project.ok("codebook", "show", "innovation.cell-design", "--json"))
    assert [n["key"] for n in nodes] == ["innovation.cell-design",
                                         "innovation.cell-design.own-research",
                                         "innovation.cell-design.dependence"]
    assert [n["depth"] for n in nodes] == [0, 1, 1]
    for n in nodes:
        code = book[n["key"]]
        assert (n["include"], n["exclude"], n["examples"]) == (
            list(code.include), list(code.exclude), list(code.examples))
    res = project.run("codebook", "show", "market-position.domestic-oems", columns=80)
    flat = " ".join(res.stdout.split())
    code = book["market-position.domestic-oems"]
    for item in (code.definition, *code.include, *code.exclude, *code.examples):
        assert " ".join(item.split()) in flat, item
    assert "competition" not in flat  # nothing outside the branch
    # a wrapped rule hangs under its first word, not under the bullet
    lines = res.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "Chinese carmakers" in line)
    assert lines[first + 1].startswith(" " * (lines[first].index("\u2022") + 2))
    error = project.fails("codebook", "show", "market-position.domestic-oem")
    assert "unknown code 'market-position.domestic-oem'" in error
    assert "market-position.domestic-oems" in error


def test_export_writes_the_live_codebook_back_as_yaml(project: Project, tmp_path: Path):
    from qualcode.formats.codebook_yaml import load_codebook

    project.ok("codebook", "load", str(CODEBOOK))
    out = tmp_path / "exported.yaml"
    project.ok("codebook", "export", "-o", str(out))
    exported, bundled = load_codebook(out), load_codebook(CODEBOOK)
    assert [c.key for c in exported.codes] == [c.key for c in bundled.codes]
    for mine, theirs in zip(exported.codes, bundled.codes, strict=True):
        assert (mine.definition, mine.include, mine.exclude, mine.examples, mine.colour) == (
            theirs.definition, theirs.include, theirs.exclude, theirs.examples, theirs.colour)
        assert [(p.kind, p.value, p.language) for p in mine.patterns] == [
            (p.kind, p.value, p.language) for p in theirs.patterns]
    # Loading the export changes nothing: it is the same codebook.
    again = json.loads(project.ok("codebook", "load", str(out), "--json"))
    assert again["added"] == [] and again["changed"] == {} and again["removed"] == []


def test_export_without_a_codebook_is_a_clear_error(project: Project):
    assert "no codebook" in project.fails("codebook", "export")


def test_reloading_the_bundled_codebook_reports_nothing_changed(project: Project):
    """Phrase lists and token patterns survive the database unchanged (a list is not a tuple)."""
    project.ok("codebook", "load", str(CODEBOOK))
    before = project.snapshot()
    again = json.loads(project.ok("codebook", "load", str(CODEBOOK), "--json"))
    assert again["changed"] == {} and again["added"] == [] and again["unchanged"] == 36
    assert project.snapshot()["codes"] == before["codes"]
