"""train and evaluate: learning from the coder, and the suggester scored as a second coder."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import CoderOpt, JsonOpt, coder_name, console, emit_json, project_session
from qualcode.cli.suggest_cmds import MethodOpt


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)


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
    documents: Annotated[
        list[str] | None,
        typer.Option("--document", "-d",
                     help="Learn only from the coding of these documents (repeat the option)."),
    ] = None,
    only_codebook: Annotated[
        bool, typer.Option("--only-codebook",
                           help="Learn from the codebook's own words alone, not the codings."),
    ] = False,
    no_codebook: Annotated[
        bool, typer.Option("--no-codebook",
                           help="Learn from the codings alone, not the codebook's words."),
    ] = False,
    coder: CoderOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Train a spaCy textcat_multilabel on the codebook's own definitions, include items, examples
    and pattern words, and on the project's human coding (CPU, no download): a fresh project gets
    a model before anyone codes, and it improves as people code."""
    from qualcode.services.learning import train as run

    with project_session(ctx) as session:
        report = run(session, coder=by, seed=seed, epochs=epochs, force=force,
                     actor=coder_name(coder), documents=documents,
                     codings=not only_codebook, codebook=not no_codebook)
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
        f"Trained model {report.model_id} on {report.coded_sentences} coded sentences and "
        f"{report.codebook_examples} texts from the codebook, {len(report.labels)} labels, "
        f"in {report.seconds:.1f} s (fingerprint {report.fingerprint[:12]})."
    )
    if report.skipped_labels:
        console.print(
            Text("Too few examples to learn: " + ", ".join(report.skipped_labels), style="yellow")
        )


def _two_places(x: float | None) -> str:
    """A score to two decimals, "-" where it is undefined."""
    return "-" if x is None else f"{x:.2f}".replace("-0.00", "0.00")


def _span(interval) -> str:
    return "-" if interval is None else f"{_two_places(interval.low)}-{_two_places(interval.high)}"


SCORE_CAPTION = ("gold: sentences the coder gave it; sugg: sentences suggested; both: in "
                 "both; P precision, R recall")


def _score_table(title: str, scores, by_dimension: bool = False) -> Table:
    """Names fold rather than numbers being cut at 80 columns; `by_dimension` sets codes under
    their dimension's name (a row of its own) so that the names are short."""
    table = Table(title=title, caption=SCORE_CAPTION, caption_justify="left")
    table.add_column("", justify="left", overflow="fold")
    for col in ("gold", "sugg", "both", "P", "R", "F1", "kappa"):
        table.add_column(col, justify="right", no_wrap=True, min_width=max(len(col), 4))

    heading = None
    for s in scores:
        name = s.name
        if by_dimension and "." in name:
            dimension, name = name.split(".", 1)
            if dimension != heading:
                table.add_row(Text(dimension, style="bold"))
                heading = dimension
            name = " " + name
        table.add_row(name, str(s.gold), str(s.predicted), str(s.true_positive),
                      *map(_two_places, (s.precision, s.recall, s.f1, s.kappa)))
    return table


def _interval_table(report) -> Table:
    """Each F1 beside its bootstrap interval: a table of its own, so both fit 80 columns."""
    info = report.intervals
    table = Table(title="F1 with 95% bootstrap intervals", caption_justify="left",
                  caption=f"from {_resampled(info)} (seed {info['seed']})")
    for col in ("", "gold", "F1", "95% CI"):
        table.add_column(col, justify="left" if col == "" else "right", no_wrap=col == "")
    for s in [*report.dimensions, report.overall]:
        table.add_row(s.name, str(s.gold), _two_places(s.f1), _span(s.f1_interval))
    table.add_row("dimension macro F1", "", _two_places(report.dimension_macro_f1),
                  _span(report.dimension_macro_f1_interval), style="bold")
    return table


def _resampled(info: dict) -> str:
    return f"{info['resamples']:,} resamples of {info['by']}s"


def _signed(x: float) -> str:
    return f"{x:+.2f}".replace("-0.00", "+0.00")


def _comparison_line(report) -> str:
    c = report.comparison
    line = (f"{report.method} against {c.method}: dimension macro F1 "
            f"{_two_places(report.dimension_macro_f1)} against "
            f"{_two_places(c.dimension_macro_f1)}")
    if c.difference is None:
        return line + "."
    line += f", difference {_signed(c.difference)}"
    if c.difference_interval is not None:
        span = c.difference_interval
        line += (f" (95% CI {_signed(span.low)} to {_signed(span.high)}, paired, "
                 f"{_resampled({'resamples': c.resamples, 'by': c.by})})")
    return line + "."


def _ceiling_table(side) -> Table:
    spread = side.intervals is not None
    table = Table(caption_justify="left")
    columns = ["dimension", f"{side.coder} F1", f"{side.method} F1"]
    if spread:
        columns[2:2] = ["95% CI"]
        columns.append("95% CI")
    for col in columns:
        table.add_column(col, justify="left" if col == "dimension" else "right")

    def cells(coder, coder_span, mine, mine_span) -> list[str]:
        out = [_two_places(coder), _two_places(mine)]
        if spread:
            out[1:1] = [_span(coder_span)]
            out.append(_span(mine_span))
        return out

    for row in side.dimensions:
        table.add_row(row.name, *cells(row.coder_f1, row.coder_f1_interval, row.suggester_f1,
                                       row.suggester_f1_interval))
    table.add_row("macro F1", *cells(side.coder_macro_f1, side.coder_macro_f1_interval,
                                     side.suggester_macro_f1, side.suggester_macro_f1_interval),
                  style="bold")
    table.caption = (f"{side.coder} F1: positive agreement with {side.against} (either one's F1 "
                     "against the other), by respondent sentence")
    if spread:
        table.caption += f"; intervals from {_resampled(side.intervals)}"
    return table


def _ceiling_gap(side) -> str:
    span = side.difference_interval
    return (f"{side.method} minus {side.coder}: macro F1 {_signed(side.difference)} (95% CI "
            f"{_signed(span.low)} to {_signed(span.high)}, paired, on the same resamples).")


def _threshold_table(rows, chosen: float) -> Table:
    table = Table(title="Lexicon precision and recall by --min-score (* the one used above)",
                  caption="dim: at dimension level (macro F1 over the dimensions); code: over "
                  "the codes", caption_justify="left")
    for col in ("--min-score", "dim P", "dim R", "dim macro F1", "code P", "code R"):
        table.add_column(col, justify="right", no_wrap=True)

    for r in rows:
        mark = "*" if abs(r.min_score - chosen) < 1e-9 else ""
        table.add_row(f"{mark}{r.min_score:.2f}",
                      *map(_two_places, (r.dimension_precision, r.dimension_recall,
                                         r.dimension_macro_f1, r.code_precision, r.code_recall)))
    return table


def evaluate(
    ctx: typer.Context,
    against: Annotated[str, typer.Option("--against", help="The human coder to compare with.")],
    method: MethodOpt = "lexicon",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Learned model: the probability at which a code is "
                     "suggested (default 0.5 for learned; in both, the model's own codes are "
                     "added only from this)."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option("--min-score", help="Lexicon: count only suggestions scoring at least this "
                     "(default: the threshold chosen on the tuning files, see `evaluate` output)."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds (learned).")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the learned model's training and "
                                      "the bootstrap's resamples: same seed, same figures.")] = 0,
    documents: Annotated[
        list[str] | None,
        typer.Option(
            "--document",
            "-d",
            help="Only these documents (repeat the option); e.g. the held-out part of a split.",
        ),
    ] = None,
    trained: Annotated[
        bool,
        typer.Option("--trained", help="Learned/both: use the project's latest model from "
                     "`qualcode train` instead of cross-validation on the coder's documents."),
    ] = False,
    beside: Annotated[
        str | None,
        typer.Option("--beside", help="Also a second human coder's F1 against the same coder, "
                     "on the documents both coded: the ceiling to read the suggestions' F1 "
                     "against."),
    ] = None,
    ci: Annotated[
        bool,
        typer.Option("--ci", help="Also a 95% bootstrap interval for each F1 and the macro F1: "
                     "how much the figures could move with other sentences of the same kind."),
    ] = False,
    ci_by: Annotated[
        str,
        typer.Option("--ci-by", help="Resample sentences, or whole documents (wider, and "
                     "honest when sentences of one interview resemble each other; coarse "
                     "below ten documents)."),
    ] = "sentence",
    resamples: Annotated[
        int, typer.Option("--resamples", help="Bootstrap resamples (seeded by --seed).")
    ] = 1000,
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="Also score this method on the same sentences and give "
                     "the difference in macro F1 with a paired bootstrap interval: e.g. "
                     "`--method both --compare lexicon`, has learning started to help?"),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Score the suggester as if it were a second coder: precision, recall, F1, Cohen's kappa."""
    from qualcode.services.evaluation import evaluate as run

    options = dict(method=method, threshold=threshold, min_score=min_score, folds=folds,
                   seed=seed, trained=trained, resamples=resamples if ci else None,
                   resample_by=ci_by)
    with project_session(ctx, write=False) as session:
        report = run(session, against=against, documents=documents, compare=compare, **options)
        side = None
        if beside:
            from qualcode.services.ceiling import ceiling

            side = ceiling(session, against=against, beside=beside, documents=documents,
                           **options)
    if json_out:
        emit_json(report if side is None else {**dataclasses.asdict(report), "beside": side})
        return
    console.print(
        f"{report.method} suggestions vs {report.against}: {report.sentences} "
        f"respondent sentences in {report.documents} documents."
    )
    console.print(_score_table("Per dimension", [*report.dimensions, report.overall]))
    if report.dimension_macro_f1 is not None:
        console.print(f"Dimension-level macro F1: {report.dimension_macro_f1:.2f}")
    if report.intervals is not None:
        console.print(_interval_table(report))
    if report.comparison is not None:
        console.print(_comparison_line(report))
    if len(report.languages) > 1:
        for part in report.languages:
            console.print(_score_table(
                f"Per dimension, language {part.language} ({part.sentences} sentences in "
                f"{part.documents} documents)", [*part.dimensions, part.overall]))
    console.print(_score_table("Per code", report.codes, by_dimension=True))
    if report.by_min_score:
        console.print(_threshold_table(report.by_min_score, report.min_score))
    for note in report.notes:
        console.print(Text(note, style="dim"))
    if side is not None:
        console.print(f"Beside a second coder: {side.coder} against {side.against}, on the "
                      f"{len(side.documents)} document(s) both coded:")
        console.print(_ceiling_table(side))
        if side.difference is not None and side.difference_interval is not None:
            console.print(_ceiling_gap(side))
