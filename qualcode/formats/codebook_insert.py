"""Adding one code to a codebook file's text, leaving every other byte as it was.

The code's place is found from PyYAML's node marks (the line and column of its parent's `codes:`
and of their last child), and the new block is spliced in there as text, indented like its
siblings. A full round trip through a YAML library would rewrite the file: ruamel.yaml's dump
turned the bundled codebook's `[{LEMMA: ...}]` token patterns into `[LEMMA: ...]` (140 changed
lines), so the file is not dumped, only added to; comments, quoting and wrapping stay as written.
"""

from __future__ import annotations

import json
import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.errors import CodebookError
from qualcode.formats import safe_yaml

KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _child(node: MappingNode, name: str) -> tuple[ScalarNode, Node] | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == name:
            return key_node, value_node
    return None


def _last_line(node: Node) -> int:
    """The 0-based line holding the node's last character."""
    if isinstance(node, MappingNode | SequenceNode) and node.flow_style is False and node.value:
        last = node.value[-1]
        return _last_line(last[1] if isinstance(last, tuple) else last)
    end = node.end_mark
    return end.line - 1 if end.column == 0 else end.line


def _scalar(text: str) -> str:
    """Plain when YAML reads it back unchanged, else a double-quoted (JSON-escaped) scalar."""
    text = " ".join(text.split())
    try:
        if "#" not in text and yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def code_block(name: str, fields: dict[str, str | list[str]], indent: int) -> list[str]:
    """The lines of one code entry (without line ends): scalars, then non-empty lists."""
    pad = " " * indent
    lines = [f"{pad}{name}:"]
    for field, value in fields.items():
        if isinstance(value, str):
            if value.strip():
                lines.append(f"{pad}  {field}: {_scalar(value)}")
        elif value:
            lines.append(f"{pad}  {field}:")
            lines.extend(f"{pad}    - {_scalar(item)}" for item in value)
    return lines


def insert_code(text: str, key: str, fields: dict[str, str | list[str]]) -> str:
    """The codebook text with the code `key` (dimension.code[.code...]) added at the end of its
    parent's `codes:` (made if the parent has none). Refused if the parent is not in the file or
    the key is already there; the result is not validated here (the caller parses it)."""
    parts = key.split(".")
    if len(parts) < 2:
        raise CodebookError(f"{key!r} is not a code key under a dimension",
                            hint="give it as DIMENSION.NAME, e.g. innovation.battery-recycling")
    bad = [p for p in parts if not KEY_RE.fullmatch(p)]
    if bad:
        raise CodebookError(f"bad key part {bad[0]!r} in {key!r}",
                            hint="use lowercase letters, digits and single hyphens")
    root = _compose_root(text)
    parent: Node = root
    for depth, part in enumerate(parts[:-1]):
        holder = parent if depth == 0 else _codes(parent)
        found = _child(holder, part) if isinstance(holder, MappingNode) else None
        if found is None or not isinstance(found[1], MappingNode):
            where = ".".join(parts[: depth + 1])
            raise CodebookError(f"no code {where!r} in the codebook file to put {key!r} under",
                                hint="pick an existing dimension or code as the parent")
        parent = found[1]
    name = parts[-1]
    codes = _codes(parent)
    if codes is not None and _child(codes, name) is not None:
        raise CodebookError(f"the codebook file already has a code {key!r}")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = re.split(r"\r\n|\n|\r", text)
    if codes is not None and codes.value:
        indent = codes.value[0][0].start_mark.column
        after = _last_line(codes)
        first_sibling = codes.value[-1][0].start_mark.line
        spaced = first_sibling > 0 and not lines[first_sibling - 1].strip()
        block = code_block(name, fields, indent)
    elif codes is None:
        indent = parent.value[0][0].start_mark.column
        after = _last_line(parent)
        spaced = False
        block = [" " * indent + "codes:", *code_block(name, fields, indent + 2)]
    else:
        raise CodebookError(f"{'.'.join(parts[:-1])}'s `codes:` is empty or not a mapping",
                            hint="give it at least one code in the file, or remove the line")
    # Comments indented under the last sibling (or among the parent's fields) belong to it:
    # keep them above the new code.
    deeper = indent + 1 if codes is not None else indent
    while after + 1 < len(lines) and lines[after + 1].strip().startswith("#") and (
            len(lines[after + 1]) - len(lines[after + 1].lstrip()) >= deeper):
        after += 1
    insert = ([""] if spaced else []) + block
    out = lines[: after + 1] + insert + lines[after + 1 :]
    return newline.join(out)


def _codes(node: Node) -> MappingNode | None:
    if not isinstance(node, MappingNode):
        return None
    found = _child(node, "codes")
    if found is None:
        return None
    return found[1] if isinstance(found[1], MappingNode) else _empty(found[1])


def _empty(node: Node) -> MappingNode:
    # `codes:` with nothing (null) or not a mapping: an empty mapping, refused by the caller.
    return MappingNode(tag="tag:yaml.org,2002:map", value=[], start_mark=node.start_mark,
                       end_mark=node.end_mark)


_PLAIN_ITEM_RE = re.compile(r"[a-z0-9][a-z0-9 '&-]*", re.IGNORECASE)


def _flow_item(text: str) -> str:
    """One item of a flow sequence: plain when safe there, else double-quoted."""
    text = " ".join(text.split())
    plain = _PLAIN_ITEM_RE.fullmatch(text) and text.lower() not in (
        "yes", "no", "true", "false", "on", "off", "null", "y", "n")
    if plain:
        try:
            if yaml.safe_load(f"[{text}]") == [text]:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def insert_patterns(text: str, key: str, kind: str, values: list[str]) -> str:
    """The codebook text with one rule `- KIND: [v1, v2, ...]` appended to the `patterns:` of the
    code `key` (made, before the code's `codes:` if it has any, when the code has none). Every
    other line stays as it was."""
    if kind not in ("lemma", "phrase") or not values:
        raise CodebookError("only lemma or phrase rules with at least one value can be added")
    root = _compose_root(text)
    node: Node = root
    parts = key.split(".")
    for depth, part in enumerate(parts):
        holder = node if depth == 0 else _codes(node)
        found = _child(holder, part) if isinstance(holder, MappingNode) else None
        if found is None or not isinstance(found[1], MappingNode):
            raise CodebookError(f"no code {key!r} in the codebook file",
                                hint="the file may have changed since it was loaded; load it")
        node = found[1]
    assert isinstance(node, MappingNode)
    rule = f"{kind}: [{', '.join(_flow_item(v) for v in values)}]"
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = re.split(r"\r\n|\n|\r", text)
    found = _child(node, "patterns")
    if found is not None and isinstance(found[1], SequenceNode) and found[1].value \
            and found[1].flow_style is False:
        seq = found[1]
        first = seq.value[0]
        dash = lines[first.start_mark.line].rfind("-", 0, first.start_mark.column + 1)
        column = dash if dash >= 0 else first.start_mark.column - 2
        after = _last_line(seq)
        block = [" " * column + "- " + rule]
    elif found is not None:
        raise CodebookError(f"{key}'s `patterns:` is not a block list",
                            hint="write it as one `- kind: ...` item per line, then retry")
    else:
        indent = node.value[0][0].start_mark.column
        codes = _child(node, "codes")
        if codes is not None:
            after = codes[0].start_mark.line - 1
        else:
            after = _last_line(node)
        block = [" " * indent + "patterns:", " " * (indent + 2) + "- " + rule]
    out = lines[: after + 1] + block + lines[after + 1 :]
    return newline.join(out)


def _compose_root(text: str) -> MappingNode:
    """The codebook file's top mapping (its dimensions), read through the bounded loader."""
    try:
        root = safe_yaml.compose(text, safe_yaml.CODEBOOK)
    except yaml.YAMLError as exc:
        raise CodebookError(f"the codebook file is not valid YAML: {exc}".splitlines()[0],
                            hint="fix it with `qualcode codebook validate FILE`") from None
    if not isinstance(root, MappingNode):
        raise CodebookError("the codebook file has no dimensions")
    return root
