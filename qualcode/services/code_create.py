"""A new code made while coding: written into the codebook file (the file stays the source of
truth, its comments and layout kept) and loaded into the project at once."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import CodebookError, ConflictError
from qualcode.formats.codebook_insert import insert_code
from qualcode.formats.codebook_yaml import parse_codebook, read_codebook_text
from qualcode.services.codebook import SyncResult, load_codebook
from qualcode.storage.models import Code


@dataclass
class CreatedCode:
    key: str
    path: str
    warnings: list[str] = field(default_factory=list)
    # Other edits of the file that were not loaded yet came in with it: said, not hidden.
    also_loaded: list[str] = field(default_factory=list)
    sync: SyncResult | None = None


def create_code(
    session: Session,
    path: Path,
    *,
    key: str,
    definition: str,
    actor: str,
    name: str | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    examples: list[str] | None = None,
) -> CreatedCode:
    """Add the code to the file, then load the file. If the new text would not validate, or the
    load fails, the file is left (or put back) exactly as it was and nothing is written."""
    key = key.strip()
    if not definition.strip():
        raise CodebookError("a new code needs a definition: say what it means and when to apply it")
    existing = session.scalars(select(Code).where(Code.key == key)).one_or_none()
    if existing is not None:
        state = "a retired code" if existing.retired else "a code"
        raise ConflictError(f"the project already has {state} {key!r}",
                            hint="pick it in the code list, or choose another key")
    raw = Path(path).read_bytes()
    text = read_codebook_text(path)
    fields: dict[str, str | list[str]] = {
        "name": (name or "").strip(),
        "definition": definition.strip(),
        "include": [r.strip() for r in include or [] if r.strip()],
        "exclude": [r.strip() for r in exclude or [] if r.strip()],
        "examples": [r.strip() for r in examples or [] if r.strip()],
    }
    new_text = insert_code(text, key, fields)
    codebook, problems = parse_codebook(new_text, source=str(path))
    if problems or codebook is None or key not in codebook.by_key():
        first = problems[0].one_line(str(path)) if problems else "the code was not read back"
        raise CodebookError(f"the codebook would not validate with {key!r}: {first}",
                            problems=problems, hint="nothing was written")
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    Path(path).write_bytes(bom + new_text.encode("utf-8"))
    try:
        sync = load_codebook(session, Path(path), actor=actor)
    except BaseException:
        Path(path).write_bytes(raw)
        raise
    warnings = [w.one_line(str(path)) for w in codebook.warnings if w.key == key]
    # A new code shifts the order of the codes after it; that alone is not another edit.
    changed = [k for k, fields in sync.changed.items() if set(fields) != {"sort_order"}]
    others = sorted(set(sync.added + changed + sync.restored + sync.retired + sync.removed)
                    - {key})
    return CreatedCode(key=key, path=str(path), warnings=warnings, also_loaded=others, sync=sync)
