"""Managing codes in the project: rename (or move under another parent) and merge. Codings,
suggestions, memos and summaries follow, because they point at the code's row, not its key.

A renamed or moved code keeps its REFI-QDA GUID: the GUID is the code's identity in exchanges,
so NVivo or ATLAS.ti see the same code with a new name rather than a new code; the event keeps
the old key. The codebook file is not rewritten: the result says what to change in it (the new
key, with `renamed_from: OLD` so that `codebook load` agrees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qualcode.errors import ConflictError, QualcodeError
from qualcode.services import events, lookup
from qualcode.services.history import UndoRefused, handler
from qualcode.storage.models import Code, Coding, Memo, Suggestion, Summary


@dataclass
class CodeChange:
    action: str
    old_key: str
    new_key: str
    keys: dict[str, str] = field(default_factory=dict)  # every key that changed, old -> new
    moved: dict[str, int] = field(default_factory=dict)
    codebook_hint: str = ""
    codebook_edited: str | None = None  # the file rewritten (edit_codebook_file), if any
    definition: str = ""  # a split's new code: its starting definition


def edit_codebook_file(path: Path, change: CodeChange) -> CodeChange:
    """Make the same change in the codebook YAML, keeping its comments and layout (called by
    the command after its transaction committed). When the file does not hold the code, the
    hint says what to do instead."""
    from qualcode.formats import codebook_edit

    if not path.is_file():
        raise QualcodeError(f"no codebook file {path}", hint="give the YAML you load")
    if change.action in ("rename", "move"):
        done = codebook_edit.rename_code(path, change.old_key, change.new_key)
    elif change.action == "merge":
        done = codebook_edit.remove_code(path, change.old_key)
    else:  # split
        done = codebook_edit.add_code(path, change.new_key, {"definition": change.definition})
    if done:
        change.codebook_edited = str(path)
        change.codebook_hint = f"Rewrote {path} (comments and layout kept)."
    else:
        change.codebook_hint = f"{path} does not hold the code as expected. " + change.codebook_hint
    return change


def _subtree(session: Session, root: Code) -> list[Code]:
    return [session.get(Code, i) for i in lookup.subtree_ids(session, root)]


def _rekey(session: Session, keys: dict[str, str], parent: dict[str, str | None]) -> None:
    """Apply old->new keys (and new parents), keeping dimension strings and summaries in step."""
    rows = {c.key: c for c in session.scalars(select(Code).where(Code.key.in_(list(keys))))}
    for code in rows.values():
        # Free every new key before taking them (swaps, prefixes). A placeholder no codebook key
        # can be (a space); not NUL, which PostgreSQL refuses in text.
        code.key = f" rekey {code.id}"
    session.flush()
    for old, code in rows.items():
        code.key = keys[old]
        code.dimension = keys[old].split(".")[0]
        code.is_dimension = "." not in keys[old]
        if old in parent:
            new_parent = parent[old]
            code.parent_id = (session.scalars(select(Code).where(Code.key == new_parent)).one().id
                              if new_parent else None)
    for old, new in keys.items():
        if "." not in old and "." not in new:  # a dimension renamed: its summaries follow
            session.execute(update(Summary).where(Summary.dimension == old)
                            .values(dimension=new))
    session.flush()


def _hint(keys: dict[str, str]) -> str:
    old, new = next(iter(keys.items()))
    return (f"In the codebook file, rename {old} to {new} (the key `{new.split('.')[-1]}` under "
            f"`{'.'.join(new.split('.')[:-1]) or 'the top level'}`) and add "
            f"`renamed_from: {old}` to it, so that `codebook load` moves nothing back.")


def rename_code(session: Session, key: str, new_key: str, *, actor: str,
                action: str = "code.rename") -> CodeChange:
    """Give a code (and with it every code below it) a new key; a new key with another parent
    moves it there."""
    code = lookup.code(session, key, allow_retired=True)
    new_key = new_key.strip().strip(".")
    if not new_key or any(not part for part in new_key.split(".")):
        raise QualcodeError(f"{new_key!r} is not a code key", hint="e.g. innovation.cell-design")
    if new_key == code.key:
        raise QualcodeError(f"{key} already has that key")
    if new_key.startswith(code.key + "."):
        raise QualcodeError(f"{key} cannot move under itself")
    if session.scalars(select(Code).where(Code.key == new_key)).first() is not None:
        raise ConflictError(f"there is already a code {new_key}",
                            hint=f"merge into it instead: qualcode codes merge {key} {new_key}")
    parent_key = ".".join(new_key.split(".")[:-1]) or None
    if parent_key and session.scalars(select(Code).where(Code.key == parent_key)).first() is None:
        raise QualcodeError(f"no code {parent_key} to put {new_key} under",
                            hint="create the parent in the codebook first")
    if code.is_dimension and parent_key:
        raise QualcodeError(f"{key} is a dimension; it cannot move under {parent_key}")
    keys = {c.key: new_key + c.key[len(code.key):] for c in _subtree(session, code)}
    old_parent = code.parent.key if code.parent else None
    _rekey(session, keys, {code.key: parent_key})
    events.record(session, actor, action, "code", code.id,
                  before={"key": key, "parent": old_parent, "guid": code.guid},
                  after={"key": new_key, "parent": parent_key, "keys": keys})
    return CodeChange(action.split(".")[1], key, new_key, keys, codebook_hint=_hint(keys))


def merge_codes(session: Session, source: str, target: str, *, actor: str) -> CodeChange:
    """Merge code SOURCE into TARGET: its codings, suggestions and memos move to TARGET and
    SOURCE is retired. A coding that TARGET already has for the same span and coder is dropped
    (kept in the event). SOURCE must have no codes below it."""
    a = lookup.code(session, source, allow_retired=True)
    b = lookup.code(session, target)
    if a.id == b.id:
        raise QualcodeError("a code cannot be merged into itself")
    if session.scalars(select(Code).where(Code.parent_id == a.id, Code.retired.is_(False))).first():
        raise QualcodeError(f"{a.key} has codes below it",
                            hint="move or merge them first (qualcode codes rename/merge)")
    moved_codings, dropped = [], []
    for c in session.scalars(select(Coding).where(Coding.code_id == a.id)):
        twin = session.scalars(select(Coding).where(
            Coding.document_id == c.document_id, Coding.code_id == b.id,
            Coding.coder_id == c.coder_id, Coding.start == c.start, Coding.end == c.end)).first()
        if twin is not None:
            raise ConflictError(f"coding {c.id} ({a.key}) and coding {twin.id} ({b.key}) cover "
                                "the same span by the same coder",
                                hint=f"remove one first: qualcode code remove {c.id}")
        moved_codings.append(c.id)
    session.execute(update(Coding).where(Coding.id.in_(moved_codings)).values(code_id=b.id))
    suggestions = []
    for s in session.scalars(select(Suggestion).where(Suggestion.code_id == a.id)):
        twin = session.scalars(select(Suggestion.id).where(
            Suggestion.document_id == s.document_id, Suggestion.code_id == b.id,
            Suggestion.start == s.start, Suggestion.end == s.end,
            Suggestion.method == s.method)).first()
        if twin is None:
            suggestions.append(s.id)
    session.execute(update(Suggestion).where(Suggestion.id.in_(suggestions))
                    .values(code_id=b.id))
    memos = list(session.scalars(select(Memo.id).where(Memo.code_id == a.id)))
    session.execute(update(Memo).where(Memo.id.in_(memos)).values(code_id=b.id))
    was_retired, a.retired = a.retired, True
    session.flush()
    moved = {"codings": moved_codings, "suggestions": suggestions, "memos": memos}
    events.record(session, actor, "code.merge", "code", a.id,
                  before={"key": a.key, "retired": was_retired, "guid": a.guid},
                  after={"key": b.key, **moved, "dropped": dropped})
    return CodeChange("merge", a.key, b.key, moved={k: len(v) for k, v in moved.items()},
                      codebook_hint=f"In the codebook file, delete {a.key} (retired now; its "
                                    f"evidence is under {b.key}).")


def split_code(session: Session, key: str, new_key: str, coding_ids: list[int], *, actor: str,
               name: str | None = None, record: bool = True) -> CodeChange:
    """Split code KEY: a new code NEW_KEY (a sibling unless the key says otherwise) takes the
    codings given by id; the rest stay. The new code starts with KEY's colour and a definition
    that says where it came from, to be written properly in the codebook."""
    code = lookup.code(session, key)
    if not coding_ids:
        raise QualcodeError("say which codings go to the new code", hint="--coding ID, repeated")
    if session.scalars(select(Code).where(Code.key == new_key)).first() is not None:
        raise ConflictError(f"there is already a code {new_key}",
                            hint=f"merge into it instead: qualcode codes merge {key} {new_key}")
    parent_key = ".".join(new_key.split(".")[:-1])
    parent = session.scalars(select(Code).where(Code.key == parent_key)).first()
    if parent is None or "." not in new_key:
        raise QualcodeError(f"no code {parent_key or '(none)'} to put {new_key} under",
                            hint=f"e.g. {'.'.join(key.split('.')[:-1])}.{new_key.split('.')[-1]}")
    rows = list(session.scalars(select(Coding).where(Coding.id.in_(coding_ids))))
    strangers = sorted(set(coding_ids) - {c.id for c in rows if c.code_id == code.id})
    if strangers:
        raise QualcodeError(f"coding {strangers[0]} is not a coding of {key}",
                            hint=f"see them: qualcode codings list --code {key}")
    from qualcode.domain import code_guid

    new = Code(key=new_key, guid=code_guid(new_key), name=name or new_key.split(".")[-1],
               parent_id=parent.id, dimension=new_key.split(".")[0], is_dimension=False,
               definition=f"Split from {key}: {code.definition}", include=[], exclude=[],
               examples=[], patterns=[], colour=code.colour, sort_order=code.sort_order)
    session.add(new)
    session.flush()
    session.execute(update(Coding).where(Coding.id.in_(coding_ids)).values(code_id=new.id))
    session.flush()
    if record:
        events.record(session, actor, "code.split", "code", new.id,
                      before={"key": key}, after={"key": new_key, "codings": sorted(coding_ids)})
    return CodeChange("split", key, new_key, moved={"codings": len(coding_ids)},
                      codebook_hint=f"In the codebook file, add {new_key} (definition, "
                                    "examples) so that `codebook load` keeps it.",
                      definition=new.definition)


@handler("code.split")
def _split():
    def undo(session, ev):
        new = session.get(Code, ev.entity_id)
        old = session.scalars(select(Code).where(Code.key == (ev.before or {})["key"])).first()
        if new is None or old is None:
            raise UndoRefused("one of the two codes is gone")
        moved = (ev.after or {})["codings"]
        others = session.scalars(select(Coding.id).where(Coding.code_id == new.id,
                                                         Coding.id.notin_(moved))).first()
        if others is not None:
            raise UndoRefused(f"{new.key} has codings made since (coding {others})",
                              hint=f"merge instead: qualcode codes merge {new.key} {old.key}")
        session.execute(update(Coding).where(Coding.id.in_(moved)).values(code_id=old.id))
        session.execute(update(Memo).where(Memo.code_id == new.id).values(code_id=old.id))
        data = {"name": new.name, "key": new.key}
        session.delete(new)
        session.flush()
        return data

    def redo(session, ev, payload):
        change = split_code(session, (ev.before or {})["key"], payload["key"],
                            (ev.after or {})["codings"], actor="redo", name=payload["name"],
                            record=False)
        session.flush()
        return {"key": change.new_key}

    return undo, redo


@handler("code.rename", "code.move")
def _rename():
    def swap(session, ev, forward: bool):
        keys: dict[str, str] = (ev.after or {}).get("keys", {})
        mapping = keys if forward else {v: k for k, v in keys.items()}
        have = set(session.scalars(select(Code.key).where(Code.key.in_(list(mapping)))))
        if have != set(mapping):
            raise UndoRefused(f"code {sorted(set(mapping) - have)[0]} has been renamed or "
                              "removed since")
        root_old = (ev.before if forward else ev.after)["key"]
        parent = (ev.after if forward else ev.before).get("parent")
        _rekey(session, mapping, {root_old: parent})
        return {}

    return (lambda s, ev: swap(s, ev, False), lambda s, ev, _p: swap(s, ev, True))


@handler("code.merge")
def _merge():
    def undo(session, ev):
        before, after = ev.before or {}, ev.after or {}
        a = session.get(Code, ev.entity_id)
        if a is None:
            raise UndoRefused(f"code {before.get('key')} is gone")
        session.execute(update(Coding).where(Coding.id.in_(after["codings"]))
                        .values(code_id=a.id))
        session.execute(update(Suggestion).where(Suggestion.id.in_(after["suggestions"]))
                        .values(code_id=a.id))
        session.execute(update(Memo).where(Memo.id.in_(after["memos"])).values(code_id=a.id))
        a.retired = before.get("retired", False)
        session.flush()
        return {}

    def redo(session, ev, _payload: dict[str, Any]):
        a = session.get(Code, ev.entity_id)
        if a is None:
            raise UndoRefused("the code is gone")
        b = session.scalars(select(Code).where(Code.key == (ev.after or {})["key"])).first()
        if b is None:
            raise UndoRefused(f"code {(ev.after or {})['key']} is gone")
        after = ev.after or {}
        session.execute(update(Coding).where(Coding.id.in_(after["codings"]))
                        .values(code_id=b.id))
        session.execute(update(Suggestion).where(Suggestion.id.in_(after["suggestions"]))
                        .values(code_id=b.id))
        session.execute(update(Memo).where(Memo.id.in_(after["memos"])).values(code_id=b.id))
        a.retired = True
        session.flush()
        return {}

    return undo, redo
