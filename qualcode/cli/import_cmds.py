"""import: transcripts into the project, all files or none."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qualcode.cli.common import (
    CoderOpt,
    JsonOpt,
    coder_name,
    console,
    emit_json,
    err,
    project_session,
)


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
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Replace the text of documents already in the project with these revised files, "
            "moving their codings, suggestions and summaries to the new text.",
        ),
    ] = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import .txt, .md (with YAML front matter), .docx, .vtt and .srt transcripts.

    Every file is read and checked first; if one fails, nothing is written. A file whose document
    is already in the project with other text is refused unless --update is given."""
    from qualcode.services.importing import import_transcripts

    with project_session(ctx) as session:
        report = import_transcripts(
            session,
            paths,
            actor=coder_name(coder),
            speaker_regex=speaker_regex,
            interviewer_labels=interviewer or (),
            case=case,
            update=update,
        )
    if json_out:
        for link in report.skipped_links:  # stderr, so the JSON stays a list of files
            err(f"skipped {link.describe()}")
        emit_json(
            [
                {**asdict(f), "revision": f.revision.as_dict() if f.revision else None}
                for f in report.files
            ]
        )
        return
    title = f"Imported {report.imported}, skipped {report.skipped} (unchanged)"
    if report.updated:
        title = f"Imported {report.imported}, updated {report.updated}, skipped {report.skipped}"
    table = Table(title=title)
    # Document names and the words of case names are kept whole where the width allows: Rich
    # would otherwise fold "interview-01" into "interview-0 / 1" at 80 columns while the other
    # columns keep their room. A detected language or encoding is starred, not spelled out, so
    # those columns stay narrow. Each narrow column needs its header or its longest value,
    # whichever is wider; reserving less made the table wider than the terminal, which then
    # cut off the status column.
    rows = [_import_row(f) for f in report.files]
    columns = ("document", "case", "turns", "words", "language", "encoding", "status")
    others = sum(max([len(col)] + [len(row[i]) for row in rows]) for i, col in enumerate(columns)
                 if i >= 2)
    room = max(0, console.width - 22 - others)  # 22: borders and padding of seven columns
    longest_case = max([len("case")] + [len(w) for row in rows for w in row[1].split()])
    doc_min = min(max((len(row[0]) for row in rows), default=1),
                  max(8, room - min(longest_case, room // 2)))
    keep = ({"document": doc_min, "case": min(longest_case, max(4, room - doc_min))}
            if room >= 16 else {})  # a very narrow terminal: Rich folds every column
    for col in columns:
        table.add_column(col, justify="right" if col in ("turns", "words") else "left",
                         overflow="fold", min_width=keep.get(col))
    starred = any(f.encoding_detected or f.language_detected for f in report.files)
    for row in rows:
        table.add_row(*row)
    if starred:
        table.caption = "* detected, not declared in the file"
    console.print(table)
    for f in report.files:
        if f.language_detected and f.language != "en":
            console.print(f"{f.document}: language detected as {f.language} "
                          f"({f.language_note})")
    for f in report.files:
        for warning in f.warnings:
            console.print(f"[yellow]warning[/yellow] {Path(f.path).name}: {warning}")
    for link in report.skipped_links:
        console.print(f"[yellow]skipped[/yellow] {link.describe()}", soft_wrap=True)
    for f in report.files:
        if f.revision is not None:
            _print_revision(f.revision)


def _import_row(f) -> tuple[str, ...]:
    """One file's cells; a detected language or encoding is starred."""
    # The file name only when it differs from the document name it became.
    name = f.document if Path(f.path).stem == f.document else f"{f.document} ({f.path})"
    return (name, f.case or "-", str(f.turns), f"{f.words:,}",
            f.language + ("*" if f.language_detected else ""),
            f.encoding + ("*" if f.encoding_detected else ""), f.status)


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _print_revision(rev) -> None:
    """What happened to a revised document's coding: counts, then each coding whose text changed
    or that could not be placed."""
    counts = ", ".join(f"{rev.count(s)} {s}" for s in ("kept", "moved", "changed", "flagged"))
    console.print(f"[bold]{rev.document}[/bold] updated from {Path(rev.path).name}: codings "
                  f"{counts}; turns {rev.turns_before} -> {rev.turns_after}", soft_wrap=True)
    if rev.suggestions_moved or rev.suggestions_dropped:
        console.print(f"  suggestions: {rev.suggestions_moved} moved, {rev.suggestions_dropped} "
                      "dropped (their text changed; `qualcode suggest` recomputes them)",
                      soft_wrap=True)
    if rev.judged_moved or rev.judged_dropped:
        console.print(f"  judged sentences: {rev.judged_moved} moved, {rev.judged_dropped} dropped "
                      "(their text is gone)", soft_wrap=True)
    if rev.summaries_kept_fresh or rev.summaries_now_stale:
        stale = ", ".join(rev.summaries_now_stale) or "none"
        console.print(f"  summaries: {len(rev.summaries_kept_fresh)} still current; now stale "
                      f"(text under their codings changed): {stale}", soft_wrap=True)
    for move in rev.codings:
        label = f"#{move.id} {move.code} ({move.coder})"
        if move.status == "changed":
            console.print(f"  [yellow]changed[/yellow] {label}: {_short(move.old_quote)} -> "
                          f"{_short(move.quote)}", soft_wrap=True, highlight=False)
        elif move.status == "flagged":
            console.print(f"  [red]flagged[/red] {label}: {_short(move.old_quote)} is not in the "
                          f"new text; kept on {_short(move.quote, 30)} at {move.start}:{move.end}",
                          soft_wrap=True, highlight=False)
    if rev.count("flagged"):
        console.print("  Flagged codings are kept for their coder: `qualcode codings list "
                      "--flagged`, then `qualcode codings unflag ID --quote ...` to re-anchor one.",
                      soft_wrap=True)
