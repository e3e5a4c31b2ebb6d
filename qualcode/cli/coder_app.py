"""The full-screen coder behind `qualcode code DOC` (Textual).

The transcript fills the left, the current selection highlighted and coded spans underlined in
their codes' colours; the side panel lists what is coded on the selection and the pending
suggestions there; pickers and forms open over it. Every action is one transaction through the
services (coding, coding_edit, code_create, review), committed before the next key is read, so a
crash loses nothing and other coders see each change at once. Undo and redo walk this session's
own actions back and forth.

Only this module imports Textual, and only `qualcode code DOC` imports this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.color import Color, ColorParseError
from rich.style import Style
from rich.text import Text
from sqlalchemy.orm import Session
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.cli.wrapping import soft_breaks
from qualcode.errors import QualcodeError
from qualcode.services import coder_view

SessionFactory = Callable[[], contextlib.AbstractContextManager[Session]]

SELECTED = Style(reverse=True)
KEYS_LINE = "j/k J/K move  s/S w/W b/B size  a code  n new  x del  * key  m memo  u/r  ? q"


def code_style(colour: str | None) -> Style:
    """A coded span: underlined, in the code's colour (grey when it has none)."""
    try:
        return Style(color=Color.parse(colour or "#999999"), underline=True)
    except ColorParseError:
        return Style(color="grey50", underline=True)


def fold_key(key: str, width: int) -> list[str]:
    """A dotted code key cut into lines at its dots when it is wider than the panel."""
    lines, line = [], ""
    for part in key.split("."):
        piece = part if not line else "." + part
        if line and len(line) + len(piece) > width:
            lines.append(line)
            piece = "." + part if lines else part
            line = "  " + piece
        else:
            line += piece
    lines.append(line)
    return [ln[:width] for ln in lines]


@dataclass
class Step:
    """One undoable action of this session, with what undoing and redoing it need."""

    kind: str  # add, remove, key, memo, accept
    label: str
    data: dict[str, Any] = field(default_factory=dict)


class Store:
    """One engine for the whole session; each action gets its own transaction."""

    def __init__(self, factory: SessionFactory):
        self._factory = factory

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self._factory() as session:
            yield session


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,enter", "dismiss", "close")]
    TEXT = """\
Moving                             Coding the selection
  j / down   next sentence           a or /  apply a code (fuzzy search)
  k / up     previous sentence       .       apply the last code again
  J / pgdn   next turn               n       new code (into the codebook)
  K / pgup   previous turn           y       accept a suggestion shown here
  g / G      first / last sentence   tab     next item in the side panel
Selection                            x       remove the chosen coding
  s / S      add / drop a sentence   *       key quote on / off
  w / W      add / drop a word (end) m       memo on the chosen coding
  b / B      add / drop a word       u / r   undo / redo (this session)
             at the start            q       quit (everything is saved)

Codings are saved as you make them. Only your own codings can be changed
here; the others are shown for reference (--blind shows only yours).
Press any key to go back."""

    def compose(self) -> ComposeResult:
        yield Static(self.TEXT, id="help")

    def on_key(self, event) -> None:
        event.stop()
        self.dismiss(None)


class PickCode(ModalScreen[str | None]):
    """Fuzzy search over the codes' keys, names and definitions; the highlighted code's
    definition and rules are shown beside the list."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(8)", show=False),
        Binding("pageup", "move(-8)", show=False),
    ]

    def __init__(self, choices: list[coder_view.CodeChoice], recent: list[str], quote: str):
        super().__init__()
        self.choices = choices
        self.recent = recent
        self.quote = quote
        self.shown: list[coder_view.CodeChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Text("Code: \u201c" + " ".join(self.quote.split()) + "\u201d",
                              no_wrap=True, overflow="ellipsis"), id="pick-quote")
            yield Input(placeholder="type to search keys, names, definitions", id="pick-input")
            with Horizontal(id="pick-body"):
                yield OptionList(id="pick-list")
                yield Static(id="pick-entry")
            yield Static(Text("up/down choose  Enter apply  Esc back", style="dim"),
                         id="pick-hint")

    def on_mount(self) -> None:
        self._refill("")
        self.set_focus(self.query_one(Input))

    def _refill(self, query: str) -> None:
        self.shown = coder_view.rank_codes(self.choices, query, recent=self.recent)
        options = self.query_one(OptionList)
        options.clear_options()
        for c in self.shown:
            line = Text(no_wrap=True)
            line.append("\u25a0 ", style=code_style(c.colour) + Style(underline=False))
            room = 30  # the list is 34 wide: swatch, key, scrollbar
            line.append(c.key if len(c.key) <= room else c.key[: room - 1] + "\u2026")
            options.add_option(Option(line))
        if self.shown:
            options.highlighted = 0
        self._show_entry()

    def _show_entry(self) -> None:
        options = self.query_one(OptionList)
        entry = self.query_one("#pick-entry", Static)
        i = options.highlighted
        if i is None or not self.shown:
            entry.update(Text("No code matches. Esc: back; n in the coder makes a new one.",
                              style="dim"))
            return
        c = self.shown[i]
        # Compact, so the exclusion rules still fit in 24 rows under a long definition.
        body = Text()
        # In the document's language where the codebook translates the code (the codebook's own
        # name in brackets), as `review` shows it.
        body.append(f"{c.local_name} ({c.name})" if c.local_name else c.name, style="bold")
        body.append(f"  {c.key}\n", style="dim")
        body.append(c.local_definition or c.definition or "(no definition)")
        for label, rules, style in (("Include", c.include, "green"), ("Exclude", c.exclude, "red")):
            if rules:
                body.append(f"\n{label}:", style=style)
                for rule in rules:
                    body.append(f"\n\u2022 {rule}")
        if not c.examples:
            body.append("\nNo examples yet.", style="yellow")
        entry.update(body)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_entry()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index].key)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        i = self.query_one(OptionList).highlighted
        if self.shown and i is not None:
            self.dismiss(self.shown[i].key)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self.shown:
            return
        i = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, i + step))
        self._show_entry()

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskText(ModalScreen[str | None]):
    """One line of text (a memo): Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title: str, value: str, hint: str):
        super().__init__()
        self.title_text, self.value, self.hint = title, value, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"))
            yield Input(value=self.value, id="ask-input")
            yield Static(Text(self.hint, style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


NEW_CODE_FIELDS = (
    ("key", "Key (dimension.code)", True),
    ("name", "Name (optional)", False),
    ("definition", "Definition", True),
    ("include", "Include when (optional; separate rules with ;)", False),
    ("exclude", "Exclude when (optional; separate rules with ;)", False),
    ("example", "Example sentence (optional; invent one, no interview quotes)", False),
)


class NewCode(ModalScreen[dict | None]):
    """The fields of a new code. Enter goes to the next field and saves on the last one;
    ctrl+s saves from anywhere; Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "save", "save")]

    def __init__(self, key_prefix: str, target: str):
        super().__init__()
        self.key_prefix, self.target = key_prefix, target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="new-code"):
            yield Static(Text(f"New code, written to {self.target}", style="bold",
                              no_wrap=True, overflow="ellipsis"))
            for name, label, _required in NEW_CODE_FIELDS:
                yield Static(Text(label, style="dim"))
                # The key's parent is filled in; typing goes on after it.
                yield Input(value=self.key_prefix if name == "key" else "", id=f"new-{name}",
                            select_on_focus=False)
            yield Static(Text("Enter: next field / save on the last   ctrl+s: save   "
                              "Esc: cancel", style="dim"))

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#new-key", Input))

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#new-{name}", Input).value
                for name, _label, _required in NEW_CODE_FIELDS}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter is handled after the field has taken every key typed before it.
        names = [name for name, _label, _required in NEW_CODE_FIELDS]
        current = (event.input.id or "new-key").removeprefix("new-")
        if current == names[-1]:
            self.action_save()
        else:
            self.set_focus(self.query_one(f"#new-{names[names.index(current) + 1]}", Input))

    def action_save(self) -> None:
        values = self.values()
        for name, _label, required in NEW_CODE_FIELDS:
            if required and not values[name].strip():
                self.set_focus(self.query_one(f"#new-{name}", Input))
                self.notify(f"{name} is needed", severity="warning")
                return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


MAIN_ACTIONS = {"move", "turn", "jump", "sentences", "word_end", "word_start", "pick", "again",
                "new_code", "remove", "key_quote", "memo", "accept", "undo", "redo", "help",
                "quit"}


class CoderApp(App[None]):
    """`qualcode code DOC`: code one document with keys."""

    TITLE = "qualcode"
    CSS = """
    Screen { layout: vertical; }
    #header { height: 1; background: $primary-background; color: $text; }
    #main { height: 1fr; }
    #text { width: 1fr; height: 100%; padding: 0 1; }
    #panel { width: 30; height: 100%; border-left: vkey $primary; padding: 0 0 0 1; }
    #message { height: auto; max-height: 2; }
    #keys { height: 1; background: $primary-background; color: $text-muted; }
    PickCode, AskText, NewCode, HelpScreen { align: center middle; }
    #picker { width: 100%; height: 100%; background: $surface; }
    #pick-quote, #pick-hint { height: 1; }
    #pick-input { height: 1; border: none; padding: 0 1; background: $boost; }
    #pick-body { height: 1fr; }
    #pick-list { width: 34; height: 100%; border: none; padding: 0; }
    #pick-entry { width: 1fr; padding: 0 1; height: 100%; }
    .dialog { width: 76; height: auto; max-height: 100%; background: $surface;
              border: round $primary; padding: 0 1; }
    .dialog Input { height: 1; border: none; padding: 0; background: $boost; }
    #help { width: 78; height: auto; background: $surface; border: round $primary; }
    """
    BINDINGS = [
        Binding("j,down", "move(1)", show=False),
        Binding("k,up", "move(-1)", show=False),
        Binding("J,pagedown", "turn(1)", show=False),
        Binding("K,pageup", "turn(-1)", show=False),
        Binding("g,home", "jump(0)", show=False),
        Binding("G,end", "jump(-1)", show=False),
        Binding("s", "sentences(1)", show=False),
        Binding("S", "sentences(-1)", show=False),
        Binding("w", "word_end(1)", show=False),
        Binding("W", "word_end(-1)", show=False),
        Binding("b", "word_start(1)", show=False),
        Binding("B", "word_start(-1)", show=False),
        Binding("a,slash", "pick", show=False),
        Binding("full_stop", "again", show=False),
        Binding("n", "new_code", show=False),
        Binding("x", "remove", show=False),
        Binding("asterisk", "key_quote", show=False),
        Binding("m", "memo", show=False),
        Binding("y", "accept", show=False),
        Binding("tab", "next_item", show=False, priority=True),
        Binding("u", "undo", show=False),
        Binding("r", "redo", show=False),
        Binding("question_mark", "help", show=False),
        Binding("q", "quit", show=False),
    ]

    def __init__(
        self,
        factory: SessionFactory,
        document: str,
        *,
        coder: str,
        only_coder: str | None = None,
        codebook_path: Path | None = None,
        refresh_seconds: float | None = 15.0,
    ):
        super().__init__()
        self.store = Store(factory)
        self.coder = coder
        self.only_coder = only_coder
        self.codebook_path = codebook_path
        self.refresh_seconds = refresh_seconds
        with self.store.session() as session:
            self.doc = coder_view.open_document(session, document)
            self.choices = coder_view.code_choices(session, self.doc.language)
        # Hard-wrapped transcripts read as ragged lines in a narrow pane: their wrapper's breaks
        # are drawn as spaces (same length, so offsets hold), as show and review draw them.
        self.shown_text = soft_breaks(self.doc.text)
        if not self.doc.sentences:
            raise QualcodeError(f"{document} has no text to code", where=document)
        self.codings: list = []
        self.suggestions: list = []
        self.cur = 0  # the sentence the selection starts in
        self.sel = (self.doc.sentences[0].start, self.doc.sentences[0].end)
        self.item = 0  # the chosen entry of the side panel
        self.done: list[Step] = []
        self.undone: list[Step] = []
        self.recent: list[str] = []
        self.message = Text("? for help. Everything you do is saved at once.", style="dim")
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a picker or form is open, the coder's own keys do nothing: a key typed before
        # the form's field has focus must not remove or move anything behind it.
        if len(self.screen_stack) > 1 and action in MAIN_ACTIONS:
            return False
        return True

    # -- data --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Codings (all coders', or one's) and pending suggestions, read afresh: other coders'
        work appears as it is saved."""
        with self.store.session() as session:
            self.codings = coder_view.document_codings(session, self.doc.name,
                                                       only_coder=self.only_coder)
            self.suggestions = coder_view.pending_suggestions(session, self.doc.name)
            self.choices = coder_view.code_choices(session, self.doc.language)
        self.colours = {c.key: c.colour for c in self.choices}

    def here(self) -> list:
        """The codings on the selection, then the pending suggestions on it."""
        s, e = self.sel
        codings = [c for c in self.codings if c.start < e and c.end > s]
        suggestions = [g for g in self.suggestions if g.start < e and g.end > s]
        return codings + suggestions

    def chosen(self):
        items = self.here()
        return items[min(self.item, len(items) - 1)] if items else None

    # -- drawing -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="main"):
            yield Static(id="text")
            yield Static(id="panel")
        yield Static(id="message")
        yield Static(Text(KEYS_LINE, no_wrap=True, overflow="ellipsis"), id="keys")

    def on_mount(self) -> None:
        self.call_after_refresh(self.redraw)
        if self.refresh_seconds:
            self.set_interval(self.refresh_seconds, self._refresh_from_db)

    def on_resize(self, event) -> None:
        self.query_one("#panel").styles.width = 30 if self.size.width < 110 else 42
        self.call_after_refresh(self.redraw)

    def _refresh_from_db(self) -> None:
        self.reload()
        self.redraw()

    def redraw(self) -> None:
        self._draw_header()
        self._draw_text()
        self._draw_panel()
        self.query_one("#message", Static).update(self.message)

    def _turn(self):
        return self.doc.turns[self.doc.sentences[self.cur].turn]

    def _draw_header(self) -> None:
        turn = self._turn()
        left = Text(f" {self.doc.name}", style="bold")
        if self.doc.case:
            left.append(f" \u00b7 {self.doc.case}")
        if self.doc.synthetic:
            left.append(" \u00b7 SYNTHETIC", style="yellow")
        left.append(f" \u00b7 {self.coder}", style="dim")
        if self.only_coder:  # the default, every coder's codings, goes without saying
            who = "blind" if self.only_coder == self.coder else f"only {self.only_coder}'s"
            left.append(f" ({who})", style="dim")
        right = (f"sentence {self.cur + 1}/{len(self.doc.sentences)} \u00b7 "
                 f"turn {turn.number}/{self.doc.turns[-1].number} ")
        width = max(self.size.width, 20)
        left.truncate(max(1, width - len(right) - 1), overflow="ellipsis")
        left.pad_right(width - len(right) - left.cell_len)
        left.append(right)
        self.query_one("#header", Static).update(left)

    def _turn_text(self, i: int) -> Text:
        turn = self.doc.turns[i]
        out = Text()
        label = f"{turn.number} {turn.speaker or '(no speaker)'}"
        out.append(label + "\n", style="bold cyan" if turn.role == "interviewer" else "bold")
        body = Text(self.shown_text[turn.start:turn.end])
        for c in self.codings:
            if c.start < turn.end and c.end > turn.start:
                body.stylize(code_style(self.colours.get(c.code)),
                             max(c.start, turn.start) - turn.start,
                             min(c.end, turn.end) - turn.start)
        s, e = self.sel
        if s < turn.end and e > turn.start:
            body.stylize(SELECTED, max(s, turn.start) - turn.start, min(e, turn.end) - turn.start)
        out.append_text(body)
        return out

    def _draw_text(self) -> None:
        pane = self.query_one("#text", Static)
        width, height = pane.content_size.width, pane.content_size.height
        if width <= 0 or height <= 0:
            return
        here = self.doc.sentences[self.cur].turn
        first = max(0, here - 2)
        lines: list[Text] = []
        sel_line = None
        i = first
        # Lay out whole turns around the selection, enough to fill the pane below it.
        while i < len(self.doc.turns) and (sel_line is None or len(lines) < sel_line + height):
            wrapped = self._turn_text(i).wrap(self.console, width, overflow="fold")
            for line in wrapped:
                if sel_line is None and any(span.style == SELECTED for span in line.spans):
                    sel_line = len(lines)
                lines.append(line)
            lines.append(Text())
            i += 1
        sel_line = sel_line or 0
        top = max(0, sel_line - max(2, height // 3))
        shown = lines[top: top + height]
        pane.update(Text("\n").join(shown))

    def _draw_panel(self) -> None:
        panel = self.query_one("#panel", Static)
        width = max(10, panel.content_size.width or 28)
        items = self.here()
        self.item = min(self.item, max(0, len(items) - 1))
        out = Text()
        s, e = self.sel
        words = sum(1 for w in self.doc.words if s <= w[0] and w[1] <= e)
        out.append(f"{words} word{'s' if words != 1 else ''}", style="bold")
        out.append(f" \u00b7 {s}:{e}\n", style="dim")
        codings = [x for x in items if hasattr(x, "coder")]
        if not codings:
            out.append("No codes here.\n", style="dim")
        for n, item in enumerate(items):
            mark = "\u25b8" if n == self.item else " "
            if n == len(codings):
                out.append("Suggested (y accepts)\n", style="bold")
            colour = self.colours.get(item.code)
            key_lines = fold_key(item.code, width - 4)
            out.append(f"{mark} ")
            out.append("\u25a0 ", style=Style(color=code_style(colour).color))
            out.append(key_lines[0] + "\n", style="bold" if n == self.item else "")
            for more in key_lines[1:]:
                out.append(f"    {more}\n")
            if hasattr(item, "coder"):
                flags = item.coder + (" \u2605 key" if item.key else "") + (
                    " \u270e memo" if item.memo else "")
                out.append(f"    {flags}\n", style="dim")
                if n == self.item and item.memo:
                    memo = Text("    \u201c" + " ".join(item.memo.split()) + "\u201d\n",
                                style="italic")
                    out.append_text(memo)
            else:
                out.append(f"    score {item.score:.2f} ({item.method})\n", style="dim")
        chosen = items[self.item] if items else None
        entry = next((c for c in self.choices if chosen and c.key == chosen.code), None)
        if entry is not None:  # what the chosen code means, as far as the panel has room
            out.append(f"\n{entry.local_name or entry.name}\n", style="bold")
            out.append(entry.local_definition or entry.definition, style="dim")
        panel.update(out)

    def say(self, text: str, style: str = "") -> None:
        self.message = Text(text, style=style, overflow="ellipsis")

    # -- moving and sizing -------------------------------------------------------------------

    def _select_sentence(self, i: int) -> None:
        self.cur = max(0, min(len(self.doc.sentences) - 1, i))
        sent = self.doc.sentences[self.cur]
        self.sel = (sent.start, sent.end)
        self.item = 0

    def action_move(self, step: int) -> None:
        self._select_sentence(self.cur + step)
        self._after_key()

    def action_jump(self, where: int) -> None:
        self._select_sentence(where if where >= 0 else len(self.doc.sentences) - 1)
        self._after_key()

    def action_turn(self, step: int) -> None:
        turn = self.doc.sentences[self.cur].turn + step
        if 0 <= turn < len(self.doc.turns):
            first = next((i for i, s in enumerate(self.doc.sentences) if s.turn >= turn), None)
            if step < 0:  # the start of the previous turn that has sentences
                first = next((i for i, s in enumerate(self.doc.sentences) if s.turn == turn),
                             first)
            if first is not None:
                self._select_sentence(first)
        self._after_key()

    def action_sentences(self, step: int) -> None:
        """Grow the selection by the next sentence of the turn, or drop its last sentence."""
        s, e = self.sel
        turn = self.doc.sentences[self.cur].turn
        inside = [x for x in self.doc.sentences if x.turn == turn]
        if step > 0:
            nxt = next((x for x in inside if x.start >= e), None)
            if nxt is None:
                self.say("The selection already reaches the end of the turn.", "dim")
            else:
                self.sel = (s, nxt.end)
        else:
            ends = [x.end for x in inside if s < x.end < e]
            self.sel = (s, max(ends)) if ends else self.sel
        self._after_key()

    def _words(self) -> list[tuple[int, int]]:
        turn = self._turn()
        return [w for w in self.doc.words if turn.start <= w[0] and w[1] <= turn.end]

    def action_word_end(self, step: int) -> None:
        s, e = self.sel
        words = self._words()
        if step > 0:
            nxt = next((w for w in words if w[0] >= e), None)
            self.sel = (s, nxt[1]) if nxt else self.sel
        else:
            ends = [w[1] for w in words if s < w[1] < e]
            self.sel = (s, max(ends)) if ends else self.sel
        self._after_key()

    def action_word_start(self, step: int) -> None:
        s, e = self.sel
        words = self._words()
        if step > 0:
            prev = [w for w in words if w[1] <= s]
            self.sel = (prev[-1][0], e) if prev else self.sel
        else:
            starts = [w[0] for w in words if s < w[0] < e]
            self.sel = (min(starts), e) if starts else self.sel
        self._after_key()

    def action_next_item(self) -> None:
        if len(self.screen_stack) > 1:  # in a form, tab moves between its fields
            self.screen.focus_next()
            return
        items = self.here()
        self.item = (self.item + 1) % len(items) if items else 0
        self._after_key()

    def _after_key(self, keep_message: bool = False) -> None:
        if not keep_message:
            self.message = Text()
        self.redraw()

    # -- writing -----------------------------------------------------------------------------

    def _write(self, do: Callable[[Session], Any]) -> Any:
        """One action, one transaction; a refusal is shown on the message line and changes
        nothing."""
        try:
            with self.store.session() as session:
                result = do(session)
        except QualcodeError as exc:
            self.say(exc.one_line(), "bold red")
            self.redraw()
            return None
        self.reload()
        return result

    def _record(self, step: Step) -> None:
        self.done.append(step)
        self.undone.clear()

    def _quote(self) -> str:
        return self.doc.text[self.sel[0]:self.sel[1]]

    def action_pick(self) -> None:
        self.push_screen(PickCode(self.choices, self.recent, self._quote()), self._apply)

    def action_again(self) -> None:
        if not self.recent:
            self.say("No code applied yet in this session: a picks one.", "dim")
            self.redraw()
            return
        self._apply(self.recent[0])

    def _apply(self, key: str | None) -> None:
        if not key:
            self._after_key()
            return
        from qualcode.services.coding import add_coding

        span = self.sel
        row = self._write(lambda s: add_coding(
            s, document=self.doc.name, code=key, coder=self.coder, actor=self.coder, span=span))
        if row is None:
            return
        self._remember(key)
        self._record(Step("add", f"coding {key}", {"row": row}))
        self.item = next((n for n, c in enumerate(self.here()) if getattr(c, "id", None) == row.id
                          and hasattr(c, "coder")), 0)
        self.say(f"Coded {key} at {row.start}:{row.end}.", "green")
        self.redraw()

    def _remember(self, key: str) -> None:
        self.recent = [key] + [k for k in self.recent if k != key][:7]

    def _own_chosen(self, verb: str):
        item = self.chosen()
        if item is None or not hasattr(item, "coder"):
            self.say(f"No coding here to {verb}.", "yellow")
            self.redraw()
            return None
        if item.coder != self.coder:
            self.say(f"That is {item.coder}'s coding; here you change only your own "
                     "(tab picks another).", "yellow")
            self.redraw()
            return None
        return item

    def action_remove(self) -> None:
        from qualcode.services.coding import remove_coding

        item = self._own_chosen("remove")
        if item is None:
            return
        row = self._write(lambda s: remove_coding(s, item.id, actor=self.coder))
        if row is not None:
            self._record(Step("remove", f"removal of {row.code}", {"row": row}))
            self.say(f"Removed {row.code} at {row.start}:{row.end} (u undoes).", "green")
            self.redraw()

    def action_key_quote(self) -> None:
        from qualcode.services.coding_edit import set_key

        item = self._own_chosen("mark")
        if item is None:
            return
        row = self._write(lambda s: set_key(s, item.id, not item.key, actor=self.coder))
        if row is not None:
            self._record(Step("key", "key quote", {"id": row.id, "before": item.key,
                                                    "after": row.key}))
            self.say(f"{row.code}: {'a key quote' if row.key else 'no longer a key quote'}.",
                     "green")
            self.redraw()

    def action_memo(self) -> None:
        item = self._own_chosen("write a memo on")
        if item is None:
            return

        def save(text: str | None) -> None:
            from qualcode.services.coding_edit import set_memo

            if text is None:
                self._after_key()
                return
            row = self._write(lambda s: set_memo(s, item.id, text, actor=self.coder))
            if row is not None:
                self._record(Step("memo", "memo", {"id": row.id, "before": item.memo,
                                                    "after": row.memo}))
                self.say("Memo saved." if row.memo else "Memo cleared.", "green")
                self.redraw()

        self.push_screen(AskText(f"Memo on {item.code} ({item.start}:{item.end})",
                                 item.memo or "", "Enter saves, an empty memo clears it, "
                                                  "Esc cancels."), save)

    def action_accept(self) -> None:
        from qualcode.services import review

        items = self.here()
        chosen = self.chosen()
        suggestion = chosen if chosen is not None and not hasattr(chosen, "coder") else next(
            (x for x in items if not hasattr(x, "coder")), None)
        if suggestion is None:
            self.say("No pending suggestion on the selection.", "dim")
            self.redraw()
            return
        decision = self._write(lambda s: review.decide(s, suggestion.id, "accept",
                                                       coder=self.coder))
        if decision is not None:
            self._record(Step("accept", f"acceptance of {decision.code}",
                              {"suggestion": suggestion.id}))
            self._remember(decision.code)
            self.say(f"Accepted {decision.code} at {decision.start}:{decision.end}.", "green")
            self.redraw()

    def action_new_code(self) -> None:
        if self.codebook_path is None:
            self.say("No codebook file known: start with --codebook FILE to add codes.",
                     "yellow")
            self.redraw()
            return
        base = self.recent[0] if self.recent else (self.choices[0].key if self.choices else "")
        prefix = base.split(".")[0] + "." if base else ""
        self.push_screen(NewCode(prefix, self._short_path()), self._create)

    def _short_path(self) -> str:
        path = self.codebook_path
        assert path is not None
        with contextlib.suppress(ValueError):
            return str(path.relative_to(Path.cwd()))
        return str(path)

    def _create(self, values: dict | None) -> None:
        if values is None:
            self._after_key()
            return
        from qualcode.services.code_create import create_code
        from qualcode.services.coding import add_coding

        def split(text: str) -> list[str]:
            return [r.strip() for r in text.split(";") if r.strip()]

        key = values["key"].strip()
        span = self.sel

        def do(session: Session):
            made = create_code(session, self.codebook_path, key=key, name=values["name"],
                               definition=values["definition"], include=split(values["include"]),
                               exclude=split(values["exclude"]),
                               examples=split(values["example"]), actor=self.coder)
            row = add_coding(session, document=self.doc.name, code=key, coder=self.coder,
                             actor=self.coder, span=span)
            return made, row

        result = self._write(do)
        if result is None:
            return
        made, row = result
        self._remember(key)
        self._record(Step("add", f"coding {key}", {"row": row}))
        note = f"New code {key} applied; written to {self.codebook_path.name}."
        if made.warnings:
            note = f"New code {key} applied. No examples yet: add some to {self._short_path()}."
        if made.also_loaded:
            note += f" Also loaded from the file: {', '.join(made.also_loaded)}."
        self.say(note, "yellow" if made.warnings or made.also_loaded else "green")
        self.redraw()

    # -- undo --------------------------------------------------------------------------------

    def _reverse(self, session: Session, step: Step, undo: bool) -> None:
        from qualcode.services import review
        from qualcode.services.coding import remove_coding
        from qualcode.services.coding_edit import restore_coding, set_key, set_memo

        d = step.data
        if step.kind in ("add", "remove"):
            takes_away = (step.kind == "add") == undo
            if takes_away:
                remove_coding(session, d["row"].id, actor=self.coder)
            else:
                restore_coding(session, d["row"], actor=self.coder)
        elif step.kind == "key":
            set_key(session, d["id"], d["before"] if undo else d["after"], actor=self.coder)
        elif step.kind == "memo":
            set_memo(session, d["id"], d["before"] if undo else d["after"], actor=self.coder)
        elif step.kind == "accept":
            if undo:
                review.undo(session, d["suggestion"], coder=self.coder)
            else:
                review.decide(session, d["suggestion"], "accept", coder=self.coder)

    def action_undo(self) -> None:
        self._replay(undo=True)

    def action_redo(self) -> None:
        self._replay(undo=False)

    def _replay(self, *, undo: bool) -> None:
        """Undo and redo are one move in opposite directions: the last step of one stack is
        reversed (or done again) in its own transaction and, once saved, goes on the other."""
        source, target = (self.done, self.undone) if undo else (self.undone, self.done)
        if not source:
            self.say("Nothing to undo in this session." if undo else "Nothing to redo.", "dim")
            self.redraw()
            return
        step = source[-1]
        if self._write(lambda s: self._reverse(s, step, undo=undo) or True):
            target.append(source.pop())
            self.say(f"Undone: {step.label} (r redoes)." if undo else f"Redone: {step.label}.",
                     "green")
            self.redraw()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(), lambda _: self._after_key())
