"""YAML front matter (`---` ... `---` at the very top of a .txt/.md transcript) -> TranscriptMeta.

Known keys: case (alias firm), case_attributes, document_attributes, interview {interviewee_role,
date, place, interviewer}, language, interviewer_labels, title, synthetic, notice, name (the
document name). Any other top-level key, `notice`, and unknown keys under `interview` are kept in
document_attributes, so nothing a researcher wrote is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from qualcode.domain import TranscriptMeta
from qualcode.errors import InputError
from qualcode.formats import safe_yaml
from qualcode.formats.yaml_fields import Fields, describe

_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")
_HINT = "front matter is YAML between two '---' lines at the very top of the file"
_FIRST_LINE = 2  # the YAML starts on the line after the opening '---'
_INTERVIEW_KEYS = ("interviewee_role", "place", "interviewer")


@dataclass
class FrontMatter:
    meta: TranscriptMeta
    name: str | None  # the document name the front matter asks for, if any
    body: str  # the text after the front matter, leading blank lines removed


def split_front_matter(text: str, *, where: str) -> FrontMatter:
    """Split `text` (newlines already normalised) into its front matter and body."""
    opening = _OPENING.match(text)
    if opening is None:
        return FrontMatter(TranscriptMeta(), None, text)
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        raise InputError("front matter opened on line 1 is never closed with '---'",
                         where=f"{where}:1", hint=_HINT)
    source = text[opening.end():closing.start()]
    rest = text[closing.end():].removeprefix("\n")
    body = rest[_end_of_blank_lines(rest):]
    meta, name = _meta(_load(source, where), where)
    return FrontMatter(meta, name, body)


def _end_of_blank_lines(text: str) -> int:
    match = _LEADING_BLANK_LINES.match(text)
    return match.end() if match else 0


def _load(source: str, where: str) -> MappingNode | None:
    """Parse the YAML safely (bounded: qualcode.formats.safe_yaml); the top-level mapping node."""
    try:
        root = safe_yaml.compose(source, safe_yaml.FRONT_MATTER)
    except yaml.YAMLError as exc:
        line, problem = safe_yaml.problem(exc, first_line=_FIRST_LINE)
        raise InputError(f"malformed front matter: {problem}",
                         where=f"{where}:{line}" if line else where, hint=_HINT) from None
    if root is None or Fields.is_empty(root):
        return None
    if not isinstance(root, MappingNode):
        raise InputError(f"front matter must be a mapping of keys to values, not "
                         f"{describe(root)}", where=f"{where}:2", hint=_HINT)
    return root


def _meta(root: MappingNode | None, where: str) -> tuple[TranscriptMeta, str | None]:
    meta = TranscriptMeta()
    extra: dict[str, Any] = {}
    name = None
    if root is None:
        return meta, name
    fields = Fields(where, first_line=_FIRST_LINE)
    for key, key_node, node in fields.mapping(root, "front matter"):
        if key in ("case", "firm"):
            case = fields.name(node, key)
            if meta.case is not None and case != meta.case:
                raise InputError(f"'case' and 'firm' disagree ({meta.case!r} vs {case!r})",
                                 where=fields.at(key_node),
                                 hint="'firm' is an alias of 'case'; keep one")
            meta.case = case
        elif key == "case_attributes":
            meta.case_attributes = _attributes(fields, node, key)
        elif key == "document_attributes":
            extra = {**extra, **_attributes(fields, node, key)}
        elif key == "interview":
            for sub_key, _, sub_node in _entries(fields, node, key):
                field = f"interview.{sub_key}"
                if sub_key == "date":
                    meta.date = fields.date(sub_node, field)
                elif sub_key in _INTERVIEW_KEYS:
                    setattr(meta, sub_key, fields.text(sub_node, field))
                else:
                    extra.setdefault(sub_key, fields.value(sub_node, field))
        elif key == "language":
            meta.language = fields.name(node, key)
            # the line, so that a language the text contradicts is reported where it is written
            meta.language_line = node.start_mark.line + fields.first_line
        elif key == "title":
            meta.title = fields.text(node, key)
        elif key == "name":
            name = fields.name(node, key)
        elif key == "interviewer_labels":
            meta.interviewer_labels = fields.names(node, key)
        elif key == "synthetic":
            meta.synthetic = fields.boolean(node, key)
        else:  # `notice` and anything unknown describe the document
            extra.setdefault(key, fields.value(node, key))
    meta.document_attributes = extra
    return meta, name


def _entries(fields: Fields, node: Node, key: str) -> list[tuple[str, Node, Node]]:
    return [] if Fields.is_empty(node) else fields.mapping(node, key)


def _attributes(fields: Fields, node: Node, key: str) -> dict[str, Any]:
    return {name: fields.value(value, f"{key}.{name}")
            for name, _, value in _entries(fields, node, key)}
