"""Several coders at once on one project, as separate processes: coding, removing, reviewing and
two `suggest` runs at the same time, on SQLite (WAL) or on PostgreSQL (make test-pg). Nothing may
fail with "database is locked" or a traceback, no write may be lost or doubled, and the event log
must tell exactly what the final state holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from qualcode.storage import database
from qualcode.storage.models import Coding, Event, Suggestion
from tests.conftest import CODEBOOK, DEMO, ON_POSTGRES, REPO, Project, new_postgres_database

WORKER = Path(__file__).with_name("worker.py")
DOCS = ("interview-03", "interview-10")


def start(project: Project, commands: list[list[str]], coder: str) -> subprocess.Popen:
    env = {**os.environ, "QUALCODE_PROJECT": str(project.folder), "QUALCODE_CODER": coder,
           "QUALCODE_LOCK_WAIT": "600", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(commands)], env=env,
                            cwd=project.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def results(proc: subprocess.Popen) -> list[dict]:
    out, err = proc.communicate(timeout=1800)
    assert proc.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_four_coders_a_reviewer_and_two_suggest_runs_at_once(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", *(str(DEMO / f"{d}.md") for d in DOCS))
    texts = {d: json.loads(project.ok("show", d, "--json"))["text"] for d in DOCS}
    # Codings to be removed while the others work.
    doomed = [
        json.loads(project.ok("code", "add", DOCS[0], "policy.subsidies", "--span",
                              f"{i * 7}:{i * 7 + 5}", "--coder", "early",
                              "--memo", f"note {i}", "--json"))["id"]
        for i in range(6)
    ]
    n = 8
    coders = ("ana", "ben", "chen", "dora")
    plans = {}
    for c, who in enumerate(coders):
        doc = DOCS[c % 2]
        base = 200 + c * 400
        plans[who] = [["code", "add", doc, "strategy.relocation", "--span",
                       f"{base + i * 40}:{base + i * 40 + 30}", "--json"] for i in range(n)]
        assert base + n * 40 < len(texts[doc])
    plans["remover"] = [["code", "remove", str(i), "--yes", "--json"] for i in doomed]
    plans["suggest1"] = [["suggest"]]
    plans["suggest2"] = [["suggest"]]
    plans["reviewer"] = [["suggestions", "accept", "--document", d, "--min-score", "0.0",
                          "--yes", "--json"] for d in DOCS] * 2
    procs = {who: start(project, cmds, who) for who, cmds in plans.items()}
    done = {who: results(p) for who, p in procs.items()}

    for who, runs in done.items():
        assert len(runs) == len(plans[who]), (who, runs)
        for run in runs:
            assert not run["crashed"], run["stderr"]
            assert "Traceback" not in run["stderr"] and "locked" not in run["stderr"], run
            assert run["exit"] == 0, (who, run)

    engine = database.make_engine(project.url)
    try:
        with database.session_scope(engine) as s:
            codings = s.scalars(select(Coding)).all()
            suggestions = s.scalars(select(Suggestion)).all()
            log = s.scalars(select(Event).order_by(Event.id)).all()
            # Every coder's codings, each exactly once, where it was asked for.
            added = {who: [json.loads(r["stdout"])["id"] for r in done[who]] for who in coders}
            for who in coders:
                mine = sorted((c.start, c.end) for c in codings if c.coder.name == who)
                asked = sorted(tuple(map(int, cmd[5].split(":"))) for cmd in plans[who])
                assert mine == asked, who
                assert sorted(c.id for c in codings if c.coder.name == who) == sorted(added[who])
            # The removed ones are gone, and no id was given twice.
            ids = [c.id for c in codings]
            assert not set(doomed) & set(ids) and len(ids) == len(set(ids))
            # Two suggest runs at once did not double anything.
            keys = Counter((x.document_id, x.start, x.end, x.code_id) for x in suggestions)
            assert suggestions and max(keys.values()) == 1
            # The event log replays to exactly the codings stored.
            live: set[int] = set()
            for e in log:
                if e.action == "coding.add":
                    live.add(e.entity_id)
                elif e.action == "suggestion.accept":
                    live.add(e.after["coding_id"])
                elif e.action == "coding.remove":
                    live.discard(e.entity_id)
            assert live == set(ids)
            accepted = [x for x in suggestions if x.status == "accepted"]
            assert {x.coding_id for x in accepted} <= set(ids)
            # Each removal carried its coding's memo into the log.
            removed = {e.entity_id: e.before for e in log if e.action == "coding.remove"}
            assert sorted(removed) == sorted(doomed)
            assert {removed[i]["coding"]["memo"] for i in doomed} == {
                f"note {i}" for i in range(6)}
        if engine.url.get_backend_name() == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    # A third suggest, alone, finds nothing new: the two at once had done it all, once.
    before = len(suggestions)
    project.ok("suggest")
    engine = database.make_engine(project.url)
    try:
        with database.session_scope(engine) as s:
            assert len(s.scalars(select(Suggestion)).all()) == before
    finally:
        engine.dispose()


def test_a_writer_that_cannot_get_the_lock_says_so_in_one_line(project: Project, monkeypatch):
    """While another command holds the write lock past QUALCODE_LOCK_WAIT, a writer gives up
    with one line and changes nothing; readers are not held up at all."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    before = project.snapshot()
    monkeypatch.setenv("QUALCODE_LOCK_WAIT", "1")
    engine = database.make_engine(project.url)
    try:
        with database.session_scope(engine, write=True):  # another command, mid-transaction
            res = project.run("code", "add", "interview-03", "policy.subsidies", "--span",
                              "10:20")
            assert res.exit_code == 1
            *waiting, error = res.stderr.splitlines()
            # "waiting" is said once if it waited past a first try (SQLite's first try alone
            # takes its 2 s busy timeout, longer than this wait).
            assert all(w.startswith("waiting: another qualcode command is writing")
                       for w in waiting) and len(waiting) <= 1
            assert error.startswith("error: the project is busy")
            assert "nothing was changed" in error and "QUALCODE_LOCK_WAIT" in error
            assert "Traceback" not in res.stderr and "locked" not in res.stderr
            assert "interview-03" in project.ok("stats")  # a reader does not wait
    finally:
        engine.dispose()
    assert project.snapshot() == before
    project.ok("code", "add", "interview-03", "policy.subsidies", "--span", "10:20")


def test_two_imports_creating_the_same_new_case_at_once(project: Project, tmp_path: Path):
    """Each import creates the case if it is new: at once, both succeed and there is one case
    holding both documents (on PostgreSQL they used to collide on the unique name)."""
    source = (DEMO / "interview-03.md").read_text(encoding="utf-8")
    assert "case: Firm C" in source
    for i in range(4):
        (tmp_path / f"z-{i}.md").write_text(
            source.replace("case: Firm C", "case: Firm Z") + f"\nInterviewer: Note {i}.\n",
            encoding="utf-8")
    procs = [start(project, [["import", str(tmp_path / f"z-{i}.md")]], f"c{i}")
             for i in range(4)]
    for proc in procs:
        (run,) = results(proc)
        assert run["exit"] == 0 and not run["crashed"], run["stderr"]
    cases = json.loads(project.ok("cases", "list", "--json"))
    assert [(c["name"], c["documents"]) for c in cases] == [("Firm Z", 4)]


def test_a_unique_violation_reaches_the_user_as_one_line(project: Project):
    from sqlalchemy.orm import Session

    from qualcode.errors import ConflictError
    from qualcode.storage.models import Case

    project.ok("import", str(DEMO / "interview-03.md"))
    engine = database.make_engine(project.url)
    try:
        try:
            with database.session_scope(engine, write=True) as s:
                assert isinstance(s, Session)
                s.add(Case(name="Firm C"))
                s.flush()
        except ConflictError as exc:
            assert "nothing was changed" in exc.one_line() and "\n" not in exc.one_line()
        else:
            raise AssertionError("a duplicate case name was stored")
    finally:
        engine.dispose()


def test_a_backup_taken_while_coders_write_is_consistent(project: Project, tmp_path: Path):
    """`backup` while two coders keep adding codings: the restored copy is intact and its event
    log tells exactly the codings it holds (each coding and its event whole, or neither)."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    procs = [start(project, [["code", "add", "interview-03", "strategy.relocation", "--span",
                              f"{base + i * 40}:{base + i * 40 + 30}"] for i in range(10)], who)
             for who, base in (("ana", 100), ("ben", 600))]
    saved = []
    while any(p.poll() is None for p in procs) or not saved:
        n = len(saved)
        project.ok("backup", "-o", str(tmp_path / f"b{n}.backup"))
        saved.append(tmp_path / f"b{n}.backup")
    for proc in procs:
        assert all(r["exit"] == 0 for r in results(proc))
    for n, path in enumerate(saved[:3]):
        url = new_postgres_database() if ON_POSTGRES else None
        project.ok("restore", str(path), str(tmp_path / f"r{n}"), *(["--db", url] if url else []))
        copy = Project(tmp_path / f"r{n}")
        with copy.session() as s:
            ids = set(s.scalars(select(Coding.id)))
            added = {e.entity_id for e in s.scalars(select(Event).where(
                Event.action == "coding.add"))}
            assert ids == added


def test_upgrades_started_at_once_queue_up_and_the_schema_ends_at_head(project: Project):
    """Three `upgrade`s of a project whose schema really is old (migrated down to 0003e): each
    waits for the write lock, the first migrates, the others find the schema at head under the
    lock and leave it; none fails half-way on tables the first already changed."""
    from alembic import command

    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-03.md"))
    project.ok("code", "add", "interview-03", "policy.subsidies", "--span", "10:40")
    engine = database.make_engine(project.url)
    try:
        with engine.connect() as conn:
            if not ON_POSTGRES:  # as upgrade_schema does: batch rebuilds drop tables
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                command.downgrade(database._alembic_config(conn), "0003e")
        assert database.current_revision(engine) == "0003e"
        procs = [start(project, [["upgrade", "--json"]], f"up{i}") for i in range(3)]
        runs = [results(p)[0] for p in procs]
        for run in runs:
            assert not run["crashed"] and "Traceback" not in run["stderr"], run["stderr"]
            assert run["exit"] == 0, run
        assert database.current_revision(engine) == database.head_revision()
    finally:
        engine.dispose()
    listed = json.loads(project.ok("codings", "list", "--json"))
    assert [(c["document"], c["code"]) for c in listed] == [("interview-03", "policy.subsidies")]
