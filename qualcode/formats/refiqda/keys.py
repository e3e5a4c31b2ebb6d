"""How REFI codes become qualcode codes: which key each gets, and which existing code it is.

The mapping (documented for users in the report of `qualcode refi import`):
- A top-level REFI code becomes a dimension (a root code); nested codes keep their nesting, and a
  code's key is its parent's key, a dot, and a slug of its name ("Cell design" -> cell-design).
  Siblings whose slugs clash get -2, -3...; a name with no Latin letters or digits gets
  "code-" and the first 8 hex digits of its GUID.
- A description ending in "qualcode key: K" (qualcode wrote it) gives back key K, if K fits
  where the code sits in the tree.
- A code is the same as an existing one when its GUID matches (braces and case ignored) or, if
  not, when its key does. Codes that match are never changed by an import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from qualcode.errors import InputError

from .codetext import CodeText, parse
from .model import RefiCode, norm_guid

KEY_MAX = 200  # the width of codes.key
SEGMENT_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60


@dataclass
class PlannedCode:
    code: RefiCode
    key: str
    parent_key: str | None
    text: CodeText  # the description read back into definition/include/exclude/examples
    matched_by: str | None = None  # "guid" or "key" when it is an existing code
    order: int = 0

    @property
    def is_new(self) -> bool:
        return self.matched_by is None


def slug(name: str, guid: str, room: int = SLUG_MAX) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    out = out[: max(room, 1)].rstrip("-")
    return out or "code-" + norm_guid(guid).replace("-", "")[:8]


def _hint_fits(hint: str | None, parent_key: str | None) -> bool:
    if not hint or len(hint) > KEY_MAX:
        return False
    parts = hint.split(".")
    if not all(SEGMENT_RE.fullmatch(p) for p in parts):
        return False
    if parent_key is None:
        return len(parts) == 1
    return hint.rsplit(".", 1)[0] == parent_key


def plan_codes(
    roots: list[RefiCode],
    *,
    existing_by_guid: Mapping[str, str],
    existing_keys: set[str],
    where: str,
) -> list[PlannedCode]:
    """Keys for every code, parents first. `existing_by_guid` maps normalised GUIDs of the
    project's codes to their keys."""
    planned: list[PlannedCode] = []
    used: set[str] = set()  # keys given to codes of this file
    stack: list[tuple[RefiCode, str | None]] = [(code, None) for code in reversed(roots)]
    while stack:
        code, parent_key = stack.pop()
        text = parse(code.description)
        key = existing_by_guid.get(norm_guid(code.guid))
        matched = "guid" if key is not None else None
        if key is None:
            key = _new_key(code, parent_key, text, used, where)
            matched = "key" if key in existing_keys else None
        used.add(key)
        planned.append(PlannedCode(code=code, key=key, parent_key=parent_key, text=text,
                                   matched_by=matched, order=len(planned)))
        stack.extend((child, key) for child in reversed(code.children))
    return planned


def _new_key(code: RefiCode, parent_key: str | None, text: CodeText, used: set[str],
             where: str) -> str:
    if _hint_fits(text.key, parent_key) and text.key not in used:
        assert text.key is not None
        return text.key
    prefix = f"{parent_key}." if parent_key else ""
    room = min(SLUG_MAX, KEY_MAX - len(prefix) - 4)  # 4: room for "-999"
    if room < 8:
        raise InputError(f"code {code.name!r} is nested too deep for a qualcode key "
                         f"({KEY_MAX} characters)", where=where,
                         hint="flatten the code tree in the other program and export again")
    base = prefix + slug(code.name, code.guid, room)
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}-{n}"
    return key
