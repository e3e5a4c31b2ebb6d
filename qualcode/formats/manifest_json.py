"""The run manifest as a file: JSON with sorted keys, so equal manifests are equal bytes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from qualcode.errors import QualcodeError


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename, so a refused or failed write leaves nothing half
    written."""
    tmp = path.with_name(f".{path.name}.qualcode-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None
