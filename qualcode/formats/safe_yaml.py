"""The one way qualcode reads YAML (codebooks, transcript front matter, coding files): safe and
bounded.

PyYAML's SafeLoader already refuses to build Python objects from tags such as
`!!python/object/apply`, but it will happily compose an alias bomb (nine aliases of nine aliases...,
which the callers then expand into gigabytes), a cyclic anchor (`&a [*a]`, which recursive walkers
follow forever) or 10,000 nested brackets (RecursionError). This loader composes the node tree
itself and stops, with the line, as soon as a document goes past:

- `max_bytes` of text (checked before parsing),
- `max_depth` nested collections,
- `max_aliases` aliases, or `max_nodes` nodes counted as expanded (an alias counts every node of
  what it refers to, so a bomb is refused after composing a few dozen nodes),
- an alias to a collection that is still open (a cycle),
- any explicit tag outside YAML's plain types (str, int, float, bool, null, seq, map, timestamp).

Values that YAML resolves but Python cannot build (a date with month 13, an integer of 10,000
digits) become YAML errors with their line rather than ValueError or OverflowError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import Node

ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_depth: int = 64
    max_aliases: int = 100
    max_nodes: int = 500_000


# Generous for real files (the bundled codebook is 53 KB; a coding file of 5,000 quotes ~1 MB).
CODEBOOK = Limits(max_bytes=2 * 1024 * 1024)
CODING_FILE = Limits(max_bytes=8 * 1024 * 1024)
FRONT_MATTER = Limits(max_bytes=256 * 1024)


class YamlLimitError(yaml.MarkedYAMLError):
    """The document goes past one of the loader's limits; carries the mark where it did."""

    def __init__(self, problem: str, mark: yaml.Mark | None = None):
        super().__init__(problem=problem, problem_mark=mark)


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, text: str, limits: Limits):
        super().__init__(text)
        self.limits = limits
        self._depth = 0
        self._aliases = 0
        self._nodes = 0  # composed so far, aliases counted as expanded
        self._sizes: dict[str, int] = {}  # anchor -> expanded node count of its node
        self._open: set[str] = set()  # anchors of collections still being composed

    # The scanner looks ahead over every open flow collection for each token, so 10,000 '[' cost
    # seconds before the composer ever sees depth 65: nesting is also bounded where it is scanned.
    def fetch_flow_collection_start(self, token_class: Any) -> None:
        if self.flow_level >= self.limits.max_depth:
            raise YamlLimitError(f"nested more than {self.limits.max_depth} levels deep",
                                 self.get_mark())
        super().fetch_flow_collection_start(token_class)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= self.limits.max_depth:
            raise YamlLimitError(f"nested more than {self.limits.max_depth} levels deep",
                                 self.get_mark())
        return super().add_indent(column)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            anchor = event.anchor
            if anchor in self._open:
                raise YamlLimitError(f"the alias *{anchor} refers to a collection that contains "
                                     "it (a cycle)", event.start_mark)
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise YamlLimitError(f"more than {self.limits.max_aliases} aliases (*name)",
                                     event.start_mark)
            self._count(self._sizes.get(anchor, 1), event.start_mark)
            return super().compose_node(parent, index)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in ALLOWED_TAGS:
            raise YamlLimitError(f"the tag {tag} is not allowed (only plain YAML values are "
                                 "read; nothing in a file is ever run)", event.start_mark)
        collection = isinstance(event, (SequenceStartEvent, MappingStartEvent))
        anchor = event.anchor
        if collection:
            self._depth += 1
            if self._depth > self.limits.max_depth:
                raise YamlLimitError(f"nested more than {self.limits.max_depth} levels deep",
                                     event.start_mark)
            if anchor is not None:
                self._open.add(anchor)
        before = self._nodes
        self._count(1, event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1
                self._open.discard(anchor)
        if anchor is not None:
            self._sizes[anchor] = self._nodes - before
        return node

    def _count(self, nodes: int, mark: yaml.Mark) -> None:
        self._nodes += nodes
        if self._nodes > self.limits.max_nodes:
            raise YamlLimitError(f"more than {self.limits.max_nodes:,} values (counting what "
                                 "aliases repeat)", mark)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            shown = str(node.value)[:40] if not isinstance(node.value, list) else "value"
            kind = {"timestamp": "date"}.get(node.tag.rsplit(":", 1)[-1], "value")
            reason = str(exc).split("\n")[0].split(":")[0][:70]
            raise ConstructorError(None, None, f"{shown!r} is not a valid {kind} ({reason})",
                                   node.start_mark) from None


def _check_size(text: str, limits: Limits) -> None:
    if len(text) > limits.max_bytes:  # characters >= bytes/4; a cheap bound before encoding
        raise YamlLimitError(f"the YAML is {len(text) / 1024 / 1024:.1f} MB; at most "
                             f"{limits.max_bytes / 1024 / 1024:.2g} MB is read")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise YamlLimitError(f"the YAML is {size / 1024 / 1024:.1f} MB; at most "
                             f"{limits.max_bytes / 1024 / 1024:.2g} MB is read")


def compose(text: str, limits: Limits) -> Node | None:
    """The node tree of a single YAML document (None when empty). Raises yaml.YAMLError."""
    _check_size(text, limits)
    loader = _BoundedLoader(text, limits)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load(text: str, limits: Limits) -> tuple[Node | None, Any]:
    """The node tree (for line numbers and values as written) and the plain Python data."""
    _check_size(text, limits)
    loader = _BoundedLoader(text, limits)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def construct(node: Node) -> Any:
    """Plain Python data for one node of a tree from compose() (already bounded)."""
    loader = _BoundedLoader("", Limits(max_bytes=0))
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def problem(exc: yaml.YAMLError, *, first_line: int = 1) -> tuple[int | None, str]:
    """(file line, one-line description) for any error from this module. `first_line` is the
    file line where the YAML text starts (front matter starts on line 2)."""
    if isinstance(exc, yaml.reader.ReaderError):
        return None, f"YAML cannot contain the character #x{exc.character:04x}"
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    text = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context and getattr(exc, "problem", None) and "while" not in context:
        text = f"{context}: {text}"
    line = mark.line + first_line if mark is not None else None
    return line, " ".join(str(text).split())
