"""suggest, and suggestions list/accept/reject (the non-interactive side of review)."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import (
    BlindOpt,
    CoderOpt,
    JsonOpt,
    YesOpt,
    backup_before,
    coder_name,
    confirm,
    console,
    emit_json,
    project_session,
)
from qualcode.cli.listing import NoPagerOpt, emit_rows
from qualcode.errors import QualcodeError

suggestions_app = typer.Typer(
    help="List and decide suggestions without the interactive queue.", no_args_is_help=True
)

MethodOpt = Annotated[
    str,
    typer.Option(
        "--method", help="lexicon (codebook patterns), learned (`qualcode train`) or both."
    ),
]
DimensionOpt = Annotated[str | None, typer.Option("--dimension", help="Only this dimension.")]
CodeOpt = Annotated[str | None, typer.Option("--code", help="Only this code and codes below.")]
DocOpt = Annotated[str | None, typer.Option("--document", help="Only this document.")]
CaseOpt = Annotated[str | None, typer.Option("--case", help="Only this case.")]
MinScoreOpt = Annotated[float | None, typer.Option("--min-score", help="Score at least this.")]
MaxScoreOpt = Annotated[float | None, typer.Option("--max-score")]


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest)
    app.add_typer(suggestions_app, name="suggestions")


@contextlib.contextmanager
def _progress(label: str):
    """A progress bar on long runs, only when a person is watching (never in pipes or tests)."""
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def suggest(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count hits; write nothing.")] = False,
    method: MethodOpt = "lexicon",
    unit: Annotated[str, typer.Option("--unit", help="sentence or turn.")] = "sentence",
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="An installed trained spaCy pipeline (name or path) instead of "
            "spacy.blank; never downloaded.",
        ),
    ] = None,
    document: Annotated[
        list[str] | None, typer.Option("--document", help="Only these documents (repeatable).")
    ] = None,
    include_interviewer: Annotated[
        bool, typer.Option("--include-interviewer", help="Also suggest in interviewer turns.")
    ] = False,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Learned model: minimum probability "
                                   "(default 0.5 for learned; in both, the model's own codes "
                                   "are added only from this).")
    ] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Suggest codes from the codebook's patterns (and/or the learned model) in respondent turns.

    Re-running is idempotent: pending suggestions are replaced, decided ones are kept."""
    from qualcode.services.suggest import run_suggest

    with project_session(ctx) as session, _progress("suggesting") as progress:
        report = run_suggest(
            session,
            method=method,
            unit=unit,
            model=model,
            dry_run=dry_run,
            documents=document,
            include_interviewer=include_interviewer,
            threshold=threshold,
            progress=progress,
            actor=coder_name(coder),
        )
    if json_out:
        emit_json(report)
        return
    _print_hits(report)
    console.print(Text(f"pipeline: {report.pipeline}", style="dim"))
    if dry_run:
        console.print("Dry run: nothing written.")
    else:
        console.print(
            f"Written {report.written} new, updated {report.updated}, removed "
            f"{report.removed_stale} stale; {report.kept_decided} already decided and "
            f"{report.already_coded} already coded were not proposed again."
        )


def _short_case(case: str) -> str:
    return (case.replace("Firm ", "").replace("Official ", "Off. ")
            .replace("Association ", "Assoc. "))


def _print_hits(report) -> None:
    """Codes x cases with the hit counts, when that fits the terminal; else codes with their
    total and how many cases they were found in, and the total per case below (a column per case
    squeezed below its numbers' width would show them blank)."""
    from rich.cells import cell_len

    cases = sorted({c for per in report.by_code_case.values() for c in per})
    rows = [(code, [str(per.get(c, "")) for c in cases], str(sum(per.values())))
            for code, per in report.by_code_case.items()]
    title = (f"Hits per code and case ({report.hits} in {report.units} turns, "
             f"{report.words:,} words)")
    columns = [["code", *(r[0] for r in rows)], ["all", *(r[2] for r in rows)]]
    columns += [[_short_case(c), *(r[1][i] for r in rows)] for i, c in enumerate(cases)]
    needed = 1 + sum(max(cell_len(v) for v in col) + 3 for col in columns)
    table = Table(title=title)
    table.add_column("code", no_wrap=True)
    if needed <= console.width:
        for case in cases:
            table.add_column(_short_case(case), justify="right")
        table.add_column("all", justify="right", style="bold", no_wrap=True, min_width=3)
        for code, counts, total in rows:
            table.add_row(code, *counts, total)
        console.print(table)
        return
    table.title = (f"Hits per code ({report.hits} in {report.units} turns, "
                   f"{report.words:,} words)")
    table.add_column("cases", justify="right", no_wrap=True)
    table.add_column("all", justify="right", style="bold", no_wrap=True, min_width=3)
    for code, counts, total in rows:
        table.add_row(code, str(sum(1 for n in counts if n)), total)
    console.print(table)
    per_case = {c: sum(per.get(c, 0) for per in report.by_code_case.values()) for c in cases}
    console.print(Text("Per case: " + ", ".join(f"{c} {n}" for c, n in per_case.items())
                       + " (a wider terminal shows codes x cases; --json has them all)"))


def _filters(dimension, code, document, case, min_score, max_score, method, status="pending"):
    return {
        "dimension": dimension,
        "code": code,
        "document": document,
        "case": case,
        "min_score": min_score,
        "max_score": max_score,
        "method": method,
        "status": status,
    }


@suggestions_app.command("list")
def list_(
    ctx: typer.Context,
    dimension: DimensionOpt = None,
    code: CodeOpt = None,
    document: DocOpt = None,
    case: CaseOpt = None,
    min_score: MinScoreOpt = None,
    max_score: MaxScoreOpt = None,
    method: Annotated[str | None, typer.Option("--method")] = None,
    status: Annotated[
        str, typer.Option("--status", help="pending, accepted, rejected or all.")
    ] = "pending",
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    blind: BlindOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
    no_pager: NoPagerOpt = False,
) -> None:
    """Suggestions with their scores and evidence: tab-separated lines when piped, a table or
    the pager on a terminal."""
    from qualcode.services.review import list_suggestions

    with project_session(ctx, write=False) as session:
        rows = list_suggestions(
            session,
            limit=limit,
            blind_for=coder_name(coder) if blind else None,
            **_filters(
                dimension,
                code,
                document,
                case,
                min_score,
                max_score,
                method,
                None if status == "all" else status,
            ),
        )
    if json_out:
        emit_json(rows)
        return
    emit_rows(
        ("id", "document", "start", "end", "code", "score", "status", "evidence", "text"),
        ((r.id, r.document, r.start, r.end, r.code, f"{r.score:.2f}", r.status,
          _evidence_words(r.evidence), " ".join(r.text.split()))
         for r in rows),
        no_pager=no_pager, title=f"{len(rows)} suggestions", empty="No suggestions match.",
    )


def _bulk(ctx, action: str, coder, json_out: bool, yes: bool = False, **filters) -> None:
    """Accept or reject every pending suggestion matching the filters; at least one filter, so
    a bare `accept` cannot code a whole project by accident, and asked on a terminal (--yes in
    scripts). `qualcode undo N` reverses the N decisions."""
    from qualcode.services.review import decide_many

    if all(v is None for v in filters.values()):
        raise QualcodeError(
            f"refusing to {action} every suggestion at once",
            hint="narrow it with --code, --dimension, --min-score...",
        )
    query = {"max_score": None, **filters, "method": None, "status": "pending"}
    with project_session(ctx) as session:
        done = decide_many(session, action, coder=coder_name(coder), **query)
        if done:
            confirm(f"{action.capitalize()} {len(done)} suggestion(s)?", yes)
            backup_before(ctx, f"suggestions-{action}")
    if json_out:
        emit_json(done)
        return
    console.print(f"{action.capitalize()}ed {len(done)} suggestion(s).")


@suggestions_app.command("accept")
def accept(
    ctx: typer.Context,
    dimension: DimensionOpt = None,
    code: CodeOpt = None,
    document: DocOpt = None,
    case: CaseOpt = None,
    min_score: MinScoreOpt = None,
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Accept the pending suggestions matching the filters (each becomes a coding); asks on a
    terminal, --yes in scripts."""
    _bulk(
        ctx,
        "accept",
        coder,
        json_out,
        yes,
        dimension=dimension,
        code=code,
        document=document,
        case=case,
        min_score=min_score,
    )


@suggestions_app.command("reject")
def reject(
    ctx: typer.Context,
    dimension: DimensionOpt = None,
    code: CodeOpt = None,
    document: DocOpt = None,
    case: CaseOpt = None,
    min_score: MinScoreOpt = None,
    max_score: MaxScoreOpt = None,
    yes: YesOpt = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reject the pending suggestions matching the filters; asks on a terminal, --yes in
    scripts."""
    _bulk(
        ctx,
        "reject",
        coder,
        json_out,
        yes,
        dimension=dimension,
        code=code,
        document=document,
        case=case,
        min_score=min_score,
        max_score=max_score,
    )


def _evidence_words(evidence: list[dict]) -> str:
    """The words a suggestion was found by, each once: two rules matching the same words
    ("Infrastructure Law" by a lemma rule and a token rule) read as one piece of evidence."""
    seen: dict[str, str] = {}
    for e in evidence:
        text = e.get("text", "learned")
        seen.setdefault(" ".join(text.lower().split()), text)
    return ", ".join(seen.values())
