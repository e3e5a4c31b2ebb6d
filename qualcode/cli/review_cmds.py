"""review: the keyboard-driven queue of suggestions; each decision is saved as it is made."""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from qualcode.cli.common import BlindOpt, CoderOpt, coder_name, console, project_session
from qualcode.cli.suggest_cmds import CaseOpt, CodeOpt, DimensionOpt, DocOpt, MinScoreOpt
from qualcode.cli.wrapping import Wrapped, bullets, line_starts, line_window, soft_breaks
from qualcode.errors import QualcodeError


def register(app: typer.Typer) -> None:
    app.command("review")(review)


# Lines the card keeps for the turn at the least, however tall its definition and rules are.
MIN_TURN_LINES = 8
# Lines of the card besides the turn's text and the code's details: the panel's two borders,
# the key line and a message.
CARD_CHROME = 4
# A panel's side borders and padding.
PANEL_SIDES = 4


def _turn_body(view, span: tuple[int, int], room: int | None) -> Text:
    """The turn with the suggested passage underlined and its evidence marked; when room (lines)
    is given, only the lines around the passage, saying how many are left out above and below."""
    text = soft_breaks(view.turn_text)  # a hard-wrapped transcript reflows to the card
    s, e = max(0, span[0] - view.turn_start), min(len(text), span[1] - view.turn_start)
    a, b = 0, len(text)
    if room is not None:  # two of the lines for the notes of what is left out
        a, b = line_window(text, (s, e), console.width - PANEL_SIDES, room - 2)
        b = a + len(text[a:b].rstrip("\n"))
    body = Text(text[a:b])
    marks = [("bold underline", s, e)] + [
        (f"black on {view.colour or 'yellow'}", ev["start"] - view.turn_start,
         ev["end"] - view.turn_start)
        for ev in view.row.evidence if "start" in ev and "end" in ev]
    for style, start, end in marks:  # clipped to the window (a negative start would wrap)
        if min(end, b) > max(start, a):
            body.stylize(style, max(start, a) - a, min(end, b) - a)
    parts = []
    if text[:a].strip():
        parts.append(Text(f"\u2026 {_lines_of(text[:a])} above\n", style="dim"))
    parts.append(body)
    if text[b:].strip():
        parts.append(Text(f"\n\u2026 {_lines_of(text[b:])} below", style="dim"))
    return Text.assemble(*parts)


def _lines_of(text: str) -> str:
    n = len(line_starts(text.strip("\n"), console.width - PANEL_SIDES)) + 1
    return f"{n} line{'s' if n != 1 else ''} of the turn"


def _render(view, span: tuple[int, int], position: str, whole: bool = False) -> None:
    if console.is_terminal:  # one suggestion per screen; pipes and logs keep the history
        console.clear()
    row = view.row
    # The turn gets the screen's height less the code's details, so the passage is in sight; on
    # a short screen the include and exclude rules give way (`codebook show` has them).
    info = _details(view, rules=True)
    if console.height - _height(info) - CARD_CHROME < MIN_TURN_LINES:
        info = _details(view, rules=False)
    room = None if whole else max(MIN_TURN_LINES, console.height - _height(info) - CARD_CHROME)
    # Turn and speaker first: a long document name is what the frame may cut.
    title = (
        f"{position} · turn {view.turn_number} ({view.speaker or '?'}) · {row.case or '-'} · "
        f"{row.document}"
    )
    console.print(Panel(Wrapped(_turn_body(view, span, room)), title=title, title_align="left"))
    console.print(info)
    console.print(
        Text("[a]ccept  [r]eject  re[c]ode  [w]iden  [t]urn  [s]kip  [u]ndo  [q]uit",
             style="cyan")
    )


def _height(details: Group) -> int:
    return len(console.render_lines(details, console.options.update(height=None)))


def _details(view, *, rules: bool) -> Group:
    """The code, its definition and (with rules) its include and exclude rules, and the
    evidence, under the turn."""
    row = view.row
    head = Text()
    head.append(f"{row.code}", style="bold")
    local = view.translation
    name = f"{local['name']} ({view.code_name})" if local.get("name") else view.code_name
    head.append(f"  {name}   score {row.score:.2f} ({row.method}, {row.unit})\n")
    head.append("Definition: ", style="bold")
    if local.get("definition"):  # the document's language first, the codebook's below
        head.append(local["definition"] + "\n")
        head.append(view.definition, style="dim")
    else:
        head.append(view.definition)
    parts: list = [Wrapped(head)]
    for label, listed, style in (("Include", view.include, "green"),
                                 ("Exclude", view.exclude, "red")):
        if listed and rules:
            parts += [Text(f"{label}:", style=style), bullets(listed)]
    if not rules and (view.include or view.exclude):
        parts.append(Text(f"(include and exclude rules: `qualcode codebook show {row.code}`)",
                          style="dim"))
    why = [
        f"\u201c{ev.get('text', '')}\u201d ({ev.get('kind')}, {ev.get('rule', '')})"
        if ev.get("kind") != "learned"
        else f"learned p={ev.get('probability', 0):.2f}"
        for ev in row.evidence
    ]
    evidence = Text()
    evidence.append("Evidence: ", style="bold")
    evidence.append(", ".join(why) or "-")
    parts.append(Wrapped(evidence))
    return Group(*parts)


def _read_key() -> str:
    """One key press from a terminal; from a pipe (scripts, tests), the next character, with the
    end of the input meaning quit."""
    try:
        if sys.stdin.isatty():
            key = click.getchar()
        else:
            key = sys.stdin.read(1)
            while key in ("\n", "\r"):
                key = sys.stdin.read(1)
    except (EOFError, KeyboardInterrupt):
        return "q"
    return (key or "q").lower()


def _ask_code(codes) -> tuple[str | None, str]:
    """The code to recode with, or None to go back to the suggestion; with the message to show.
    On a terminal a completing prompt (cli/code_prompt.py); from a pipe, the next line, where
    an empty line or Esc cancels and a partial answer takes the best match."""
    from qualcode.services.code_finder import resolve

    if sys.stdin.isatty():
        from qualcode.cli.code_prompt import ask_code

        key = ask_code(codes)
        return key, "" if key else "Recode cancelled; back to the suggestion."
    console.print("code: ", end="")
    typed = sys.stdin.readline().rstrip("\n")
    if not typed.strip() or typed.startswith("\x1b"):
        return None, "Recode cancelled; back to the suggestion."
    key = resolve(codes, typed)
    return key, "" if key else f"No code matches {typed!r}; recode cancelled."


def review(
    ctx: typer.Context,
    dimension: DimensionOpt = None,
    code: CodeOpt = None,
    document: DocOpt = None,
    case: CaseOpt = None,
    min_score: MinScoreOpt = None,
    blind: BlindOpt = False,
    coder: CoderOpt = None,
) -> None:
    """Review pending suggestions one key at a time; each decision is saved as it is made."""
    from qualcode.services import review as svc

    who = coder_name(coder)
    with project_session(ctx, write=False) as session:
        ids = svc.queue(
            session,
            dimension=dimension,
            code=code,
            document=document,
            case=case,
            min_score=min_score,
            blind_for=who if blind else None,
        )
    if not ids:
        console.print("No pending suggestions match. Run `qualcode suggest` first?")
        return
    from qualcode.services.code_finder import choices

    with project_session(ctx, write=False) as session:
        codes = choices(session)
    counts = {"accept": 0, "reject": 0, "recode": 0, "skip": 0, "undo": 0}
    message = ""  # shown under the suggestion until the next key
    history: list[int] = []
    i = 0
    span: tuple[int, int] | None = None
    whole = False  # the whole turn on the card, not only the lines around the passage
    while i < len(ids):
        sid = ids[i]
        with project_session(ctx, write=False) as session:
            view = svc.view(session, sid)
        if view.row.status != "pending":
            i += 1
            span = None
            continue
        span = span or (view.row.start, view.row.end)
        _render(view, span, f"{i + 1}/{len(ids)}", whole=whole)
        if message:
            console.print(message, style="yellow", markup=False)
        key = _read_key()
        message = ""
        try:
            if key in ("a", "r", "c"):
                action = {"a": "accept", "r": "reject", "c": "recode"}[key]
                recode_to = None
                if action == "recode":
                    recode_to, message = _ask_code(codes)
                    if recode_to is None:
                        continue
                with project_session(ctx) as session:
                    svc.decide(session, sid, action, coder=who, recode_to=recode_to, span=span)
                counts[action] += 1
                history.append(i)
                i, span, whole = i + 1, None, False
            elif key == "w":
                with project_session(ctx) as session:
                    span = svc.widen(session, sid, span)
            elif key == "t":  # the whole turn, until the next suggestion
                whole = not whole
                continue
            elif key == "s":
                counts["skip"] += 1
                i, span, whole = i + 1, None, False
            elif key == "u":
                if not history:
                    message = "Nothing to undo."
                    continue
                i, span, whole = history.pop(), None, False
                with project_session(ctx) as session:
                    svc.undo(session, ids[i], coder=who)
                counts["undo"] += 1
            elif key == "q":
                break
            else:
                message = f"Unknown key {key!r}: a r c w t s u q."
        except QualcodeError as exc:
            message = exc.one_line()
    remaining = len(ids) - sum(counts[k] for k in ("accept", "reject", "recode")) + counts["undo"]
    console.print(
        f"Accepted {counts['accept']}, rejected {counts['reject']}, recoded "
        f"{counts['recode']}, skipped {counts['skip']}, undone {counts['undo']}; "
        f"{remaining} still pending in this queue."
    )
