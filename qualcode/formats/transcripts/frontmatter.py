"""YAML front matter (`---` ... `---` at the very top of a .txt/.md transcript) -> TranscriptMeta.

Known keys: case (alias firm), case_attributes, document_attributes, interview {interviewee_role,
date, place, interviewer}, language, interviewer_labels, title, synthetic, notice, name (the
document name). Any other top-level key, `notice`, and unknown keys under `interview` are kept in
document_attributes, so nothing a researcher wrote is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from qualcode.domain import TranscriptMeta
from qualcode.errors import InputError

_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")
_INTERVIEW_KEYS = ("interviewee_role", "date", "place", "interviewer")
_HINT = "front matter is YAML between two '---' lines at the very top of the file"


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
    data, lines = _load(source, where)
    meta, name = _meta(data, lines, where)
    return FrontMatter(meta, name, body)


def _end_of_blank_lines(text: str) -> int:
    match = _LEADING_BLANK_LINES.match(text)
    return match.end() if match else 0


def _load(source: str, where: str) -> tuple[dict, dict[str, int]]:
    """Parse the YAML; returns the mapping and the file line of each top-level key."""
    try:
        data = yaml.safe_load(source)
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{_file_line(mark.line)}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"malformed front matter: {problem}", where=f"{where}{line}",
                         hint=_HINT) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise InputError(f"front matter must be a mapping of keys to values, not "
                         f"{_kind(data)}", where=f"{where}:2", hint=_HINT)
    lines = {str(key.value): _file_line(key.start_mark.line) for key, _ in node.value}
    return data, lines


def _file_line(yaml_line: int) -> int:
    return yaml_line + 2  # 0-based inside the block, which starts after the opening '---' line


def _meta(data: dict, lines: dict[str, int], where: str) -> tuple[TranscriptMeta, str | None]:
    def at(key: str) -> str:
        return f"{where}:{lines[key]}" if key in lines else where

    meta = TranscriptMeta()
    extra: dict[str, Any] = {}
    name = None
    for raw_key, value in data.items():
        key = str(raw_key)
        if key in ("case", "firm"):
            case = _text(value, key, at(key))
            if meta.case is not None and case != meta.case:
                raise InputError(f"'case' and 'firm' disagree ({meta.case!r} vs {case!r})",
                                 where=at(key), hint="'firm' is an alias of 'case'; keep one")
            meta.case = case
        elif key == "case_attributes":
            meta.case_attributes = _mapping(value, key, at(key))
        elif key == "document_attributes":
            extra = {**extra, **_mapping(value, key, at(key))}
        elif key == "interview":
            for sub_key, sub_value in _mapping(value, key, at(key)).items():
                if sub_key in _INTERVIEW_KEYS:
                    setattr(meta, sub_key, _text(sub_value, f"interview.{sub_key}", at(key)))
                else:
                    extra.setdefault(sub_key, sub_value)
        elif key in ("language", "title"):
            setattr(meta, key, _text(value, key, at(key)))
            if key == "language":
                meta.language_line = lines.get(key)
        elif key == "name":
            name = _text(value, key, at(key))
        elif key == "interviewer_labels":
            meta.interviewer_labels = _labels(value, at(key))
        elif key == "synthetic":
            if not isinstance(value, bool):
                raise InputError("'synthetic' must be true or false", where=at(key))
            meta.synthetic = value
        else:  # `notice` and anything unknown describe the document
            extra.setdefault(key, _plain(value))
    meta.document_attributes = extra
    return meta, name


def _text(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise InputError(f"'{key}' must be a single value, not {_kind(value)}", where=where)
    return str(_plain(value))


def _mapping(value: Any, key: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"'{key}' must be a mapping (indented 'name: value' lines), not "
                         f"{_kind(value)}", where=where)
    return {str(k): _plain(v) for k, v in value.items()}


def _labels(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise InputError("'interviewer_labels' must be a list of speaker labels", where=where,
                         hint="e.g. interviewer_labels: [Q, Interviewer]")
    return [str(v) for v in value]


def _plain(value: Any) -> Any:
    """YAML dates become ISO strings so attributes stay JSON-serialisable and 'as written'."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} ({value!r})"
