"""import: transcripts into the project, all files or none."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)


def import_files(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders.")],
    speaker_regex: Annotated[
        str | None,
        typer.Option(
            "--speaker-regex",
            help="Regex for speaker labels at line starts, with a named group 'speaker'.",
        ),
    ] = None,
    interviewer: Annotated[
        list[str] | None,
        typer.Option("--interviewer", help="A speaker label that is the interviewer (repeatable)."),
    ] = None,
    case: Annotated[
        str | None,
        typer.Option(
            "--case", help="Case (firm) the documents belong to, overriding front matter."
        ),
    ] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import .txt, .md (with YAML front matter), .docx, .vtt and .srt transcripts.

    Every file is read and checked first; if one fails, nothing is written."""
    from qualcode.services.importing import import_transcripts

    with project_session(ctx) as session:
        report = import_transcripts(
            session,
            paths,
            actor=coder_name(coder),
            speaker_regex=speaker_regex,
            interviewer_labels=interviewer or (),
            case=case,
        )
    if json_out:
        emit_json(report.files)
        return
    table = Table(title=f"Imported {report.imported}, skipped {report.skipped} (unchanged)")
    for col in ("document", "case", "turns", "words", "language", "encoding", "status"):
        table.add_column(col, justify="right" if col in ("turns", "words") else "left",
                         overflow="fold")
    for f in report.files:
        enc = f.encoding + (" (detected)" if f.encoding_detected else "")
        # The file name only when it differs from the document name it became.
        name = f.document if Path(f.path).stem == f.document else f"{f.document} ({f.path})"
        language = f.language + (" (detected)" if f.language_detected else "")
        table.add_row(name, f.case or "-", str(f.turns), f"{f.words:,}", language, enc,
                      f.status)
    console.print(table)
    for f in report.files:
        if f.language_detected and f.language != "en":
            console.print(f"{f.document}: language detected as {f.language} "
                          f"({f.language_note})")
    for f in report.files:
        for warning in f.warnings:
            console.print(f"[yellow]warning[/yellow] {Path(f.path).name}: {warning}")
