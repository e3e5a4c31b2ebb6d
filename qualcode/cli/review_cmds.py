"""review: the keyboard-driven queue of suggestions; each decision is saved as it is made."""

from __future__ import annotations

import sys

import click
import typer
from rich.panel import Panel
from rich.text import Text

from qualcode.cli.common import BlindOpt, CoderOpt, coder_name, console, project_session
from qualcode.cli.suggest_cmds import CaseOpt, CodeOpt, DimensionOpt, DocOpt, MinScoreOpt
from qualcode.cli.wrapping import Wrapped
from qualcode.errors import QualcodeError


def register(app: typer.Typer) -> None:
    app.command("review")(review)


def _render(view, span: tuple[int, int], position: str) -> None:
    if console.is_terminal:  # one suggestion per screen; pipes and logs keep the history
        console.clear()
    row = view.row
    body = Text(view.turn_text)
    s, e = span[0] - view.turn_start, span[1] - view.turn_start
    body.stylize("bold underline", max(0, s), min(len(view.turn_text), e))
    for ev in row.evidence:
        if "start" in ev and "end" in ev:
            body.stylize(
                f"black on {view.colour or 'yellow'}",
                ev["start"] - view.turn_start,
                ev["end"] - view.turn_start,
            )
    # Turn and speaker first: a long document name is what the frame may cut.
    title = (
        f"{position} · turn {view.turn_number} ({view.speaker or '?'}) · {row.case or '-'} · "
        f"{row.document}"
    )
    console.print(Panel(Wrapped(body), title=title, title_align="left"))
    info = Text()
    info.append(f"{row.code}", style="bold")
    local = view.translation
    name = f"{local['name']} ({view.code_name})" if local.get("name") else view.code_name
    info.append(f"  {name}   score {row.score:.2f} ({row.method}, {row.unit})\n")
    info.append("Definition: ", style="bold")
    if local.get("definition"):  # the document's language first, the codebook's below
        info.append(local["definition"] + "\n")
        info.append(view.definition + "\n", style="dim")
    else:
        info.append(view.definition + "\n")
    for label, rules, style in (("Include", view.include, "green"),
                                ("Exclude", view.exclude, "red")):
        if rules:
            info.append(f"{label}:\n", style=style)
            for rule in rules:
                info.append(f"  \u2022 {rule}\n")
    why = [
        f"\u201c{ev.get('text', '')}\u201d ({ev.get('kind')}, {ev.get('rule', '')})"
        if ev.get("kind") != "learned"
        else f"learned p={ev.get('probability', 0):.2f}"
        for ev in row.evidence
    ]
    info.append("Evidence: ", style="bold")
    info.append(", ".join(why) or "-")
    console.print(Wrapped(info))
    console.print(
        Text("[a]ccept  [r]eject  re[c]ode  [w]iden  [s]kip  [u]ndo  [q]uit", style="cyan")
    )


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
    while i < len(ids):
        sid = ids[i]
        with project_session(ctx, write=False) as session:
            view = svc.view(session, sid)
        if view.row.status != "pending":
            i += 1
            span = None
            continue
        span = span or (view.row.start, view.row.end)
        _render(view, span, f"{i + 1}/{len(ids)}")
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
                i, span = i + 1, None
            elif key == "w":
                with project_session(ctx) as session:
                    span = svc.widen(session, sid, span)
            elif key == "s":
                counts["skip"] += 1
                i, span = i + 1, None
            elif key == "u":
                if not history:
                    message = "Nothing to undo."
                    continue
                i, span = history.pop(), None
                with project_session(ctx) as session:
                    svc.undo(session, ids[i], coder=who)
                counts["undo"] += 1
            elif key == "q":
                break
            else:
                message = f"Unknown key {key!r}: a r c w s u q."
        except QualcodeError as exc:
            message = exc.one_line()
    remaining = len(ids) - sum(counts[k] for k in ("accept", "reject", "recode")) + counts["undo"]
    console.print(
        f"Accepted {counts['accept']}, rejected {counts['reject']}, recoded "
        f"{counts['recode']}, skipped {counts['skip']}, undone {counts['undo']}; "
        f"{remaining} still pending in this queue."
    )
