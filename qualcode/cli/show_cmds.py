"""show: a transcript with its speaker turns and coded spans highlighted in the codes' colours."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.color import Color, ColorParseError
from rich.style import Style
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import (
    BlindOpt,
    JsonOpt,
    ViewerOpt,
    coder_filter,
    coder_name,
    console,
    emit_json,
    project_session,
)
from qualcode.cli.wrapping import Wrapped, soft_breaks
from qualcode.errors import QualcodeError


def register(app: typer.Typer) -> None:
    app.command("show")(show)


def _style(colour: str | None) -> Style:
    try:
        bg = Color.parse(colour or "#cccccc")
    except ColorParseError:
        bg = Color.parse("#cccccc")
    r, g, b = bg.get_truecolor()
    # Dark text on light colours and vice versa, so highlighted words stay readable.
    fg = "black" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "white"
    return Style(bgcolor=bg, color=fg)


def show(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(help="Document name, e.g. interview-03.")],
    by: Annotated[str | None, typer.Option("--by", help="Only this coder's codings.")] = None,
    turns: Annotated[
        str | None, typer.Option("--turns", help="Only these turns, e.g. 5-12.")
    ] = None,
    at: Annotated[
        int | None,
        typer.Option("--at", help="Only the turn holding this offset (a link from "
                     "`agreement --disagreements`, `search`...)."),
    ] = None,
    blind: BlindOpt = False,
    coder: ViewerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a transcript turn by turn, coded spans highlighted, code names beside them."""
    from qualcode.services.inspect import document_view, turn_at

    if at is not None and turns:
        raise QualcodeError("give --at or --turns, not both")
    with project_session(ctx, write=False) as session:
        keep, blind_for = coder_filter(ctx, by, coder, blind)
        view = document_view(session, document, coder=keep, blind_for=blind_for)
        if at is not None:
            number = turn_at(session, document, at)
            turns = str(number)
    if json_out:
        emit_json(view)
        return
    lo, hi = _turn_range(turns)
    head = f"{view.name}" + (f" · {view.case}" if view.case else "")
    meta = ", ".join(x for x in (view.interviewee_role, view.date, view.place) if x)
    console.print(Text(head, style="bold"))
    if meta:
        console.print(Text(meta, style="dim"))
    if view.synthetic:
        console.print(
            Text("SYNTHETIC, illustrative interview (not a real record).", style="yellow")
        )
    table = Table(show_header=False, box=None, padding=(0, 1), expand=True)
    table.add_column("turn", style="dim", no_wrap=True, width=4, justify="right")
    table.add_column("text", ratio=1)
    # Below 80 columns a codes column would leave the text a few words a line and still fold
    # long keys: the codes go under each turn instead.
    beside = console.width >= 80
    if beside:
        # Wide enough for the longest code key (up to two fifths of the screen): a key broken
        # mid-word ("value-chain-p / osition") cannot be read or copied; names, counts and
        # coders after it wrap at their spaces.
        longest = max((len(c.code) + 2 for c in view.codings), default=0)
        share = (console.width - 6) // 3  # the text column takes two thirds, as before
        table.add_column("codes", overflow="fold",
                         width=max(share, min(longest, console.width * 2 // 5)))
    if at is not None:
        console.print(Text(f"Offset {at} is in turn {lo} (all turns: drop --at).", style="dim"))
    if blind:
        console.print(Text(f"Blind: only {coder_name(coder)}'s codings are shown.", style="dim"))
    display = soft_breaks(view.text)  # a hard-wrapped transcript reflows to the terminal
    for turn in view.turns:
        if not lo <= turn.number <= hi:
            continue
        inside = [c for c in view.codings if c.start < turn.end and c.end > turn.start]
        body = Text()
        speaker = turn.speaker or "(no speaker)"
        body.append(
            f"{speaker}" + (f" [{turn.time}]" if turn.time else "") + "\n",
            style="bold cyan" if turn.role == "interviewer" else "bold",
        )
        segment = Text(display[turn.start : turn.end])
        for c in inside:
            segment.stylize(
                _style(view.colours.get(c.code)),
                max(c.start, turn.start) - turn.start,
                min(c.end, turn.end) - turn.start,
            )
        body.append_text(segment)
        codes = Text()
        # One line per code and coder in this turn, however many spans they coded in it.
        grouped: dict[tuple[str, str], list] = {}
        for c in inside:
            grouped.setdefault((c.code, c.coder), []).append(c)
        for (code, coder), items in grouped.items():
            codes.append("\u25a0 ", style=Style(color=_style(view.colours.get(code)).bgcolor))
            times = f" \u00d7{len(items)}" if len(items) > 1 else ""
            star = " \u2605" if any(c.key for c in items) else ""
            local = view.translated_names.get(code)
            codes.append(f"{code}{f' {local}' if local else ''}{times}{star} ({coder})\n")
        # Wrapped breaks Chinese text between characters; Rich alone would cut it with "…".
        if beside:
            table.add_row(str(turn.number), Wrapped(body), codes)
            table.add_row("", "", "")
        else:
            table.add_row(str(turn.number), Wrapped(body))
            if codes:
                codes.rstrip()
                table.add_row("", codes)
            table.add_row("", "")
    console.print(table)
    console.print(
        Text(
            f"{len(view.turns)} turns, {len(view.codings)} codings. Offsets: Unicode "
            "code points, end exclusive.",
            style="dim",
        )
    )


def _turn_range(spec: str | None) -> tuple[int, int]:
    if not spec:
        return 1, 10**9
    first, _, last = spec.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError as exc:
        raise QualcodeError(f"--turns {spec!r} is not N or N-M") from exc
