"""consensus take | agreed: a reconciled coding recorded as a coder of its own."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli.coding_cmds import parse_span
from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session

app = typer.Typer(
    help="Record a reconciled coding as the coder `consensus` (after `agreement "
    "--disagreements`). A new version nobody proposed: `code add ... --coder consensus`.",
    no_args_is_help=True,
)
IntoOpt = Annotated[
    str, typer.Option("--into", help="The coder the consensus is written to.")
]


def _report(change, json_out: bool, what: str) -> None:
    if json_out:
        emit_json(change)
        return
    console.print(f"{what}: {len(change.added)} coding(s) added to {change.into}"
                  + (f", {len(change.removed)} replaced" if change.removed else "")
                  + (f", {change.already} already there" if change.already else "") + ".")
    for row in change.added:
        console.print(f"  + {row.code} {row.document} {row.start}:{row.end}")
    for row in change.removed:
        console.print(f"  - {row.code} {row.document} {row.start}:{row.end}")


@app.command("take")
def take(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The coder whose version to take.")],
    document: Annotated[str, typer.Argument(help="Document name.")],
    at: Annotated[int | None, typer.Option(
        "--at", help="The passage: the respondent sentence (or turn) holding this offset.")] = None,
    span: Annotated[str | None, typer.Option(
        "--span", help="The passage as START:END offsets instead.")] = None,
    unit: Annotated[str, typer.Option("--unit", help="sentence or turn, for --at.")] = "sentence",
    code: Annotated[str | None, typer.Option(
        "--code", help="Only this code and the codes below it.")] = None,
    into: IntoOpt = "consensus",
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """At one passage, make the consensus SOURCE's version (what it had there is replaced)."""
    from qualcode.services.consensus import take as run

    with project_session(ctx) as session:
        change = run(session, source, document, actor=coder_name(coder), at=at,
                     span=parse_span(span), unit=unit, code=code, into=into)
    _report(change, json_out, f"{document} {change.start}:{change.end}, {source}'s version")


@app.command("agreed")
def agreed(
    ctx: typer.Context,
    coders: Annotated[list[str], typer.Argument(help="Two or more coders; the first one's "
                                                "spans are copied.")],
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="Only these documents (repeatable).")] = None,
    exact: Annotated[bool, typer.Option(
        "--exact", help="Only codings on exactly the same span, not merely overlapping.")] = False,
    into: IntoOpt = "consensus",
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy into the consensus every coding all the coders agree on (same code, overlapping)."""
    from qualcode.services.consensus import agreed as run

    with project_session(ctx) as session:
        change = run(session, coders, actor=coder_name(coder), documents=document, exact=exact,
                     into=into)
    _report(change, json_out, f"Where {', '.join(coders)} agree")
