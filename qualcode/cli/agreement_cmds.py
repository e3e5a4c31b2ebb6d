"""agreement: intercoder agreement between two coders."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from qualcode.cli.common import JsonOpt, console, emit_json, project_session


def register(app: typer.Typer) -> None:
    app.command("agreement")(agreement)


def _table(title: str, rows, unit: str) -> Table:
    table = Table(title=title)
    table.add_column("", no_wrap=True)
    for col in (f"{unit}s", "A", "B", "both", "agreement", "kappa", "alpha"):
        table.add_column(col, justify="right")

    def f(x):
        return "-" if x is None else f"{x:.2f}".replace("-0.00", "0.00")

    for r in rows:
        table.add_row(r.name, f"{r.units:,}", str(r.coded_a), str(r.coded_b), str(r.both),
                      f"{r.percent_agreement:.0%}", f(r.kappa), f(r.alpha))
    return table


def agreement(
    ctx: typer.Context,
    coder_a: Annotated[str, typer.Argument(help="First coder.")],
    coder_b: Annotated[str, typer.Argument(help="Second coder.")],
    unit: Annotated[str, typer.Option(
        "--unit", help="sentence (Cohen's kappa, Krippendorff's alpha) or character "
        "(NVivo's coding comparison).")] = "sentence",
    document: Annotated[list[str] | None, typer.Option(
        "--document", help="Only these documents (repeatable).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Intercoder agreement per code, per dimension and pooled, on the documents both coded."""
    from qualcode.services.agreement import agreement as run

    with project_session(ctx) as session:
        report = run(session, coder_a, coder_b, unit=unit, documents=document)
    if json_out:
        emit_json(report)
        return
    console.print(f"{report.coder_a} (A) vs {report.coder_b} (B), by {report.unit}, on "
                  f"{len(report.documents)} document(s): {', '.join(report.documents)}")
    console.print(_table("Per dimension", [*report.dimensions, report.overall], report.unit))
    console.print(_table("Per code", report.codes, report.unit))
    for note in report.notes:
        console.print(Text(note, style="dim"))
