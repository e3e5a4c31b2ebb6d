"""Timing helpers: wall time and peak memory of a command run in its own process."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
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


def run_in_terminal(args: list[str], *, pager: str, rows: int = 50, cols: int = 200,
                    env: dict | None = None) -> Run:
    """Run `qualcode ARGS` with its standard streams on a pseudo-terminal of ROWS x COLS, so it
    takes the path a person at a terminal gets (a table, or the pager for a long listing), with
    $PAGER set to PAGER. What the terminal receives is read (and kept as `stdout`) as it comes,
    so the command never waits for a full terminal. CPU time and peak memory as run_process
    (the CPU time of the command includes its pager's: the command waits for it)."""
    env = dict(env if env is not None else os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env["PAGER"] = pager
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    received = bytearray()
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-S", str(PEAK), report.name,
                                 str(BIN / "qualcode"), *args],
                                stdin=slave, stdout=slave, stderr=slave, env=env,
                                start_new_session=True)
        os.close(slave)
        while True:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: every writer of the terminal has gone
                break
            if not data:
                break
            received += data
        proc.wait()
        seconds = time.perf_counter() - started
        os.close(master)
        try:
            usage = json.loads(Path(report.name).read_text(encoding="utf-8"))
        except ValueError:
            usage = {"returncode": proc.returncode, "peak_mb": 0.0, "cpu": 0.0}
    text = received.decode("utf-8", errors="replace")
    if usage["returncode"] != 0:
        raise SystemExit(f"qualcode {' '.join(args)} failed on a terminal: {text[-800:]}")
    return Run(seconds=seconds, peak_mb=usage["peak_mb"], stdout=text, cpu=usage["cpu"])


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value
