"""The streamed listing behind `codings list`: tab-separated lines piped, aligned columns for the
pager; the same rows as iter_codings, and a quote spanning a line break cleaned in both."""

from __future__ import annotations

from qualcode.services.coding import LISTING_COLUMNS, add_coding, iter_coding_lines, iter_codings
from tests.conftest import CODEBOOK, DEMO, ON_POSTGRES, Project


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


# Every character json's encoder escapes, and some it does not (non-ASCII, U+2028, DEL). NUL
# only on SQLite: PostgreSQL cannot store it in text (qualcode refuses it there in one line).
ODD_QUOTES = [f"control {chr(c)} character" for c in range(1 if ON_POSTGRES else 0, 32)] + [
    'a "quoted" word', "a back\\slash", "tab\tand\nbreak\r\nand \x01 too", "电池 line",
    "line\u2028separator and \x7f", "emoji \U0001F600 and é", '"', "\\", "plain words",
]


def test_json_chunks_are_json_dumps_of_the_rows_whatever_the_quotes_hold(project: Project):
    """Quotes are escaped only when they hold something to escape: each part's quotes are
    searched, and only the ones holding such a character are encoded. Whatever they hold, the
    objects are what json.dumps writes for iter_codings' rows, and parse back to them."""
    import json

    from sqlalchemy import insert, select

    from qualcode.services.coding import iter_coding_json
    from qualcode.storage.models import Code, Coder, Coding, Document

    _coded(project)
    with project.session() as s:
        doc = s.scalars(select(Document)).first()
        code = s.scalars(select(Code).where(~Code.is_dimension)).first()
        coder = s.scalars(select(Coder)).first()
        # Parts of clean quotes, a part with one escaped quote among clean ones, and parts
        # where every quote needs escaping (the listing is read in parts of 2,000).
        quotes = (["clean"] * 2500 + ['one "odd" quote'] + ["clean"] * 1600
                  + ODD_QUOTES * 60)
        # Each quote is the document's text at its coding's offsets, as every write keeps it
        # (listings cut quotes from the text): the quotes are appended to the text here.
        base = len(doc.text)
        doc.text += "".join(quotes)
        starts, at = [], base
        for q in quotes:
            starts.append(at)
            at += len(q)
        s.execute(insert(Coding), [
            {"document_id": doc.id, "code_id": code.id, "coder_id": coder.id, "start": start,
             "end": start + len(q), "origin": "imported", "quote": q, "key_quote": False,
             "memo": q if i % 7 == 0 else None}
            for i, (q, start) in enumerate(zip(quotes, starts, strict=True))])
    with project.session() as s:
        rows = list(iter_codings(s))
        text = ",\n".join(iter_coding_json(s))
    assert len(rows) == len(quotes) + 3
    assert text == ",\n".join(json.dumps(r.as_dict(), ensure_ascii=False) for r in rows)
    parsed = json.loads("[" + text + "]")
    assert [d["quote"] for d in parsed] == [r.quote for r in rows]
    assert set(quotes) <= {d["quote"] for d in parsed}
