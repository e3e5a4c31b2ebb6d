"""init, upgrade, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import JsonOpt, console, emit_json, project_session, state
from qualcode.cli.listing import NoPagerOpt, emit_rows


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("upgrade")(upgrade)
    app.command("stats")(stats)
    app.command("backup")(backup)
    app.command("restore")(restore)


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

    location = state(ctx).location()
    result = upgrade_project(location.url, location.folder)
    if json_out:
        emit_json(result)
        return
    if result.from_revision == result.to_revision:
        console.print(f"Already up to date (schema {result.to_revision}).")
        return
    console.print(f"Upgraded schema {result.from_revision} -> {result.to_revision}.")
    if result.backup:
        console.print(f"Backup of the old database: {result.backup}")


def backup(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The backup file (default: beside the database, or "
                     "in the project's backups/ folder)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Back the whole project up, consistently, while others keep working (SQLite: its online
    backup API; PostgreSQL: pg_dump, or a portable SQLite snapshot without it)."""
    from qualcode.services.project import backup_project

    location = state(ctx).location()
    result = backup_project(location.url, output, location.folder)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Backup written: {result.path} ({result.kind}, schema {result.revision}).")
    typer.echo(f"Restore with: qualcode restore {result.path} NEW_FOLDER")


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `qualcode backup`.")],
    folder: Annotated[Path, typer.Argument(help="Folder for the new project (created).")],
    db: Annotated[
        str | None,
        typer.Option("--db", help="The new project's database: a SQLite file name in the folder "
                     "(default qualcode.db) or an empty PostgreSQL database's URL."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder's).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Bring a backup back as a new project (never over an existing one)."""
    from qualcode.services.project import restore_project

    result = restore_project(file, folder, db=db, name=name)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Restored {file} into {result.folder} (database {result.url}, "
               f"schema {result.revision}).")


def stats(ctx: typer.Context, no_pager: NoPagerOpt = False, json_out: JsonOpt = False) -> None:
    """Counts of cases, documents, words, codes and codings."""
    from qualcode.services.inspect import project_stats

    with project_session(ctx, write=False) as session:
        data = project_stats(session)
    if json_out:
        emit_json(data)
        return
    keys = ("cases", "documents", "words", "turns", "dimensions", "codes", "retired_codes",
            "codings", "coders", "events")
    lines = ["Project"] + [f"  {k.replace('_', ' '):<14}{data[k]:>12,}" for k in keys]
    if data["codings_by_dimension"]:
        lines.append("Codings by dimension")
        lines += [f"  {dim:<24}{n:>10,}" for dim, n in data["codings_by_dimension"].items()]
    typer.echo("\n".join(lines))
    if data["document_list"]:
        typer.echo("Documents")
        emit_rows(("document", "case", "words", "turns", "codings"),
                  ((d["name"], d["case"] or "-", d["words"], d["turns"], d["codings"])
                   for d in data["document_list"]), no_pager=no_pager)
