"""build_synthesis ranks quotes from their lengths and reads only the chosen quotes' text: on the
demo (two coders, merged) with key quotes, suggested codings and scores added, every cell shows
exactly the quotes that ranking every counted coding with its whole text gives."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from qualcode.services.counting import counted_codings
from qualcode.services.matrix import coding_filter
from qualcode.services.synthesis import NO_CASE, Quote, build_synthesis, rank_quotes
from qualcode.storage.models import Code, Coder, Coding, Document, Suggestion
from tests.conftest import DEMO_CODING, Project, build_demo_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Project:
    project = build_demo_project(tmp_path_factory.mktemp("quotes") / "proj")
    project.ok("codings", "import", str(DEMO_CODING.parent / "demo-coding-li"))
    with project.session() as s:
        ids = list(s.scalars(select(Coding.id).order_by(Coding.id)))
        s.execute(update(Coding).where(Coding.id.in_(ids[::7])).values(key_quote=True))
        s.execute(update(Coding).where(Coding.id.in_(ids[1::5])).values(origin="suggested"))
        seen = set()  # one suggestion per span and code
        for n, coding in enumerate(s.scalars(select(Coding).where(Coding.id.in_(ids[::3])))):
            span = (coding.document_id, coding.start, coding.end, coding.code_id)
            if span in seen:
                continue
            seen.add(span)
            s.add(Suggestion(
                document_id=coding.document_id, start=coding.start, end=coding.end,
                code_id=coding.code_id, score=(n % 4) / 4, method="lexicon", unit="sentence",
                evidence={}, pipeline="test", codebook_sha256="0" * 64, status="accepted",
                coding_id=coding.id))
    return project


def _by_whole_text(session, coder: str | None, limit: int) -> dict[tuple[str, str], list[Quote]]:
    """The earlier way: a Quote with its text for every counted coding, ranked per cell."""
    filt = coding_filter(session, coder=coder)
    coders = dict(session.execute(select(Coder.id, Coder.name)).all())
    docs = {i: (name, case.name if case else NO_CASE) for i, name, case in (
        (d.id, d.name, d.case) for d in session.scalars(select(Document)))}
    codes = {c.id: (c.key, c.dimension) for c in session.scalars(select(Code))}
    quotes = dict(session.execute(select(Coding.id, Coding.quote)).all())
    scores = dict(session.execute(select(Suggestion.coding_id, Suggestion.score)
                                  .where(Suggestion.coding_id.is_not(None))).all())
    cells: dict[tuple[str, str], list[Quote]] = {}
    for c in counted_codings(session, filt).codings:
        name, case = docs[c.document_id]
        key, dimension = codes[c.code_id]
        cells.setdefault((case, dimension), []).append(Quote(
            document=name, start=c.start, end=c.end, code=key, coder=coders[c.coder_id],
            text=quotes[c.id], key=c.key, origin=c.origin, score=scores.get(c.id),
            coding_id=c.id, coders=[coders[i] for i in c.coders]))
    return {cell: rank_quotes(found, limit) for cell, found in cells.items()}


@pytest.mark.parametrize(("coder", "limit"), [(None, 3), (None, 8), ("wei", 5), ("li", 1)])
def test_each_cell_quotes_what_ranking_the_whole_texts_quotes(demo, coder, limit):
    with demo.session() as s:
        expected = _by_whole_text(s, coder, limit)
        syn = build_synthesis(s, coder=coder, quotes=limit)
    shown = {(row.name, dim): cell.quotes for row in syn.rows for dim, cell in row.cells.items()}
    assert {cell for cell, quotes in shown.items() if quotes} == set(expected)
    for cell, quotes in expected.items():
        assert shown[cell] == quotes, cell
    # The ranking really had keys, scores and suggested codings to order by.
    chosen = [q for quotes in shown.values() for q in quotes]
    assert any(q.text and len(q.text) == q.end - q.start for q in chosen)
    if limit < 3:
        return
    assert any(q.key for q in chosen) and any(q.score for q in chosen)
    assert any(q.origin == "suggested" for q in chosen)
