"""Reading quote-anchored codings from YAML: a hand-made coding kept in a text file (git-friendly,
as qc keeps its corpus), one file per document.

    document: interview-03
    coder: wei
    codings:
      - code: innovation.cell-design.dependence
        quote: "we still buy our cell design"
        occurrence: 1      # optional, when the quote repeats
        key: true          # optional: a key quote for the synthesis table
        memo: "..."        # optional
    summaries:             # optional: the researcher's synthesis per dimension for the case
      innovation: "..."

A gold standard lists the sentences it judged, each with its codes; `codes: []` records that the
sentence was read and carries no code (not that nobody looked). A dimension's key as a code is a
dimension-level label, for a sentence on a dimension that no code of it fits:

    sentences:
      - quote: "We got a grant from the state."
        codes: [policy.subsidies, market-position]
      - quote: "Thank you."
        occurrence: 2
        codes: []
        note: "..."        # optional: why, for a borderline decision
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qualcode.errors import InputError


@dataclass(frozen=True)
class QuotedCoding:
    code: str
    quote: str
    occurrence: int | None
    key: bool
    memo: str | None
    line: int | None


@dataclass(frozen=True)
class JudgedSentence:
    quote: str
    occurrence: int | None
    codes: tuple[str, ...]
    note: str | None
    line: int | None


@dataclass
class CodingFile:
    path: str
    document: str
    coder: str
    codings: list[QuotedCoding]
    summaries: dict[str, str] = field(default_factory=dict)
    sentences: list[JudgedSentence] = field(default_factory=list)


def read_coding_file(path: Path) -> CodingFile:
    where = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8", where=where, hint="save the file as UTF-8") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(
            f"malformed YAML: {getattr(exc, 'problem', exc)}", where=where + line
        ) from exc
    if not isinstance(data, dict):
        raise InputError("expected a mapping with document, coder and codings", where=where)
    for required in ("document", "coder"):
        if not data.get(required):
            raise InputError(f"missing `{required}`", where=where)
    if not data.get("codings") and not data.get("sentences"):
        raise InputError("missing `codings` (or `sentences`)", where=where)
    unknown_top = set(data) - {"document", "coder", "codings", "sentences", "summaries"}
    if unknown_top:
        raise InputError(f"unknown field(s) {', '.join(sorted(map(str, unknown_top)))}",
                         where=where)
    entries = data.get("codings") or []
    if not isinstance(entries, list):
        raise InputError("`codings` must be a list", where=where)
    lines = _entry_lines(root, "codings")
    codings = []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        at = f"{where}:{line}" if line else where
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("quote"):
            raise InputError("each coding needs `code` and `quote`", where=at)
        unknown = set(entry) - {"code", "quote", "occurrence", "key", "memo"}
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}", where=at)
        codings.append(
            QuotedCoding(
                code=str(entry["code"]),
                quote=str(entry["quote"]),
                occurrence=_occurrence(entry, at),
                key=bool(entry.get("key", False)),
                memo=entry.get("memo"),
                line=line,
            )
        )
    sentences = _sentences(data.get("sentences"), _entry_lines(root, "sentences"), where)
    summaries = data.get("summaries") or {}
    if not isinstance(summaries, dict):
        raise InputError("`summaries` must map dimensions to text", where=where)
    return CodingFile(
        path=where,
        document=str(data["document"]),
        coder=str(data["coder"]),
        codings=codings,
        summaries={str(k): str(v) for k, v in summaries.items()},
        sentences=sentences,
    )


def _occurrence(entry: dict, at: str) -> int | None:
    occurrence = entry.get("occurrence")
    if occurrence is not None and (
        isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 1
    ):
        raise InputError("`occurrence` must be a positive whole number", where=at)
    return occurrence


def _sentences(entries, lines: list[int], where: str) -> list[JudgedSentence]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError("`sentences` must be a list", where=where)
    out = []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else None
        at = f"{where}:{line}" if line else where
        if not isinstance(entry, dict) or not isinstance(entry.get("quote"), str):
            raise InputError("each sentence needs a `quote` (text) and `codes` (a list)", where=at)
        unknown = set(entry) - {"quote", "occurrence", "codes", "note"}
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}", where=at)
        codes = entry.get("codes")
        if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
            raise InputError(
                "`codes` must be a list of code keys ([] for a sentence with no code)", where=at
            )
        if len(set(codes)) != len(codes):
            raise InputError("a code is listed twice for one sentence", where=at)
        note = entry.get("note")
        if note is not None and not isinstance(note, str):
            raise InputError("`note` must be text", where=at)
        out.append(JudgedSentence(entry["quote"], _occurrence(entry, at), tuple(codes), note, line))
    return out


def _entry_lines(root, section: str) -> list[int]:
    """1-based line of each item of a list section, for error messages."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == section and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
