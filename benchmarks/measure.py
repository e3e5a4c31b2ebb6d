"""Timing helpers: wall time and peak memory of a command run in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str
    cpu: float = 0.0  # user + system CPU seconds of the child (wait4): load barely inflates it


def run_command(args: list[str], *, cwd: Path | None = None) -> Run:
    """Run `qualcode ARGS` in a child process. Peak memory comes from wait4, so it is that
    child's own maximum resident set, not the benchmark's."""
    return run_process([str(BIN / "qualcode"), *args], cwd=cwd)


def run_process(argv: list[str], *, cwd: Path | None = None) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {err.read().decode()[:800]}")
        return Run(seconds=seconds, peak_mb=usage.ru_maxrss / 1024, stdout=out.read().decode(),
                   cpu=usage.ru_utime + usage.ru_stime)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value
