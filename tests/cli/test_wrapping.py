"""Wrapping Chinese and Latin text at a width (cli/wrapping.py): Chinese breaks between
characters but never puts closing punctuation at a line's start, Latin words stay whole, and a
word that ends exactly at the edge stays on its line."""

from __future__ import annotations

import json

from rich.cells import cell_len

from qualcode.cli.wrapping import line_starts
from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, Project

NO_START = "，。、；：！？）」』》”’…"


def lines(text: str, width: int) -> list[str]:
    cuts = [0, *line_starts(text, width), len(text)]
    return [text[a:b].rstrip() for a, b in zip(cuts, cuts[1:], strict=False)]


def test_chinese_never_starts_a_line_with_closing_punctuation():
    text = "车速一提上去，就出现褶皱、厚度不均。小公司只要产品做得好、反应快，是有机会的。"
    for width in range(6, 40):
        got = lines(text, width)
        assert "".join(got) == text
        assert all(cell_len(line) <= width for line in got), (width, got)
        assert not any(line[0] in NO_START for line in got[1:]), (width, got)


def test_a_latin_word_ending_at_the_edge_stays_on_its_line():
    assert lines("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]
    assert lines("aaa bbb ccc", 6) == ["aaa", "bbb", "ccc"]
    assert lines("做PACK和BMS", 6) == ["做PACK", "和BMS"]


def test_synthesis_cards_wrap_chinese_without_punctuation_at_a_line_start(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-11.md"), str(DEMO / "interview-12.md"))
    project.ok("codings", "import", str(DEMO_CODING / "interview-11.yaml"),
               str(DEMO_CODING / "interview-12.yaml"))
    summaries = "".join(c["summary"] or "" for row in json.loads(
        project.ok("synthesize", "--format", "json"))["rows"] for c in row["cells"].values())
    assert "，" in summaries and "；" in summaries
    for width in (60, 80, 100):
        out = project.run("synthesize", columns=width).stdout
        inside = [line.strip("│ ") for line in out.splitlines() if line.startswith("│")]
        starts = [line.split(maxsplit=1)[-1] if line[:1].isascii() else line
                  for line in inside if line]
        assert not [s for s in starts if s[0] in NO_START], width
        assert max(cell_len(line) for line in out.splitlines()) <= width
