"""A code's REFI <Description>: qualcode's definition, inclusion and exclusion rules, examples and
key in one text that NVivo, ATLAS.ti or MAXQDA users read as the code's description.

REFI has one free-text field per code, so qualcode writes

    <definition>

    Include:
    - <rule>
    Exclude:
    - <rule>
    Examples:
    - <sentence>

    qualcode key: strategy.relocation

The last line lets a re-import give the code its qualcode key back (a name such as "Value-chain
strategy" does not say its key is "strategy"), and tells the team which key to use on the
terminal. The sections are read back only when that last line is there, i.e. only from text
qualcode wrote; any other description is the definition, whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEY_PREFIX = "qualcode key: "
SECTIONS = (("include", "Include:"), ("exclude", "Exclude:"), ("examples", "Examples:"))
_KEY_LINE = re.compile(r"\n*qualcode key: (\S+)\s*\Z")


@dataclass
class CodeText:
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    key: str | None = None


def compose(text: CodeText) -> str:
    parts = [text.definition.strip()] if text.definition.strip() else []
    lists = []
    for attr, heading in SECTIONS:
        items = getattr(text, attr)
        if items:
            lists.append("\n".join([heading, *(f"- {_one_line(item)}" for item in items)]))
    if lists:
        parts.append("\n".join(lists))
    if text.key:
        parts.append(KEY_PREFIX + text.key)
    return "\n\n".join(parts)


def parse(description: str) -> CodeText:
    description = description.replace("\r\n", "\n")
    match = _KEY_LINE.search(description)
    if match is None:
        return CodeText(definition=description.strip())
    body = description[: match.start()]
    out = CodeText(key=match.group(1))
    lists, sep, definition = _split_lists(body)
    out.definition = definition.strip()
    if sep:
        for attr, items in lists.items():
            setattr(out, attr, tuple(items))
    return out


def _split_lists(body: str) -> tuple[dict[str, list[str]], bool, str]:
    """The trailing Include/Exclude/Examples block, if the body ends with one in our layout."""
    headings = {heading: attr for attr, heading in SECTIONS}
    paragraphs = body.rstrip().split("\n\n")
    block = paragraphs[-1].split("\n") if paragraphs else []
    if not block or block[0] not in headings:
        return {}, False, body
    lists: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in block:
        if line in headings and headings[line] not in lists:
            current = lists.setdefault(headings[line], [])
        elif line.startswith("- ") and current is not None:
            current.append(line[2:])
        else:
            return {}, False, body  # not our layout: leave the text alone
    return lists, True, "\n\n".join(paragraphs[:-1])


def _one_line(item: str) -> str:
    return " ".join(item.split())
