"""show: speaker turns, coded spans highlighted in the code's colour, code names beside them."""

from __future__ import annotations

import json

from rich.console import Console

from tests.conftest import CODEBOOK, DEMO, Project


def test_show_renders_turns_with_code_names_and_colours(project: Project, monkeypatch):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    project.ok(
        "code",
        "add",
        "interview-03",
        "innovation.cell-design.dependence",
        "--quote",
        "we still buy our cell design",
        "--key",
    )
    tree = {n["key"]: n for n in json.loads(project.ok("codebook", "show", "--json"))}
    colour = tree["innovation.cell-design.dependence"]["colour"].lstrip("#")
    rgb = ";".join(str(int(colour[i : i + 2], 16)) for i in (0, 2, 4))

    import qualcode.cli.show_cmds as show_cmds

    monkeypatch.setattr(
        show_cmds, "console", Console(force_terminal=True, color_system="truecolor", width=160)
    )
    out = project.ok("show", "interview-03")
    assert "innovation.cell-design.dependence" in out and "★" in out
    assert f"48;2;{rgb}" in out  # the code's colour as the highlight's background
    assert "Mr. Chen" in out and "Interviewer" in out
    assert "SYNTHETIC" in out


def test_show_json_and_turn_range(project: Project):
    project.ok("import", str(DEMO / "interview-03.md"))
    doc = json.loads(project.ok("show", "interview-03", "--json"))
    assert doc["turns"][0]["number"] == 1
    out = project.ok("show", "interview-03", "--turns", "2-3")
    second = doc["text"][doc["turns"][1]["start"] : doc["turns"][1]["end"]].split()[0]
    assert second in out
    assert "N or N-M" in project.fails("show", "interview-03", "--turns", "a-b")


def test_show_lists_a_code_once_per_turn_with_its_count(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    for quote in ("we still buy our cell design", "we license it"):
        project.ok("code", "add", "interview-03", "innovation.cell-design.dependence",
                   "--quote", quote)
    out = project.ok("show", "interview-03", "--turns", "24")
    assert "×2" in out
    assert out.count("(tester)") == 1


def test_show_keeps_every_code_key_whole_at_80_columns(project: Project):
    """The codes column is as wide as the longest key (up to two fifths of the screen): at 80
    columns no key is folded mid-word, the coder's name wraps after it instead."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-05.md"))
    keys = ("strategy.value-chain-position", "market-position.price-pressure",
            "policy.relocation-incentives")
    for key in keys:
        project.ok("code", "add", "interview-05", key, "--quote", "pack assembler")
    out = project.run("show", "interview-05", "--turns", "4", columns=80).stdout
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    for key in keys:
        assert any(key in line for line in lines), (key, out)


def test_show_below_80_columns_puts_the_codes_under_each_turn(project: Project):
    """At 60 columns a codes column would leave the text a few words a line and fold long keys:
    the text takes the width and each code key, whole, is on a line under its turn."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-05.md"))
    keys = ("strategy.value-chain-position", "market-position.price-pressure")
    for key in keys:
        project.ok("code", "add", "interview-05", key, "--quote", "pack assembler")
    out = project.run("show", "interview-05", "--turns", "4", columns=60).stdout
    lines = [line.rstrip() for line in out.splitlines()]
    assert max(map(len, lines)) <= 60
    code_lines = [i for i, line in enumerate(lines) if line.lstrip().startswith("\u25a0 ")]
    assert [next(k for k in keys if k in lines[i]) for i in code_lines] == list(keys)
    text_lines = lines[lines.index(next(x for x in lines if x.strip().startswith("4 "))) + 1:
                       code_lines[0]]
    assert text_lines and "pack assembler" in " ".join(" ".join(text_lines).split())
    assert max(len(line) for line in text_lines) > 45  # the text has the width, not a third
