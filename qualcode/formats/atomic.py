"""Files written whole or not at all: beside the target under a hidden temporary name, then
renamed over it (atomic within one folder). A command killed half-way leaves the target as it
was; its temporary file (`.NAME.PID.HEX.tmp`) is removed by the next write of the same target
once that process is gone, so no stray partial file stays around."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from qualcode.processes import alive


def clean_stale(path: Path) -> int:
    """Remove the temporary files that killed writers of `path` left; returns how many."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[0-9a-f]+\.tmp$")
    removed = 0
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return 0
    for sibling in siblings:
        match = pattern.match(sibling.name)
        if match and not alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                sibling.unlink()
                removed += 1
    return removed


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path to write; renamed to `path` when the block ends, removed if it fails."""
    path = Path(path)
    clean_stale(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_target(Path(path)) as tmp:
        # os.open with 0o666 lets the umask decide the mode, as for any file the user writes.
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
