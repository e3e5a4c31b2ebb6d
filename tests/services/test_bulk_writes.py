"""Bulk writes (services/bulk.py): REFI-QDA import, codings import and bulk review decisions
write codings and their audit events in batches, one statement per batch instead of one per
coding, and leave the same codings and the same undoable events as before. Statements are
counted on the real SQLite engine the import runs on."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

from sqlalchemy import event, select

from qualcode.services import history
from qualcode.services.codings_io import import_coding_files
from qualcode.services.refi_export import export_project
from qualcode.services.refi_import import import_refi
from qualcode.services.review import decide_many
from qualcode.storage import database
from qualcode.storage.models import Code, Coder, Coding, Document, Event, Suggestion
from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, Project, new_project


@contextlib.contextmanager
def counted(project: Project):
    """A session on the project whose INSERT/UPDATE statements are counted by target table
    (an executemany counts once, as it is one statement sent with many rows)."""
    engine = database.make_engine(project.url)
    counts: Counter = Counter()

    def count(conn, cursor, statement, params, context, executemany):
        words = statement.split()
        if words[0] in ("INSERT", "UPDATE"):
            table = words[2] if words[0] == "INSERT" else words[1]
            counts[(words[0], table)] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        with database.session_scope(engine) as session:
            yield session, counts
    finally:
        engine.dispose()


def _coded(project: Project, n: int) -> None:
    """n codings on interview-03 by three coders, straight through the coding service."""
    from qualcode.services.coding import add_coding

    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    with project.session() as s:
        codes = [c.key for c in s.scalars(select(Code).where(Code.is_dimension.is_(False)))]
        for i in range(n):
            add_coding(s, document="interview-03", code=codes[i % len(codes)],
                       coder=("wei", "li", "an")[i % 3], actor="tester",
                       span=(i * 20, i * 20 + 15))


def test_refi_import_writes_codings_and_events_in_batches(project: Project, tmp_path: Path):
    _coded(project, 300)
    archive = tmp_path / "p.qdpx"
    with project.session() as s:
        export_project(s, archive)
    fresh = new_project(tmp_path / "fresh")
    with counted(fresh) as (session, counts):
        report = import_refi(session, archive, actor="tester")
    assert report.codings_added == 300
    # One multi-row INSERT per 1,000 codings at most; one executemany for their 300 events.
    assert counts[("INSERT", "codings")] == 1
    assert counts[("INSERT", "events")] <= 1 + report.dimensions_added + len(report.codes_added)
    with fresh.session() as s:
        codings = {c.id: c for c in s.scalars(select(Coding))}
        events = list(s.scalars(select(Event).where(Event.action == "coding.import")))
        assert len(codings) == 300 and len(events) == 300
        assert {e.entity_id for e in events} == set(codings)
        doc_id = s.scalars(select(Document.id)).one()
        for e in events:  # each event names its own coding, as an undo needs it
            c = codings[e.entity_id]
            assert (e.after["document"], e.after["code"], e.after["coder"], e.after["start"],
                    e.after["end"]) == ("interview-03", c.code.key, c.coder.name, c.start,
                                        c.end)
            assert e.document_id == doc_id and e.at is not None and e.before is None
        gone = events[17]
        history.undo_event(s, gone, actor="tester")
        assert s.get(Coding, gone.entity_id) is None
    assert len(fresh.snapshot()["codings"]) == 299


def test_codings_import_batches_and_a_reimport_adds_nothing(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-01.md"))
    coding_file = DEMO_CODING / "interview-01.yaml"
    with counted(project) as (session, counts):
        result = import_coding_files(session, [coding_file], actor="tester")
    assert result.added > 20 and result.skipped == 0
    # One statement for the codings, one for their events (each summary has an event of its
    # own, written as before).
    assert counts[("INSERT", "codings")] == 1
    assert counts[("INSERT", "events")] == 1 + result.summaries
    with project.session() as s:
        events = list(s.scalars(select(Event).where(Event.action == "coding.import")))
        ids = set(s.scalars(select(Coding.id)))
        assert len(events) == result.added and {e.entity_id for e in events} == ids
        assert all(e.after["coder"] == "wei" and e.after["document"] == "interview-01"
                   for e in events)
    before = project.snapshot()
    with counted(project) as (session, counts):
        again = import_coding_files(session, [coding_file], actor="tester")
    assert again.added == 0 and again.skipped == result.added
    assert counts[("INSERT", "codings")] == 0
    assert project.snapshot() == before


def test_bulk_accept_in_batches_leaves_overlaps_pending(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    with project.session() as s:
        doc = s.scalars(select(Document)).one()
        relocation = s.scalars(select(Code).where(Code.key == "strategy.relocation")).one()
        other = s.scalars(select(Code).where(Code.key == "policy.subsidies")).one()
        for code, start, end in ((relocation, 100, 160), (relocation, 150, 200),
                                 (other, 150, 200), (relocation, 300, 340)):
            s.add(Suggestion(document_id=doc.id, code_id=code.id, start=start, end=end,
                             score=0.9, method="lexicon", unit="sentence", evidence={},
                             pipeline="test", codebook_sha256="x", status="pending"))
    with counted(project) as (session, counts):
        done = decide_many(session, "accept", coder="wei", status="pending")
    # The second relocation span overlaps the first one accepted: it stays pending.
    assert sorted((d.code, d.start) for d in done) == [
        ("policy.subsidies", 150), ("strategy.relocation", 100), ("strategy.relocation", 300)]
    assert counts[("INSERT", "codings")] == 1 and counts[("INSERT", "events")] == 1
    assert counts[("UPDATE", "suggestions")] == 1
    with project.session() as s:
        wei = s.scalars(select(Coder).where(Coder.name == "wei")).one()
        by_start = {(x.code.key, x.start): x for x in s.scalars(select(Suggestion))}
        assert by_start[("strategy.relocation", 150)].status == "pending"
        for d in done:
            sug = s.get(Suggestion, d.suggestion_id)
            coding = s.get(Coding, d.coding_id)
            assert sug.status == "accepted" and sug.coding_id == coding.id
            assert sug.decided_by_id == wei.id and coding.origin == "suggested"
            assert coding.quote == doc.text[d.start:d.end]
    project.ok("undo", "3", "--coder", "wei")
    with project.session() as s:
        assert s.scalars(select(Coding)).all() == []
        assert {x.status for x in s.scalars(select(Suggestion))} == {"pending"}
