"""REFI-QDA import: a .qdc, .qde or .qdpx, read and checked whole before anything is written (the
caller's transaction makes it all or nothing). Top-level REFI codes become dimensions (root
codes), nested codes keep their place (formats/refiqda/keys.py has the key rules); a leaf code
with isCodable="false" becomes a retired code. Codes that are already in the project (same GUID,
or same key) are refused unless `merge`, which keeps them exactly as they are and adds only the
new ones. Text sources become documents (line endings normalised to LF, turns detected), cases
keep their typed variables, and codings arrive with origin "imported" under the coder
`<prefix><user name>`.

qualcode's own exports also carry qualcode/extension.json (formats/refiqda/extension.py): code
patterns, coding origins and key-quote marks, summaries and suggestions come back from it. A
summary also comes back from a file without it when its note is named "Summary: CASE /
DIMENSION" after a case and a dimension of the project.
"""


from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qualcode.domain import ORIGIN_IMPORTED, ORIGINS
from qualcode.errors import ConflictError, InputError, QualcodeError
from qualcode.formats.refiqda import DEFAULT_LIMITS, Limits, read_refi
from qualcode.formats.refiqda.keys import PlannedCode, plan_codes
from qualcode.formats.refiqda.model import (
    ATTRIBUTE_TYPES,
    RefiCase,
    RefiCoding,
    RefiSelection,
    RefiSource,
    RefiValue,
    RefiVariable,
    document_name,
    fit,
    norm_guid,
    parse_xsd_datetime,
    walk_codes,
)
from qualcode.formats.refiqda.reader import RefiFile, SourceText
from qualcode.formats.transcripts import detect_turns
from qualcode.formats.transcripts.language import resolve_language
from qualcode.services import attributes, bulk, events, lookup
from qualcode.services.refi_export import DOCUMENT_FIELDS
from qualcode.storage.models import (
    Attribute,
    Case,
    CaseValue,
    Code,
    CodebookVersion,
    Coder,
    Coding,
    Document,
    DocumentValue,
    JudgedSpan,
    Memo,
    Suggestion,
    Summary,
    Turn,
)


@dataclass
class DocumentImport:
    source: str  # the source's name (or GUID) in the file
    document: str
    status: str  # "imported" or "unchanged" (already in the project with the same text)
    member: str
    positions: str  # which position convention was used, and the evidence for it
    convention: str  # its key: codepoints, codepoints-crlf1, utf16, utf16-crlf1 (+bom)
    positions_short: str
    conventions_differ: bool  # False when the text reads the same under every convention
    case: str | None = None
    selections: int = 0
    codings: int = 0
    newlines_normalised: bool = False


@dataclass
class RefiImport:
    path: str
    container: str
    kind: str
    origin: str | None
    codes_added: list[str] = field(default_factory=list)
    # What the added codes are, as `stats` counts them: dimensions (top-level codes), codes
    # below them, and retired codes (either kind); the three add up to len(codes_added).
    dimensions_added: int = 0
    retired_added: int = 0
    codes_matched: list[dict] = field(default_factory=list)  # key, by (guid|key), differs
    documents: list[DocumentImport] = field(default_factory=list)
    cases_added: list[str] = field(default_factory=list)
    cases_matched: list[str] = field(default_factory=list)
    values_set: int = 0
    codings_added: int = 0
    codings_unchanged: int = 0
    coders: list[str] = field(default_factory=list)
    # From qualcode's extension (or summary notes):
    patterns_set: int = 0
    key_quotes: int = 0
    summaries_added: list[str] = field(default_factory=list)  # "case / dimension"
    summaries_kept: list[str] = field(default_factory=list)  # the project's differing one kept
    suggestions_added: int = 0
    suggestions_unchanged: int = 0
    judged_added: int = 0
    memos_added: int = 0
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def codes_below_dimensions(self) -> int:
        return len(self.codes_added) - self.dimensions_added - self.retired_added


def inspect_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> RefiFile:
    """Read and check a REFI file without a project: what an import would find."""
    return read_refi(Path(path), limits)


def import_refi(
    session: Session,
    path: Path,
    *,
    actor: str,
    coder_prefix: str | None = None,
    merge: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> RefiImport:
    path = Path(path)
    refi = read_refi(path, limits)
    report = RefiImport(path=str(path), container=refi.container, kind=refi.kind,
                        origin=refi.origin, warnings=list(refi.warnings),
                        skipped=[s.line() for s in refi.skipped])
    codes = _import_codes(session, refi, report, merge=merge, actor=actor)
    if refi.project is not None:
        _Importer(session, refi, report, codes, actor=actor, prefix=coder_prefix or "").run()
    elif coder_prefix:
        report.warnings.append("--coder-prefix has no effect on a codebook (it holds no codings)")
    if not refi.codes and (refi.project is None or not refi.project.sources):
        report.warnings.append("the file holds no codes and no sources: nothing to import")
    events.record(session, actor, "refi.import", "project", None, after={
        "file": path.name, "origin": refi.origin, "codes_added": len(report.codes_added),
        "documents": sum(d.status == "imported" for d in report.documents),
        "codings_added": report.codings_added})
    return report


def _import_codes(session: Session, refi: RefiFile, report: RefiImport, *, merge: bool,
                  actor: str) -> dict[str, Code]:
    """Codes of the file by normalised GUID, existing or new."""
    existing = list(session.scalars(select(Code)))
    by_key = {c.key: c for c in existing}
    plan = plan_codes(refi.codes, existing_by_guid={norm_guid(c.guid): c.key for c in existing},
                      existing_keys=set(by_key), where=str(refi.path))
    matched = [p for p in plan if not p.is_new]
    if matched and not merge:
        shown = ", ".join(p.key for p in matched[:3]) + (", ..." if len(matched) > 3 else "")
        raise ConflictError(
            f"{len(matched)} code(s) of the file are already in the project ({shown}); "
            "nothing was imported", where=str(refi.path),
            hint="pass --merge to keep the project's codes as they are and add only new ones")
    version = _codebook_version(session, refi) if len(matched) < len(plan) else None
    base = max((c.sort_order for c in existing), default=-1) + 1
    rows: dict[str, Code] = dict(by_key)
    out: dict[str, Code] = {}
    patterns = (refi.extension or {}).get("codes", {})
    for planned in plan:
        if planned.is_new:
            row = rows[planned.key] = _new_code(session, planned, rows, version, base, actor)
            report.codes_added.append(planned.key)
            report.retired_added += row.retired
            report.dimensions_added += row.is_dimension and not row.retired
            extra = patterns.get(planned.code.guid) or patterns.get(norm_guid(planned.code.guid))
            if isinstance(extra, dict) and isinstance(extra.get("patterns"), list):
                row.patterns = list(extra["patterns"])
                report.patterns_set += bool(row.patterns)
        else:
            report.codes_matched.append(_compare(planned, rows[planned.key]))
        out[norm_guid(planned.code.guid)] = rows[planned.key]
    return out


def _codebook_version(session: Session, refi: RefiFile) -> CodebookVersion:
    with open(refi.path, "rb") as handle:  # in chunks: a .qdpx can be large
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    version = session.scalars(select(CodebookVersion).where(CodebookVersion.sha256 == sha)).first()
    if version is None:
        version = CodebookVersion(name=f"REFI-QDA: {refi.path.name}", version="refi-qda",
                                  source=str(refi.path), sha256=sha)
        session.add(version)
        session.flush()
    return version


def _new_code(session: Session, planned: PlannedCode, rows: dict[str, Code],
              version: CodebookVersion | None, base: int, actor: str) -> Code:
    code, text = planned.code, planned.text
    parent = rows[planned.parent_key] if planned.parent_key else None
    row = Code(key=planned.key, guid=code.guid, name=code.name, parent=parent,
               dimension=parent.dimension if parent else planned.key,
               is_dimension=parent is None, definition=text.definition,
               include=list(text.include), exclude=list(text.exclude),
               examples=list(text.examples), patterns=[], colour=code.colour,
               sort_order=base + planned.order,
               retired=not code.codable and not code.children,
               codebook_version_id=version.id if version else None)
    session.add(row)
    session.flush()
    events.record(session, actor, "code.add", "code", row.id, after={
        "key": row.key, "guid": row.guid, "name": row.name, "from": "refi-qda"})
    return row


def _compare(planned: PlannedCode, row: Code) -> dict:
    differs = [name for name, theirs, ours in (
        ("name", planned.code.name, row.name),
        ("definition", planned.text.definition, row.definition or ""),
        ("colour", (planned.code.colour or "").lower(), (row.colour or "").lower()),
    ) if theirs != ours]
    return {"key": row.key, "by": planned.matched_by, "differs": differs}


class _Importer:
    """The project part of an import: documents, cases, values, codings."""

    def __init__(self, session: Session, refi: RefiFile, report: RefiImport,
                 codes: dict[str, Code], *, actor: str, prefix: str):
        assert refi.project is not None
        self.session, self.refi, self.project, self.report = session, refi, refi.project, report
        self.codes, self.actor, self.prefix = codes, actor, prefix
        self.users = {norm_guid(u.guid): u for u in self.project.users}
        self.variables = {norm_guid(v.guid): v for v in self.project.variables}
        self.documents: dict[str, Document] = {}  # by normalised source GUID
        self.new_documents: set[str] = set()
        self.coders: dict[str, Coder] = {}
        self.notes_used: set[str] = set()
        self.extension = refi.extension or {}
        # A coding of the file by normalised GUID -> its key (document, code, coder, span), and
        # key -> id once written; codings are written in batches (services/bulk.py).
        self.codings_by_guid: dict[str, tuple] = {}
        self.coding_ids: dict[tuple, int] = {}
        self.pending: list[tuple[dict, dict]] = []  # (coding row, its event) not yet written
        # Notes the extension says are memos (`memo add`), not part of a coding's own memo.
        self.memo_notes = {norm_guid(str(m.get("note"))) for m in self.extension.get("memos", [])
                           if isinstance(m, dict) and m.get("note")}

    def run(self) -> None:
        names: set[str] = set()
        for user in self.project.users:  # every user of the project is a coder of it
            self._coder(user.guid)
        for source in self.project.sources:
            text = self.refi.texts.get(norm_guid(source.guid))
            if text is not None:
                self._document(source, text, names)
        for case in self.project.cases:
            self._case(case)
        for source in self.project.sources:
            if norm_guid(source.guid) in self.documents:
                self._codings(source)
                if len(self.pending) >= bulk.BATCH:
                    self._write_codings()
        self._write_codings()
        self._summaries()
        self._suggestions()
        self._judged()
        self._memos()
        self.report.coders = sorted(c.name for c in self.coders.values())
        unused = [n for n in self.project.notes if norm_guid(n.guid) not in self.notes_used]
        if unused:
            self.report.skipped.append(f"{len(unused)} note(s) attached to nothing qualcode "
                                       "imported (memos belong to the project, a case, a "
                                       "document, a code or a coding)")

    # -- documents -------------------------------------------------------------------------------

    def _doc_name(self, source: RefiSource, taken: set[str]) -> str:
        name = base = document_name(source)
        n = 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        return name

    def _where(self, member: str | None = None) -> str:
        return f"{self.refi.path}:{member}" if member else str(self.refi.path)

    def _document(self, source: RefiSource, text: SourceText, taken: set[str]) -> None:
        name = self._doc_name(source, taken)
        sha = hashlib.sha256(text.text.encode("utf-8")).hexdigest()
        doc = self.session.scalars(select(Document).where(Document.name == name)).one_or_none()
        status = "unchanged"
        if doc is not None and doc.sha256 != sha:
            raise ConflictError(
                f"document {name!r} is already in the project with different text",
                where=self._where(text.member),
                hint="rename the source in the other program, or import into another project")
        if doc is None:
            doc = self._new_document(source, text, name, sha)
            status = "imported"
            self.new_documents.add(norm_guid(source.guid))
        self.documents[norm_guid(source.guid)] = doc
        det = text.detection
        self.report.documents.append(DocumentImport(
            source=source.name or source.guid, document=name, status=status, member=text.member,
            positions=det.describe(), convention=det.convention.key,
            positions_short=det.short(), conventions_differ=det.distinguishable,
            selections=len(source.selections), newlines_normalised=text.newlines_normalised,
            case=doc.case.name if doc.case else None))

    def _new_document(self, source: RefiSource, text: SourceText, name: str, sha: str) -> Document:
        # Another program's source says nothing of its language: detect it as `import` does;
        # our own exports carry it as a variable, which _document_fields reads below.
        language, detected, _note = resolve_language(text.text, None, where=text.member,
                                                     line=None)
        doc = Document(name=name, text=text.text, sha256=sha, file_sha256=text.file_sha256,
                       language=language, language_detected=detected,
                       source_filename=fit(f"{self.refi.path.name}:{text.member}", 500),
                       source_format=self.refi.container, encoding="utf-8",
                       newlines_normalised=text.newlines_normalised, synthetic=False)
        created = parse_xsd_datetime(source.created)
        if created is not None:
            doc.imported_at = created  # a round trip keeps when the text entered a project
        self.session.add(doc)
        extra = self._document_fields(doc, source, text.member)
        from qualcode.nlp.languages import count_words  # jieba for Chinese; spaCy not loaded

        doc.words = count_words(text.text, doc.language)  # once the language is known
        self.session.flush()
        turns = [{"document_id": doc.id, "number": t.number, "speaker": t.speaker,
                  "role": t.role, "start": t.start, "end": t.end,
                  "label_start": t.label_start, "time": t.time}
                 for t in detect_turns(text.text)]
        if turns:  # one multi-row insert, as services/importing.py does
            self.session.execute(insert(Turn), turns)
        for var, value in extra:
            stored, attr = self._stored("document", var, value, f"document {name!r}",
                                        text.member)
            if stored is not None:
                doc.values.append(DocumentValue(attribute=attr, value=stored))
                self.report.values_set += 1
        events.record(self.session, self.actor, "document.import", "document", doc.id, after={
            "name": name, "file": self.refi.path.name, "member": text.member, "sha256": sha,
            "positions": text.detection.convention.key})
        return doc

    def _document_fields(self, doc: Document, source: RefiSource, member: str
                         ) -> list[tuple[RefiVariable, RefiValue]]:
        """Set the document's own fields from variables named after them; the rest are
        returned to become document attributes."""
        extra = []
        for value in source.values:
            var = self._variable(value, f"source {source.name or source.guid}")
            field_name = var.name.strip().lower().replace(" ", "_")
            if field_name not in DOCUMENT_FIELDS or value.value is None:
                extra.append((var, value))
                continue
            raw = value.value.strip()
            if field_name == "interview_date":
                try:
                    doc.interview_date = dt.date.fromisoformat(raw[:10])
                except ValueError:
                    self.report.warnings.append(f"{doc.name}: interview_date {raw!r} is not a "
                                                "date; left out")
            elif field_name == "synthetic":
                doc.synthetic = raw.lower() in ("true", "1")
            elif field_name == "language":
                doc.language = raw[:20] or doc.language
                doc.language_detected = False
            else:
                setattr(doc, field_name, raw)
        return extra

    def _variable(self, value: RefiValue, owner: str) -> RefiVariable:
        var = self.variables.get(norm_guid(value.variable))
        if var is None:
            raise InputError(f"{owner}: a VariableValue refers to variable {value.variable}, "
                             "which <Variables> does not define", where=self._where(),
                             hint="the file is malformed; nothing was imported")
        return var

    def _stored(self, scope: str, var: RefiVariable, value: RefiValue, owner: str,
                member: str | None = None) -> tuple[str | None, Attribute]:
        name = fit(var.name, 100)
        attr = self.session.scalars(
            select(Attribute).where(Attribute.scope == scope, Attribute.name == name)
        ).one_or_none()
        if attr is None:
            attr = Attribute(scope=scope, name=name, type=ATTRIBUTE_TYPES[var.type])
            self.session.add(attr)
            self.session.flush()
        if value.value is None or value.value == "":
            return None, attr
        try:
            return attributes.to_stored(value.value, attr.type, name=name), attr
        except QualcodeError as exc:
            exc.where = self._where(member)
            exc.message = f"{owner}: {exc.message}"
            raise

    # -- cases -----------------------------------------------------------------------------------

    def _case(self, refi_case: RefiCase) -> None:
        name = fit(refi_case.name or f"case-{norm_guid(refi_case.guid)[:8]}", 200)
        case = self.session.scalars(select(Case).where(Case.name == name)).one_or_none()
        if case is None:
            case = Case(name=name)
            self.session.add(case)
            self.session.flush()
            events.record(self.session, self.actor, "case.create", "case", case.id,
                          after={"name": name, "from": self.refi.path.name})
            self.report.cases_added.append(name)
        elif name not in self.report.cases_matched:
            self.report.cases_matched.append(name)
        current = {v.attribute.name: v for v in case.values}
        for value in refi_case.values:
            var = self._variable(value, f"case {name!r}")
            stored, attr = self._stored("case", var, value, f"case {name!r}")
            if stored is None:
                continue
            if attr.name in current:
                if current[attr.name].value != stored:
                    raise ConflictError(
                        f"case {name!r} has {attr.name}={current[attr.name].value!r} in the "
                        f"project but the file says {stored!r}", where=self._where(),
                        hint=f"make them agree first (`qualcode cases set {name!r} "
                             f"{attr.name}=...`)")
                continue
            current[attr.name] = CaseValue(attribute=attr, value=stored)
            case.values.append(current[attr.name])
            self.report.values_set += 1
        for target in refi_case.source_refs:
            self._assign(case, target)
        if refi_case.selection_refs or refi_case.code_refs:
            self.report.skipped.append(
                f"case {name!r}: {len(refi_case.selection_refs)} selection and "
                f"{len(refi_case.code_refs)} code reference(s) not imported (a qualcode case "
                "owns whole documents)")
        self.session.flush()

    def _assign(self, case: Case, source_guid: str) -> None:
        key = norm_guid(source_guid)
        doc = self.documents.get(key)
        if doc is None:
            return  # a source that was skipped (reported already) or is not a text
        if doc.case is None and key in self.new_documents:
            doc.case = case
            for entry in self.report.documents:
                if entry.document == doc.name:
                    entry.case = case.name
        elif doc.case is not case:
            self.report.warnings.append(
                f"document {doc.name!r} stays in case {doc.case.name if doc.case else '-'!r}; "
                f"the file also puts it in case {case.name!r} (a document has one case)")

    # -- codings ---------------------------------------------------------------------------------

    def _coder(self, *guids: str | None) -> Coder:
        guid = next((g for g in guids if g), None)
        user = self.users.get(norm_guid(guid)) if guid else None
        if user is not None:
            label = user.label()
        elif guid:
            label = f"user-{norm_guid(guid)[:8]}"
        else:
            label = "unknown"
        name = fit(self.prefix + label, 100)
        if name not in self.coders:
            self.coders[name] = lookup.coder(self.session, name)
        return self.coders[name]

    def _memo(self, description: str, note_refs: list[str]) -> str | None:
        """A selection's description and the notes on it and its coding, as one memo."""
        texts = [description] if description else []
        for ref in note_refs:
            if norm_guid(ref) in self.memo_notes:
                continue  # a memo of its own, imported by _memos
            self.notes_used.add(norm_guid(ref))
            note = self.refi.notes.get(norm_guid(ref))
            if note and note not in texts:
                texts.append(note)
        return "\n\n".join(texts) or None

    def _codings(self, source: RefiSource) -> None:
        doc = self.documents[norm_guid(source.guid)]
        text = self.refi.texts[norm_guid(source.guid)]
        entry = next(d for d in self.report.documents if d.document == doc.name)
        t = Coding.__table__
        seen = set()  # (code, coder, start, end) of the document's codings
        for row in self.session.execute(select(
                t.c.id, t.c.document_id, t.c.code_id, t.c.coder_id, t.c.start_offset,
                t.c.end_offset).where(t.c.document_id == doc.id)):
            self.coding_ids[tuple(row[1:])] = row[0]
            seen.add(tuple(row[2:]))
        work: list[tuple[RefiSelection | None, RefiCoding, int, int]] = []
        for selection, span in zip(source.selections, text.detection.spans, strict=True):
            if span is None:
                raise InputError(
                    f"PlainTextSelection {selection.guid}: positions {selection.start}-"
                    f"{selection.end} fall outside the text ({len(text.text)} characters) of "
                    f"source {source.name or source.guid!r}", where=self._where(text.member),
                    hint="the text and the project do not belong together; nothing was imported")
            if span[0] >= span[1]:
                self.report.skipped.append(f"PlainTextSelection {selection.guid} in "
                                           f"{doc.name!r}: empty ({selection.start}-"
                                           f"{selection.end})")
                continue
            work.extend((selection, coding, *span) for coding in selection.codings)
        work.extend((None, coding, 0, len(doc.text)) for coding in source.codings)
        for selection, coding, start, end in work:
            self._coding(doc, source, selection, coding, start, end, seen, entry)

    def _coding(self, doc: Document, source: RefiSource, selection: RefiSelection | None,
                coding: RefiCoding, start: int, end: int, seen: set, entry: DocumentImport
                ) -> None:
        code = self.codes.get(norm_guid(coding.code))
        if code is None:
            raise InputError(f"Coding {coding.guid} refers to code {coding.code}, which the "
                             "file's CodeBook does not define", where=self._where(),
                             hint="the file is malformed; nothing was imported")
        coder = self._coder(coding.creating_user,
                            selection.creating_user if selection else None,
                            source.creating_user, self.project.creating_user)
        key = (code.id, coder.id, start, end)
        full_key = (doc.id, *key)
        if key in seen:
            self.report.codings_unchanged += 1
            self.codings_by_guid[norm_guid(coding.guid)] = full_key
            return
        seen.add(key)
        memo = self._memo(selection.description if selection else "",
                          (selection.note_refs if selection else []) + coding.note_refs)
        extra = self._extra("codings", coding.guid)
        origin = extra.get("origin") if extra.get("origin") in ORIGINS else ORIGIN_IMPORTED
        row = {"document_id": doc.id, "code_id": code.id, "coder_id": coder.id,
               "start": start, "end": end, "origin": origin, "quote": doc.text[start:end],
               "memo": memo, "key_quote": extra.get("key_quote") is True}
        created = parse_xsd_datetime(coding.created)
        if created is not None:
            row["created_at"] = created
        self.report.key_quotes += row["key_quote"]
        self.codings_by_guid[norm_guid(coding.guid)] = full_key
        self.pending.append((row, {
            "actor": self.actor, "action": "coding.import", "entity": "coding",
            "document_id": doc.id, "after": {
                "file": self.refi.path.name, "document": doc.name, "code": code.key,
                "coder": coder.name, "start": start, "end": end}}))
        self.report.codings_added += 1
        entry.codings += 1

    def _write_codings(self) -> None:
        """The pending codings in one batch of inserts, then their events in another."""
        if not self.pending:
            return
        rows = [row for row, _event in self.pending]
        ids = bulk.insert_codings(self.session, rows)
        for row, coding_id in zip(rows, ids, strict=True):
            self.coding_ids[bulk.coding_key(row)] = coding_id
        bulk.record_events(self.session, (
            {**event, "entity_id": coding_id}
            for (_row, event), coding_id in zip(self.pending, ids, strict=True)))
        self.pending.clear()

    def _coding_id(self, guid: str) -> int | None:
        """The id of the file's coding with this GUID (written by now), or None."""
        key = self.codings_by_guid.get(norm_guid(guid))
        return self.coding_ids.get(key) if key is not None else None

    # -- what qualcode's extension carries -------------------------------------------------------

    def _extra(self, section: str, guid: str) -> dict:
        entries = self.extension.get(section, {})
        found = entries.get(guid) or entries.get(norm_guid(guid))
        return found if isinstance(found, dict) else {}

    def _summaries(self) -> None:
        """Summaries by case and dimension: from the extension, else from notes named
        "Summary: CASE / DIMENSION" after a case and a dimension of the project."""
        from qualcode.services.summaries import (
            evidence_by_cell,
            fingerprint,
            known_dimensions,
        )

        dims = known_dimensions(self.session)
        cases = {c.name: c for c in self.session.scalars(select(Case))}
        wanted = []
        for entry in self.extension.get("summaries", []):
            if isinstance(entry, dict) and entry.get("note"):
                wanted.append((norm_guid(str(entry["note"])), entry))
        known = {guid for guid, _e in wanted}
        for note in self.project.notes:
            name = (note.name or "").strip()
            if norm_guid(note.guid) in known or not name.startswith("Summary: "):
                continue
            for case in cases:
                prefix = f"Summary: {case} / "
                if name.startswith(prefix) and name[len(prefix):] in dims:
                    wanted.append((norm_guid(note.guid), {"case": case,
                                                          "dimension": name[len(prefix):]}))
        evidence = evidence_by_cell(self.session)
        for guid, entry in wanted:
            case, dimension = cases.get(str(entry.get("case"))), entry.get("dimension")
            text = self.refi.notes.get(guid, "")
            label = f"{entry.get('case')} / {dimension}"
            self.notes_used.add(guid)
            if case is None or dimension not in dims or not text:
                self.report.skipped.append(
                    f"summary {label}: " + ("no such case" if case is None else
                                            "no such dimension in the codebook"
                                            if dimension not in dims else "its note is empty"))
                continue
            present = self.session.scalars(select(Summary).where(
                Summary.case_id == case.id, Summary.dimension == dimension)).one_or_none()
            if present is not None:
                if present.text != text:
                    self.report.summaries_kept.append(label)
                continue
            cell = evidence.get((case.id, dimension), [])
            author = entry.get("author")
            row = Summary(case=case, dimension=dimension, text=text,
                          author=lookup.coder(self.session, fit(self.prefix + author, 100))
                          if isinstance(author, str) and author else None,
                          # A summary stale in the file stays stale here.
                          evidence_fingerprint="stale in the imported file"
                          if entry.get("stale") else fingerprint(cell),
                          evidence_count=int(entry.get("evidence_count", len(cell))))
            written = parse_xsd_datetime(entry.get("written_at"))
            if written is not None:
                row.written_at = written
            self.session.add(row)
            self.session.flush()
            events.record(self.session, self.actor, "summary.import", "summary", row.id,
                          after={"case": case.name, "dimension": dimension,
                                 "file": self.refi.path.name})
            self.report.summaries_added.append(label)

    def _suggestions(self) -> None:
        entries = self.extension.get("suggestions", [])
        for n, entry in enumerate(entries, start=1):
            where = f"suggestion {n} in qualcode's extension"
            if not isinstance(entry, dict):
                raise InputError(f"{where} is not an object", where=self._where(),
                                 hint="the file was damaged; nothing was imported")
            doc = self.documents.get(norm_guid(str(entry.get("source", ""))))
            code = self.codes.get(norm_guid(str(entry.get("code", ""))))
            if doc is None or code is None:
                self.report.skipped.append(f"{where}: its document or code was not imported")
                continue
            text = self.refi.texts[norm_guid(str(entry["source"]))]
            start, end = entry.get("start"), entry.get("end")
            if (text.newlines_normalised or not isinstance(start, int)
                    or not isinstance(end, int) or not 0 <= start < end <= len(doc.text)):
                self.report.skipped.append(f"{where}: its span {start}-{end} does not fit the "
                                           f"text of {doc.name!r}")
                continue
            method = str(entry.get("method", "lexicon"))[:10]
            exists = self.session.scalars(select(Suggestion.id).where(
                Suggestion.document_id == doc.id, Suggestion.code_id == code.id,
                Suggestion.start == start, Suggestion.end == end,
                Suggestion.method == method)).first()
            if exists is not None:
                self.report.suggestions_unchanged += 1
                continue
            status = entry.get("status") if entry.get("status") in (
                "pending", "accepted", "rejected") else "pending"
            decider = self._coder(entry["decided_by"]) if entry.get("decided_by") else None
            coding_id = self._coding_id(str(entry.get("coding") or ""))
            row = Suggestion(
                document_id=doc.id, code_id=code.id, start=start, end=end,
                score=min(1.0, max(0.0, float(entry.get("score", 0.0)))), method=method,
                unit=str(entry.get("unit", "sentence"))[:10],
                evidence=entry.get("evidence") if isinstance(entry.get("evidence"), dict)
                else {}, pipeline=str(entry.get("pipeline", "")),
                codebook_sha256=str(entry.get("codebook_sha256", ""))[:64], status=status,
                decided_by_id=decider.id if decider and status != "pending" else None,
                decided_at=parse_xsd_datetime(entry.get("decided_at")),
                coding_id=coding_id)
            created = parse_xsd_datetime(entry.get("created_at"))
            if created is not None:
                row.created_at = created
            self.session.add(row)
            self.report.suggestions_added += 1
        self.session.flush()

    def _judged(self) -> None:
        """Sentences coders recorded as read and labelled (with codes or none)."""
        for n, entry in enumerate(self.extension.get("judged", []), start=1):
            where = f"judged sentence {n} in qualcode's extension"
            doc = self.documents.get(norm_guid(str(entry.get("source", "")))) if isinstance(
                entry, dict) else None
            if doc is None or not entry.get("user"):
                self.report.skipped.append(f"{where}: its document was not imported")
                continue
            start, end = entry.get("start"), entry.get("end")
            if not isinstance(start, int) or not isinstance(end, int) or not (
                    0 <= start < end <= len(doc.text)):
                self.report.skipped.append(f"{where}: its span does not fit {doc.name!r}")
                continue
            coder = self._coder(str(entry["user"]))
            exists = self.session.scalars(select(JudgedSpan.id).where(
                JudgedSpan.document_id == doc.id, JudgedSpan.coder_id == coder.id,
                JudgedSpan.start == start, JudgedSpan.end == end)).first()
            if exists is not None:
                continue
            row = JudgedSpan(document_id=doc.id, coder_id=coder.id, start=start, end=end,
                             note=entry.get("note") if isinstance(entry.get("note"), str)
                             else None)
            created = parse_xsd_datetime(entry.get("created_at"))
            if created is not None:
                row.created_at = created
            self.session.add(row)
            self.report.judged_added += 1
        self.session.flush()

    def _memos(self) -> None:
        """Memos on the project, cases, documents, codes and codings: from the extension, else
        from the notes the project, a source or a code refers to (as other programs write)."""
        wanted: list[tuple[str, dict]] = []
        for entry in self.extension.get("memos", []):
            if isinstance(entry, dict) and entry.get("note"):
                wanted.append((norm_guid(str(entry["note"])), entry))
        for ref in self.project.note_refs:
            wanted.append((norm_guid(ref), {"project": ""}))
        for source in self.project.sources:
            for ref in source.note_refs:
                wanted.append((norm_guid(ref), {"source": source.guid}))
        for code in walk_codes(self.refi.codes):
            for ref in code.note_refs:
                wanted.append((norm_guid(ref), {"code": code.guid}))
        cases = {c.name: c for c in self.session.scalars(select(Case))}
        notes = {norm_guid(n.guid): n for n in self.project.notes}
        for guid, entry in wanted:
            if guid in self.notes_used or guid not in notes:
                continue
            text = self.refi.notes.get(guid, "")
            if not text:
                continue
            self.notes_used.add(guid)
            memo = Memo(text=text, title=entry.get("title") if "title" in entry
                        else notes[guid].name)
            if entry.get("case"):
                case = cases.get(str(entry["case"]))
                memo.case_id = case.id if case else None
            elif entry.get("source") or entry.get("document"):
                doc = self.documents.get(norm_guid(str(entry.get("source") or "")))
                if doc is None and entry.get("document"):
                    doc = next((d for d in self.documents.values()
                                if d.name == entry["document"]), None)
                memo.document_id = doc.id if doc else None
            elif entry.get("code"):
                code = self.codes.get(norm_guid(str(entry["code"])))
                memo.code_id = code.id if code else None
            elif entry.get("coding"):
                memo.coding_id = self._coding_id(str(entry["coding"]))
            targets = (memo.case_id, memo.document_id, memo.code_id, memo.coding_id)
            if not any(targets) and "project" not in entry:
                self.report.skipped.append(f"memo {notes[guid].name!r}: what it is about was "
                                           "not imported")
                continue
            author = entry.get("author")
            if isinstance(author, str) and author:
                memo.coder_id = lookup.coder(self.session, fit(self.prefix + author, 100)).id
            elif notes[guid].creating_user:
                memo.coder_id = self._coder(notes[guid].creating_user).id
            created = parse_xsd_datetime(entry.get("created_at") or notes[guid].created)
            if created is not None:
                memo.created_at = created
            columns = (Memo.case_id, Memo.document_id, Memo.code_id, Memo.coding_id)
            same = self.session.scalars(select(Memo.id).where(Memo.text == memo.text, *(
                column.is_(None) if value is None else column == value
                for column, value in zip(columns, targets, strict=True)))).first()
            if same is not None:
                continue
            self.session.add(memo)
            self.report.memos_added += 1
        self.session.flush()
