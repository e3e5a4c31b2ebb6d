"""suggest, review, suggestions list/accept/reject, train, evaluate."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import click
import typer
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session
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


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest)
    app.command("review")(review)
    app.command("train")(train)
    app.command("evaluate")(evaluate)
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
        float, typer.Option("--threshold", help="Learned method: minimum probability.")
    ] = 0.5,
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
        )
    if json_out:
        emit_json(report)
        return
    cases = sorted({c for per in report.by_code_case.values() for c in per})
    table = Table(
        title=f"Hits per code and case ({report.hits} in {report.units} turns, "
        f"{report.words:,} words)"
    )
    table.add_column("code", no_wrap=True)
    for case in cases:
        table.add_column(
            case.replace("Firm ", "")
            .replace("Official ", "Off. ")
            .replace("Association ", "Assoc. "),
            justify="right",
        )
    table.add_column("all", justify="right", style="bold", no_wrap=True, min_width=3)
    for code, per in report.by_code_case.items():
        table.add_row(code, *[str(per.get(c, "")) for c in cases], str(sum(per.values())))
    console.print(table)
    console.print(Text(f"pipeline: {report.pipeline}", style="dim"))
    if dry_run:
        console.print("Dry run: nothing written.")
    else:
        console.print(
            f"Written {report.written} new, updated {report.updated}, removed "
            f"{report.removed_stale} stale; {report.kept_decided} already decided and "
            f"{report.already_coded} already coded were not proposed again."
        )


def _render(view, span: tuple[int, int], position: str) -> None:
    if console.is_terminal:  # one suggestion per screen; pipes and logs keep the history
        console.clear()
    row = view.row
    body = Text(view.turn_text)
    s, e = span[0] - view.turn_start, span[1] - view.turn_start
    body.stylize("bold underline", max(0, s), min(len(view.turn_text), e))
    for ev in row.evidence:
        if "start" in ev and "end" in ev:
            body.stylize(
                f"black on {view.colour or 'yellow'}",
                ev["start"] - view.turn_start,
                ev["end"] - view.turn_start,
            )
    title = (
        f"{position} · {row.document} · {row.case or '-'} · turn {view.turn_number} "
        f"({view.speaker or '?'})"
    )
    console.print(Panel(body, title=title, title_align="left"))
    info = Text()
    info.append(f"{row.code}", style="bold")
    info.append(f"  {view.code_name}   score {row.score:.2f} ({row.method}, {row.unit})\n")
    info.append("Definition: ", style="bold")
    info.append(view.definition + "\n")
    for label, rules, style in (("Include", view.include, "green"),
                                ("Exclude", view.exclude, "red")):
        if rules:
            info.append(f"{label}:\n", style=style)
            for rule in rules:
                info.append(f"  \u2022 {rule}\n")
    why = [
        f"\u201c{ev.get('text', '')}\u201d ({ev.get('kind')}, {ev.get('rule', '')})"
        if ev.get("kind") != "learned"
        else f"learned p={ev.get('probability', 0):.2f}"
        for ev in row.evidence
    ]
    info.append("Evidence: ", style="bold")
    info.append(", ".join(why) or "-")
    console.print(info)
    console.print(
        Text("[a]ccept  [r]eject  re[c]ode  [w]iden  [s]kip  [u]ndo  [q]uit", style="cyan")
    )


def _read_key() -> str:
    """One key press from a terminal; from a pipe (scripts, tests), the next character, with the
    end of the input meaning quit."""
    try:
        if sys.stdin.isatty():
            key = click.getchar()
        else:
            key = sys.stdin.read(1)
            while key in ("\n", "\r"):
                key = sys.stdin.read(1)
    except (EOFError, KeyboardInterrupt):
        return "q"
    return (key or "q").lower()


def _read_line(prompt: str) -> str:
    if sys.stdin.isatty():
        return typer.prompt(prompt)
    console.print(f"{prompt}: ", end="")
    return sys.stdin.readline().strip()


def review(
    ctx: typer.Context,
    dimension: DimensionOpt = None,
    code: CodeOpt = None,
    document: DocOpt = None,
    case: CaseOpt = None,
    min_score: MinScoreOpt = None,
    coder: CoderOpt = None,
) -> None:
    """Review pending suggestions one key at a time; each decision is saved as it is made."""
    from qualcode.services import review as svc

    who = coder_name(coder)
    with project_session(ctx) as session:
        ids = svc.queue(
            session,
            dimension=dimension,
            code=code,
            document=document,
            case=case,
            min_score=min_score,
        )
    if not ids:
        console.print("No pending suggestions match. Run `qualcode suggest` first?")
        return
    counts = {"accept": 0, "reject": 0, "recode": 0, "skip": 0, "undo": 0}
    history: list[int] = []
    i = 0
    span: tuple[int, int] | None = None
    while i < len(ids):
        sid = ids[i]
        with project_session(ctx) as session:
            view = svc.view(session, sid)
        if view.row.status != "pending":
            i += 1
            span = None
            continue
        span = span or (view.row.start, view.row.end)
        _render(view, span, f"{i + 1}/{len(ids)}")
        key = _read_key()
        try:
            if key in ("a", "r", "c"):
                action = {"a": "accept", "r": "reject", "c": "recode"}[key]
                recode_to = _read_line("code") if action == "recode" else None
                with project_session(ctx) as session:
                    svc.decide(session, sid, action, coder=who, recode_to=recode_to, span=span)
                counts[action] += 1
                history.append(i)
                i, span = i + 1, None
            elif key == "w":
                with project_session(ctx) as session:
                    span = svc.widen(session, sid, span)
            elif key == "s":
                counts["skip"] += 1
                i, span = i + 1, None
            elif key == "u":
                if not history:
                    console.print("Nothing to undo.")
                    continue
                i, span = history.pop(), None
                with project_session(ctx) as session:
                    svc.undo(session, ids[i], coder=who)
                counts["undo"] += 1
            elif key == "q":
                break
            else:
                console.print(f"Unknown key {key!r}.")
        except QualcodeError as exc:
            console.print(f"[red]{exc.one_line()}[/red]")
    remaining = len(ids) - sum(counts[k] for k in ("accept", "reject", "recode")) + counts["undo"]
    console.print(
        f"Accepted {counts['accept']}, rejected {counts['reject']}, recoded "
        f"{counts['recode']}, skipped {counts['skip']}, undone {counts['undo']}; "
        f"{remaining} still pending in this queue."
    )


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
    max_score: Annotated[float | None, typer.Option("--max-score")] = None,
    method: Annotated[str | None, typer.Option("--method")] = None,
    status: Annotated[
        str, typer.Option("--status", help="pending, accepted, rejected or all.")
    ] = "pending",
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Suggestions with their scores and evidence."""
    from qualcode.services.review import list_suggestions

    with project_session(ctx) as session:
        rows = list_suggestions(
            session,
            limit=limit,
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
    table = Table(title=f"{len(rows)} suggestions")
    for col in ("id", "document", "code", "score", "status", "evidence", "text"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ev = ", ".join(e.get("text", "learned") for e in r.evidence)
        text = " ".join(r.text.split())
        table.add_row(
            str(r.id),
            r.document,
            r.code,
            f"{r.score:.2f}",
            r.status,
            ev,
            text if len(text) < 90 else text[:89] + "\u2026",
        )
    console.print(table)


def _bulk(ctx, action: str, coder, json_out: bool, **filters) -> None:
    """Accept or reject every pending suggestion matching the filters; at least one filter, so
    a bare `accept` cannot code a whole project by accident."""
    from qualcode.services.review import decide_many

    if all(v is None for v in filters.values()):
        raise QualcodeError(
            f"refusing to {action} every suggestion at once",
            hint="narrow it with --code, --dimension, --min-score...",
        )
    query = {"max_score": None, **filters, "method": None, "status": "pending"}
    with project_session(ctx) as session:
        done = decide_many(session, action, coder=coder_name(coder), **query)
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
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Accept the pending suggestions matching the filters (each becomes a coding)."""
    _bulk(
        ctx,
        "accept",
        coder,
        json_out,
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
    max_score: Annotated[float | None, typer.Option("--max-score")] = None,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reject the pending suggestions matching the filters."""
    _bulk(
        ctx,
        "reject",
        coder,
        json_out,
        dimension=dimension,
        code=code,
        document=document,
        case=case,
        min_score=min_score,
        max_score=max_score,
    )


def train(
    ctx: typer.Context,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Learn only from this coder's codings (default: every human coding)."
        ),
    ] = None,
    epochs: Annotated[int, typer.Option("--epochs")] = 10,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Retrain on unchanged data.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Train a spaCy textcat_multilabel on the project's human coding (CPU, no download)."""
    from qualcode.services.learning import train as run

    with project_session(ctx) as session:
        report = run(session, coder=by, seed=seed, epochs=epochs, force=force)
    if json_out:
        emit_json(report)
        return
    if report.up_to_date:
        console.print(
            f"Model {report.model_id} is up to date with the coding "
            f"(fingerprint {report.fingerprint[:12]}); use --force to retrain."
        )
        return
    console.print(
        f"Trained model {report.model_id} on {report.examples} sentences, "
        f"{len(report.labels)} codes, in {report.seconds:.1f} s "
        f"(fingerprint {report.fingerprint[:12]})."
    )
    if report.skipped_labels:
        console.print(
            Text("Too few examples to learn: " + ", ".join(report.skipped_labels), style="yellow")
        )


def _score_table(title: str, scores) -> Table:
    table = Table(title=title)
    for col in ("", "gold", "suggested", "both", "precision", "recall", "F1", "kappa"):
        table.add_column(col, justify="left" if col == "" else "right", no_wrap=col == "")

    def f(x):
        return "-" if x is None else f"{x:.2f}".replace("-0.00", "0.00")

    for s in scores:
        table.add_row(
            s.name,
            str(s.gold),
            str(s.predicted),
            str(s.true_positive),
            f(s.precision),
            f(s.recall),
            f(s.f1),
            f(s.kappa),
        )
    return table


def evaluate(
    ctx: typer.Context,
    against: Annotated[str, typer.Option("--against", help="The human coder to compare with.")],
    method: MethodOpt = "lexicon",
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="Learned: the probability at which a code is suggested."),
    ] = 0.5,
    min_score: Annotated[
        float,
        typer.Option("--min-score", help="Lexicon: count only suggestions scoring at least this."),
    ] = 0.0,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds (learned).")] = 5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Score the suggester as if it were a second coder: precision, recall, F1, Cohen's kappa."""
    from qualcode.services.learning import evaluate as run

    with project_session(ctx) as session:
        report = run(
            session,
            against=against,
            method=method,
            threshold=threshold,
            min_score=min_score,
            folds=folds,
            seed=seed,
        )
    if json_out:
        emit_json(report)
        return
    console.print(
        f"{report.method} suggestions vs {report.against}: {report.sentences} "
        f"respondent sentences in {report.documents} documents."
    )
    console.print(_score_table("Per dimension", [*report.dimensions, report.overall]))
    console.print(_score_table("Per code", report.codes))
    for note in report.notes:
        console.print(Text(note, style="dim"))
