"""SIGKILL in the middle of a command (real processes, killed while they hold the project's write
lock, i.e. inside their transaction): the database passes its integrity check, holds all or none
of the command's work, and running the command again completes it. A killed export leaves the
target untouched and its temporary file is gone after the next export."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from qualcode.storage import database
from qualcode.storage.models import Code, Coding, Document, Suggestion
from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, REPO, Project


def _start(project: Project, *args: str) -> subprocess.Popen:
    env = {**os.environ, "QUALCODE_PROJECT": str(project.folder), "QUALCODE_CODER": "tester",
           "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "qualcode", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _writing(project: Project) -> bool:
    """Does some command hold the project's write lock right now?"""
    engine = database.make_engine(project.url)
    try:
        path = database.sqlite_path(engine)
        if path is not None:
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
        with engine.connect() as conn:
            return bool(conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                f"AND classid = {database.PG_LOCK_CLASS}").scalar())
    finally:
        engine.dispose()


def kill_while_writing(project: Project, *args: str) -> None:
    """Start the command, wait until it is inside its transaction, let it work a moment, and
    SIGKILL it. Fails if the command ended before it could be killed (too little work)."""
    proc = _start(project, *args)
    deadline = time.monotonic() + 300
    while not _writing(project):
        assert proc.poll() is None, f"{args} ended before it wrote: {proc.stderr.read()}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(random.uniform(0.05, 0.3))
    assert proc.poll() is None, f"{args} finished before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def intact(project: Project) -> None:
    engine = database.make_engine(project.url)
    try:
        if database.sqlite_path(engine) is not None:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
    project.ok("stats")


def count(project: Project, model) -> int:
    with project.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_killed_import_of_a_large_folder_leaves_all_or_none(project: Project, tmp_path: Path):
    folder = tmp_path / "many"
    folder.mkdir()
    texts = sorted(DEMO.glob("interview-*.md"))
    for i in range(48):
        # Bytes: one demo file is GB18030; the additions are ASCII, valid in either encoding.
        source = texts[i % len(texts)].read_bytes()
        body = source.replace(b"case: ", f"case: Batch {i} ".encode(), 1)
        (folder / f"batch-{i:02d}.md").write_bytes(body + f"\nInterviewer: Note {i}.\n".encode())
    kill_while_writing(project, "import", str(folder))
    intact(project)
    assert count(project, Document) in (0, 48)
    project.ok("import", str(folder))
    assert count(project, Document) == 48


def test_a_killed_codebook_load_and_codings_import_leave_all_or_none(project: Project):
    kill_while_writing(project, "codebook", "load", str(CODEBOOK))
    intact(project)
    assert count(project, Code) == 0
    project.ok("codebook", "load", str(CODEBOOK))
    codes = count(project, Code)
    assert codes > 0
    project.ok("import", str(DEMO))
    kill_while_writing(project, "codings", "import", str(DEMO_CODING))
    intact(project)
    assert count(project, Coding) == 0
    project.ok("codings", "import", str(DEMO_CODING))
    assert count(project, Coding) > 0 and count(project, Code) == codes


def test_a_killed_suggest_leaves_none_and_a_rerun_completes(project: Project):
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO))
    kill_while_writing(project, "suggest")
    intact(project)
    assert count(project, Suggestion) == 0
    project.ok("suggest")
    made = count(project, Suggestion)
    assert made > 0
    project.ok("suggest")  # complete: nothing left to add
    assert count(project, Suggestion) == made


def test_a_killed_refi_export_leaves_no_partial_file(coded_project: Project, tmp_path: Path):
    target = tmp_path / "out" / "project.qdpx"
    target.parent.mkdir()
    target.write_bytes(b"the previous export")
    # A writer killed with its temporary file half-written (the window in a real export is a few
    # milliseconds: this process holds it open until killed).
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; "
         "from qualcode.formats.atomic import atomic_target\n"
         "with atomic_target(Path(sys.argv[1])) as tmp:\n"
         "    tmp.write_bytes(b'PK half a zip'); print('ready', flush=True); time.sleep(600)",
         str(target)],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    left = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert len(left) == 1 and left[0].startswith(".project.qdpx.") and left[0].endswith(".tmp")
    # And real exports killed at random moments.
    for delay in (0.5, 1.5, 3.0):
        proc = _start(coded_project, "refi", "export", "-o", str(target), "--force")
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        data = target.read_bytes()  # never half a file under its name
        assert data == b"the previous export" or zipfile.ZipFile(target).testzip() is None
    # Whatever is left beside the target is a temporary (none at all when the last export was
    # not killed in time: it finished and swept the killed writers' temporaries away).
    partial = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert all(n.startswith(".project.qdpx.") and n.endswith(".tmp") for n in partial)
    out = json.loads(coded_project.ok("refi", "export", "-o", str(target), "--force", "--json"))
    assert [p.name for p in target.parent.iterdir()] == ["project.qdpx"]
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None and "project.qde" in archive.namelist()
    assert out["codings"] > 0
