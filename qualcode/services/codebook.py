"""Validating a codebook file, syncing it into the project, and showing the code tree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.domain import Codebook, CodebookProblem, CodeDef, PatternDef
from qualcode.errors import CodebookError, QualcodeError
from qualcode.formats.codebook_yaml import parse_codebook, read_codebook_text
from qualcode.services import events, lookup
from qualcode.storage.models import Code, CodebookVersion, Coding

# The fields compared when a codebook is loaded again; a difference is reported as "changed".
SYNCED_FIELDS = (
    "name",
    "dimension",
    "is_dimension",
    "definition",
    "include",
    "exclude",
    "examples",
    "patterns",
    "colour",
    "sort_order",
    "parent",
    "translations",
)


@dataclass
class Validation:
    path: str
    codebook: Codebook | None
    problems: list[CodebookProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class SyncResult:
    path: str
    version: str
    sha256: str
    warnings: list[str] = field(default_factory=list)  # one line each, with file:line
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    renamed: dict[str, str] = field(default_factory=dict)  # old key -> new (renamed_from)


def validate_codebook(path: Path) -> Validation:
    """Every problem of the file, structural and spaCy-pattern ones; touches nothing."""
    text = read_codebook_text(path)
    codebook, problems = parse_codebook(text, source=str(path))
    if codebook is not None and not problems:
        from qualcode.nlp.patterns import check_patterns  # spaCy only when patterns are checked

        problems = check_patterns(codebook)
    problems = sorted(problems, key=lambda p: (p.line or 0, p.key or ""))
    return Validation(
        path=str(path), codebook=codebook if not problems else None, problems=problems
    )


def require_valid(path: Path) -> Codebook:
    result = validate_codebook(path)
    if not result.ok:
        first = result.problems[0].one_line(str(path))
        raise CodebookError(
            f"{len(result.problems)} problem(s) in the codebook; first: {first}",
            problems=result.problems,
            hint=f"see them all with `qualcode codebook validate {path}`",
        )
    assert result.codebook is not None
    return result.codebook


def _patterns_json(code: CodeDef) -> list[dict]:
    # Through JSON and back, so the comparison with what the database returns (lists, never
    # tuples) sees only real changes.
    return json.loads(
        json.dumps(
            [
                _pattern_json(p)
                for p in code.patterns
            ],
            default=list,
        )
    )


def _pattern_json(p: PatternDef) -> dict:
    # role and negation only when not the default, so codebooks stored before they existed
    # compare equal when loaded again
    entry = {"kind": p.kind, "value": p.value, "language": p.language, "rule_id": p.rule_id}
    if p.role != "suggest":
        entry["role"] = p.role
    if p.negation != "lower":
        entry["negation"] = p.negation
    return entry


def _wanted(code: CodeDef) -> dict:
    return {
        "name": code.name,
        "dimension": code.dimension,
        "is_dimension": code.is_dimension,
        "definition": code.definition,
        "include": list(code.include),
        "exclude": list(code.exclude),
        "examples": list(code.examples),
        "patterns": _patterns_json(code),
        "colour": code.colour,
        "sort_order": code.order,
        "parent": code.parent,
        "translations": code.translations_dict(),
    }


def _current(code: Code) -> dict:
    return {
        "name": code.name,
        "dimension": code.dimension,
        "is_dimension": code.is_dimension,
        "definition": code.definition,
        "include": code.include,
        "exclude": code.exclude,
        "examples": code.examples,
        "patterns": code.patterns,
        "colour": code.colour,
        "sort_order": code.sort_order,
        "parent": code.parent.key if code.parent else None,
        "translations": code.translations or {},
    }


def load_codebook(session: Session, path: Path, *, actor: str) -> SyncResult:
    codebook = require_valid(path)
    version = session.scalars(
        select(CodebookVersion).where(CodebookVersion.sha256 == codebook.sha256)
    ).first()
    if version is None:
        version = CodebookVersion(
            name=codebook.name,
            version=codebook.version,
            source=str(path),
            sha256=codebook.sha256 or "",
        )
        session.add(version)
        session.flush()
    result = SyncResult(path=str(path), version=codebook.version, sha256=codebook.sha256 or "")
    existing = {c.key: c for c in session.scalars(select(Code))}
    wanted_keys = {c.key for c in codebook.codes}
    # `renamed_from: OLD` moves the code (and its codings) to its new key instead of retiring
    # OLD and adding a new, empty code.
    for cdef in codebook.codes:
        old = cdef.renamed_from
        if old and old in existing and cdef.key not in existing and old not in wanted_keys:
            from qualcode.services.codes import rename_code

            rename_code(session, old, cdef.key, actor=actor)
            result.renamed[old] = cdef.key
    if result.renamed:
        existing = {c.key: c for c in session.scalars(select(Code))}

    for cdef in codebook.codes:  # codebook order puts parents before children
        want = _wanted(cdef)
        code = existing.get(cdef.key)
        if code is None:
            code = Code(key=cdef.key, guid=cdef.guid)
            _apply(code, want, existing)
            code.codebook_version_id = version.id
            session.add(code)
            session.flush()
            existing[cdef.key] = code
            result.added.append(cdef.key)
            events.record(session, actor, "code.add", "code", code.id, after=want)
            continue
        before = _current(code)
        diff = [f for f in SYNCED_FIELDS if before[f] != want[f]]
        code.codebook_version_id = version.id
        if code.retired:
            code.retired = False
            result.restored.append(cdef.key)
            events.record(session, actor, "code.restore", "code", code.id)
        if diff:
            _apply(code, want, existing)
            result.changed[cdef.key] = diff
            events.record(
                session,
                actor,
                "code.change",
                "code",
                code.id,
                before={f: before[f] for f in diff},
                after={f: want[f] for f in diff},
            )
        elif cdef.key not in result.restored:
            result.unchanged += 1

    _retire_or_remove(session, existing, wanted_keys, result, actor)
    session.flush()
    result.warnings = [w.one_line(str(path)) for w in codebook.warnings]
    return result


def _apply(code: Code, want: dict, existing: dict[str, Code]) -> None:
    for name in SYNCED_FIELDS:
        if name == "parent":
            code.parent = existing[want["parent"]] if want["parent"] else None
        else:
            setattr(code, name, want[name])


def _retire_or_remove(
    session: Session, existing: dict[str, Code], wanted: set[str], result: SyncResult, actor: str
) -> None:
    """A code gone from the file is retired if it (or a code below it) has codings, so no
    evidence is orphaned; otherwise it is removed."""
    missing = [c for key, c in existing.items() if key not in wanted and not c.retired]
    if not missing:
        return
    coded = set(session.scalars(select(Coding.code_id).distinct()))
    keep: set[str] = set()
    for code in missing:
        if code.id in coded:
            node: Code | None = code
            while node is not None and node.key not in wanted:  # keep its ancestors too
                keep.add(node.key)
                node = node.parent
    for code in sorted(missing, key=lambda c: -c.key.count(".")):  # children first
        if code.key in keep:
            code.retired = True
            result.retired.append(code.key)
            events.record(session, actor, "code.retire", "code", code.id)
        else:
            events.record(
                session,
                actor,
                "code.remove",
                "code",
                code.id,
                before={"key": code.key, "name": code.name},
            )
            result.removed.append(code.key)
            session.delete(code)
            session.flush()


@dataclass
class CodeNode:
    key: str
    name: str
    dimension: str
    depth: int
    colour: str | None
    retired: bool
    is_dimension: bool
    codings: int  # coded directly with this code
    total: int  # this code and every code below it
    definition: str
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def code_tree(session: Session, *, include_retired: bool = False,
              under: str | None = None) -> list[CodeNode]:
    """The codes in the codebook's order, depth first; with under, that code and the codes
    below it (an unknown key is refused with the nearest keys)."""
    top = lookup.code(session, under, allow_retired=True) if under else None
    codes = list(session.scalars(select(Code).order_by(Code.sort_order, Code.key)))
    direct = dict(
        session.execute(select(Coding.code_id, func.count()).group_by(Coding.code_id)).all()
    )
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    nodes: list[CodeNode] = []

    def total(code: Code) -> int:
        return direct.get(code.id, 0) + sum(total(c) for c in children.get(code.id, []))

    def add(code: Code, depth: int) -> None:
        if code.retired and not include_retired and code is not top:
            return
        nodes.append(
            CodeNode(
                key=code.key,
                name=code.name,
                dimension=code.dimension,
                depth=depth,
                colour=code.colour,
                retired=code.retired,
                is_dimension=code.is_dimension,
                codings=direct.get(code.id, 0),
                total=total(code),
                definition=code.definition,
                include=list(code.include or ()),
                exclude=list(code.exclude or ()),
                examples=list(code.examples or ()),
            )
        )
        for child in children.get(code.id, []):
            add(child, depth + 1)

    for code in [top] if top is not None else children.get(None, []):
        add(code, 0)
    return nodes


def live_codebook(session: Session) -> Codebook:
    """The codebook as loaded in the project, retired codes left out (they get no suggestions)."""
    codes = list(
        session.scalars(
            select(Code).where(Code.retired.is_(False)).order_by(Code.sort_order, Code.key)
        )
    )
    if not codes:
        raise QualcodeError("the project has no codebook", hint="run `qualcode codebook load FILE`")
    version = session.scalars(
        select(CodebookVersion).order_by(CodebookVersion.loaded_at.desc())
    ).first()
    by_id = {c.id: c for c in codes}
    defs = []
    languages = set()
    for c in codes:
        patterns = tuple(
            PatternDef(
                kind=p["kind"],
                value=p["value"],
                language=p["language"],
                line=None,
                rule_id=p["rule_id"],
                role=p.get("role", "suggest"),
                negation=p.get("negation", "lower"),
            )
            for p in c.patterns
        )
        languages.update(p.language for p in patterns)
        parent = by_id.get(c.parent_id) if c.parent_id else None
        defs.append(
            CodeDef(
                key=c.key,
                name=c.name,
                dimension=c.dimension,
                parent=parent.key if parent else None,
                definition=c.definition,
                include=tuple(c.include),
                exclude=tuple(c.exclude),
                examples=tuple(c.examples),
                colour=c.colour,
                patterns=patterns,
                is_dimension=c.is_dimension,
                order=c.sort_order,
                translations=tuple(
                    (lang, t.get("name"), t.get("definition"))
                    for lang, t in sorted((c.translations or {}).items())
                ),
            )
        )
    return Codebook(
        name=version.name if version else "codebook",
        version=version.version if version else "",
        language="en",
        languages=tuple(sorted(languages)),
        codes=defs,
        sha256=version.sha256 if version else "",
    )


def export_codebook_yaml(session: Session) -> str:
    """The project's live codebook as a YAML file (retired codes left out): after a REFI-QDA
    import, or to start a codebook file from the project's codes."""
    from qualcode.formats.codebook_yaml import codebook_to_yaml

    return codebook_to_yaml(live_codebook(session))
