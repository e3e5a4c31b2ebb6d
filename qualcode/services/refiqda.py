"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette and qc.

Export: the project as a .qdpx (users = coders, the code tree, case variables, cases, documents
with every coding, coding memos and summaries as notes) or the codebook alone as a .qdc.
Retired codes are exported with isCodable="false" so the codings that keep them alive still
point at a code; an import turns a leaf code with isCodable="false" back into a retired code.

Import: a .qdc, .qde or .qdpx, read and checked whole before anything is written (the caller's
transaction makes it all or nothing). Top-level REFI codes become dimensions (root codes), nested
codes keep their place (formats/refiqda/keys.py has the key rules). Codes that are already in the
project (same GUID, or same key) are refused unless `merge`, which keeps them exactly as they are
and adds only the new ones. Text sources become documents (line endings normalised to LF, turns
detected), cases keep their typed variables, and codings arrive with origin "imported" under the
coder `<prefix><user name>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import __version__
from qualcode.domain import ORIGIN_IMPORTED
from qualcode.errors import ConflictError, InputError, QualcodeError
from qualcode.formats.refiqda import DEFAULT_LIMITS, EXPORT_CONVENTION, Limits, read_refi
from qualcode.formats.refiqda.codetext import CodeText, compose
from qualcode.formats.refiqda.keys import PlannedCode, plan_codes
from qualcode.formats.refiqda.model import (
    ATTRIBUTE_TYPES,
    COLOUR_RE,
    VARIABLE_TYPES,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiValue,
    RefiVariable,
    document_name,
    export_guid,
    fit,
    norm_guid,
    parse_xsd_datetime,
    xsd_datetime,
    xsd_decimal,
)
from qualcode.formats.refiqda.reader import RefiFile, SourceText
from qualcode.formats.refiqda.writer import (
    codebook_xml,
    qdpx_bytes,
    write_atomically,
)
from qualcode.formats.transcripts import detect_turns
from qualcode.services import attributes, events, lookup
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
    ProjectInfo,
    Summary,
    Turn,
)

ORIGIN = f"qualcode {__version__}"
# Document fields travel as variables of the source, under these names.
DOCUMENT_FIELDS = {
    "title": "Text",
    "interviewee_role": "Text",
    "interview_date": "Date",
    "place": "Text",
    "interviewer": "Text",
    "language": "Text",
    "synthetic": "Boolean",
}


# == export ======================================================================================


@dataclass
class RefiExport:
    path: str
    kind: str  # "project" or "codebook"
    codes: int = 0
    retired_codes: int = 0
    users: int = 0
    variables: int = 0
    cases: int = 0
    sources: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    positions: str = EXPORT_CONVENTION
    warnings: list[str] = field(default_factory=list)


def _check_target(path: Path, suffix: str, overwrite: bool) -> None:
    if path.suffix.lower() != suffix:
        raise InputError(f"the file name should end in {suffix}", where=str(path),
                         hint=f"other programs recognise REFI-QDA files by their suffix; name "
                              f"it e.g. {path.with_suffix(suffix).name}")
    if not path.parent.is_dir():
        raise InputError("the folder does not exist", where=str(path.parent))
    if path.exists() and not overwrite:
        raise ConflictError("the file exists", where=str(path), hint="pass --force to replace it")


def _user_guid(name: str) -> str:
    return export_guid("user", name)


def _refi_codes(session: Session, result: RefiExport) -> list[RefiCode]:
    codes = list(session.scalars(select(Code).order_by(Code.sort_order, Code.key)))
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        children[code.parent_id].append(code)

    def build(code: Code) -> RefiCode:
        colour = code.colour if code.colour and COLOUR_RE.fullmatch(code.colour) else None
        if code.colour and colour is None:
            result.warnings.append(f"code {code.key}: colour {code.colour!r} is not #RRGGBB; "
                                   "left out")
        text = CodeText(definition=code.definition or "", include=tuple(code.include or ()),
                        exclude=tuple(code.exclude or ()), examples=tuple(code.examples or ()),
                        key=code.key)
        result.codes += 1
        result.retired_codes += code.retired
        return RefiCode(guid=code.guid, name=code.name or code.key, codable=not code.retired,
                        colour=colour, description=compose(text),
                        children=[build(c) for c in children.get(code.id, [])])

    return [build(code) for code in children.get(None, [])]


def export_codebook(session: Session, path: Path, *, overwrite: bool = False) -> RefiExport:
    """The code tree as a REFI codebook (.qdc)."""
    path = Path(path)
    _check_target(path, ".qdc", overwrite)
    result = RefiExport(path=str(path), kind="codebook")
    codes = _refi_codes(session, result)
    if not codes:
        raise QualcodeError("the project has no codes to export",
                            hint="load a codebook first: `qualcode codebook load FILE`")
    write_atomically(path, codebook_xml(codes, origin=ORIGIN))
    return result


def _refi_value(var_guid: str, refi_type: str, stored: str) -> RefiValue | None:
    """A stored attribute value in the lexical form its XSD type wants."""
    if refi_type == "Float":
        text = xsd_decimal(stored)
        return RefiValue(var_guid, "Float", text) if text is not None else None
    return RefiValue(var_guid, refi_type, stored)


class _Variables:
    """The Variables element, filled as values are met, one Variable per (scope, name)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], RefiVariable] = {}

    def value(self, scope: str, name: str, refi_type: str, stored: str) -> RefiValue | None:
        key = (scope, name)
        if key not in self.items:
            self.items[key] = RefiVariable(guid=export_guid("variable", scope, name), name=name,
                                           type=refi_type,
                                           description=f"qualcode {scope} attribute")
        var = self.items[key]
        return _refi_value(var.guid, var.type, stored)


def _document_values(doc: Document, variables: _Variables) -> list[RefiValue]:
    fields = {
        "title": doc.title,
        "interviewee_role": doc.interviewee_role,
        "interview_date": doc.interview_date.isoformat() if doc.interview_date else None,
        "place": doc.place,
        "interviewer": doc.interviewer,
        "language": doc.language,
        "synthetic": "true" if doc.synthetic else None,
    }
    out = []
    for name, value in fields.items():
        if value:
            out.append(variables.value("document", name, DOCUMENT_FIELDS[name], value))
    for dv in sorted(doc.values, key=lambda v: v.attribute.name):
        if dv.attribute.name in DOCUMENT_FIELDS:
            continue  # the document's own field of that name is exported above
        out.append(variables.value("document", dv.attribute.name,
                                   VARIABLE_TYPES[dv.attribute.type], dv.value))
    return [v for v in out if v is not None]


def _source(session: Session, doc: Document, variables: _Variables, notes: list[RefiNote],
            result: RefiExport) -> RefiSource:
    guid = export_guid("source", doc.name)
    source = RefiSource(kind="TextSource", guid=guid, name=doc.name,
                        plain_text_path=f"internal://{guid}.txt", text=doc.text,
                        created=xsd_datetime(doc.imported_at),
                        values=_document_values(doc, variables))
    codings = session.scalars(select(Coding).where(Coding.document_id == doc.id))
    by_span: dict[tuple[int, int], list[Coding]] = defaultdict(list)
    for coding in codings:
        by_span[(coding.start, coding.end)].append(coding)
    for (start, end), group in sorted(by_span.items()):
        group.sort(key=lambda c: (c.code.key, c.coder.name))
        times = [c.created_at for c in group if c.created_at]
        selection = RefiSelection(
            guid=export_guid("selection", doc.name, start, end), start=start, end=end,
            name=doc.text[start:end], creating_user=_user_guid(group[0].coder.name),
            created=xsd_datetime(min(times)) if times else None)
        for coding in group:
            cguid = export_guid("coding", doc.name, coding.code.key, coding.coder.name, start, end)
            refi = RefiCoding(guid=cguid, code=coding.code.guid,
                              creating_user=_user_guid(coding.coder.name),
                              created=xsd_datetime(coding.created_at))
            if coding.memo:
                note = RefiNote(guid=export_guid("memo", cguid),
                                name=f"Memo: {coding.code.key} in {doc.name}", text=coding.memo,
                                creating_user=refi.creating_user, created=refi.created)
                notes.append(note)
                refi.note_refs.append(note.guid)
            selection.codings.append(refi)
            result.codings += 1
        source.selections.append(selection)
        result.selections += 1
    return source


def _case(case: Case, variables: _Variables) -> RefiCase:
    values = [variables.value("case", v.attribute.name, VARIABLE_TYPES[v.attribute.type], v.value)
              for v in sorted(case.values, key=lambda v: v.attribute.name)]
    return RefiCase(guid=export_guid("case", case.name), name=case.name,
                    values=[v for v in values if v is not None],
                    source_refs=[export_guid("source", d.name)
                                 for d in sorted(case.documents, key=lambda d: d.name)])


def _summary_notes(session: Session) -> list[RefiNote]:
    notes = []
    summaries = session.scalars(select(Summary).join(Case).order_by(Case.name, Summary.dimension))
    for summary in summaries:
        notes.append(RefiNote(
            guid=export_guid("summary", summary.case.name, summary.dimension),
            name=f"Summary: {summary.case.name} / {summary.dimension}", text=summary.text,
            creating_user=_user_guid(summary.author.name) if summary.author else None,
            created=xsd_datetime(summary.written_at)))
    return notes


def export_project(session: Session, path: Path, *, overwrite: bool = False) -> RefiExport:
    """The whole project as a .qdpx: project.qde and sources/<guid>.txt (UTF-8, no BOM)."""
    path = Path(path)
    _check_target(path, ".qdpx", overwrite)
    result = RefiExport(path=str(path), kind="project")
    info = dict(session.execute(select(ProjectInfo.key, ProjectInfo.value)).all())
    created = info.get("created_at")
    project = RefiProject(name=info.get("name") or path.stem, origin=ORIGIN,
                          created=xsd_datetime(dt.datetime.fromisoformat(created)) if created
                          else None,
                          description=f"Exported by {ORIGIN}. Selection positions: "
                                      f"{EXPORT_CONVENTION}.")
    project.users = [RefiUser(guid=_user_guid(c.name), name=c.name)
                     for c in session.scalars(select(Coder).order_by(Coder.name))]
    project.codes = _refi_codes(session, result)
    variables = _Variables()
    project.cases = [_case(c, variables) for c in session.scalars(select(Case).order_by(Case.name))]
    notes: list[RefiNote] = []
    for doc in session.scalars(select(Document).order_by(Document.name)):
        project.sources.append(_source(session, doc, variables, notes, result))
    summaries = _summary_notes(session)
    project.notes = notes + summaries
    project.note_refs = [n.guid for n in summaries]
    project.variables = list(variables.items.values())
    write_atomically(path, qdpx_bytes(project))
    result.users = len(project.users)
    result.variables = len(project.variables)
    result.cases = len(project.cases)
    result.sources = len(project.sources)
    result.notes = len(project.notes)
    return result


# == import ======================================================================================


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
    codes_matched: list[dict] = field(default_factory=list)  # key, by (guid|key), differs
    documents: list[DocumentImport] = field(default_factory=list)
    cases_added: list[str] = field(default_factory=list)
    cases_matched: list[str] = field(default_factory=list)
    values_set: int = 0
    codings_added: int = 0
    codings_unchanged: int = 0
    coders: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
    for planned in plan:
        if planned.is_new:
            rows[planned.key] = _new_code(session, planned, rows, version, base, actor)
            report.codes_added.append(planned.key)
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

    def run(self) -> None:
        names: set[str] = set()
        for source in self.project.sources:
            text = self.refi.texts.get(norm_guid(source.guid))
            if text is not None:
                self._document(source, text, names)
        for case in self.project.cases:
            self._case(case)
        for source in self.project.sources:
            if norm_guid(source.guid) in self.documents:
                self._codings(source)
        self.report.coders = sorted(c.name for c in self.coders.values())
        unused = [n for n in self.project.notes if norm_guid(n.guid) not in self.notes_used]
        if unused:
            self.report.skipped.append(f"{len(unused)} note(s) not attached to an imported "
                                       "selection or coding: qualcode keeps memos on codings only")

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
        doc = Document(name=name, text=text.text, sha256=sha, file_sha256=text.file_sha256,
                       language="en", source_filename=fit(f"{self.refi.path.name}:{text.member}",
                                                           500),
                       source_format=self.refi.container, encoding="utf-8",
                       newlines_normalised=text.newlines_normalised, synthetic=False)
        self.session.add(doc)
        extra = self._document_fields(doc, source, text.member)
        doc.turns = [Turn(number=t.number, speaker=t.speaker, role=t.role, start=t.start,
                          end=t.end, label_start=t.label_start, time=t.time)
                     for t in detect_turns(text.text)]
        self.session.flush()
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
                doc.language = raw[:20] or "en"
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
            self.notes_used.add(norm_guid(ref))
            note = self.refi.notes.get(norm_guid(ref))
            if note and note not in texts:
                texts.append(note)
        return "\n\n".join(texts) or None

    def _codings(self, source: RefiSource) -> None:
        doc = self.documents[norm_guid(source.guid)]
        text = self.refi.texts[norm_guid(source.guid)]
        entry = next(d for d in self.report.documents if d.document == doc.name)
        seen = {(c.code_id, c.coder_id, c.start, c.end) for c in self.session.scalars(
            select(Coding).where(Coding.document_id == doc.id))}
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
        if key in seen:
            self.report.codings_unchanged += 1
            return
        seen.add(key)
        memo = self._memo(selection.description if selection else "",
                          (selection.note_refs if selection else []) + coding.note_refs)
        row = Coding(document=doc, start=start, end=end, code=code, coder=coder,
                     origin=ORIGIN_IMPORTED, quote=doc.text[start:end], memo=memo,
                     key_quote=False)
        created = parse_xsd_datetime(coding.created)
        if created is not None:
            row.created_at = created
        self.session.add(row)
        self.session.flush()
        events.record(self.session, self.actor, "coding.import", "coding", row.id, after={
            "file": self.refi.path.name, "code": code.key, "coder": coder.name,
            "start": start, "end": end})
        self.report.codings_added += 1
        entry.codings += 1

