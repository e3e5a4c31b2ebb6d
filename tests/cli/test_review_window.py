"""review on long turns: the card shows the lines around the suggested passage, sized to the
screen, and [t] shows the whole turn. A speech's turn runs to hundreds of lines at 80 columns;
shown whole, the suggested sentence scrolled out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.cli.wrapping import line_starts, line_window
from tests.cli.test_suggest_cmds import MINI
from tests.conftest import Project

TEXT = "\n".join(f"Line {i:02d} of the turn." for i in range(40))


def _lines(a: int, b: int) -> list[str]:
    return TEXT[a:b].rstrip("\n").split("\n")


def test_the_window_centres_the_passage_and_keeps_to_the_budget():
    start = TEXT.index("Line 20")
    a, b = line_window(TEXT, (start, start + 7), width=60, budget=9)
    assert _lines(a, b) == [f"Line {i:02d} of the turn." for i in range(16, 25)]


def test_at_the_turns_edges_the_unused_context_goes_to_the_other_side():
    a, b = line_window(TEXT, (0, 7), width=60, budget=5)
    assert _lines(a, b) == [f"Line {i:02d} of the turn." for i in range(0, 5)]
    end = TEXT.index("Line 39")
    a, b = line_window(TEXT, (end, len(TEXT)), width=60, budget=5)
    assert _lines(a, b) == [f"Line {i:02d} of the turn." for i in range(35, 40)]


def test_a_passage_taller_than_the_budget_is_shown_whole():
    start, end = TEXT.index("Line 10"), TEXT.index("Line 30")
    a, b = line_window(TEXT, (start, end + 4), width=60, budget=3)
    assert _lines(a, b) == [f"Line {i:02d} of the turn." for i in range(10, 31)]


def test_wrapped_lines_count_not_paragraphs():
    # one paragraph of 30 words at width 20 wraps into many lines; the window cuts inside it
    words = " ".join(f"w{i:02d}" for i in range(60))
    s = words.index("w30")
    a, b = line_window(words, (s, s + 3), width=20, budget=3)
    assert len(line_starts(words[a:b], 20)) + 1 == 3
    assert "w30" in words[a:b] and "w00" not in words[a:b] and "w59" not in words[a:b]


@pytest.fixture
def long_turn(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "mini.yaml"
    book.write_text(MINI, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    filler = [f"Filler sentence {i:02d} says nothing at all." for i in range(80)]
    body = "\n".join(filler[:40] + ["The subsidies mattered a lot."] + filler[40:])
    (tmp_path / "speech.txt").write_text(f"Interviewer: Go on.\n\nMr. Li: {body}\n",
                                         encoding="utf-8")
    project.ok("import", str(tmp_path / "speech.txt"))
    project.ok("suggest")
    return project


def test_the_card_fits_the_screen_and_shows_the_passage(long_turn: Project):
    out = long_turn.run("review", input="q", columns=80, lines=30).stdout.splitlines()
    card = out[:next(i for i, line in enumerate(out) if line.startswith("[a]ccept")) + 1]
    assert len(card) <= 30
    text = "\n".join(card)
    assert "The subsidies mattered a lot." in text
    assert "Filler sentence 39" in text and "Filler sentence 40" in text  # the context
    assert "Filler sentence 00" not in text and "Filler sentence 79" not in text
    assert "lines of the turn above" in text and "lines of the turn below" in text
    assert "[t]urn" in text


def test_t_shows_the_whole_turn_and_the_next_card_is_windowed_again(long_turn: Project):
    out = long_turn.run("review", input="tsq", columns=80, lines=30).stdout
    cards = out.split("╭─")[1:]
    assert len(cards) == 2  # one suggestion (policy.subsidies): windowed, then whole
    whole = cards[1]
    assert "Filler sentence 00" in whole and "Filler sentence 79" in whole
    assert "lines of the turn" not in whole
    assert "skipped 1" in out
