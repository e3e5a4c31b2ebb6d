"""Finding a code from a few typed letters: for the recode prompt in `review` (and a full-screen
coder). Pure ranking over the project's codes; no terminal here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.storage.models import Code


@dataclass(frozen=True)
class CodeChoice:
    key: str
    name: str
    definition: str
    # The codebook's translations (names, definitions), searched like the name and definition.
    other_names: tuple[str, ...] = ()
    other_definitions: tuple[str, ...] = ()


def choices(session: Session) -> list[CodeChoice]:
    """Codes one can code with: not retired, not dimensions, in codebook order."""
    out = []
    for k, n, d, translations in session.execute(
            select(Code.key, Code.name, Code.definition, Code.translations)
            .where(Code.retired.is_(False), Code.is_dimension.is_(False))
            .order_by(Code.sort_order, Code.key)):
        ts = [t for _, t in sorted((translations or {}).items())]
        out.append(CodeChoice(k, n, d or "",
                              tuple(t["name"] for t in ts if t.get("name")),
                              tuple(t["definition"] for t in ts if t.get("definition"))))
    return out


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


def rank(codes: list[CodeChoice], typed: str) -> list[CodeChoice]:
    """Codes matching what was typed, best first. Every word typed must be found in the key, the
    name (or a translated name) or the definition (or a translated one); a key that starts with
    the text comes first, then words found in the key, then in the name, then only in the
    definition; shorter keys before longer. A word also matches a key by its letters in order
    (`cd` finds `cell-design`)."""
    text = typed.strip().lower()
    if not text:
        return list(codes)
    words = text.split()
    scored = []
    for c in codes:
        key = c.key.lower()
        name = "\n".join((c.name, *c.other_names)).lower()
        definition = "\n".join((c.definition, *c.other_definitions)).lower()
        if key == text:
            scored.append((0, len(key), c))
            continue
        tiers = []
        for w in words:
            if w in key:
                tiers.append(1)
            elif w in name:
                tiers.append(2)
            elif w in definition:
                tiers.append(3)
            elif _subsequence(w, key.split(".", 1)[-1]):
                tiers.append(4)
            else:
                break
        else:
            tier = 0.5 if key.startswith(text) else max(tiers)
            scored.append((tier, len(key), c))
    return [c for *_, c in sorted(scored, key=lambda t: (t[0], t[1], t[2].key))]


def resolve(codes: list[CodeChoice], typed: str) -> str | None:
    """The code a typed answer means: the exact key, else the best match; None when nothing
    matches (the caller says so and asks again)."""
    found = rank(codes, typed)
    return found[0].key if found and typed.strip() else None
