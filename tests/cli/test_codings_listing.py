"""`codings list` as each reader gets it: tab-separated lines piped (every field whole), the same
rows as JSON (exactly what json.dumps writes for each row), and on a terminal the aligned columns
through the pager, every row of a listing longer than the screen. Quotes with tabs, line breaks,
double quotes, backslashes and Chinese; a memo, a key quote, a flagged coding, a document without
a case; and enough codings that the listing is read in several parts."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from qualcode.services.coding import LISTING_COLUMNS, add_coding, iter_codings
from qualcode.storage.models import Code, Coder, Coding, CodingFlag, Document
from tests.conftest import SMALL_CODEBOOK, Project

LONG = " ".join(f"word{i}" for i in range(120))  # a quote far wider than any screen
ODD = (
    "---\ntitle: Odd characters (synthetic)\ncase: Firm Z\nlanguage: en\n"
    "interviewer_labels: [Interviewer]\n---\n"
    "Interviewer: Tell us about the plant.\n\n"
    'Ms. Wu: She said "no" and left\\then came back. The 电池 line\tstopped.\n'
    f"And went on. {LONG}\n"
)
NO_CASE = "Interviewer: Hello.\n\nMr. Li: No case here, only a plant and its cell line.\n"
BULK = 4_100  # more than two of the parts the listing is read in


def _project(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "book.yaml"
    book.write_text(SMALL_CODEBOOK, encoding="utf-8")
    (tmp_path / "odd.md").write_text(ODD, encoding="utf-8")
    (tmp_path / "nocase.txt").write_text(NO_CASE, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    project.ok("import", str(tmp_path / "odd.md"), str(tmp_path / "nocase.txt"))
    with project.session() as s:
        odd = s.scalars(select(Document).where(Document.name == "odd")).one().text
        quoted = odd.index('She said "no"')
        tab = odd.index("\t")
        long_at = odd.index(LONG)
        first = add_coding(s, document="odd", code="innovation.cell-design", coder="wei",
                           actor="t", span=(quoted, tab + 8), key=True,
                           memo='a memo with "quotes"\nover two lines')
        add_coding(s, document="odd", code="policy.subsidies", coder="li", actor="t",
                   span=(tab - 10, long_at + len(LONG)))  # a line break and a long quote
        add_coding(s, document="nocase", code="strategy.relocation", coder="li", actor="t",
                   quote="only a plant")
        s.add(CodingFlag(coding_id=first.id, reason="not found in the revised text",
                         old_start=1, old_end=5, old_quote="old\tquote"))
        # Many more, straight into the table, so the listing spans several parts.
        doc = s.scalars(select(Document).where(Document.name == "nocase")).one()
        pairs = [(code, coder) for code in s.scalars(select(Code).where(~Code.is_dimension))
                 for coder in s.scalars(select(Coder).where(Coder.name == "wei"))]
        spans = [(a, b) for a in range(70) for b in range(a + 1, 71)]
        at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
        s.execute(insert(Coding), [
            {"document_id": doc.id, "code_id": pairs[i % len(pairs)][0].id,
             "coder_id": pairs[i % len(pairs)][1].id, "start": spans[i // len(pairs)][0],
             "end": spans[i // len(pairs)][1], "origin": "imported",
             "quote": doc.text[spans[i // len(pairs)][0]:spans[i // len(pairs)][1]],
             "key_quote": False, "created_at": at}
            for i in range(BULK)])
    return project


@pytest.fixture
def listed(project: Project, tmp_path: Path) -> Project:
    return _project(project, tmp_path)


def _rows(project: Project, **filters) -> list:
    with project.session() as s:
        return list(iter_codings(s, **filters))


def _tsv(r) -> list[str]:
    clean = str.maketrans({"\t": " ", "\n": " ", "\r": " "})
    return [str(r.id), r.document, r.case or "", r.code, "key" if r.key else "", r.coder,
            r.origin, str(r.start), str(r.end), r.quote.translate(clean)]


def test_piped_listing_is_tab_separated_with_every_quote_whole(listed: Project):
    rows = _rows(listed)
    assert len(rows) == BULK + 3
    header, *lines = listed.ok("codings", "list").split("\n")[:-1]
    assert header.split("\t") == list(LISTING_COLUMNS)
    assert [line.split("\t") for line in lines] == [_tsv(r) for r in rows]
    long_line = next(line for line in lines if LONG in line)
    assert long_line.endswith(LONG) and len(long_line) > 800  # not cut to the screen
    odd = [line for line in lines if "\todd\t" in line]
    assert odd[0].split("\t")[9].startswith('She said "no" and left\\then came back.')
    assert "\tkey\t" in odd[0] and "line stopped" in odd[0]  # the quote's tab became a space
    nocase = [line.split("\t") for line in lines if "\tnocase\t" in line]
    assert len(nocase) == BULK + 1 and {f[2] for f in nocase} == {""}


def _dumped(rows) -> str:
    if not rows:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r.as_dict(), ensure_ascii=False) for r in rows) + "\n]\n"


def test_json_is_exactly_the_rows(listed: Project):
    out = listed.ok("codings", "list", "--json")
    rows = _rows(listed)
    assert out == _dumped(rows)
    data = json.loads(out)
    assert [d["id"] for d in data] == [r.id for r in rows] and len(data) == BULK + 3
    first = next(d for d in data if d["document"] == "odd" and d["key"])
    assert first["quote"].startswith('She said "no" and left\\then came back. The 电池 line\t')
    assert first["memo"] == 'a memo with "quotes"\nover two lines'
    assert first["case"] == "Firm Z" and first["dimension"] == "innovation"
    assert first["flag"] == {"reason": "not found in the revised text", "old_start": 1,
                             "old_end": 5, "old_quote": "old\tquote"}
    assert '"quote": "She said \\"no\\" and left\\\\then came back. The 电池 line\\t' in out
    bulk = [d for d in data if d["document"] == "nocase"]
    assert {d["case"] for d in bulk} == {None} and {d["flag"] for d in bulk} == {None}
    assert sum(d["created_at"].startswith("2026-01-02T03:04:05") for d in bulk) == BULK


@pytest.mark.parametrize("args, filters", [
    (["--case", "Firm Z"], {"case": "Firm Z"}),
    (["--document", "nocase", "--limit", "2500"], {"document": "nocase", "limit": 2500}),
    (["--code", "innovation"], {"code": "innovation"}),
    (["--dimension", "policy"], {"dimension": "policy"}),
    (["--by", "li"], {"coder": "li"}),
    (["--blind", "--coder", "li"], {"blind_for": "li"}),
    (["--origin", "manual"], {"origin": "manual"}),
    (["--flagged"], {"flagged": True}),
    (["--origin", "suggested"], {"origin": "suggested"}),
])
def test_filters_give_the_same_rows_piped_and_as_json(listed: Project, args, filters):
    rows = _rows(listed, **filters)
    assert listed.ok("codings", "list", "--json", *args) == _dumped(rows)
    if "--flagged" not in args:  # flagged codings have columns of their own (below)
        lines = listed.ok("codings", "list", *args).split("\n")[1:-1]
        assert [line.split("\t") for line in lines] == [_tsv(r) for r in rows]


def test_flagged_codings_piped_are_tab_separated_with_the_old_span_whole(listed: Project):
    (row,) = _rows(listed, flagged=True)
    header, *lines = listed.ok("codings", "list", "--flagged").split("\n")[:-1]
    assert header.split("\t") == ["id", "document", "code", "coder", "old_start", "old_end",
                                   "old_quote", "start", "end", "quote", "reason"]
    assert [line.split("\t") for line in lines] == [[
        str(row.id), "odd", "innovation.cell-design", "wei", "1", "5", "old quote",
        str(row.start), str(row.end), row.quote.replace("\t", " "),
        "not found in the revised text"]]
    assert len(row.quote) > 40  # the terminal's table clips it; piped it is whole


def test_a_refused_filter_prints_only_its_error(listed: Project):
    for extra in ([], ["--json"]):
        res = listed.run("codings", "list", "--origin", "nope", *extra)
        assert res.exit_code == 1 and res.stdout == ""
        assert res.stderr.startswith("error: unknown origin 'nope'")


def _on_a_terminal(project: Project, tmp_path: Path, *args: str) -> tuple[str, str]:
    """Run `qualcode ARGS` on a 24 x 100 pseudo-terminal with a pager that copies what it is
    given to a file; return what the terminal showed and what the pager got."""
    paged = tmp_path / "paged.txt"
    env = {**os.environ, "QUALCODE_CODER": "tester", "PAGER": f"cat > {paged}"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "qualcode", "-p", str(project.folder), *args],
                            stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:
            break
        if not data:
            break
        shown += data
    assert proc.wait(timeout=120) == 0, shown.decode(errors="replace")
    os.close(master)
    text = paged.read_text(encoding="utf-8") if paged.exists() else ""
    return shown.decode("utf-8", errors="replace"), text


def test_a_long_listing_on_a_terminal_goes_whole_through_the_pager(listed: Project,
                                                                  tmp_path: Path):
    shown, paged = _on_a_terminal(listed, tmp_path, "codings", "list")
    rows = _rows(listed)
    title, header, *lines = paged.split("\n")[:-1]
    assert title == "Codings" and header.split() == list(LISTING_COLUMNS)
    assert len(lines) == len(rows) == BULK + 3
    quote_at = header.index("quote")
    code_at = header.index(" code") + 1
    clean = str.maketrans({"\t": " ", "\n": " ", "\r": " "})
    for line, r in zip(lines, rows, strict=True):
        assert line[quote_at:] == r.quote.translate(clean)  # whole, however long
        assert line.split()[:2] == [str(r.id), r.document]
        assert line[code_at:].startswith(r.code + " ")
    assert "word119" not in shown  # the pager got the rows, not the terminal


def test_no_pager_on_a_terminal_prints_the_same_columns(listed: Project, tmp_path: Path):
    shown, paged = _on_a_terminal(listed, tmp_path, "codings", "list", "--no-pager")
    assert paged == ""
    _, through_pager = _on_a_terminal(listed, tmp_path, "codings", "list")
    assert shown.replace("\r\n", "\n") == through_pager


@pytest.mark.parametrize("listing", ["rows", "lines", "json"])
def test_a_listing_reads_the_covering_index_never_the_codings_rows(listed: Project, listing):
    """On SQLite, every query a listing of codings runs on the codings table reads an index
    alone: the listing's order and columns from ix_codings_document, memos from the partial
    ix_codings_memo. Visiting the rows (scattered through the table in the order codings were
    made) was half the time of listing 200,000 codings."""
    if not listed.url.startswith("sqlite"):
        pytest.skip("reads SQLite's query plans")
    from qualcode.services.coding import iter_coding_json, iter_coding_lines

    run = {"rows": iter_codings, "lines": iter_coding_lines, "json": iter_coding_json}[listing]
    statements: list[str] = []
    with listed.session() as s:
        driver = s.connection().connection.driver_connection
        driver.set_trace_callback(statements.append)
        assert sum(1 for _ in run(s)) > 0
        driver.set_trace_callback(None)
        plans = {sql: " / ".join(row[3] for row in driver.execute("EXPLAIN QUERY PLAN " + sql))
                 for sql in statements if "FROM codings" in sql}
    listing_plans = [p for sql, p in plans.items() if "ORDER BY codings.document_id" in sql]
    assert listing_plans, plans
    for sql, plan in plans.items():
        assert "COVERING INDEX ix_codings_document" in plan or "ix_codings_memo" in plan \
            or plan.startswith("SEARCH codings USING INTEGER PRIMARY KEY"), (sql, plan)
    for plan in listing_plans:  # one scan, or one search per document
        assert plan.startswith(("SCAN codings USING COVERING INDEX ix_codings_document",
                                "SEARCH codings USING COVERING INDEX ix_codings_document")), plan


def test_a_short_listing_too_wide_for_one_line_a_field_is_paged_not_folded(project: Project,
                                                                        tmp_path: Path):
    # Four suggestions fit the 24 lines, but their sentences do not fit 100 columns beside the
    # other fields: a table then folded each sentence into a narrow column, a word a line. They
    # go through the pager as aligned columns, each sentence whole on its line.
    from tests.cli.test_suggest_cmds import MINI, TRANSCRIPT

    (tmp_path / "mini.yaml").write_text(MINI, encoding="utf-8")
    (tmp_path / "li.txt").write_text(TRANSCRIPT, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "mini.yaml"))
    project.ok("import", str(tmp_path / "li.txt"))
    project.ok("suggest")
    rows = json.loads(project.ok("suggestions", "list", "--json"))
    assert 1 < len(rows) < 10
    shown, paged = _on_a_terminal(project, tmp_path, "suggestions", "list")
    assert "┏" not in shown and "│" not in shown
    lines = paged.split("\n")[:-1]
    header = next(line for line in lines if line.startswith("id "))
    body = lines[lines.index(header) + 1:]
    assert len(body) == len(rows)
    for line, row in zip(body, rows, strict=True):
        assert line.endswith(row["text"]) and line.split()[0] == str(row["id"])
    # the documents, one short line each, still make a table on the terminal
    (tmp_path / "paged.txt").unlink()
    shown, paged = _on_a_terminal(project, tmp_path, "documents", "list")
    assert paged == "" and "┏" in shown and "│ li " in shown
