"""log, undo, redo: the event history read back and reversed."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, emit_json, project_session
from qualcode.cli.listing import NoPagerOpt, emit_rows

AnyOpt = Annotated[bool, typer.Option("--any", help="Also another coder's work.")]


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.command("undo")(undo)
    app.command("redo")(redo)


def log(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this coder's events.")
                     ] = None,
    kind: Annotated[str | None, typer.Option(
        "--kind", help="An action (coding.add) or a kind of thing (coding, memo, document).")
    ] = None,
    document: Annotated[str | None, typer.Option(
        "--document", help="Only events of this document (also one since removed).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="From this date or time on (2026-12-01, 2026-12-01T14:00).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 50,
    no_pager: NoPagerOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """The event history, newest first: who changed what, when; undone events are marked."""
    from qualcode.services.history import log as read_log

    with project_session(ctx, write=False) as session:
        entries = read_log(session, actor=actor, kind=kind, document=document, since=since,
                           limit=limit or None)
    if json_out:
        emit_json(entries)
        return
    emit_rows(("event", "at", "actor", "action", "document", "what", "state"),
              ((str(e.id), e.at[:19].replace("T", " "), e.actor, e.action, e.document or "",
                e.summary, "undone" if e.undone else "redone" if e.redone else "")
               for e in entries),
              no_pager=no_pager, title="Events, newest first", empty="No events match.")


def undo(
    ctx: typer.Context,
    count: Annotated[int, typer.Argument(help="How many of your latest changes to undo.")] = 1,
    event: Annotated[int | None, typer.Option("--event", help="Undo this event (see `log`).")
                     ] = None,
    any_actor: AnyOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Undo your latest change(s): codings, review decisions, memos, documents, cases, codes.

    Only your own work unless --any. A change that later work depends on is refused with the
    reason (undo that work first); all or nothing."""
    from qualcode.services.history import undo as run

    with project_session(ctx) as session:
        done = run(session, actor=coder_name(coder), count=count, any_actor=any_actor,
                   event_id=event)
    _report(done, "Undid", json_out)


def redo(
    ctx: typer.Context,
    count: Annotated[int, typer.Argument(help="How many undone changes to redo.")] = 1,
    any_actor: AnyOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Redo what `undo` reversed, latest first (your own undos unless --any)."""
    from qualcode.services.history import redo as run

    with project_session(ctx) as session:
        done = run(session, actor=coder_name(coder), count=count, any_actor=any_actor)
    _report(done, "Redid", json_out)


def _report(done, verb: str, json_out: bool) -> None:
    if json_out:
        emit_json(done)
        return
    for r in done:  # plain lines: never wrapped
        typer.echo(f"{verb} event {r.reversed_event} ({r.action} {r.summary}) as event "
                   f"{r.event_id}.")
