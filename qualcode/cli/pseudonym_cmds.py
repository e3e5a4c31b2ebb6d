"""pseudonyms propose | add | list: the key of real names -> pseudonyms that exports use with
--pseudonymise. Mounted as `qualcode pseudonyms`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode import config
from qualcode.cli.common import JsonOpt, console, emit_json, project_session, state
from qualcode.cli.export_guard import KeyOpt
from qualcode.cli.listing import emit_rows

app = typer.Typer(
    help="The pseudonym key: firms, people and places -> pseudonyms, for --pseudonymise on "
    "exports. The key holds the real names: keep it out of exports and deposits.",
    no_args_is_help=True,
)


def _key(ctx: typer.Context, key: Path | None) -> Path:
    return config.pseudonym_key_path(state(ctx).location().folder, key)


@app.command("list")
def list_(ctx: typer.Context, key: KeyOpt = None, json_out: JsonOpt = False) -> None:
    """The key's entries: kind, original name, pseudonym."""
    from qualcode.formats.pseudonym_key import read_key

    path = _key(ctx, key)
    entries = read_key(path)
    if json_out:
        emit_json({"key": str(path), "entries": [
            {"kind": e.kind, "original": e.original, "pseudonym": e.pseudonym, "line": e.line}
            for e in entries]})
        return
    emit_rows(("kind", "original", "pseudonym"),
              ((e.kind, e.original, e.pseudonym) for e in entries), no_pager=True,
              title=f"Pseudonym key {path}", empty=f"The key {path} has no names yet.")


@app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="firms, people or places.")],
    name: Annotated[str, typer.Argument(help="The real name, as it is written.")],
    pseudonym: Annotated[str | None, typer.Argument(
        help="Its pseudonym (default: the next free Firm N, Person N or Place N).")] = None,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a name to the key. Add each form a name takes (德赛电池, Desay, Desay Battery) with
    the same pseudonym; the longest is replaced first."""
    from qualcode.services.pseudonyms import add as add_entry

    path = _key(ctx, key)
    entry = add_entry(path, kind, name, pseudonym)
    if json_out:
        emit_json({"key": str(path), "kind": entry.kind, "original": entry.original,
                   "pseudonym": entry.pseudonym})
        return
    console.print(f"{entry.kind}: {entry.original} -> {entry.pseudonym} (in {path})",
                  markup=False)


@app.command("propose")
def propose(
    ctx: typer.Context,
    key: KeyOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Names that may identify someone and are not in the key: case names, front matter, speaker
    labels, and names found by rules in the texts (capitalised names, Chinese company names
    ending in 有限公司/集团/科技, surnames with titles such as 王总 or 李经理, zones such as
    仲恺高新区, and China's provinces and main battery-industry cities named bare, 惠州 or
    Huizhou). It proposes; you decide with `pseudonyms add`."""
    from qualcode.formats.pseudonym_key import read_key
    from qualcode.services.pseudonyms import propose as propose_names

    entries = read_key(_key(ctx, key))
    with project_session(ctx, write=False) as session:
        found = propose_names(session, entries)
    if limit is not None:
        found = found[:limit]
    if json_out:
        emit_json([{"name": c.name, "kind": c.kind, "count": c.count, "sources": c.sources}
                   for c in found])
        return
    emit_rows(("kind", "name", "count", "found in"),
              ((c.kind or "?", c.name, str(c.count), ", ".join(c.sources)) for c in found),
              no_pager=True, title="Candidates for the pseudonym key",
              empty="No candidates: every name found is in the key.")
