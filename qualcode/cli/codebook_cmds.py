"""codebook validate | load | show | export | mine."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table
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
    state,
)
from qualcode.cli.wrapping import bullets
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
    code: Annotated[str | None, typer.Argument(
        help="Only this code (or dimension) and the codes below it, each with its definition, "
             "include and exclude rules and examples.")] = None,
    all_codes: Annotated[bool, typer.Option("--all", help="Include retired codes.")] = False,
    definitions: Annotated[
        bool, typer.Option("--definitions", "-d", help="Show each code's definition.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """The code tree with coding counts (direct / including codes below); `codebook show CODE`
    shows one code's branch with its rules and examples."""
    from qualcode.services.codebook import code_tree

    with project_session(ctx, write=False) as session:
        nodes = code_tree(session, include_retired=all_codes, under=code)
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
        if (definitions or code) and node.definition:
            label.append(f"\n{node.definition}", style="italic dim")
        parts: list = [label]
        if code:  # one branch asked for: its rules and examples too
            for title, items, style in (("include", node.include, "green"),
                                        ("exclude", node.exclude, "red"),
                                        ("examples", node.examples, "bold")):
                if items:
                    parts += [Text(f"{title}:", style=style), bullets(items)]
        stack.append(stack[-1].add(Group(*parts) if len(parts) > 1 else label))
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


@app.command("mine")
def mine(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(
        help="The code (or dimension) to mine, e.g. policy.subsidies.")],
    by: Annotated[str | None, typer.Option(
        "--by", help="Only this coder's coding (default: every human coding).")] = None,
    documents: Annotated[list[str] | None, typer.Option(
        "--document", "-d", help="Only these documents (repeat the option).")] = None,
    top: Annotated[int, typer.Option("--top", help="List at most this many terms.")] = 30,
    min_count: Annotated[int, typer.Option(
        "--min-count", help="A term must occur this often in the coded sentences.")] = 2,
    min_z: Annotated[float, typer.Option(
        "--min-z", help="List terms whose z-score is at least this (1.96: p < 0.05, two-sided); "
        "lower it for a code with few coded sentences.")] = 1.96,
    add: Annotated[int | None, typer.Option(
        "--add", help="Write the first N listed terms not yet in the codebook as a lemma rule "
        "of the code (shows the diff and asks first).")] = None,
    picks: Annotated[list[str] | None, typer.Option(
        "--pick", help="Write this listed term (its rank or text) as well; repeat the option.")
    ] = None,
    codebook: Annotated[Path | None, typer.Option(
        "--codebook", help="The codebook file to write (default: the one the project loaded).")
    ] = None,
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Words and 1-3-word phrases (as lemmas) that mark the passages coded CODE against the rest
    of the respondents' text: weighted log-odds with an informative Dirichlet prior (Monroe et
    al. 2008) as a z-score, with counts and an example each. --add/--pick write them to the
    codebook file as a lemma rule, keeping its comments and layout."""
    from qualcode.services import mining

    with project_session(ctx) as session:
        report = mining.mine(session, code, coder=by, documents=documents, limit=top,
                             min_count=min_count, min_z=min_z)
        plan = None
        if add is not None or picks:
            values = mining.choose(report, add, picks or [])
            plan = mining.plan_patterns(session, report.code, values, codebook,
                                        state(ctx).location().folder)
            if not json_out:
                _print_mined(report)
                typer.echo(plan.diff, nl=False)
            confirm(f"Add {len(values)} lemma pattern(s) to {report.code} in {plan.path}?", yes)
            mining.apply_patterns(session, plan, actor=coder_name(coder))
    if json_out:
        emit_json({**dataclasses.asdict(report),
                   "added": None if plan is None else {"path": plan.path, "values": plan.values,
                                                       "diff": plan.diff}})
        return
    if plan is None:
        _print_mined(report)
        return
    console.print(f"Added lemma: [{', '.join(plan.values)}] to {report.code} in {plan.path} "
                  "and loaded it; run `qualcode suggest` to use it.", markup=False)


def _print_mined(report) -> None:
    console.print(
        f"{report.code}: {report.coded_sentences} coded respondent sentences against "
        f"{report.other_sentences} others in {report.documents} documents; "
        f"{report.statistic}.", markup=False)
    if not report.terms:
        console.print("No term stands out (high enough z-score and enough occurrences); with "
                      "few coded sentences try a lower --min-z.")
        return
    table = Table(box=None)
    for col in ("#", "term", "z", "coded", "other", "", "example"):
        table.add_column(col, justify="right" if col in ("#", "z", "coded", "other") else "left",
                         overflow="fold")
    for t in report.terms:
        example = t.example if len(t.example) <= 90 else t.example[:87] + "..."
        table.add_row(str(t.rank), t.text, f"{t.z:.2f}", str(t.coded), str(t.other),
                      "in codebook" if t.in_codebook else "", example)
    console.print(table)
