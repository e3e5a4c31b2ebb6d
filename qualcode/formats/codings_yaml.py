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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from qualcode.errors import InputError

from . import safe_yaml
from .yaml_fields import Fields, describe


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


TOP_FIELDS = ("document", "coder", "codings", "sentences", "summaries")
ENTRY_FIELDS = ("code", "quote", "occurrence", "key", "memo")
SENTENCE_FIELDS = ("quote", "occurrence", "codes", "note")


def read_coding_file(path: Path) -> CodingFile:
    """Read one coding file; every problem is an InputError naming file:line (types are strict:
    qualcode.formats.yaml_fields)."""
    where = str(path)
    try:
        size = path.stat().st_size
        if size > safe_yaml.CODING_FILE.max_bytes:
            raise InputError(f"the file is {size / 1024 / 1024:.1f} MB; a coding file is at most "
                             f"{safe_yaml.CODING_FILE.max_bytes // 1024 // 1024} MB", where=where,
                             hint="split it, one file per document")
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from exc
    except UnicodeDecodeError as exc:
        # Name the line; non-ASCII text before it that did decode means two encodings were
        # pasted together (a quote copied from a GB18030 transcript into a UTF-8 file).
        line = raw.count(b"\n", 0, exc.start) + 1
        mixed = not raw[:exc.start].isascii()
        raise InputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x})"
                         + ("; the lines before it are UTF-8: mixed encodings in one file"
                            if mixed else ""),
                         where=f"{where}:{line}", hint="save the file as UTF-8") from None
    try:
        root = safe_yaml.compose(text, safe_yaml.CODING_FILE)
    except yaml.YAMLError as exc:
        line, problem = safe_yaml.problem(exc)
        raise InputError(f"malformed YAML: {problem}",
                         where=f"{where}:{line}" if line else where) from None
    if not isinstance(root, MappingNode):
        raise InputError("expected a mapping with document, coder and codings", where=where)
    fields = Fields(where)
    found = {key: (key_node, node) for key, key_node, node in fields.mapping(root, "the file")}
    unknown = sorted(set(found) - set(TOP_FIELDS))
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)}",
                         where=fields.at(found[unknown[0]][0]),
                         hint="a coding file has " + ", ".join(TOP_FIELDS))
    values: dict[str, str] = {}
    for required in ("document", "coder"):
        value = fields.name(found[required][1], required) if required in found else None
        if not value:
            raise InputError(f"missing `{required}`", where=where)
        values[required] = value
    given = {name for name in ("codings", "sentences")
             if name in found and not Fields.is_empty(found[name][1])}
    if not given:
        raise InputError("missing `codings` (or `sentences`)", where=where)
    codings = [_entry(fields, node) for node in _list(fields, found, "codings")]
    sentences = [_sentence(fields, node) for node in _list(fields, found, "sentences")]
    summaries: dict[str, str] = {}
    if "summaries" in found and not Fields.is_empty(found["summaries"][1]):
        for dimension, _, node in fields.mapping(found["summaries"][1], "summaries"):
            text = fields.text(node, f"summaries.{dimension}")
            if text is not None:
                summaries[dimension] = text
    return CodingFile(path=where, document=values["document"], coder=values["coder"],
                      codings=codings, summaries=summaries, sentences=sentences)


def _list(fields: Fields, found: dict, name: str) -> list[Node]:
    if name not in found or Fields.is_empty(found[name][1]):
        return []
    node = found[name][1]
    if not isinstance(node, SequenceNode):
        fields.refuse(node, name, f"a list (one '- ...' entry per {name[:-1]})")
    return node.value


def _list_entry(fields: Fields, node: Node, in_list: str, expected: str, what: str,
                allowed: Sequence[str]) -> dict[str, Node]:
    """One entry of the `codings` or `sentences` list as {field: value node}, refused alike for
    both lists when it is not a mapping or names a field an entry of its kind does not have."""
    if not isinstance(node, MappingNode):
        fields.refuse(node, in_list, expected)
    entry = {key: value for key, _, value in fields.mapping(node, f"a {what}")}
    unknown = set(entry) - set(allowed)
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}", where=fields.at(node),
                         hint=f"a {what} has " + ", ".join(allowed))
    return entry


def _sentence(fields: Fields, node: Node) -> JudgedSentence:
    entry = _list_entry(fields, node, "sentences", "a list of mappings with `quote` and `codes`",
                        "sentence", SENTENCE_FIELDS)
    quote = fields.text(entry["quote"], "quote") if "quote" in entry else None
    if not quote or "codes" not in entry:
        raise InputError("each sentence needs a `quote` (text) and `codes` (a list)",
                         where=fields.at(node))
    codes_node = entry["codes"]
    if not isinstance(codes_node, SequenceNode):  # reported on the sentence's line, like the rest
        raise InputError(f"'codes' must be a list of code keys ([] for a sentence with no code), "
                         f"not {describe(codes_node)}", where=fields.at(node))
    codes = [fields.name(item, "codes") for item in codes_node.value]
    if not all(codes):
        raise InputError("`codes` must be a list of code keys ([] for a sentence with no code)",
                         where=fields.at(node))
    if len(set(codes)) != len(codes):
        raise InputError("a code is listed twice for one sentence", where=fields.at(node))
    occurrence = entry.get("occurrence")
    note = entry.get("note")
    return JudgedSentence(
        quote=quote,
        occurrence=None if occurrence is None or Fields.is_empty(occurrence)
        else fields.count(occurrence, "occurrence"),
        codes=tuple(c for c in codes if c),
        note=None if note is None else fields.text(note, "note"),
        line=node.start_mark.line + 1,
    )


def _entry(fields: Fields, node: Node) -> QuotedCoding:
    line = node.start_mark.line + 1
    entry = _list_entry(fields, node, "codings", "a list of mappings with `code` and `quote`",
                        "coding", ENTRY_FIELDS)
    code = fields.name(entry["code"], "code") if "code" in entry else None
    quote = fields.text(entry["quote"], "quote") if "quote" in entry else None
    if not code or not quote or not quote.strip():
        raise InputError("each coding needs `code` and `quote`", where=fields.at(node))
    occurrence = entry.get("occurrence")
    key = entry.get("key")
    memo = entry.get("memo")
    return QuotedCoding(
        code=code,
        quote=quote,
        occurrence=None if occurrence is None or Fields.is_empty(occurrence)
        else fields.count(occurrence, "occurrence"),
        key=False if key is None or Fields.is_empty(key) else fields.boolean(key, "key"),
        memo=None if memo is None else fields.text(memo, "memo"),
        line=line,
    )
