"""Strict, typed reading of YAML fields from a node tree (front matter and coding files).

Values are never coerced into the type a field wants; a value of the wrong type is refused with
file:line, the field and what was expected. The rules (codebooks/README.md and the README say the
same):

- text (quotes, memos, summaries, titles): any single value, read exactly as written, so
  `quote: 2018` is the text "2018" and `memo: yes` the text "yes";
- names (document, coder, code, case, language, speaker labels): text YAML reads as text; a bare
  number, date or yes/no/true/false is refused ("put it in quotes"), because `document: 03` would
  otherwise become 3 and `case: NO` the boolean false;
- booleans (key, synthetic): only true or false, unquoted; 'no' in quotes, yes/no/on/off and 1/0
  are refused, since YAML 1.1 and YAML 1.2 disagree on them and a string is not a boolean;
- whole numbers (occurrence): an unquoted positive whole number;
- dates: YYYY-MM-DD that is a real date;
- attribute values: one text, number, true/false or date; yes/no/on/off stay text as written;
- a list or a mapping where one value is expected, and duplicate keys, are always refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.errors import InputError

from . import safe_yaml

_TAG = "tag:yaml.org,2002:"
STR, NULL, BOOL = _TAG + "str", _TAG + "null", _TAG + "bool"
INT, FLOAT, TIMESTAMP = _TAG + "int", _TAG + "float", _TAG + "timestamp"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTE_IT = "put it in quotes if you mean the text"


def describe(node: Node) -> str:
    """What a value is, for an error message."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    shown = node.value if len(node.value) <= 30 else node.value[:27] + "..."
    if node.tag == NULL:
        return "empty"
    if node.tag == BOOL:
        return f"the boolean {shown}"
    if node.tag in (INT, FLOAT):
        return f"the number {shown}"
    if node.tag == TIMESTAMP:
        return f"the date {shown}"
    return f"the text {shown!r}"


class Fields:
    """Typed readers for one file; `first_line` is the file line where the YAML starts."""

    def __init__(self, where: str, first_line: int = 1):
        self.where = where
        self.first_line = first_line

    def at(self, node: Node) -> str:
        return f"{self.where}:{node.start_mark.line + self.first_line}"

    def refuse(self, node: Node, field: str, expected: str, hint: str | None = None) -> None:
        raise InputError(f"'{field}' must be {expected}, not {describe(node)}", where=self.at(node),
                         hint=hint)

    def mapping(self, node: Node, field: str) -> list[tuple[str, Node, Node]]:
        """(key, key node, value node) for each entry; keys are read as written."""
        if not isinstance(node, MappingNode):
            self.refuse(node, field, "a mapping (indented 'name: value' lines)")
        seen: set[str] = set()
        out = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise InputError(f"a key in '{field}' is {describe(key_node)}; keys are words",
                                 where=self.at(key_node))
            key = key_node.value
            if key in seen:
                raise InputError(f"'{key}' is given twice in '{field}'", where=self.at(key_node),
                                 hint="YAML would silently keep only the last; keep one")
            seen.add(key)
            out.append((key, key_node, value_node))
        return out

    @staticmethod
    def is_empty(node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.tag == NULL and node.style is None

    def text(self, node: Node, field: str) -> str | None:
        """Free text exactly as written; None when empty."""
        if not isinstance(node, ScalarNode):
            self.refuse(node, field, "text")
        if self.is_empty(node):
            return None
        return node.value

    def name(self, node: Node, field: str) -> str | None:
        """A name or key: text, not a bare number, date or boolean; None when empty."""
        if not isinstance(node, ScalarNode):
            self.refuse(node, field, "a name (text)")
        if self.is_empty(node):
            return None
        if node.tag != STR:
            self.refuse(node, field, "a name (text)", hint=_QUOTE_IT)
        return node.value.strip()

    def boolean(self, node: Node, field: str) -> bool:
        if (isinstance(node, ScalarNode) and node.tag == BOOL and node.style is None
                and node.value.lower() in ("true", "false")):
            return node.value.lower() == "true"
        self.refuse(node, field, "true or false",
                    hint="write true or false without quotes; yes/no/on/off are not accepted")
        raise AssertionError  # refuse() raised

    def count(self, node: Node, field: str) -> int:
        if isinstance(node, ScalarNode) and node.tag == INT and node.style is None:
            value = self.construct(node, field)
            if isinstance(value, int) and value >= 1:
                return value
        self.refuse(node, field, "a whole number of 1 or more")
        raise AssertionError

    def date(self, node: Node, field: str) -> str | None:
        """An ISO date (YYYY-MM-DD) that exists; None when empty."""
        if self.is_empty(node):
            return None
        if isinstance(node, ScalarNode) and node.tag in (TIMESTAMP, STR):
            written = node.value.strip()
            try:
                return dt.date.fromisoformat(written).isoformat()
            except ValueError as exc:
                if _ISO_DATE.fullmatch(written):
                    raise InputError(f"'{field}': {written} is not a real date ({exc})",
                                     where=self.at(node)) from None
        self.refuse(node, field, "a date written YYYY-MM-DD")
        raise AssertionError

    def value(self, node: Node, field: str) -> Any:
        """One attribute value: text, a number, true/false or a date (ISO text); None if empty."""
        if not isinstance(node, ScalarNode):
            self.refuse(node, field, "one value (text, a number, true/false or a date)",
                        hint="an attribute holds a single value")
        if self.is_empty(node):
            return None
        if node.tag == BOOL:
            if node.style is None and node.value.lower() in ("true", "false"):
                return node.value.lower() == "true"
            return node.value  # yes/no/on/off: the words as written
        if node.tag == TIMESTAMP:
            return self.date(node, field)
        if node.tag in (INT, FLOAT):
            return self.construct(node, field)
        return node.value

    def names(self, node: Node, field: str) -> list[str]:
        """One name or a list of names."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        out = []
        for item in items:
            name = self.name(item, field)
            if name:
                out.append(name)
        return out

    def construct(self, node: Node, field: str) -> Any:
        try:
            return safe_yaml.construct(node)
        except yaml.YAMLError as exc:
            _, message = safe_yaml.problem(exc)
            raise InputError(f"'{field}': {message}", where=self.at(node)) from None
