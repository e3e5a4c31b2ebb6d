"""The streamed listing behind `codings list`: tab-separated lines piped, aligned columns for the
pager; the same rows as iter_codings, and a quote spanning a line break cleaned in both."""

from __future__ import annotations

from qualcode.services.coding import LISTING_COLUMNS, add_coding, iter_coding_lines, iter_codings
from tests.conftest import CODEBOOK, DEMO, Project


def _coded(project: Project) -> str:
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    with project.session() as s:
        from qualcode.services import lookup

        text = lookup.document(s, "interview-03").text
        brk = text.index("\n", 200)
        for i, (start, end) in enumerate(((10, 40), (brk - 20, brk + 20), (300, 330))):
            add_coding(s, document="interview-03", code="innovation.cell-design",
                       coder=("wei", "li")[i % 2], actor="t", span=(start, end),
                       key=(i == 2))
    return text


def test_tsv_lines_carry_the_rows_of_iter_codings(project: Project):
    _coded(project)
    with project.session() as s:
        rows = list(iter_codings(s))
        lines = "".join(iter_coding_lines(s)).splitlines()
    assert len(lines) == len(rows) == 3
    for line, r in zip(lines, rows, strict=True):
        assert line.split("\t") == [
            str(r.id), r.document, r.case or "", r.code, "key" if r.key else "", r.coder,
            r.origin, str(r.start), str(r.end), " ".join(r.quote.split("\n"))]
    assert "\n" in rows[1].quote  # the span crosses a line break, the line does not


def test_aligned_lines_have_a_header_and_columns_that_line_up(project: Project):
    _coded(project)
    with project.session() as s:
        rows = list(iter_codings(s))
        header, *lines = "".join(iter_coding_lines(s, aligned=True)).splitlines()
    assert header.split() == list(LISTING_COLUMNS)
    quote_at = header.index("quote")
    assert len(lines) == 3
    for line, r in zip(lines, rows, strict=True):
        assert line[quote_at:] == r.quote.replace("\n", " ")
        assert line.split()[:2] == [str(r.id), r.document]
    assert {line.index(" innovation.cell-design") for line in lines} == {
        header.index(" code")}
