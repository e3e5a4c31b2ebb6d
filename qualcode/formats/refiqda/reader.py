"""Reading a .qdc, .qde or .qdpx into one RefiFile: the codes, the project's parts, and the text of
each text source with its selections mapped to qualcode offsets.

What cannot be imported is not an error but is reported in `skipped` with the reason: sources
that are not text, sources kept outside the archive (absolute:// and relative:// paths are never
opened), text files the archive lacks, empty texts. What is broken or hostile is an error
(InputError naming the file and the member or element), so nothing is imported from it.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputError

from .archive import DEFAULT_LIMITS, Limits, SafeArchive, read_small_file
from .extension import EXTENSION_MEMBER, parse_extension
from .model import RefiCode, RefiProject, RefiSource, norm_guid, walk_codes
from .positions import Detection, detect, normalise_newlines
from .xmlparse import Parser, local, namespace, parse_xml

ZIP_MAGIC = b"PK\x03\x04"
QDA_NS_PREFIX = "urn:qda-xml:"
SOURCES_DIRS = ("sources/",)


@dataclass
class SourceText:
    text: str  # what qualcode stores: decoded, BOM removed, line endings normalised to LF
    member: str  # where it came from: "sources/<guid>.txt", or "PlainTextContent"
    file_sha256: str  # of the bytes as found
    had_bom: bool
    newlines_normalised: bool
    detection: Detection


@dataclass
class Skipped:
    what: str  # "PDFSource 'recipe.pdf'"
    reason: str
    codings: int = 0  # codings lost with it

    def line(self) -> str:
        lost = f" ({self.codings} coding(s) not imported)" if self.codings else ""
        return f"{self.what}: {self.reason}{lost}"


@dataclass
class RefiFile:
    path: Path
    container: str  # "qdc", "qde" or "qdpx"
    kind: str  # "codebook" or "project"
    origin: str | None
    codes: list[RefiCode]
    project: RefiProject | None = None
    texts: dict[str, SourceText] = field(default_factory=dict)  # by normalised source GUID
    notes: dict[str, str] = field(default_factory=dict)  # note text by normalised GUID
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    extension: dict | None = None  # qualcode's own extension member, when the archive has one

    @property
    def code_count(self) -> int:
        return sum(1 for _ in walk_codes(self.codes))


def read_refi(path: Path, limits: Limits = DEFAULT_LIMITS) -> RefiFile:
    """Read any REFI-QDA file; the container is told by its bytes, not its suffix."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", where=str(path))
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic == ZIP_MAGIC:
        with SafeArchive(path, limits) as archive:
            return _read_archive(path, archive)
    data = read_small_file(path, limits)
    root = parse_xml(data, str(path))
    kind = _kind(root, str(path))
    if kind == "codebook":
        return _read_codebook(path, root)
    container = "qde"
    return _read_project(path, container, root, str(path), archive=None)


def _kind(root, where: str) -> str:
    ns = namespace(root.tag)
    name = local(root.tag)
    if ns and not ns.lower().startswith(QDA_NS_PREFIX):
        raise InputError(f"not a REFI-QDA file: the root element is <{name}> in namespace {ns}",
                         where=where, hint="give a .qdc codebook, a .qde or a .qdpx project")
    if name == "CodeBook":
        return "codebook"
    if name == "Project":
        return "project"
    raise InputError(f"not a REFI-QDA file: the root element is <{name}>", where=where,
                     hint="a codebook's root is <CodeBook>, a project's <Project>")


def _namespace_warning(root) -> list[str]:
    if not namespace(root.tag):
        return [f"<{local(root.tag)}> has no namespace; read by element names"]
    return []


def _read_codebook(path: Path, root) -> RefiFile:
    parser = Parser(str(path))
    codes_el = next((c for c in root if local(c.tag) == "Codes"), None)
    codes = parser.codes(codes_el)
    out = RefiFile(path=path, container="qdc", kind="codebook", origin=root.get("origin"),
                   codes=codes)
    out.warnings = _namespace_warning(root) + parser.warnings
    sets = next((c for c in root if local(c.tag) == "Sets"), None)
    if sets is not None and len(sets):
        out.skipped.append(Skipped(f"{len(sets)} set(s) of codes", "qualcode has no code sets"))
    _check_unique_guids(out, str(path))
    return out


def _read_archive(path: Path, archive: SafeArchive) -> RefiFile:
    qde = _find_qde(path, archive)
    where = f"{path}:{qde.filename}"
    root = parse_xml(archive.read(qde), where)
    if _kind(root, where) != "project":
        raise InputError("the archive's .qde holds a codebook, not a project", where=where,
                         hint="a .qdpx must hold a <Project>")
    return _read_project(path, "qdpx", root, where, archive=archive)


def _find_qde(path: Path, archive: SafeArchive):
    """project.qde, or the one .qde at the top (ATLAS.ti 26 names it after the project)."""
    named = archive.find("project.qde")
    if named is not None:
        return named
    top = [n for n in archive.names() if "/" not in n and n.lower().endswith(".qde")]
    if len(top) == 1:
        found = archive.find(top[0])
        assert found is not None
        return found
    raise InputError(
        "the archive holds no project.qde" if not top else
        f"the archive holds {len(top)} .qde files and no project.qde: {', '.join(top)}",
        where=str(path), hint="a .qdpx holds project.qde and a sources/ folder")


def _read_project(path: Path, container: str, root, where: str,
                  archive: SafeArchive | None) -> RefiFile:
    parser = Parser(where)
    project = parser.project(root)
    out = RefiFile(path=path, container=container, kind="project", origin=project.origin,
                   codes=project.codes, project=project)
    out.warnings = _namespace_warning(root) + parser.warnings
    if project.codebook_namespace is not None:
        out.warnings.append(
            f"the CodeBook inside this project is in namespace "
            f"{project.codebook_namespace or '(none)'}, not the project's "
            f"({namespace(root.tag) or 'none'}): a file rewritten outside the REFI standard "
            "(as some MAXQDA-derived files are); its codes were read by element names")
    _check_unique_guids(out, where)
    for part, count in (("link", project.links), ("set", project.sets),
                        ("graph", project.graphs)):
        if count:
            out.skipped.append(Skipped(f"{count} {part}(s)", "qualcode does not import them"))
    out.notes = _note_texts(out, archive)
    member = archive.find(EXTENSION_MEMBER) if archive is not None else None
    if member is not None:
        out.extension, warnings = parse_extension(archive.read(member),
                                                  f"{path}:{member.filename}")
        out.warnings.extend(warnings)
    for source in project.sources:
        text = _source_text(out, source, archive)
        if text is not None:
            out.texts[norm_guid(source.guid)] = text
    return out


def _check_unique_guids(out: RefiFile, where: str) -> None:
    groups = [("code", [c.guid for c in walk_codes(out.codes)])]
    if out.project is not None:
        p = out.project
        groups += [("source", [s.guid for s in p.sources]), ("case", [c.guid for c in p.cases]),
                   ("variable", [v.guid for v in p.variables]),
                   ("user", [u.guid for u in p.users])]
    for what, guids in groups:
        seen: set[str] = set()
        for guid in guids:
            key = norm_guid(guid)
            if key in seen:
                raise InputError(f"two {what}s share the GUID {guid}", where=where,
                                 hint="the file is malformed; nothing was imported")
            seen.add(key)


def _note_texts(out: RefiFile, archive: SafeArchive | None) -> dict[str, str]:
    assert out.project is not None
    texts = {}
    for note in out.project.notes:
        text = note.text
        if text is None and note.plain_text_path:
            member = _member_for(note.plain_text_path, archive)
            if isinstance(member, str):
                continue  # a note we cannot read is reported with what refers to it
            text = _decode(archive.read(member), f"{out.path}:{member.filename}")[0]  # type: ignore[union-attr]
        texts[norm_guid(note.guid)] = normalise_newlines(text or "").strip()
    return texts


def _member_for(path_value: str, archive: SafeArchive | None):
    """The archive member an internal path names, or a string saying why there is none."""
    value = path_value.strip()
    lower = value.lower()
    if lower.startswith(("absolute://", "relative://")):
        scheme = lower.split("://", 1)[0]
        return f"not opened: {scheme}:// points outside the archive ({value})"
    if "://" in value and not lower.startswith("internal://"):
        return f"unknown path scheme in {value!r}"
    name = value[len("internal://"):] if lower.startswith("internal://") else value
    name = name.lstrip("/")  # internal:///x.txt is written by some tools
    if not name or ".." in name.replace("\\", "/").split("/"):
        return f"unsafe internal path {value!r}"
    if archive is None:
        return "its text is inside a .qdpx (sources/ folder); a bare .qde has none"
    for folder in SOURCES_DIRS:
        found = archive.find(folder + name)
        if found is not None:
            return found
    found = archive.find(name)  # qc writes bare names; some tools put files at the top
    if found is not None:
        return found
    return f"{value} is not in the archive"


def _decode(data: bytes, where: str) -> tuple[str, bool]:
    """Bytes of a source text -> (text, had a BOM). UTF-8 as REFI requires, or UTF-16 with a
    BOM. Never universal newlines: a CRLF stays two characters until positions are mapped."""
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
            (codecs.BOM_UTF16_BE, "utf-16-be"))
    bom, encoding = next(((b, e) for b, e in boms if data.startswith(b)), (b"", "utf-8"))
    body, had_bom = data[len(bom):], bool(bom)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"the text is not valid {encoding} (byte offset {exc.start})",
                         where=where, hint="REFI-QDA source texts are UTF-8") from None
    if "\x00" in text:
        raise InputError("the text holds NUL characters (binary data)", where=where,
                         hint="the source text must be plain text") from None
    return text, had_bom


def _source_label(source: RefiSource) -> str:
    return f"{source.kind} {source.name!r}" if source.name else f"{source.kind} {source.guid}"


def _codings_in(source: RefiSource) -> int:
    if source.kind != "TextSource":
        return source.nested_codings
    return len(source.codings) + sum(len(s.codings) for s in source.selections)


def _source_text(out: RefiFile, source: RefiSource,
                 archive: SafeArchive | None) -> SourceText | None:
    label = _source_label(source)
    lost = _codings_in(source)
    if source.kind != "TextSource":
        where = f"; {source.plain_text_path} was not opened" if source.plain_text_path else ""
        out.skipped.append(Skipped(label, f"only text sources are imported{where}", lost))
        return None
    if source.plain_text_content is not None:
        raw, had_bom, member = source.plain_text_content, False, "PlainTextContent"
        data = raw.encode("utf-8")
    elif source.plain_text_path:
        found = _member_for(source.plain_text_path, archive)
        if isinstance(found, str):
            out.skipped.append(Skipped(label, found, lost))
            return None
        member = found.filename
        data = archive.read(found)  # type: ignore[union-attr]
        raw, had_bom = _decode(data, f"{out.path}:{member}")
    else:
        out.skipped.append(Skipped(label, "it has neither plainTextPath nor PlainTextContent",
                                   lost))
        return None
    if not raw.strip():
        out.skipped.append(Skipped(label, f"its text ({member}) is empty", lost))
        return None
    selections = [(s.start, s.end, s.name) for s in source.selections]
    detection = detect(raw, selections, had_bom=had_bom)
    text = normalise_newlines(raw)
    return SourceText(text=text, member=member, file_sha256=hashlib.sha256(data).hexdigest(),
                      had_bom=had_bom, newlines_normalised=text != raw, detection=detection)
