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


# A speech saved hard-wrapped at 60 characters, as the public-domain transcripts are at about
# 72: paragraphs of several lines, blank lines between them.
SPEECH = [
    "Hello, everybody. Well, good afternoon. And I want to thank the Secretary and everyone "
    "on the screen for being part of this today, because it has been a rough few years.",
    "But there are some real bright spots: ten million new jobs have been created, and "
    "nearly seven hundred thousand of them in manufacturing, with more to come here.",
]


def _hard_wrapped() -> str:
    import textwrap

    return "\n\n".join(textwrap.fill(p, 60) for p in SPEECH)


def test_soft_breaks_reflows_paragraphs_and_keeps_every_offset():
    from qualcode.cli.wrapping import soft_breaks

    text = _hard_wrapped()
    assert text.count("\n") == 6  # three lines a paragraph, a blank line between
    out = soft_breaks(text)
    assert len(out) == len(text)
    assert out.split("\n\n") == [" ".join(t.split("\n")) for t in text.split("\n\n")]
    assert [" ".join(p.split()) for p in out.split("\n\n")] == SPEECH


def test_soft_breaks_leaves_text_that_is_not_hard_wrapped():
    from qualcode.cli.wrapping import soft_breaks

    chat = "Yes.\nWe moved in 2012 because the rent was too high.\nNo.\nMaybe later.\nOK.\n"
    long_lines = "\n".join(SPEECH * 3)  # one paragraph a line, as the demo's turns are
    line = "车速一提上去就出现褶皱厚度不均小公司只要产品做得好反应快是有机会的"
    chinese = "\n".join([line * 2] * 5)
    for text in (chat, long_lines, chinese, "Too short\nto tell."):
        assert soft_breaks(text) == text


def test_show_reflows_a_hard_wrapped_transcript(project: Project, tmp_path):
    (tmp_path / "speech.txt").write_text("Interviewer: Go on.\n\nMr. Li: " + _hard_wrapped()
                                         + "\n", encoding="utf-8")
    project.ok("import", str(tmp_path / "speech.txt"))
    out = project.run("show", "speech", columns=120).stdout
    # The source breaks "thank / the Secretary" and "new jobs / have been": on the screen each
    # pair now shares a line (the text column is wider than the source's 60 characters).
    assert "thank\nthe Secretary" in _hard_wrapped() and "jobs\nhave been" in _hard_wrapped()
    shown = out.splitlines()
    assert any("thank the" in line for line in shown)
    assert any("jobs have been" in line for line in shown)
