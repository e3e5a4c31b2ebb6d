"""matrix in a terminal: whatever the width, every number shows under the right column."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.cli.matrix_view import render_matrix
from qualcode.services.matrix import Matrix
from tests.conftest import Project

DIMS = ("strategy", "organization", "innovation", "market-position", "policy")


def _big(rows: int = 50, cols: int = 40) -> Matrix:
    """Documents x codes, every cell a distinct number (some zero), as a wide project has."""
    codes = [f"{DIMS[j % 5]}.code-{j:02d}" for j in range(cols)]
    codes.sort(key=lambda k: (DIMS.index(k.split(".")[0]), k))
    cells = [[0 if (i + j) % 7 == 0 else (i * cols + j) % 97 + 1 for j in range(cols)]
             for i in range(rows)]
    return Matrix(rows="document", cols="code", value="count", row_header="document",
                  row_labels=[f"interview-{i:02d}" for i in range(rows)], col_labels=codes,
                  cells=cells, notes=["Values: number of codings."])


def _render(m: Matrix, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    for part in render_matrix(m, width):
        console.print(part)
    return console.export_text()


def _shown(text: str, label: str) -> list[str]:
    """The cells printed on the lines of one row, over every page, in order."""
    values = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.strip("│┃ ").split("│")]
        if parts and parts[0] == label:
            values += parts[1:]
    return values


def _expected(row: list[int]) -> list[str]:
    return ["\u00b7" if v == 0 else str(v) for v in row]


@pytest.mark.parametrize("width", [80, 200])
def test_a_wide_matrix_shows_every_number_in_its_column(width: int):
    m = _big()
    text = _render(m, width)
    assert max(map(len, text.splitlines())) <= width
    for label, row in zip(m.row_labels, m.cells, strict=True):
        assert _shown(text, label) == _expected(row), label
    # Numbered columns: the legend says which code each number is.
    legend = " ".join(text.split())
    for j, code in enumerate(m.col_labels, start=1):
        assert f"{j} {code}" in legend
    pages = re.findall(r"page (\d+) of (\d+)", text)
    assert pages and pages[-1][0] == pages[-1][1]
    assert len(pages) == (2 if width == 200 else 4)  # fewer pages the wider the terminal


def test_full_headers_when_they_fit_wrapped_or_numbered_when_not():
    firms = [f"Firm {c}" for c in "ABCDEFGH"]
    m = Matrix(rows="case", cols="dimension", value="count", row_header="case",
               row_labels=firms, col_labels=list(DIMS),
               cells=[[i * 5 + j for j in range(5)] for i in range(len(firms))])
    wide = _render(m, 200)
    assert "market-position" in wide and "page" not in wide
    # At 70 columns neither way fits with headers on one line; wrapped between words it does.
    wrapped = _render(m, 70)
    assert "market-position" not in wrapped and "position" in wrapped and "page" not in wrapped
    assert "dimension" not in wrapped.splitlines()[2]  # still cases down the side
    for label, row in zip(m.row_labels, m.cells, strict=True):
        assert _shown(wide, label) == _shown(wrapped, label) == _expected(row)


def test_too_narrow_for_any_column_gives_the_long_form():
    m = _big(rows=3, cols=4)
    m.row_labels = [f"a very long document name number {i} of the study" for i in range(3)]
    text = _render(m, 16)
    assert "one line per non-empty cell" in " ".join(text.split())
    flat = "".join(text.split())  # lines fold at 16 columns
    for label, row in zip(m.row_labels, m.cells, strict=True):
        for code, value in zip(m.col_labels, row, strict=True):
            if value:
                assert "".join(f"{label} · {code}: {value}".split()) in flat


@pytest.mark.parametrize("width", [80, 200])
def test_matrix_command_on_the_demo_at_80_and_200_columns(coded_project: Project, width: int):
    result = CliRunner().invoke(app, ["--project", str(coded_project.folder), "matrix"],
                                env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stdout
    text = result.stdout
    assert max(map(len, text.splitlines())) <= width
    data = coded_project.ok("matrix", "--json")
    import json

    m = json.loads(data)
    # Codes run down the side (36 codes, 9 cases): each code's line holds its 9 numbers.
    own = m["col_labels"].index("innovation.cell-design.own-research")
    shown = next(line for line in text.splitlines() if "own-research" in line)
    cells = [p.strip() for p in shown.strip("│ ").split("│")][1:]
    assert cells == _expected([row[own] for row in m["cells"]])
    if width == 200:
        assert "Association I" in text and "Firm G" in text and "1 Association I" not in text
    else:
        assert "1 Association I" in " ".join(text.split())  # numbered, with the legend
        assert "page" not in text  # labels fold a little rather than a page for one column


def test_a_dimensions_own_row_is_named_for_what_it_counts_when_codes_run_down_the_side():
    """Turned, codes go under their dimension's heading; the dimension's own column (every coding
    in it) used to be labelled with the dimension's name again, a second "strategy"."""
    codes = ["strategy", "strategy.relocation", "strategy.capital-investment", "policy",
             "policy.subsidies"]
    m = Matrix(rows="case", cols="code", value="count", row_header="case",
               row_labels=["(no case)"], col_labels=codes, cells=[[20, 1, 17, 5, 4]])
    text = _render(m, 60)
    assert _shown(text, "(whole dimension)") == ["20", "5"]
    assert _shown(text, "capital-investment") == ["17"]
    assert [line.strip("│┃ ") for line in text.splitlines()].count("strategy") == 1
