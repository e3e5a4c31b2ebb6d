"""codebook validate | load | show."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from rich.tree import Tree

from qualcode.cli.common import (
    CoderOpt,
    JsonOpt,
    YesOpt,
    backup_before,
    coder_name,
    confirm,
    console,
    emit_json,
    err,
    project_session,
)
from qualcode.errors import QualcodeError

app = typer.Typer(help="Check, load and show the codebook.", no_args_is_help=True)
CodebookArg = Annotated[
    Path, typer.Argument(help="A codebook YAML file (see codebooks/README.md).")
]


@app.command("validate")
def validate(path: CodebookArg, json_out: JsonOpt = False) -> None:
    """List every problem in a codebook file, with line numbers. Touches nothing."""
    from qualcode.services.codebook import validate_codebook

    result = validate_codebook(path)
    if json_out:
        emit_json(
            {
                "path": result.path,
                "ok": result.ok,
                "codes": len(result.codebook.codes) if result.codebook else None,
                "problems": [
                    {"line": p.line, "code": p.key, "message": p.message} for p in result.problems
                ],
                "warnings": [
                    {"line": w.line, "code": w.key, "message": w.message}
                    for w in (result.codebook.warnings if result.codebook else ())
                ],
            }
        )
    elif result.ok:
        assert result.codebook is not None
        cb = result.codebook
        dims = sum(c.is_dimension for c in cb.codes)
        patterns = sum(len(c.patterns) for c in cb.codes)
        console.print(
            f"{path}: valid. {dims} dimensions, {len(cb.codes) - dims} codes, "
            f"{patterns} patterns, languages: {', '.join(cb.languages) or '-'}."
        )
        for w in cb.warnings:
            typer.echo(f"warning: {w.one_line(str(path))}")  # one unwrapped line each
    else:
        for problem in result.problems:
            err(problem.one_line(str(path)))
        err(f"{len(result.problems)} problem(s) in {path}; nothing was loaded.")
    if not result.ok:
        raise typer.Exit(1)


@app.command("load")
def load(
    ctx: typer.Context,
    path: CodebookArg,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Sync the project's codes with a codebook file and print what changed.

    A code gone from the file is retired if it has codings (never deleted), else removed.
    Retiring coded codes is asked first on a terminal (--yes in scripts), after a backup;
    --dry-run shows the changes and keeps none."""
    from qualcode.services.codebook import load_codebook

    with project_session(ctx) as session:
        result = load_codebook(session, path, actor=coder_name(coder))
        if dry_run:
            session.rollback()
        elif result.retired:
            if not json_out:
                typer.echo(f"This load would retire {len(result.retired)} code(s) that have "
                           f"codings: {', '.join(result.retired)}")
            confirm(f"Retire {len(result.retired)} coded code(s) missing from {path}?", yes)
            backup_before(ctx, "codebook-load")
    if json_out:
        emit_json({**dataclasses.asdict(result), "dry_run": dry_run} if dry_run else result)
        return
    if dry_run:
        console.print(f"Dry run: loading {path} would change this (nothing was changed).")
    else:
        console.print(f"Loaded {path} (version {result.version}).")
    for old, new in result.renamed.items():
        console.print(f"renamed: {old} -> {new} (renamed_from; its codings moved with it)",
                      markup=False)
    for label, keys, style in (
        ("added", result.added, "green"),
        ("changed", list(result.changed), "yellow"),
        ("restored", result.restored, "cyan"),
        ("retired", result.retired, "magenta"),
        ("removed", result.removed, "red"),
    ):
        if keys:
            console.print(
                f"[{style}]{label} ({len(keys)})[/{style}]: "
                + ", ".join(
                    f"{k} [{', '.join(result.changed[k])}]" if label == "changed" else k
                    for k in keys
                )
            )
    console.print(f"unchanged: {result.unchanged}")
    for line in result.warnings:
        typer.echo(f"warning: {line}")  # one unwrapped line each


@app.command("show")
def show(
    ctx: typer.Context,
    all_codes: Annotated[bool, typer.Option("--all", help="Include retired codes.")] = False,
    definitions: Annotated[
        bool, typer.Option("--definitions", "-d", help="Show each code's definition.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """The code tree with coding counts (direct / including codes below)."""
    from qualcode.services.codebook import code_tree

    with project_session(ctx, write=False) as session:
        nodes = code_tree(session, include_retired=all_codes)
    if json_out:
        emit_json(nodes)
        return
    if not nodes:
        console.print("No codebook loaded yet: run `qualcode codebook load FILE`.")
        return
    root = Tree("codebook", guide_style="dim")
    stack: list[Tree] = [root]
    for node in nodes:
        del stack[node.depth + 1 :]
        label = Text()
        label.append("■ ", style=node.colour or "white")
        label.append(
            node.key.rsplit(".", 1)[-1] if not node.is_dimension else node.key.upper(),
            style="bold" if node.is_dimension else "",
        )
        label.append(f"  {node.name}", style="dim")
        counts = (
            f"  {node.codings}"
            if node.total == node.codings
            else f"  {node.codings} / {node.total}"
        )
        label.append(counts, style="cyan")
        if node.retired:
            label.append("  (retired)", style="magenta")
        if definitions and node.definition:
            label.append(f"\n{node.definition}", style="italic dim")
        stack.append(stack[-1].add(label))
    console.print(root)


@app.command("export")
def export(ctx: typer.Context,
           output: Annotated[Path | None, typer.Option(
               "-o", "--output", help="Write to this file (default: print).")] = None,
           json_out: JsonOpt = False) -> None:
    """The project's codebook as YAML (retired codes left out), e.g. after a REFI-QDA import."""
    from qualcode.services.codebook import export_codebook_yaml

    with project_session(ctx, write=False) as session:
        text = export_codebook_yaml(session)
    if output is not None:
        from qualcode.formats.atomic import write_atomically

        try:
            write_atomically(output, text.encode("utf-8"))
        except OSError as exc:
            raise QualcodeError(f"cannot write: {exc.strerror}", where=str(output)) from exc
    if json_out:
        emit_json({"path": str(output) if output else None, "yaml": text})
    elif output is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"Wrote the codebook to {output}.")
