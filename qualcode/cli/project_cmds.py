"""init, upgrade, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qualcode.cli.common import JsonOpt, console, emit_json, project_session, state


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("upgrade")(upgrade)
    app.command("stats")(stats)


def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created if needed).")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="SQLite file name in the folder, or a database URL (PostgreSQL...)."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder's).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a project: a folder with qualcode.toml and, by default, a SQLite database."""
    from qualcode.services.project import init_project

    result = init_project(folder, db=db, name=name)
    if json_out:
        emit_json(
            {
                "folder": str(result.folder),
                "project_file": str(result.project_file),
                "database": result.url,
                "schema": result.revision,
            }
        )
        return
    console.print(
        f"Created project in {result.folder} (database {result.url}, schema {result.revision})."
    )
    console.print("Next: qualcode codebook load FILE; qualcode import FILES...")


def upgrade(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Upgrade an older project's database to this version's schema (backs it up first)."""
    from qualcode.services.project import upgrade_project

    result = upgrade_project(state(ctx).location().url)
    if json_out:
        emit_json(result)
        return
    if result.from_revision == result.to_revision:
        console.print(f"Already up to date (schema {result.to_revision}).")
        return
    console.print(f"Upgraded schema {result.from_revision} -> {result.to_revision}.")
    if result.backup:
        console.print(f"Backup of the old database: {result.backup}")


def stats(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Counts of cases, documents, words, codes and codings."""
    from qualcode.services.inspect import project_stats

    with project_session(ctx) as session:
        data = project_stats(session)
    if json_out:
        emit_json(data)
        return
    summary = Table(title="Project", show_header=False)
    for key in (
        "cases",
        "documents",
        "words",
        "turns",
        "dimensions",
        "codes",
        "retired_codes",
        "codings",
        "coders",
        "events",
    ):
        summary.add_row(key.replace("_", " "), f"{data[key]:,}")
    console.print(summary)
    if data["codings_by_dimension"]:
        dims = Table(title="Codings by dimension")
        dims.add_column("dimension")
        dims.add_column("codings", justify="right")
        for dim, n in sorted(data["codings_by_dimension"].items()):
            dims.add_row(dim, str(n))
        console.print(dims)
    if data["document_list"]:
        docs = Table(title="Documents")
        for col in ("document", "case", "words", "turns", "codings"):
            docs.add_column(
                col, justify="right" if col in ("words", "turns", "codings") else "left"
            )
        for d in data["document_list"]:
            docs.add_row(
                d["name"], d["case"] or "-", f"{d['words']:,}", str(d["turns"]), str(d["codings"])
            )
        console.print(docs)
