"""Listings: tab-separated lines when piped, a table when it fits the terminal, a pager when not.

Piped output is for programs: a header line, then one line per row, every field whole (tabs and
line breaks inside a field become spaces; `--json` keeps the exact text). On a terminal a listing
that fits the screen, in height and with every field on one line in width, is a Rich table; any
other goes through `$PAGER` (default `less -FRSX`) as aligned columns, unless `--no-pager`. (A
table squeezed into the width folded a sentence into a column six characters wide, one word a
line: twenty suggestions took 400 lines.)
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Annotated

import typer

NoPagerOpt = Annotated[
    bool, typer.Option("--no-pager", help="On a terminal, print long listings without a pager.")
]

_CLEAN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})
_BATCH = 2000


def _field(value: object) -> str:
    if value is None:
        return ""
    if type(value) is str:
        if "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_CLEAN)
        return value
    return str(value)


def _tsv_line(row: Sequence[object], tabs: int) -> str:
    try:  # the fast path: all strings, none holding a tab or a line break
        line = "\t".join(row)  # type: ignore[arg-type]
        if line.count("\t") == tabs and "\n" not in line and "\r" not in line:
            return line
    except TypeError:
        pass
    return "\t".join(_field(v) for v in row)


def write_tsv(header: Sequence[str], rows: Iterable[Sequence[object]], out=None) -> int:
    """Stream rows as tab-separated lines under a header; returns how many rows."""
    out = out or sys.stdout
    out.write("\t".join(header) + "\n")
    tabs = len(header) - 1
    n = 0
    batch: list[str] = []
    for row in rows:
        batch.append(_tsv_line(row, tabs))
        n += 1
        if len(batch) >= _BATCH:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")
    out.flush()
    return n


def write_chunks(header: Sequence[str], chunks: Iterator[str], out=None) -> None:
    """Print a header line, then text already made of whole tab-separated lines (a service's
    fast listing). The first chunk is read before anything is printed, so a refused filter
    prints its error alone."""
    out = out or sys.stdout
    first = next(chunks, "")
    out.write("\t".join(header) + "\n")
    out.write(first)
    for chunk in chunks:
        out.write(chunk)
    out.flush()


def write_json_chunks(chunks: Iterator[str], out=None) -> None:
    """A JSON array around chunks of objects already encoded (each chunk one or more objects
    joined by ",\n"), laid out as emit_json_stream lays out its items. The first chunk is read
    before anything is printed, so a refused filter prints its error alone."""
    out = out or sys.stdout
    first = next(chunks, None)
    if first is None:
        out.write("[]\n")
        out.flush()
        return
    out.write("[\n")
    out.write(first)
    for chunk in chunks:
        out.write(",\n")
        out.write(chunk)
    out.write("\n]\n")
    out.flush()


def page_chunks(chunks: Iterator[str], *, title: str | None = None,
                no_pager: bool = False) -> None:
    """Text already made of whole aligned lines (a service's fast listing), through the pager
    (or straight out with --no-pager) as it comes."""
    first = next(chunks, "")  # a refused filter prints its error alone
    head = ([title + "\n"] if title else []) + [first]
    lines = itertools.chain(head, chunks)
    if no_pager:
        sys.stdout.writelines(lines)
        sys.stdout.flush()
        return
    page(lines)


def _widths(header: Sequence[str], rows: list[list[str]]) -> list[int]:
    """Each column's width on one line, in terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len  # only on a terminal: piped listings never load Rich
    widths = [cell_len(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            if len(value) > widths[i] or not value.isascii():
                widths[i] = max(widths[i], cell_len(value))
    return widths


def _aligned(header: Sequence[str], rows: list[list[str]]) -> Iterable[str]:
    """Plain aligned columns; the last column is never padded (nor cut)."""
    from rich.cells import cell_len
    widths = _widths(header, rows)[:-1]
    for row in [list(header), *rows]:
        cells = [v + " " * (w - cell_len(v)) for v, w in zip(row[:-1], widths, strict=False)]
        yield "  ".join([*cells, row[-1]]).rstrip() + "\n"


def _pager_command() -> str | None:
    pager = os.environ.get("PAGER")
    if pager is not None:
        return pager.strip() or None
    return "less" if shutil.which("less") else None


def page(lines: Iterable[str]) -> None:
    """Send lines to the pager (or straight out if there is none). Quitting the pager early is
    fine: the rest is not written."""
    command = _pager_command()
    if command is None or command == "cat":
        sys.stdout.writelines(lines)
        sys.stdout.flush()
        return
    env = {**os.environ}
    env.setdefault("LESS", "FRSX")
    proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env,
                            encoding="utf-8", errors="replace")
    assert proc.stdin is not None
    try:
        for line in lines:
            proc.stdin.write(line)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.wait()


def emit_rows(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    no_pager: bool = False,
    title: str | None = None,
    empty: str = "Nothing matches.",
) -> None:
    """Print a listing the way the terminal (or pipe) wants it; see the module docstring."""
    if not sys.stdout.isatty():
        write_tsv(header, rows)
        return
    from qualcode.cli.common import console

    table = [[_field(v) for v in row] for row in rows]
    if not table:
        console.print(empty)
        return
    height = shutil.get_terminal_size((80, 24)).lines
    # a Rich table's borders and padding: three cells a column and one more
    one_line = sum(_widths(header, table)) + 3 * len(header) + 1
    if len(table) + 6 <= height and one_line <= console.width:
        from rich.table import Table

        rich_table = Table(title=title)
        for col in header:
            rich_table.add_column(col, overflow="fold")
        for row in table:
            rich_table.add_row(*row)
        console.print(rich_table)
        return
    lines = _aligned(header, table)
    if title:
        lines = iter([title + "\n", *lines])
    if no_pager:
        sys.stdout.writelines(lines)
        return
    page(lines)
