"""Coded benchmark projects: a synthetic corpus imported by `qualcode import`, then random but
deterministic codings written straight into the database (what hand coding would leave behind
after months, in seconds). Same arguments, same project."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from pathlib import Path

from benchmarks.corpus import write_corpus
from benchmarks.measure import run_command

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"


def fresh_project(folder: Path, *, codebook: bool = True) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    run_command(["init", str(folder)])
    if codebook:
        run_command(["-p", str(folder), "codebook", "load", str(CODEBOOK)])
    return folder


def add_codings(db: Path, codings: int, *, seed: int = 3, coders=("wei", "li", "auto")) -> int:
    """Add `codings` distinct codings on respondent turns, spread over the coders given, in
    batches so memory stays flat however many are asked for; returns how many were added."""
    rng = random.Random(seed)
    with sqlite3.connect(db) as conn:
        codes = [r[0] for r in conn.execute("SELECT id FROM codes WHERE is_dimension = 0")]
        turns = conn.execute("SELECT document_id, start_offset, end_offset FROM turns "
                             "WHERE role = 'respondent' AND end_offset - start_offset >= 40"
                             ).fetchall()
        for name in coders:
            conn.execute("INSERT INTO coders (name, created_at) VALUES (?, ?)",
                         (name, dt.datetime.now(dt.UTC).isoformat()))
        coder_ids = [r[0] for r in conn.execute(
            f"SELECT id FROM coders WHERE name IN ({','.join('?' * len(coders))})", coders)]
        seen: set[tuple] = set()
        batch: list[tuple] = []
        doc_text: tuple[int, str] = (0, "")
        # Turns in document order, a document's text read once: a 10 M-word project does not
        # fit comfortably in a benchmark's memory as a dict of texts.
        picks = sorted(rng.randrange(len(turns)) for _ in range(codings))
        added = 0
        for index in picks:
            doc, start, end = turns[index]
            while True:
                s = rng.randrange(start, end - 30)
                e = min(end, s + rng.randint(30, 300))
                key = (doc, rng.choice(codes), rng.choice(coder_ids), s, e)
                if key not in seen:
                    break
            seen.add(key)
            if doc_text[0] != doc:
                doc_text = (doc, conn.execute("SELECT text FROM documents WHERE id = ?",
                                              (doc,)).fetchone()[0])
            batch.append((*key, rng.choice(["manual", "imported", "suggested"]),
                          doc_text[1][s:e], int(rng.random() < 0.05)))
            if len(batch) >= 20_000:
                added += _flush(conn, batch)
        added += _flush(conn, batch)
    return added


def _flush(conn: sqlite3.Connection, batch: list[tuple]) -> int:
    conn.executemany(
        "INSERT INTO codings (document_id, code_id, coder_id, start_offset, end_offset, "
        "origin, quote, key_quote, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "'2026-01-01T00:00:00')", batch)
    n = len(batch)
    batch.clear()
    return n


def coded_project(folder: Path, corpus: Path, *, interviews: int, words_each: int,
                  codings: int, seed: int = 11) -> tuple[Path, int]:
    """A project of `interviews` synthetic interviews (5 to a case) with `codings` codings;
    returns the project folder and the corpus's words."""
    shutil.rmtree(corpus, ignore_errors=True)
    words = write_corpus(corpus, interviews=interviews, words_each=words_each, seed=seed)
    fresh_project(folder)
    run_command(["-p", str(folder), "import", str(corpus)])
    add_codings(folder / "qualcode.db", codings)
    return folder, words
