"""Writing REFI-QDA: a codebook (.qdc) or a project (.qdpx: project.qde plus sources/<guid>.txt,
UTF-8 without BOM). Elements come in the order of the XSD sequences, empty containers are left
out (an empty <Codes/> or <Sets/> is invalid), and the output is deterministic: the same project
gives the same bytes (fixed zip time stamps, GUIDs derived from content).

Positions are written as qualcode stores them: Unicode code points from 0, end exclusive.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from .model import (
    CODEBOOK_NS,
    PROJECT_NS,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiProject,
    RefiSource,
    RefiValue,
)

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def clean(text: str) -> str:
    """Text XML 1.0 can carry: no control characters, LF line ends (a literal CR in content is
    turned into LF by every XML parser anyway)."""
    return _XML_INVALID.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def _set(el: Element, **attrs: str | int | None) -> Element:
    for name, value in attrs.items():
        if value is not None:
            el.set(name, clean(str(value)))
    return el


def _text_child(parent: Element, name: str, text: str | None) -> None:
    if text:
        SubElement(parent, name).text = clean(text)


def _refs(parent: Element, name: str, targets: list[str]) -> None:
    for target in targets:
        _set(SubElement(parent, name), targetGUID=target)


def _code(parent: Element, code: RefiCode, *, in_project: bool) -> None:
    el = _set(SubElement(parent, "Code"), guid=code.guid, name=code.name,
              isCodable="true" if code.codable else "false", color=code.colour)
    _text_child(el, "Description", code.description)
    if in_project:
        _refs(el, "NoteRef", code.note_refs)
    for child in code.children:
        _code(el, child, in_project=in_project)


def _codes(parent: Element, codes: list[RefiCode], *, in_project: bool) -> None:
    codes_el = SubElement(parent, "Codes")
    for code in codes:
        _code(codes_el, code, in_project=in_project)


def _values(parent: Element, values: list[RefiValue]) -> None:
    for value in values:
        vv = SubElement(parent, "VariableValue")
        _set(SubElement(vv, "VariableRef"), targetGUID=value.variable)
        if value.type is not None and value.value is not None:
            SubElement(vv, f"{value.type}Value").text = clean(value.value)


def _coding(parent: Element, coding: RefiCoding) -> None:
    el = _set(SubElement(parent, "Coding"), guid=coding.guid,
              creatingUser=coding.creating_user, creationDateTime=coding.created)
    _set(SubElement(el, "CodeRef"), targetGUID=coding.code)
    _refs(el, "NoteRef", coding.note_refs)


def _source(parent: Element, source: RefiSource) -> None:
    el = _set(SubElement(parent, "TextSource"), guid=source.guid, name=source.name,
              plainTextPath=source.plain_text_path, creatingUser=source.creating_user,
              creationDateTime=source.created)
    _text_child(el, "Description", source.description)
    if source.plain_text_path is None and source.plain_text_content is not None:
        SubElement(el, "PlainTextContent").text = clean(source.plain_text_content)
    for sel in source.selections:
        sel_el = _set(SubElement(el, "PlainTextSelection"), guid=sel.guid, name=sel.name,
                      startPosition=sel.start, endPosition=sel.end,
                      creatingUser=sel.creating_user, creationDateTime=sel.created)
        _text_child(sel_el, "Description", sel.description)
        for coding in sel.codings:
            _coding(sel_el, coding)
        _refs(sel_el, "NoteRef", sel.note_refs)
    for coding in source.codings:
        _coding(el, coding)
    _refs(el, "NoteRef", source.note_refs)
    _values(el, source.values)


def _case(parent: Element, case: RefiCase) -> None:
    el = _set(SubElement(parent, "Case"), guid=case.guid, name=case.name)
    _text_child(el, "Description", case.description)
    _refs(el, "CodeRef", case.code_refs)
    _values(el, case.values)
    _refs(el, "SourceRef", case.source_refs)
    _refs(el, "SelectionRef", case.selection_refs)


def _serialise(root: Element) -> bytes:
    indent(root, space="  ")
    return tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def codebook_xml(codes: list[RefiCode], *, origin: str) -> bytes:
    if not codes:
        raise ValueError("a REFI codebook needs at least one code")
    root = _set(Element("CodeBook", xmlns=CODEBOOK_NS), origin=origin)
    _codes(root, codes, in_project=False)
    return _serialise(root)


def project_xml(project: RefiProject) -> bytes:
    root = _set(Element("Project", xmlns=PROJECT_NS), name=project.name, origin=project.origin,
                creatingUserGUID=project.creating_user, creationDateTime=project.created)
    if project.users:
        users = SubElement(root, "Users")
        for user in project.users:
            _set(SubElement(users, "User"), guid=user.guid, name=user.name, id=user.id)
    if project.codes:
        _codes(SubElement(root, "CodeBook"), project.codes, in_project=True)
    if project.variables:
        variables = SubElement(root, "Variables")
        for var in project.variables:
            el = _set(SubElement(variables, "Variable"), guid=var.guid, name=var.name,
                      typeOfVariable=var.type)
            _text_child(el, "Description", var.description)
    if project.cases:
        cases = SubElement(root, "Cases")
        for case in project.cases:
            _case(cases, case)
    if project.sources:
        sources = SubElement(root, "Sources")
        for source in project.sources:
            _source(sources, source)
    if project.notes:
        notes = SubElement(root, "Notes")
        for note in project.notes:
            el = _set(SubElement(notes, "Note"), guid=note.guid, name=note.name,
                      creatingUser=note.creating_user, creationDateTime=note.created)
            _text_child(el, "Description", note.description)
            SubElement(el, "PlainTextContent").text = clean(note.text or "")
    _text_child(root, "Description", project.description)
    _refs(root, "NoteRef", project.note_refs)
    return _serialise(root)


def source_member(source: RefiSource) -> str:
    """The archive member of a source written with plainTextPath internal://<name>."""
    assert source.plain_text_path is not None
    return "sources/" + source.plain_text_path.split("://", 1)[1]


def qdpx_bytes(project: RefiProject, extra: dict[str, bytes] | None = None) -> bytes:
    """The archive as bytes: project.qde first, then each source's text as UTF-8 (no BOM), then
    any extra members (qualcode's extension, which other programs ignore)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "project.qde", project_xml(project))
        for source in project.sources:
            if source.plain_text_path is not None:
                _add(archive, source_member(source), (source.text or "").encode("utf-8"))
        for name, data in (extra or {}).items():
            _add(archive, name, data)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a failed export never leaves half a file."""
    from qualcode.formats.atomic import write_atomically as write

    write(path, data)
