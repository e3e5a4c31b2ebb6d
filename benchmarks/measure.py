"""Timing helpers: wall time and peak memory of a command run in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
PEAK = Path(__file__).with_name("peak.py")


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str
    cpu: float = 0.0  # user + system CPU seconds of the child (wait4): load barely inflates it


def run_command(args: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run `qualcode ARGS` in a child process (see run_process for the peak memory)."""
    return run_process([str(BIN / "qualcode"), *args], cwd=cwd, env=env)


def run_process(argv: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run ARGV through benchmarks/peak.py, which reports the command's own peak resident
    memory and CPU time (wait4): from this process, which may hold a large project's worth of
    data, Linux would add our own peak to the child's."""
    if env is None:
        # As a user runs it: Python keeps compiled modules (.pyc). With PYTHONDONTWRITEBYTECODE
        # set (as in some sandboxes) qualcode's own modules were compiled from source on every
        # run, while the baseline's (installed packages) were not.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as report:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-S", str(PEAK), report.name, *argv], cwd=cwd,
                              stdout=out, stderr=err, env=env, check=False)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        try:
            usage = json.loads(Path(report.name).read_text(encoding="utf-8"))
        except ValueError:
            usage = {"returncode": proc.returncode, "peak_mb": 0.0, "cpu": 0.0}
        if usage["returncode"] != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {err.read().decode()[:800]}")
        return Run(seconds=seconds, peak_mb=usage["peak_mb"], stdout=out.read().decode(),
                   cpu=usage["cpu"])


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value
