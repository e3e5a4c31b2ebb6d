"""Reading a transcript file's bytes safely, and what every format reader hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.domain import TranscriptMeta, Turn
from qualcode.errors import InputError

# Interview transcripts are a few hundred KB; anything this big is a wrong file, and reading it
# whole (offsets need the whole text in memory) would hurt.
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class ReaderOutput:
    """A format reader's result, before names and hashes are added by read_transcript."""

    text: str
    encoding: str
    encoding_detected: bool
    newlines_normalised: bool
    meta: TranscriptMeta = field(default_factory=TranscriptMeta)
    name: str | None = None  # a document name the file itself asks for
    turns: list[Turn] | None = None  # None: detect turns in `text`
    warnings: list[str] = field(default_factory=list)


def read_source_bytes(path: Path, *, where: str) -> bytes:
    try:
        if not path.exists():
            raise InputError("no such file", where=where, hint="check the path")
        if not path.is_file():
            raise InputError("not a regular file", where=where, hint="give a transcript file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"the file is {size / 1024 / 1024:.1f} MB; transcripts are limited "
                             f"to {MAX_BYTES // 1024 // 1024} MB", where=where,
                             hint="split the transcript or check that this is the right file")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", where=where,
                         hint="check its permissions") from None
