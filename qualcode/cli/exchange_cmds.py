"""refi export | import | inspect: REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette and qc. Mounted as `qualcode refi`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session
from qualcode.cli.export_guard import Export, KeyOpt, ManifestOpt, PseudonymiseOpt

app = typer.Typer(
    help="Exchange projects (.qdpx) and codebooks (.qdc) with NVivo, ATLAS.ti, MAXQDA, "
    "QualCoder and Taguette (the REFI-QDA standard).",
    no_args_is_help=True,
)


@app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write: NAME.qdpx, or NAME.qdc.")
    ],
    codebook: Annotated[
        bool, typer.Option("--codebook", help="Write the codebook alone (.qdc).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    manifest: ManifestOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the project as a .qdpx (coders, code tree, cases and their attributes, documents,
    every coding, memos and summaries as notes), or with --codebook the codes alone as a .qdc.
    Code patterns, key quotes, coding origins, summaries and suggestions also travel in
    qualcode/extension.json inside the .qdpx, which other programs ignore.

    Positions are Unicode code points from 0, end exclusive, over the UTF-8 text (no BOM, LF)."""
    from qualcode.services.refi_export import export_codebook, export_project

    ex = Export(ctx, pseudonymise=pseudonymise, key=key, manifest=manifest)
    with project_session(ctx, write=False) as session:
        ex.prepare_manifest(session)
        if codebook:
            result = export_codebook(session, output, overwrite=force,
                                     pseudonymiser=ex.pseudonymiser)
        else:
            result = export_project(session, output, overwrite=force,
                                    pseudonymiser=ex.pseudonymiser)
    ex.finish()
    if json_out:
        emit_json(result)
        return
    retired = f" ({result.retired_codes} retired, isCodable=false)" if result.retired_codes else ""
    if result.kind == "codebook":
        console.print(f"Wrote {escape(result.path)}: {result.codes} codes{retired}.")
    else:
        console.print(
            f"Wrote {escape(result.path)}: {result.codes} codes{retired}, {result.users} users, "
            f"{result.cases} cases, {result.variables} variables, {result.sources} sources, "
            f"{result.selections} selections, {result.codings} codings, {result.notes} notes."
        )
        console.print(
            f"  qualcode/extension.json: patterns of {result.patterns} codes, "
            f"{result.key_quotes} key quotes, {result.summaries} summaries, "
            f"{result.suggestions} suggestions, {result.judged} judged sentences; "
            f"{result.memos} memos also as notes."
        )
        console.print(f"Positions: {result.positions}.", style="dim")
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .qdc codebook, or a .qdpx / .qde project.")],
    coder_prefix: Annotated[
        str | None,
        typer.Option(
            "--coder-prefix",
            help="Put this before every imported coder's name, e.g. 'nvivo-' gives "
            "'nvivo-alice', so imported codings stay apart from the project's own coders.",
        ),
    ] = None,
    merge: Annotated[
        bool,
        typer.Option(
            "--merge",
            help="Codes already in the project (same GUID or key) are kept as they are; only "
            "new codes are added. Without it such a file is refused.",
        ),
    ] = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a REFI-QDA codebook or project. One transaction: if anything fails, nothing is
    written. Top-level codes become dimensions; sources become documents, cases keep their
    variables, and codings arrive with origin "imported" (a qualcode export brings back its
    origins, key quotes, patterns, summaries and suggestions). What cannot be imported (PDF,
    images, media, files outside the archive) is listed as skipped."""
    from qualcode.services.refi_import import import_refi

    with project_session(ctx) as session:
        report = import_refi(
            session, path, actor=coder_name(coder), coder_prefix=coder_prefix, merge=merge
        )
    if json_out:
        emit_json(report)
        return
    what = "codebook" if report.kind == "codebook" else f"project ({report.container})"
    console.print(
        f"Imported {escape(Path(report.path).name)}, a {what} from "
        f"{escape(report.origin or 'an unnamed program')}:"
        f" {len(report.codes_added)} codes added ({report.dimensions_added} dimensions, "
        f"{report.codes_below_dimensions} codes below them, {report.retired_added} retired), "
        f"{len(report.codes_matched)} already present (kept)."
    )
    changed = [m for m in report.codes_matched if m["differs"]]
    if changed:
        console.print(
            f"  {len(changed)} present code(s) differ in the file ("
            + ", ".join(escape(f"{m['key']}: {'/'.join(m['differs'])}") for m in changed[:5])
            + ("..." if len(changed) > 5 else "")
            + "); the project's versions were kept."
        )
    if report.kind == "project":
        console.print(
            f"  {sum(d.status == 'imported' for d in report.documents)} documents, "
            f"{len(report.cases_added)} cases added ({len(report.cases_matched)} present), "
            f"{report.values_set} attribute values, {report.codings_added} codings added "
            f"({report.codings_unchanged} already present) by "
            f"{escape(', '.join(report.coders) or 'nobody')}."
        )
        extras = [(report.patterns_set, "codes' patterns"), (report.key_quotes, "key quotes"),
                  (len(report.summaries_added), "summaries"),
                  (report.suggestions_added, "suggestions"),
                  (report.judged_added, "judged sentences"), (report.memos_added, "memos")]
        if any(n for n, _what in extras):
            console.print("  Also " + ", ".join(f"{n} {what}" for n, what in extras) + ".")
        if report.summaries_kept:
            console.print(escape("  The project's own summary was kept for: "
                                 + "; ".join(report.summaries_kept)), style="yellow")
    if report.documents:
        table = Table(title="Documents")
        for col in ("document", "case", "status", "codings", "positions read as"):
            table.add_column(col, overflow="fold")
        for d in report.documents:
            table.add_row(
                escape(d.document), escape(d.case or "-"), d.status, str(d.codings),
                escape(d.positions_short),
            )
        console.print(table)
        for d in report.documents:
            if d.conventions_differ:
                console.print(escape(f"  {d.document}: positions read as {d.positions}"),
                              style="dim")
    for line in report.skipped:
        console.print(f"[yellow]skipped[/yellow] {escape(line)}")
    for warning in report.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}")


@app.command("inspect")
def inspect(
    path: Annotated[Path, typer.Argument(help="A .qdc, .qde or .qdpx file.")],
    json_out: JsonOpt = False,
) -> None:
    """What a REFI-QDA file holds and how an import would read it (positions, what would be
    skipped). Needs no project and changes nothing."""
    from qualcode.services.refi_import import inspect_file

    refi = inspect_file(path)
    project = refi.project
    summary = {
        "path": str(path),
        "container": refi.container,
        "kind": refi.kind,
        "origin": refi.origin,
        "codes": refi.code_count,
        "users": len(project.users) if project else 0,
        "cases": len(project.cases) if project else 0,
        "variables": len(project.variables) if project else 0,
        "sources": len(project.sources) if project else 0,
        "text_sources_readable": len(refi.texts),
        "sources_detail": [
            {
                "member": t.member,
                "characters": len(t.text),
                "positions": t.detection.describe(),
                "convention": t.detection.convention.key,
            }
            for t in refi.texts.values()
        ],
        "skipped": [s.line() for s in refi.skipped],
        "warnings": refi.warnings,
    }
    if json_out:
        emit_json(summary)
        return
    console.print(
        f"{escape(str(path))}: a {refi.kind} ({refi.container}) from "
        f"{escape(refi.origin or 'an unnamed program')}: "
        f"{summary['codes']} codes, {summary['users']} users, {summary['cases']} cases, "
        f"{summary['variables']} variables, {summary['sources']} sources "
        f"({summary['text_sources_readable']} readable texts)."
    )
    for detail in summary["sources_detail"]:
        console.print(escape(f"  {detail['member']}: {detail['characters']:,} characters; "
                             f"positions read as {detail['positions']}"))
    for line in summary["skipped"]:
        console.print(f"[yellow]would skip[/yellow] {escape(line)}")
    for warning in refi.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(warning)}")
