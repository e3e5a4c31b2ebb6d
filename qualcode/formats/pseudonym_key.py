"""The pseudonym key: a YAML file of firms, people and places, each original name -> pseudonym.

    # qualcode pseudonym key. It holds the real names: keep it out of exports and deposits.
    firms:
      Desay Battery: Firm A
      德赛电池: Firm A          # several originals may share a pseudonym
    people:
      Wang Lei: Manager W
    places:
      Huizhou: City H

Read strictly (file:line for every refusal): only these three sections, names as text, no name
twice (ignoring case and typography, in any section), and no pseudonym that contains an original
name (it would be replaced again, and the leak check could never pass).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from qualcode.errors import InputError
from qualcode.formats import safe_yaml
from qualcode.formats.yaml_fields import Fields
from qualcode.typography import fold, name_regex

KINDS = ("firms", "people", "places")
KEY_LIMITS = safe_yaml.Limits(max_bytes=4 * 1024 * 1024)
HEADER = ("# qualcode pseudonym key. It holds the real names: keep it out of exports and "
          "deposits.\n# original name: pseudonym, under firms, people or places.\n")


@dataclass(frozen=True)
class KeyEntry:
    kind: str  # firms | people | places
    original: str
    pseudonym: str
    line: int | None = None


def _canonical(name: str) -> str:
    return fold(name).casefold()


def read_key(path: Path) -> list[KeyEntry]:
    """The entries of a key file; [] when the file does not exist yet."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(f"cannot read the pseudonym key: {exc.strerror or exc}",
                         where=where) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError("the pseudonym key is not UTF-8", where=f"{where}:{line}",
                         hint="save it as UTF-8") from None
    try:
        node = safe_yaml.compose(text, KEY_LIMITS)
    except yaml.YAMLError as exc:
        line, message = safe_yaml.problem(exc)
        raise InputError(message, where=f"{where}:{line}" if line else where) from None
    if node is None:
        return []
    fields = Fields(where)
    entries: list[KeyEntry] = []
    seen: dict[str, int] = {}
    for kind, kind_node, value in fields.mapping(node, "pseudonym key"):
        if kind not in KINDS:
            raise InputError(f"unknown section '{kind}'", where=fields.at(kind_node),
                             hint="the sections are " + ", ".join(KINDS))
        if fields.is_empty(value):
            continue
        for original, name_node, pseudo_node in fields.mapping(value, kind):
            line = name_node.start_mark.line + 1
            original = original.strip()
            pseudonym = fields.text(pseudo_node, f"{kind}.{original}")
            if not original or not _canonical(original):
                raise InputError(f"an empty name in '{kind}'", where=fields.at(name_node))
            if pseudonym is None or not pseudonym.strip():
                raise InputError(f"'{original}' has no pseudonym", where=fields.at(name_node),
                                 hint="write  original: pseudonym")
            canonical = _canonical(original)
            if canonical in seen:
                raise InputError(f"'{original}' is in the key twice (also on line "
                                 f"{seen[canonical]})", where=fields.at(name_node),
                                 hint="keep one entry per name")
            seen[canonical] = line
            entries.append(KeyEntry(kind, original, pseudonym.strip(), line))
    check_pseudonyms(entries, where)
    return entries


def check_pseudonyms(entries: list[KeyEntry], where: str) -> None:
    """Refuse a pseudonym that contains an original name (as a whole word for Latin names)."""
    patterns = [(e.original, re.compile(name_regex(e.original), re.IGNORECASE))
                for e in entries]
    for entry in entries:
        for original, pattern in patterns:
            if pattern.search(entry.pseudonym):
                at = f"{where}:{entry.line}" if entry.line else where
                raise InputError(f"the pseudonym {entry.pseudonym!r} of {entry.original!r} "
                                 f"contains the name {original!r} from the key", where=at,
                                 hint="choose a pseudonym that holds no real name")


def key_text(entries: list[KeyEntry]) -> str:
    """The key file's text: the header, then each section's entries in the order given."""
    lines = [HEADER]
    for kind in KINDS:
        mine = [e for e in entries if e.kind == kind]
        lines.append(f"{kind}:" + ("" if mine else " {}") + "\n")
        for e in mine:
            lines.append(f"  {_scalar(e.original)}: {_scalar(e.pseudonym)}\n")
    return "".join(lines)


def _scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_style=None, width=10_000)
    dumped = dumped.removesuffix("\n...\n").removesuffix("\n")
    return dumped


def write_key(path: Path, entries: list[KeyEntry]) -> None:
    """Write the whole key beside the target and rename (private to the user: mode 600)."""
    text = key_text(entries)
    tmp = path.with_name(f".{path.name}.qualcode-tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the pseudonym key: {exc.strerror or exc}",
                         where=str(path)) from None
