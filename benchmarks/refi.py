"""REFI-QDA import beside qc's (`pip install qualitative-coding`, the `qc` command), on the same
.qdpx of 50,000 codings exported by qualcode. qc lives in its own venv under benchmarks/_work
(it is not a dependency of qualcode); it is run with PYTHONBREAKPOINT=0 because its REFI reader
has a stray breakpoint(). The two imports alternate, three times each; medians."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import Run, run_command, run_process
from benchmarks.projects import coded_project, fresh_project

QC_PACKAGE = "qualitative-coding"


def qc_binary(work: Path) -> tuple[Path | None, str]:
    """qc from its own venv under `work`, installed on first use; (None, why) if it cannot be."""
    venv = work / "qc-venv"
    qc = venv / "bin" / "qc"
    if not qc.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                           capture_output=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", QC_PACKAGE],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"`pip install {QC_PACKAGE}` failed: {exc}"
    version = subprocess.run([str(qc), "version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    return qc, version


def _qc_import(qc: Path, archive: Path, folder: Path) -> Run:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)  # qc imports into the (empty) current folder
    env = {**os.environ, "PYTHONBREAKPOINT": "0"}
    return run_process([str(qc), "init", "--import", str(archive)], cwd=folder, env=env)


def _our_import(archive: Path, folder: Path) -> Run:
    fresh_project(folder, codebook=False)
    return run_command(["-p", str(folder), "refi", "import", str(archive), "--json"])


def bench_refi(work: Path, row, *, codings: int = 50_000, interviews: int = 200,
               repeat: int = 3) -> tuple[list[dict], str]:
    """Rows for the results table, and a note on qc (its version, or why it did not run)."""
    source, words = coded_project(work / "refi-source", work / "corpus-refi",
                                  interviews=interviews, words_each=2500, codings=codings)
    archive = work / "refi-bench.qdpx"
    archive.unlink(missing_ok=True)
    run_command(["-p", str(source), "refi", "export", "-o", str(archive)])
    label = f"{interviews} sources, {words:,} words, {codings:,} codings"
    qc, note = qc_binary(work)
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(_our_import(archive, work / "refi-ours"))
        if qc is not None:
            try:
                theirs.append(_qc_import(qc, archive, work / "refi-qc"))
            except SystemExit as exc:  # qc refused or crashed: say so, keep ours
                qc, note = None, f"qc failed: {str(exc)[:300]}"

    def median(runs: list[Run], attr: str) -> float:
        return sorted(getattr(r, attr) for r in runs)[len(runs) // 2]

    rows = []
    if theirs:
        rows.append(row("refi import (.qdpx -> database)", label, median(ours, "seconds"),
                        f"qc {note} `qc init --import`", median(theirs, "seconds"),
                        median(ours, "peak_mb"), lower_is_better=True))
        rows.append(row("refi import, CPU seconds", label, median(ours, "cpu"),
                        "qc, CPU seconds", median(theirs, "cpu"), None, lower_is_better=True))
    else:
        rows.append(row("refi import (.qdpx -> database)", label, median(ours, "seconds"),
                        "qc could not run (see RESULTS.md)", float("nan"),
                        median(ours, "peak_mb"), lower_is_better=True))
    return rows, note
