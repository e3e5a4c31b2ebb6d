"""The run manifest as a file: JSON with sorted keys, so equal manifests are equal bytes."""

from __future__ import annotations

import json
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.formats.atomic import write_atomically


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    """Written whole or not at all (formats/atomic.py)."""
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None
