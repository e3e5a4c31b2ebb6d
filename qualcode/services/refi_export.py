"""REFI-QDA export: the project as a .qdpx (users = coders, the code tree, case variables, cases,
documents with every coding, coding memos and summaries as notes) or the codebook alone as a .qdc.
Retired codes are exported with isCodable="false" so the codings that keep them alive still
point at a code. The import side is services/refi_import.py.
"""


from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import __version__
from qualcode.errors import ConflictError, InputError, QualcodeError
from qualcode.formats.refiqda import EXPORT_CONVENTION
from qualcode.formats.refiqda.codetext import CodeText, compose
from qualcode.formats.refiqda.extension import (
    EXTENSION_MEMBER,
    extension_bytes,
    extension_chunks,
)
from qualcode.formats.refiqda.model import (
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
    export_guid,
    xsd_datetime,
    xsd_decimal,
)
from qualcode.formats.refiqda.writer import (
    atomic_file,
    codebook_xml,
    qdpx_bytes,
    write_atomically,
    write_qdpx,
)
from qualcode.services.pseudonyms import Pseudonymiser
from qualcode.storage.models import (
    Case,
    Code,
    Coder,
    Coding,
    Document,
    JudgedSpan,
    Memo,
    ProjectInfo,
    Suggestion,
    Summary,
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
    # In qualcode/extension.json beside project.qde (REFI-QDA has no place for them):
    patterns: int = 0  # codes with spaCy patterns
    key_quotes: int = 0
    summaries: int = 0
    suggestions: int = 0
    judged: int = 0  # sentences coders recorded as judged (codes or none)
    memos: int = 0  # memos on the project, cases, documents, codes and codings (as notes)
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


def coding_guid(coding: Coding) -> str:
    return export_guid("coding", coding.document.name, coding.code.key, coding.coder.name,
                       coding.start, coding.end)


def _coding_guid(document: str, code: str, coder: str, start: int, end: int) -> str:
    """coding_guid() from the names, for codings read as plain rows."""
    return export_guid("coding", document, code, coder, start, end)


class _Names:
    """Codes and coders by id, read once: codings are read as plain rows, not ORM objects (a
    million of those held in the session was most of an export's memory)."""

    def __init__(self, session: Session) -> None:
        self.codes = {i: (key, guid) for i, key, guid in
                      session.execute(select(Code.id, Code.key, Code.guid))}
        self.coders = dict(session.execute(select(Coder.id, Coder.name)).all())


def summary_guid(summary: Summary) -> str:
    return export_guid("summary", summary.case.name, summary.dimension)


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


def export_codebook(session: Session, path: Path, *, overwrite: bool = False,
                    pseudonymiser: Pseudonymiser | None = None) -> RefiExport:
    """The code tree as a REFI codebook (.qdc)."""
    path = Path(path)
    _check_target(path, ".qdc", overwrite)
    result = RefiExport(path=str(path), kind="codebook")
    codes = _refi_codes(session, result)
    if not codes:
        raise QualcodeError("the project has no codes to export",
                            hint="load a codebook first: `qualcode codebook load FILE`")
    if pseudonymiser is not None:
        codes = pseudonymiser.deep(codes)
    data = codebook_xml(codes, origin=ORIGIN)
    if pseudonymiser is not None:
        pseudonymiser.check(data, where=str(path))
    write_atomically(path, data)
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
            result: RefiExport, memo_refs: dict[tuple, list[str]], names: _Names) -> RefiSource:
    """A document as a REFI source with its selections and codings. The text itself is not
    kept on the source (it goes into the archive separately), only read for the selections'
    names."""
    guid = export_guid("source", doc.name)
    source = RefiSource(kind="TextSource", guid=guid, name=doc.name,
                        plain_text_path=f"internal://{guid}.txt", text=None,
                        created=xsd_datetime(doc.imported_at),
                        values=_document_values(doc, variables),
                        note_refs=memo_refs.get(("document", doc.name), []))
    text = doc.text
    t = Coding.__table__
    by_span: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in session.execute(select(
            t.c.start_offset, t.c.end_offset, t.c.code_id, t.c.coder_id, t.c.created_at,
            t.c.memo).where(t.c.document_id == doc.id)):
        start, end, code_id, coder_id, created_at, memo = row
        by_span[(start, end)].append((*names.codes[code_id], names.coders[coder_id], created_at,
                                      memo))
    for (start, end), group in sorted(by_span.items()):
        group.sort(key=lambda c: (c[0], c[2]))
        times = [c[3] for c in group if c[3]]
        selection = RefiSelection(
            guid=export_guid("selection", doc.name, start, end), start=start, end=end,
            name=text[start:end], creating_user=_user_guid(group[0][2]),
            created=xsd_datetime(min(times)) if times else None)
        for key, code_guid, coder, created_at, memo in group:
            cguid = _coding_guid(doc.name, key, coder, start, end)
            refi = RefiCoding(guid=cguid, code=code_guid, creating_user=_user_guid(coder),
                              created=xsd_datetime(created_at))
            if memo:
                note = RefiNote(guid=export_guid("memo", cguid),
                                name=f"Memo: {key} in {doc.name}", text=memo,
                                creating_user=refi.creating_user, created=refi.created)
                notes.append(note)
                refi.note_refs.append(note.guid)
            refi.note_refs.extend(memo_refs.get(("coding", cguid), []))
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
            guid=summary_guid(summary),
            name=f"Summary: {summary.case.name} / {summary.dimension}", text=summary.text,
            creating_user=_user_guid(summary.author.name) if summary.author else None,
            created=xsd_datetime(summary.written_at)))
    return notes


def _memo_notes(session: Session) -> tuple[list[RefiNote], list[dict], dict[tuple, list[str]]]:
    """The memos (`memo add`) as notes, the extension's record of what each is about, and the
    note refs by what they hang on: the project, a document (its source), a code or a coding.
    REFI cases take no notes: a case memo is a note whose case only the extension names."""
    notes, entries, refs = [], [], defaultdict(list)
    memos = list(session.scalars(select(Memo)))
    targets = []
    for m in memos:
        coding = session.get(Coding, m.coding_id) if m.coding_id else None
        target = (("case", session.get(Case, m.case_id).name) if m.case_id else
                  ("document", session.get(Document, m.document_id).name) if m.document_id else
                  ("code", session.get(Code, m.code_id).guid) if m.code_id else
                  ("coding", coding_guid(coding)) if coding else ("project", ""))
        targets.append((target, m))
    targets.sort(key=lambda t: (t[0], _time(t[1].created_at) or "", t[1].text))
    for (kind, name), m in targets:
        author = session.get(Coder, m.coder_id).name if m.coder_id else None
        created = _time(m.created_at)
        guid = export_guid("memo-note", kind, name, m.title or "", m.text, created or "")
        if any(n.guid == guid for n in notes):
            continue  # the same memo twice: once is enough
        notes.append(RefiNote(guid=guid, name=m.title or f"Memo on {kind} {name}".strip(),
                              text=m.text, created=xsd_datetime(m.created_at),
                              creating_user=_user_guid(author) if author else None))
        refs[(kind, name)].append(guid)
        entries.append({"note": guid, kind: name or None, "title": m.title, "author": author,
                        "created_at": created})
    return notes, entries, refs


def _attach_code_refs(codes: list[RefiCode], refs: dict[tuple, list[str]]) -> None:
    for code in codes:
        code.note_refs = refs.get(("code", code.guid), [])
        _attach_code_refs(code.children, refs)


def export_project(session: Session, path: Path, *, overwrite: bool = False,
                   pseudonymiser: Pseudonymiser | None = None) -> RefiExport:
    """The whole project as a .qdpx: project.qde and sources/<guid>.txt (UTF-8, no BOM). With a
    pseudonymiser every name of the key is replaced (positions moved with the texts) and the
    archive is refused if a name is left in it."""
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
    memo_notes, memo_entries, memo_refs = _memo_notes(session)
    _attach_code_refs(project.codes, memo_refs)
    variables = _Variables()
    project.cases = [_case(c, variables) for c in session.scalars(select(Case).order_by(Case.name))]
    # The project is written as it is read (formats/refiqda/writer.write_qdpx): one document
    # and its codings at a time, the texts after project.qde, the extension's codings as a
    # stream; memory stays that of one document however large the project.
    doc_ids = list(session.scalars(select(Document.id).order_by(Document.name)))
    for doc_id in doc_ids:  # Variables precede Sources in the XML: every one known first
        _document_values(session.get(Document, doc_id), variables)
    project.variables = list(variables.items.values())
    names = _Names(session)
    notes: list[RefiNote] = []
    summaries = _summary_notes(session)
    project.note_refs = [n.guid for n in summaries] + memo_refs.get(("project", ""), [])

    def sources():
        for doc_id in doc_ids:
            doc = session.get(Document, doc_id)
            yield _source(session, doc, variables, notes, result, memo_refs, names)
            session.expire(doc, ["text"])  # let the text go before the next document

    def all_notes() -> list[RefiNote]:
        project.notes = notes + summaries + memo_notes
        return project.notes

    def texts():
        for doc_id in doc_ids:
            name, text = session.execute(select(Document.name, Document.text).where(
                Document.id == doc_id)).one()
            yield f"sources/{export_guid('source', name)}.txt", text.encode("utf-8")

    extension, streamed = _extension(session, result, names)
    extension["memos"] = memo_entries
    result.memos = len(memo_entries)
    if pseudonymiser is None:
        with atomic_file(path) as out:
            write_qdpx(out, project, sources=sources(), notes=all_notes, texts=texts(),
                       extra=[(EXTENSION_MEMBER, extension_chunks(extension, streamed))])
    else:
        # Pseudonymising moves positions in every text and checks the whole archive for a name
        # left in it: it works on the project held in memory (not streamed).
        project.sources = list(sources())
        for source, (_member, text) in zip(project.sources, texts(), strict=True):
            source.text = text.decode("utf-8")
        all_notes()
        extension["codings"] = dict(streamed["codings"])
        extension["suggestions"] = list(streamed["suggestions"])
        project, extension = _pseudonymised(pseudonymiser, project, extension)
        data = qdpx_bytes(project, {EXTENSION_MEMBER: extension_bytes(extension)})
        pseudonymiser.check(data, where=str(path))
        write_atomically(path, data)
    result.users = len(project.users)
    result.variables = len(project.variables)
    result.cases = len(project.cases)
    result.sources = len(doc_ids)
    result.notes = len(project.notes)
    return result


def _pseudonymised(p: Pseudonymiser, project: RefiProject,
                   extension: dict) -> tuple[RefiProject, dict]:
    """Names replaced in the sources' texts with every position into them moved (selections,
    suggestions, judged sentences), then everywhere else."""
    texts: dict[str, str] = {}
    moves = {}
    for source in project.sources:
        if source.text is None:
            continue
        new, move = p.text_with_offsets(source.text)
        moves[source.guid] = move
        for selection in source.selections:
            selection.start, selection.end = move(selection.start), move(selection.end, True)
            selection.name = new[selection.start:selection.end]
        texts[source.guid] = new
        source.text = None
    for key in ("suggestions", "judged"):
        for entry in extension.get(key, []):
            move = moves.get(entry.get("source"))
            if move is not None:
                entry["start"], entry["end"] = move(entry["start"]), move(entry["end"], True)
    project = p.deep(project)
    for source in project.sources:
        if source.guid in texts:
            source.text = texts[source.guid]
    return project, p.deep(extension)


def _time(value: dt.datetime | None) -> str | None:
    """Full precision for the extension (the XML's xsd:dateTime keeps whole seconds)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()


def _extension(session: Session, result: RefiExport, names: _Names
               ) -> tuple[dict, dict[str, Iterator[Any]]]:
    """What REFI-QDA has no place for: formats/refiqda/extension.py describes the member. The
    two large sections come as generators, to be streamed into the member: the codings' entries
    (one per coding) as (GUID, entry) in GUID order, the suggestions' in their order."""
    from qualcode.services.summaries import evidence_by_cell, fingerprint

    codes = {
        c.guid: {"key": c.key, "patterns": list(c.patterns)}
        for c in session.scalars(select(Code).order_by(Code.key))
        if c.patterns
    }
    documents = dict(session.execute(select(Document.id, Document.name)).all())
    t = Coding.__table__

    def codings() -> Iterator[tuple[str, dict]]:
        # By GUID, as sorted keys would put them; only (GUID, id) pairs are held for the sort.
        order = sorted(
            (_coding_guid(documents[d], names.codes[code][0], names.coders[coder], start, end),
             i) for i, d, code, coder, start, end in session.execute(select(
                 t.c.id, t.c.document_id, t.c.code_id, t.c.coder_id, t.c.start_offset,
                 t.c.end_offset)))
        for first in range(0, len(order), 5000):
            part = order[first:first + 5000]
            found = {i: (origin, bool(key)) for i, origin, key in session.execute(select(
                t.c.id, t.c.origin, t.c.key_quote).where(t.c.id.in_([i for _g, i in part])))}
            for guid, i in part:
                origin, key = found[i]
                entry: dict = {"origin": origin}
                if key:
                    entry["key_quote"] = True
                    result.key_quotes += 1
                yield guid, entry

    stored = list(session.scalars(select(Summary).join(Case).order_by(Case.name,
                                                                      Summary.dimension)))
    # Every coding's evidence only when there are summaries to check (a million codings' worth
    # was the largest part of an export's memory).
    evidence = evidence_by_cell(session) if stored else {}
    summaries = [
        {
            "note": summary_guid(s), "case": s.case.name, "dimension": s.dimension,
            "author": s.author.name if s.author else None, "written_at": _time(s.written_at),
            "stale": fingerprint(evidence.get((s.case_id, s.dimension), []))
            != s.evidence_fingerprint,
            "evidence_count": s.evidence_count,
        }
        for s in stored
    ]
    del evidence
    order = list(session.scalars(
        select(Suggestion.id).join(Document).join(Code, Suggestion.code_id == Code.id)
        .order_by(Document.name, Suggestion.start, Suggestion.end, Code.key, Suggestion.method)))
    result.suggestions = len(order)
    sources = {i: export_guid("source", name) for i, name in documents.items()}
    code_guids = {i: guid for i, (_key, guid) in names.codes.items()}
    st = Suggestion.__table__

    def suggestions() -> Iterator[dict]:
        # Read a batch at a time in the order above (ids only held for it): ~250,000 suggestions
        # with their evidence were most of a 10 M-word export's memory when built as one list.
        for first in range(0, len(order), 2000):
            part = order[first:first + 2000]
            rows = {row[0]: row for row in session.execute(select(
                st.c.id, st.c.document_id, st.c.code_id, st.c.start_offset, st.c.end_offset,
                st.c.score, st.c.method, st.c.unit, Suggestion.evidence, st.c.pipeline,
                st.c.codebook_sha256, st.c.status, st.c.decided_by_id, Suggestion.decided_at,
                st.c.coding_id, Suggestion.created_at).where(st.c.id.in_(part)))}
            made = {c: _coding_guid(documents[d], names.codes[code][0], names.coders[coder],
                                    start, end)
                    for c, d, code, coder, start, end in session.execute(select(
                        t.c.id, t.c.document_id, t.c.code_id, t.c.coder_id, t.c.start_offset,
                        t.c.end_offset).where(t.c.id.in_(
                            [r[14] for r in rows.values() if r[14] is not None])))}
            for i in part:
                (_i, doc, code, start, end, score, method, unit, evidence, pipeline, sha, status,
                 decided_by, decided_at, coding, created) = rows[i]
                yield {
                    "source": sources[doc], "code": code_guids[code], "start": start,
                    "end": end, "score": score, "method": method, "unit": unit,
                    "evidence": evidence, "pipeline": pipeline, "codebook_sha256": sha,
                    "status": status,
                    "decided_by": _user_guid(names.coders[decided_by]) if decided_by else None,
                    "decided_at": _time(decided_at), "coding": made.get(coding),
                    "created_at": _time(created),
                }

    judged = [
        {"source": export_guid("source", doc), "user": _user_guid(coder), "start": start,
         "end": end, "note": note, "created_at": _time(created)}
        for doc, coder, start, end, note, created in session.execute(
            select(Document.name, Coder.name, JudgedSpan.start, JudgedSpan.end, JudgedSpan.note,
                   JudgedSpan.created_at)
            .join(Document, JudgedSpan.document_id == Document.id)
            .join(Coder, JudgedSpan.coder_id == Coder.id)
            .order_by(Document.name, Coder.name, JudgedSpan.start, JudgedSpan.end))
    ]
    result.patterns = len(codes)
    result.summaries = len(summaries)
    result.judged = len(judged)
    return {"producer": ORIGIN, "codes": codes, "summaries": summaries,
            "judged": judged}, {"codings": codings(), "suggestions": suggestions()}


# == import ======================================================================================


