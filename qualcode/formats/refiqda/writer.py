"""Writing REFI-QDA: a codebook (.qdc) or a project (.qdpx: project.qde plus sources/<guid>.txt,
UTF-8 without BOM). Elements come in the order of the XSD sequences, empty containers are left
out (an empty <Codes/> or <Sets/> is invalid), and the output is deterministic: the same project
gives the same bytes (fixed zip time stamps, GUIDs derived from content).

Positions are written as qualcode stores them: Unicode code points from 0, end exclusive.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from .model import (
    CODEBOOK_NS,
    PROJECT_NS,
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
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


def _piece(el: Element, level: int) -> str:
    """One element of the project, indented as if the whole tree had been indented at once."""
    indent(el, space="  ", level=level)
    return "\n" + "  " * level + tostring(el, encoding="unicode")


def project_xml_chunks(project: RefiProject, sources: Iterable[RefiSource] | None = None,
                       notes: Callable[[], list[RefiNote]] | None = None) -> Iterator[str]:
    """project.qde as text pieces, one element at a time, so a project of millions of codings
    is never one tree in memory. `sources` (default: project.sources) may be a generator: each
    source is serialised and dropped before the next is made. `notes` (default:
    project.notes) is called once the sources are written, so notes gathered while making
    them (coding memos) are included. The pieces join to the same bytes as indenting and
    serialising the whole tree."""
    head = _set(Element("Project", xmlns=PROJECT_NS), name=project.name, origin=project.origin,
                creatingUserGUID=project.creating_user, creationDateTime=project.created)
    open_tag = tostring(head, encoding="unicode")
    yield "<?xml version='1.0' encoding='utf-8'?>\n"
    empty = True
    parts: list[Element] = []
    if project.users:
        users = Element("Users")
        for user in project.users:
            _set(SubElement(users, "User"), guid=user.guid, name=user.name, id=user.id)
        parts.append(users)
    if project.codes:
        codebook = Element("CodeBook")
        _codes(codebook, project.codes, in_project=True)
        parts.append(codebook)
    if project.variables:
        variables = Element("Variables")
        for var in project.variables:
            el = _set(SubElement(variables, "Variable"), guid=var.guid, name=var.name,
                      typeOfVariable=var.type)
            _text_child(el, "Description", var.description)
        parts.append(variables)
    if project.cases:
        cases = Element("Cases")
        for case in project.cases:
            _case(cases, case)
        parts.append(cases)

    def opened() -> str:
        nonlocal empty
        if not empty:
            return ""
        empty = False
        return open_tag[:-3] + ">"  # "<Project ... />" -> "<Project ...>"

    for part in parts:
        yield opened() + _piece(part, 1)
    started = False
    for source in project.sources if sources is None else sources:
        if not started:
            yield opened() + "\n  <Sources>"
            started = True
        holder = Element("Sources")
        _source(holder, source)
        yield _piece(holder[0], 2)
    if started:
        yield "\n  </Sources>"
    tail: list[Element] = []
    note_list = project.notes if notes is None else notes()
    if note_list:
        notes_el = Element("Notes")
        for note in note_list:
            el = _set(SubElement(notes_el, "Note"), guid=note.guid, name=note.name,
                      creatingUser=note.creating_user, creationDateTime=note.created)
            _text_child(el, "Description", note.description)
            SubElement(el, "PlainTextContent").text = clean(note.text or "")
        tail.append(notes_el)
    holder = Element("Project")
    _text_child(holder, "Description", project.description)
    _refs(holder, "NoteRef", project.note_refs)
    tail.extend(holder)
    for part in tail:
        yield opened() + _piece(part, 1)
    yield (open_tag + "\n") if empty else "\n</Project>\n"


def project_xml(project: RefiProject) -> bytes:
    return "".join(project_xml_chunks(project)).encode("utf-8")


def source_member(source: RefiSource) -> str:
    """The archive member of a source written with plainTextPath internal://<name>."""
    assert source.plain_text_path is not None
    return "sources/" + source.plain_text_path.split("://", 1)[1]


def qdpx_bytes(project: RefiProject, extra: dict[str, bytes] | None = None) -> bytes:
    """The archive as bytes: project.qde first, then each source's text as UTF-8 (no BOM), then
    any extra members (qualcode's extension, which other programs ignore)."""
    buffer = io.BytesIO()
    write_qdpx(buffer, project, texts=(
        (source_member(s), (s.text or "").encode("utf-8")) for s in project.sources
        if s.plain_text_path is not None), extra=((k, [v]) for k, v in (extra or {}).items()))
    return buffer.getvalue()


def write_qdpx(out: BinaryIO, project: RefiProject, *,
               sources: Iterable[RefiSource] | None = None,
               notes: Callable[[], list[RefiNote]] | None = None,
               texts: Iterable[tuple[str, bytes]] = (),
               extra: Iterable[tuple[str, Iterable[bytes]]] = ()) -> None:
    """Stream a .qdpx into `out`: project.qde (from project_xml_chunks), then the source texts
    given as (member, bytes), then extra members given as (name, byte chunks). Every member is
    deflated as it is written: neither the XML nor the archive is ever whole in memory."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(_info("project.qde"), "w", force_zip64=True) as member:
            pending: list[str] = []
            size = 0
            for chunk in project_xml_chunks(project, sources, notes):
                pending.append(chunk)
                size += len(chunk)
                if size >= 1 << 20:
                    member.write("".join(pending).encode("utf-8"))
                    pending.clear()
                    size = 0
            member.write("".join(pending).encode("utf-8"))
        for name, data in texts:
            archive.writestr(_info(name), data)
        for name, chunks in extra:
            with archive.open(_info(name), "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to stream into, renamed onto the target when the block ends
    (formats/atomic.py): a failed or killed export never leaves half a file under its name."""
    from qualcode.formats.atomic import atomic_target

    with atomic_target(Path(path)) as tmp:
        # os.open with 0o666 lets the umask decide the mode, as for any file the user writes.
        handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as out:
            yield out


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a failed export never leaves half a file."""
    from qualcode.formats.atomic import write_atomically as write

    write(path, data)
