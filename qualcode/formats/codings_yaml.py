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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from qualcode.errors import InputError

from . import safe_yaml
from .yaml_fields import Fields


@dataclass(frozen=True)
class QuotedCoding:
    code: str
    quote: str
    occurrence: int | None
    key: bool
    memo: str | None
    line: int | None


@dataclass
class CodingFile:
    path: str
    document: str
    coder: str
    codings: list[QuotedCoding]
    summaries: dict[str, str] = field(default_factory=dict)


TOP_FIELDS = ("document", "coder", "codings", "summaries")
ENTRY_FIELDS = ("code", "quote", "occurrence", "key", "memo")


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
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8", where=where, hint="save the file as UTF-8") from exc
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
    if "codings" not in found or Fields.is_empty(found["codings"][1]):
        raise InputError("missing `codings`", where=where)
    entries = found["codings"][1]
    if not isinstance(entries, SequenceNode):
        fields.refuse(entries, "codings", "a list (one '- code: ...' entry per coding)")
    codings = [_entry(fields, node) for node in entries.value]
    summaries: dict[str, str] = {}
    if "summaries" in found and not Fields.is_empty(found["summaries"][1]):
        for dimension, _, node in fields.mapping(found["summaries"][1], "summaries"):
            text = fields.text(node, f"summaries.{dimension}")
            if text is not None:
                summaries[dimension] = text
    return CodingFile(path=where, document=values["document"], coder=values["coder"],
                      codings=codings, summaries=summaries)


def _entry(fields: Fields, node: Node) -> QuotedCoding:
    line = node.start_mark.line + 1
    if not isinstance(node, MappingNode):
        fields.refuse(node, "codings", "a list of mappings with `code` and `quote`")
    entry = {key: value for key, _, value in fields.mapping(node, "a coding")}
    unknown = set(entry) - set(ENTRY_FIELDS)
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(sorted(unknown))}", where=fields.at(node),
                         hint="a coding has " + ", ".join(ENTRY_FIELDS))
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
