"""The full-screen coder (`qualcode code DOC`), driven by scripted keys on a real project (real
SQLite, real spaCy sentencizer), headless at 80x24: what it writes, and what it draws."""

from __future__ import annotations

import asyncio
import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.segment import Segment
from rich.text import Text
from sqlalchemy import select

from qualcode.cli.coder_app import CoderApp
from qualcode.storage import database
from qualcode.storage.models import Event
from tests.conftest import PUBLIC_DOMAIN, Project, build_demo_project, need_shared

BOOK = """\
# A small codebook for the coder's tests. This comment must survive a new code.
codebook: {name: mini, version: "1", language: en}

policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Money from government tied to vehicles.
      include: [grants from the city]
      exclude: [taxes]
      examples: ["We got a subsidy."]  # invented
      patterns:
        - lemma: [subsidy, subsidise, subsidize]
    land:
      definition: Land deals with the city.
      examples: ["Cheap land."]

# Strategy: where the firm goes.
strategy:
  definition: Strategy.
  codes:
    relocation:
      definition: Moving production from Shenzhen.
      examples: ["We left Shenzhen."]
"""

TRANSCRIPT = """\
Interviewer: Tell me about subsidies and cheap land.

Mr. Li: The subsidies mattered a lot. We left Shenzhen in 2012. The weather was hot.

Interviewer: Anything else?

Mr. Li: The city gave us land near the river. Nothing more to say.
"""

CHINESE = """\
---
language: zh
---
访谈者：请谈谈搬迁。

李总：我们二〇一二年从深圳搬到惠州。土地便宜！政府也有补贴。
"""


@pytest.fixture
def mini(project: Project, tmp_path: Path) -> Project:
    project.book = project.load_codebook_and_import(tmp_path / "book.yaml", BOOK,
                                                    (tmp_path / "li.txt", TRANSCRIPT))
    return project


class Run:
    """What a scripted session left on the screen."""

    def __init__(self, app: CoderApp, lines: list[list[Segment]]):
        self.app = app
        self.lines = ["".join(s.text for s in line) for line in lines]
        self.selected = "".join(
            s.text for line in lines for s in line if s.style is not None and s.style.reverse)

    @property
    def screen(self) -> str:
        return "\n".join(self.lines)


def drive(project: Project, document: str, keys: str | list[str], *, coder: str = "tester",
          only: str | None = None, book: Path | None = None, size=(80, 24)) -> Run:
    """Open the coder on the project's database, press the keys, return the last screen."""
    engine = database.make_engine(project.url)

    async def go() -> Run:
        app = CoderApp(lambda: database.session_scope(engine), document, coder=coder,
                       only_coder=only, codebook_path=book, refresh_seconds=None)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await pilot.press(*list(keys))
            await pilot.pause()
            strips = app.screen._compositor.render_strips()
            return Run(app, [list(strip) for strip in strips])

    try:
        return asyncio.run(go())
    finally:
        engine.dispose()


def typed(text: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in text]


def codings(project: Project) -> list[dict]:
    return json.loads(project.ok("codings", "list", "--json"))


def actions(project: Project) -> list[str]:
    with project.session() as session:
        return list(session.scalars(select(Event.action).order_by(Event.id)))


def text_of(project: Project, name: str = "li") -> str:
    return json.loads(project.ok("show", name, "--json"))["text"]


def span_of(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    assert text.count(quote) == 1
    return start, start + len(quote)


def test_apply_a_code_by_fuzzy_search_codes_the_exact_sentence(mini: Project):
    # Sentence 1 is the question; j moves to the first respondent sentence, j to the next.
    run = drive(mini, "li", ["j", "j", "a", *typed("reloc"), "enter"])
    text = text_of(mini)
    [row] = codings(mini)
    assert (row["code"], row["coder"], row["origin"]) == ("strategy.relocation", "tester",
                                                          "manual")
    assert (row["start"], row["end"]) == span_of(text, "We left Shenzhen in 2012.")
    assert run.selected == "We left Shenzhen in 2012."
    assert "strategy.relocation" in run.screen and "tester" in run.screen


def test_definitions_and_rules_are_shown_while_choosing(mini: Project):
    run = drive(mini, "li", ["a", *typed("city")])
    # "city" is in no key or name: the codes whose definition or rules say it are offered.
    assert "Land deals with the city." in run.screen
    assert "Include:" not in run.screen  # land has no include rules; subsidies comes second
    first = [ln for ln in run.lines if "\u25a0" in ln]
    assert "policy.land" in first[0] and "policy.subsidies" in first[1]


def test_widen_and_narrow_by_sentence_and_word(mini: Project):
    text = text_of(mini)
    # s: + next sentence; w: + a word at the end; W: - that word; b: + the word before the
    # start... there is none inside the turn before the first sentence, so B: - first word.
    drive(mini, "li", ["j", "s", "s", "S", "w", "w", "W", "B", "a", *typed("subsid"), "enter"])
    [row] = codings(mini)
    start, _ = span_of(text, "subsidies mattered a lot.")
    _, end = span_of(text, "We left Shenzhen in 2012. The")
    assert (row["start"], row["end"]) == (start, end)
    assert row["quote"] == "subsidies mattered a lot. We left Shenzhen in 2012. The"


def test_turn_keys_move_to_the_first_sentence_of_a_turn(mini: Project):
    drive(mini, "li", ["J", "J", "J", "K", "a", *typed("land"), "enter"])
    [row] = codings(mini)
    assert (row["start"], row["end"]) == span_of(text_of(mini), "Anything else?")


def test_key_quote_memo_remove_and_undo_restoring_the_exact_row(mini: Project):
    drive(mini, "li", ["j", "a", *typed("subsid"), "enter", "*", "m", *typed("Ask about 2015"),
                       "enter"])
    [row] = codings(mini)
    assert row["key"] is True and row["memo"] == "Ask about 2015"
    full = [t for t in mini.snapshot()["codings"]]
    # Remove it, undo (back exactly as it was: id, span, flags, memo, creation time), undo the
    # memo, redo it.
    run = drive(mini, "li", ["j", "x", "u"])
    assert mini.snapshot()["codings"] == full
    assert "Undone: removal of policy.subsidies" in run.screen
    assert actions(mini)[-2:] == ["coding.remove", "coding.restore"]
    drive(mini, "li", ["j", "m", "ctrl+u", "enter", "u", "r"])  # clear, undo, redo the clearing
    [again] = codings(mini)
    assert again["memo"] is None and again["id"] == row["id"] and again["key"] is True


def test_undo_and_redo_a_new_coding(mini: Project):
    drive(mini, "li", ["j", "a", *typed("reloc"), "enter", "u"])
    assert codings(mini) == []
    drive(mini, "li", ["j", "a", *typed("reloc"), "enter", "u", "r"])
    [row] = codings(mini)
    assert row["code"] == "strategy.relocation"


def test_apply_the_last_code_again_with_a_dot(mini: Project):
    drive(mini, "li", ["j", "a", *typed("land"), "enter", "J", "J", "."])
    assert [r["code"] for r in codings(mini)] == ["policy.land", "policy.land"]


def test_a_refused_action_is_shown_and_changes_nothing(mini: Project):
    drive(mini, "li", ["j", "a", *typed("land"), "enter"])
    before = mini.snapshot()
    run = drive(mini, "li", ["j", "s", "a", *typed("land"), "enter"])  # overlaps the first
    assert mini.snapshot() == before
    assert "already coded policy.land" in run.screen


def test_other_coders_codings_are_shown_but_not_changed(mini: Project):
    mini.ok("code", "add", "li", "policy.land", "--quote", "The city gave us land",
            "--coder", "wei")
    before = mini.snapshot()
    run = drive(mini, "li", ["J", "J", "J", "x", "*"])
    assert mini.snapshot() == before
    assert "policy.land" in run.screen and "wei" in run.screen
    assert "That is wei's coding" in run.screen
    blind = drive(mini, "li", ["J", "J", "J"], only="tester")
    assert "No codes here." in blind.screen and "wei" not in blind.screen
    # Once the coder has coded there too, blind coding shows theirs and still not wei's.
    mini.ok("code", "add", "li", "strategy.relocation", "--quote", "The city gave us land",
            "--coder", "tester")
    blind = drive(mini, "li", ["J", "J", "J"], only="tester")
    assert "strategy.relocation" in blind.screen and "blind" in blind.screen
    assert "policy.land" not in blind.screen and "wei" not in blind.screen
    seen = drive(mini, "li", ["J", "J", "J"])
    assert "strategy.relocation" in seen.screen and "policy.land" in seen.screen


def test_a_pending_suggestion_is_accepted_with_one_key_and_undone(mini: Project):
    mini.ok("suggest")
    run = drive(mini, "li", ["j", "y"])
    [row] = codings(mini)
    assert (row["code"], row["origin"]) == ("policy.subsidies", "suggested")
    assert "Accepted policy.subsidies" in run.screen
    statuses = json.loads(mini.ok("suggestions", "list", "--status", "all", "--json"))
    assert [s["status"] for s in statuses if s["code"] == "policy.subsidies"][0] == "accepted"
    drive(mini, "li", ["j", "y", "u"])  # the first is decided: nothing to accept there now
    drive(mini, "li", ["J", "J", "J"])
    statuses = json.loads(mini.ok("suggestions", "list", "--status", "all", "--json"))
    assert sum(s["status"] == "accepted" for s in statuses) == 1


def test_undo_puts_an_accepted_suggestion_back_in_the_queue(mini: Project):
    mini.ok("suggest")
    drive(mini, "li", ["j", "y", "u"])
    assert codings(mini) == []
    statuses = json.loads(mini.ok("suggestions", "list", "--status", "all", "--json"))
    assert {s["status"] for s in statuses} == {"pending"}


def test_new_code_is_written_to_the_codebook_keeping_its_comments(mini: Project):
    book: Path = mini.book
    old = book.read_text(encoding="utf-8")
    keys = ["j", "j", "n", "ctrl+u", *typed("strategy.split-site"), "enter",
            *typed("Split site"), "enter", *typed("Headquarters stay while production moves."),
            "enter", *typed("HQ in Shenzhen; plants elsewhere"), "enter", "enter", "enter"]
    run = drive(mini, "li", keys, book=book)
    new = book.read_text(encoding="utf-8")
    # Only lines added, every old line (comments included) kept in order.
    ops = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines()).get_opcodes()
    assert {op for op, *_ in ops} == {"equal", "insert"}
    added = [ln for op, _a1, _a2, b1, b2 in ops if op == "insert"
             for ln in new.splitlines()[b1:b2]]
    assert added == ["    split-site:", "      name: Split site",
                     "      definition: Headquarters stay while production moves.",
                     "      include:", "        - HQ in Shenzhen", "        - plants elsewhere"]
    assert "# Strategy: where the firm goes." in new
    # Loaded into the project and applied to the selection.
    [row] = codings(mini)
    assert row["code"] == "strategy.split-site"
    assert (row["start"], row["end"]) == span_of(text_of(mini), "We left Shenzhen in 2012.")
    tree = json.loads(mini.ok("codebook", "show", "--json"))
    assert any(n["key"] == "strategy.split-site" for n in tree)
    assert "No examples yet" in run.screen
    # validate agrees: a warning, not a problem.
    out = mini.ok("codebook", "validate", str(book))
    assert "valid" in out and "warning" in out and "strategy.split-site" in out


def test_a_new_code_under_a_missing_parent_changes_nothing(mini: Project):
    book: Path = mini.book
    old = book.read_bytes()
    before = mini.snapshot()
    keys = ["j", "n", "ctrl+u", *typed("nowhere.thing"), "enter", "enter",
            *typed("A definition."), "ctrl+s"]
    run = drive(mini, "li", keys, book=book)
    assert book.read_bytes() == old and mini.snapshot() == before
    assert "no code 'nowhere'" in run.screen


def test_without_a_codebook_file_n_says_how_to_give_one(mini: Project):
    run = drive(mini, "li", ["n"])
    assert "--codebook FILE" in run.screen


def _fits(run: Run, size=(80, 24)) -> None:
    """Every row drawn within the size, and nothing of the transcript cut at the pane's edge:
    the pane's lines between speaker labels, joined, are the document's own text."""
    assert len(run.lines) == size[1]
    assert all(Text(ln).cell_len <= size[0] for ln in run.lines)
    assert run.lines[-1].rstrip().endswith("? q")  # the keys line is whole
    labels = {f"{t.number} {t.speaker or '(no speaker)'}" for t in run.app.doc.turns}
    squeezed = "".join(run.app.doc.text.split())
    paragraphs, current = [], []
    for line in run.lines[1:]:
        if "\u258f" not in line:  # below the panes: message and keys
            break
        left = line[: line.index("\u258f")].strip()
        if not left or left in labels:
            paragraphs.append(current)
            current = []
        else:
            current.append(left)
    paragraphs.append(current)
    shown = [p for p in paragraphs if p]
    assert shown
    for paragraph in shown:
        assert "".join("".join(paragraph).split()) in squeezed, paragraph


def test_80x24_layout_on_a_real_transcript_keeps_the_selection_in_view(project: Project):
    transcript = need_shared(
        PUBLIC_DOMAIN / "03_wh_2022-07-26_sk_group_battery_investment_meeting.txt")
    project.ok("import", str(transcript))
    name = transcript.stem
    text = text_of(project, name)
    for keys in (["j"] * 3, ["J"] * 12 + ["s", "s"], ["G"], ["G", "K", "K", "w", "w"]):
        run = drive(project, name, keys)
        _fits(run)
        assert run.selected, keys
        # What is drawn reversed is the start of the selection, in the document's words.
        sel = run.app.sel
        assert "".join(run.selected.split()) in "".join(text[sel[0]:sel[1]].split())
        assert len(run.selected) >= min(20, sel[1] - sel[0])


def test_demo_document_draws_codes_and_coders_at_80x24(tmp_path: Path):
    demo = build_demo_project(tmp_path / "demo")
    run = drive(demo, "interview-03", ["J"] * 6 + ["j", "j", "j"])
    _fits(run)
    assert "SYNTHETIC" in run.screen
    assert "strategy.diversification" in run.screen and "wei" in run.screen


def test_chinese_sentences_end_at_full_width_punctuation(project: Project, tmp_path: Path):
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    doc = tmp_path / "zh.md"
    doc.write_text(CHINESE, encoding="utf-8")
    project.ok("import", str(doc))
    run = drive(project, "zh", ["j", "j", "w", "a", *typed("land"), "enter"])
    [row] = codings(project)
    # Widening by a word takes a whole jieba word (政府), not a character.
    assert row["quote"] == "土地便宜！政府"
    _fits(run)


def test_a_chinese_document_finds_and_names_codes_by_their_chinese_translation(
        project: Project, tmp_path: Path):
    book = tmp_path / "book.yaml"
    book.write_text(BOOK.replace(
        "      definition: Land deals with the city.\n",
        "      definition: Land deals with the city.\n"
        "      translations: {zh: {name: 土地, definition: 与市政府的土地交易。}}\n"),
        encoding="utf-8")
    project.ok("codebook", "load", str(book))
    doc = tmp_path / "zh.md"
    doc.write_text(CHINESE, encoding="utf-8")
    project.ok("import", str(doc))
    # 土地 is in no key, name or definition of the codebook's own: only in the translation.
    run = drive(project, "zh", ["j", "j", "a", "土", "地"])
    assert "土地 (Land)" in run.screen and "与市政府的土地交易。" in run.screen
    assert "Land deals with the city." not in run.screen
    run = drive(project, "zh", ["j", "j", "a", "土", "地", "enter"])
    [row] = codings(project)
    assert (row["code"], row["quote"]) == ("policy.land", "土地便宜！")
    assert "与市政府的土地交易。" in run.screen  # the side panel explains it in Chinese too
    _fits(run)


def test_code_doc_refuses_an_unknown_document_without_a_change(mini: Project):
    before = mini.snapshot()
    error = mini.fails("code", "lii")
    assert "no document named 'lii'" in error and "'li'" in error
    assert mini.snapshot() == before


def test_code_doc_needs_a_terminal(mini: Project):
    error = mini.fails("code", "li", "--blind")
    assert "needs a terminal" in error and "code add" in error


def test_code_group_still_runs_add_and_names_the_coder_in_help(mini: Project):
    assert "DOC [OPTIONS] | COMMAND" in mini.ok("code", "--help")
    mini.ok("code", "add", "li", "policy.land", "--quote", "cheap land")
    assert [r["code"] for r in codings(mini)] == ["policy.land"]


def test_only_code_doc_imports_textual():
    code = (
        "import sys; from qualcode.cli import app\n"
        "from typer.testing import CliRunner\n"
        "for args in (['--help'], ['code', '--help'], ['code', 'open', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_other_coders_work_appears_while_coding(mini: Project):
    """Each action is committed at once, and the coder reads the others' codings again: what
    wei saves from another process shows up in tester's open coder."""
    engine = database.make_engine(mini.url)

    async def go() -> tuple[str, str]:
        app = CoderApp(lambda: database.session_scope(engine), "li", coder="tester",
                       refresh_seconds=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("J", "J", "J", "a", *typed("land"), "enter")
            # tester's coding is in the database while the coder is still open
            seen_by_wei = [r["coder"] for r in codings(mini)]
            mini.ok("code", "add", "li", "policy.subsidies", "--quote", "The city gave us land",
                    "--coder", "wei")
            app._refresh_from_db()  # what the timer does every 15 s
            await pilot.pause()
            strips = app.screen._compositor.render_strips()
            return seen_by_wei, "\n".join(s.text for s in strips)

    try:
        seen_by_wei, screen = asyncio.run(go())
    finally:
        engine.dispose()
    assert seen_by_wei == ["tester"]
    assert "policy.subsidies" in screen and "wei" in screen


def test_a_hard_wrapped_transcript_reflows_in_the_pane(mini: Project, tmp_path: Path):
    # The source breaks "thank / the Secretary" and "new jobs / have been" at 60 characters;
    # the pane draws the wrapper's breaks as spaces (as show and review do), so each pair
    # shares a screen line.
    from tests.cli.test_wrapping import _hard_wrapped

    doc = tmp_path / "speech.txt"
    doc.write_text("Interviewer: Go on.\n\nMr. Li: " + _hard_wrapped() + "\n", encoding="utf-8")
    mini.ok("import", str(doc))
    run = drive(mini, "speech", "", size=(120, 30))
    assert any("thank the" in line for line in run.lines), run.screen
    assert any("jobs have been" in line for line in run.lines), run.screen
