"""Editing a codebook YAML file in place when codes are renamed, moved, merged or split in the
project, keeping its comments, key order and layout (ruamel.yaml's round-trip mode; PyYAML
would drop every comment). Pure file edits: no database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.errors import CodebookError

META_KEY = "codebook"


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order, quoting and flow style are kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{LOWER: to}] stays so
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load(path: Path):
    yaml = _yaml()
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"))
    except Exception as exc:  # ruamel raises many kinds; one line is what a researcher needs
        raise CodebookError(f"cannot read the codebook to edit it: {exc}", where=str(path)
                            ) from None
    if not hasattr(data, "keys"):
        raise CodebookError("the codebook is not a mapping of dimensions", where=str(path))
    return yaml, data


def _children(node: Any, create: bool = False):
    codes = node.get("codes") if hasattr(node, "get") else None
    if codes is None and create:
        from ruamel.yaml.comments import CommentedMap

        codes = CommentedMap()
        node["codes"] = codes
    return codes


def _find(data, key: str):
    """(the mapping that holds the code, its name there), or None."""
    parts = key.split(".")
    holder, name = data, parts[0]
    node = data.get(name) if name != META_KEY else None
    for part in parts[1:]:
        if node is None:
            return None
        holder = _children(node)
        if holder is None:
            return None
        name = part
        node = holder.get(part)
    return (holder, name) if node is not None else None


def rename_code(path: Path, old_key: str, new_key: str) -> bool:
    """Move the entry of OLD_KEY to NEW_KEY (same place when only the last part changes, else
    under the new parent's `codes:`) and mark it `renamed_from: OLD_KEY`. False when the file
    does not hold OLD_KEY (it was never there, or has been edited already)."""
    yaml, data = _load(path)
    found = _find(data, old_key)
    if found is None or _find(data, new_key) is not None:
        return False
    holder, name = found
    node = holder[name]
    new_parent, new_name = ".".join(new_key.split(".")[:-1]), new_key.split(".")[-1]
    if new_parent == ".".join(old_key.split(".")[:-1]):
        position = list(holder.keys()).index(name)
        del holder[name]
        holder.insert(position, new_name, node)
    else:
        target = _find(data, new_parent) if new_parent else None
        if new_parent and target is None:
            return False
        del holder[name]
        dest = _children(target[0][target[1]], create=True) if target else data
        dest[new_name] = node
    if "." in new_key and hasattr(node, "insert"):
        node.pop("renamed_from", None)
        node.insert(0, "renamed_from", old_key)
    _write(yaml, data, path)
    return True


def remove_code(path: Path, key: str) -> bool:
    yaml, data = _load(path)
    found = _find(data, key)
    if found is None:
        return False
    holder, name = found
    del holder[name]
    _write(yaml, data, path)
    return True


def add_code(path: Path, key: str, fields: dict[str, Any]) -> bool:
    """Add a code (a definition and whatever else is given) under its parent."""
    yaml, data = _load(path)
    parent = _find(data, ".".join(key.split(".")[:-1]))
    if parent is None or _find(data, key) is not None:
        return False
    from ruamel.yaml.comments import CommentedMap

    _children(parent[0][parent[1]], create=True)[key.split(".")[-1]] = CommentedMap(fields)
    _write(yaml, data, path)
    return True


def _write(yaml, data, path: Path) -> None:
    import io

    out = io.StringIO()
    yaml.dump(data, out)
    path.write_text(out.getvalue(), encoding="utf-8")
