"""REFI-QDA XML -> model objects. Untrusted input: parsed with defusedxml (no DTD at all, so no
entity expansion and no external entities), and matched on local element names, because files in
the wild use the codebook namespaces 1.0, 1:0 (NVivo 12 Mac) and 0:4 (ATLAS.ti, MAXQDA).

Structural problems (a missing guid, a position that is not a number, a coding without a code)
raise InputError naming the file, the member and the element."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from qualcode.errors import InputError

from .model import (
    COLOUR_RE,
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
    is_guid,
)

MAX_CODE_DEPTH = 64
SOURCE_KINDS = ("TextSource", "PictureSource", "PDFSource", "AudioSource", "VideoSource")
VALUE_KINDS = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def parse_xml(data: bytes, where: str) -> Element:
    hint = "a REFI-QDA file has no DTD; this one may be hostile. Nothing was imported"
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise InputError(
            "the XML declares a DTD (<!DOCTYPE>), which can hide entity expansion "
            "('billion laughs') or external entities", where=where, hint=hint) from None
    except defusedxml.EntitiesForbidden as exc:
        raise InputError(f"the XML declares the entity {exc.name!r}", where=where,
                         hint=hint) from None
    except defusedxml.ExternalReferenceForbidden:
        raise InputError("the XML refers to an external resource", where=where,
                         hint=hint) from None
    except defusedxml.DefusedXmlException as exc:
        raise InputError(f"unsafe XML ({exc})", where=where, hint=hint) from None
    except ParseError as exc:
        line, _column = exc.position
        raise InputError(f"malformed XML ({exc})", where=f"{where}:{line}",
                         hint="the file is broken or not XML; nothing was imported") from None
    except (LookupError, ValueError) as exc:  # an XML declaration naming an unknown encoding
        raise InputError(f"malformed XML ({exc})", where=where,
                         hint="the file is broken or not XML; nothing was imported") from None


class Parser:
    """Builds model objects from elements; `where` names the file (and member) in errors."""

    def __init__(self, where: str):
        self.where = where
        self.warnings: list[str] = []

    # -- helpers ---------------------------------------------------------------------------------

    def fail(self, el: Element, message: str) -> InputError:
        return InputError(f"{_describe(el)}: {message}", where=self.where,
                          hint="the file is malformed; nothing was imported")

    def guid(self, el: Element, attr: str = "guid", *, required: bool = True) -> str | None:
        value = el.get(attr)
        if value is None or not value.strip():
            if required:
                raise self.fail(el, f"the {attr} attribute is missing")
            return None
        if not is_guid(value):
            raise self.fail(el, f"{attr}={value!r} is not a GUID")
        return value.strip()

    def integer(self, el: Element, attr: str) -> int:
        value = el.get(attr)
        if value is None:
            raise self.fail(el, f"the {attr} attribute is missing")
        try:
            return int(value.strip())
        except ValueError:
            raise self.fail(el, f"{attr}={value!r} is not a whole number") from None

    def refs(self, el: Element, name: str) -> list[str]:
        out = []
        for child in el:
            if local(child.tag) == name:
                target = self.guid(child, "targetGUID")
                assert target is not None
                out.append(target)
        return out

    # -- codes -------------------------------------------------------------------------------------

    def codes(self, codes_el: Element | None) -> list[RefiCode]:
        if codes_el is None:
            return []
        return [self.code(el, 1) for el in codes_el if local(el.tag) == "Code"]

    def code(self, el: Element, depth: int) -> RefiCode:
        if depth > MAX_CODE_DEPTH:
            raise self.fail(el, f"codes are nested more than {MAX_CODE_DEPTH} levels deep")
        guid = self.guid(el)
        assert guid is not None
        name = (el.get("name") or "").strip()
        if not name:
            raise self.fail(el, "the code has no name")
        colour = el.get("color")
        if colour is not None and not COLOUR_RE.fullmatch(colour.strip()):
            self.warnings.append(f"code {name!r}: colour {colour!r} is not #RRGGBB; dropped")
            colour = None
        codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
        code = RefiCode(guid=guid, name=name, codable=codable,
                        colour=colour.strip() if colour else None,
                        description=_text(el, "Description"), note_refs=self.refs(el, "NoteRef"))
        code.children = [self.code(child, depth + 1) for child in el if local(child.tag) == "Code"]
        return code

    # -- project parts -----------------------------------------------------------------------------

    def project(self, root: Element) -> RefiProject:
        project = RefiProject(
            name=root.get("name") or "",
            origin=root.get("origin"),
            creating_user=self.guid(root, "creatingUserGUID", required=False),
            created=root.get("creationDateTime"),
        )
        known = {"Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                 "Graphs", "Description", "NoteRef"}
        for child in root:
            name = local(child.tag)
            if name == "Users":
                project.users = [self.user(el) for el in child if local(el.tag) == "User"]
            elif name == "CodeBook":
                ns = namespace(child.tag)
                if ns != namespace(root.tag):
                    project.codebook_namespace = ns
                project.codes = self.codes(_first(child, "Codes"))
            elif name == "Variables":
                project.variables = [self.variable(el) for el in child
                                     if local(el.tag) == "Variable"]
            elif name == "Cases":
                project.cases = [self.case(el) for el in child if local(el.tag) == "Case"]
            elif name == "Sources":
                project.sources = [self.source(el) for el in child
                                   if local(el.tag) in SOURCE_KINDS]
            elif name == "Notes":
                project.notes = [self.note(el) for el in child if local(el.tag) == "Note"]
            elif name == "Description":
                project.description = (child.text or "").strip()
            elif name == "NoteRef":
                target = self.guid(child, "targetGUID")
                assert target is not None
                project.note_refs.append(target)
            elif name in ("Links", "Sets", "Graphs"):
                setattr(project, name.lower(), len(list(child)))
            elif name not in known and isinstance(child.tag, str):
                self.warnings.append(f"unknown element <{name}> in the project; ignored")
        return project

    def user(self, el: Element) -> RefiUser:
        guid = self.guid(el)
        assert guid is not None
        return RefiUser(guid=guid, name=(el.get("name") or "").strip() or None,
                        id=(el.get("id") or "").strip() or None)

    def variable(self, el: Element) -> RefiVariable:
        guid = self.guid(el)
        assert guid is not None
        name = (el.get("name") or "").strip()
        if not name:
            raise self.fail(el, "the variable has no name")
        kind = (el.get("typeOfVariable") or "Text").strip()
        if kind not in VALUE_KINDS:
            self.warnings.append(f"variable {name!r}: unknown typeOfVariable {kind!r}; read as "
                                 "Text")
            kind = "Text"
        return RefiVariable(guid=guid, name=name, type=kind,
                            description=_text(el, "Description"))

    def values(self, el: Element) -> list[RefiValue]:
        out = []
        for vv in el:
            if local(vv.tag) != "VariableValue":
                continue
            ref = _first(vv, "VariableRef")
            if ref is None:
                raise self.fail(vv, "a VariableValue without a VariableRef")
            target = self.guid(ref, "targetGUID")
            assert target is not None
            kind, value = None, None
            for child in vv:
                name = local(child.tag)
                if name.endswith("Value") and name[: -len("Value")] in VALUE_KINDS:
                    kind, value = name[: -len("Value")], (child.text or "").strip()
            out.append(RefiValue(variable=target, type=kind, value=value))
        return out

    def case(self, el: Element) -> RefiCase:
        guid = self.guid(el)
        assert guid is not None
        return RefiCase(
            guid=guid,
            name=(el.get("name") or "").strip() or None,
            description=_text(el, "Description"),
            values=self.values(el),
            source_refs=self.refs(el, "SourceRef"),
            selection_refs=self.refs(el, "SelectionRef"),
            code_refs=self.refs(el, "CodeRef"),
        )

    def coding(self, el: Element) -> RefiCoding:
        guid = self.guid(el)
        assert guid is not None
        code_refs = [c for c in el if local(c.tag) == "CodeRef"]
        if len(code_refs) != 1:
            raise self.fail(el, f"a Coding needs exactly one CodeRef, it has {len(code_refs)}")
        code = self.guid(code_refs[0], "targetGUID")
        assert code is not None
        return RefiCoding(guid=guid, code=code,
                          creating_user=self.guid(el, "creatingUser", required=False),
                          created=el.get("creationDateTime"), note_refs=self.refs(el, "NoteRef"))

    def selection(self, el: Element) -> RefiSelection:
        guid = self.guid(el)
        assert guid is not None
        return RefiSelection(
            guid=guid,
            start=self.integer(el, "startPosition"),
            end=self.integer(el, "endPosition"),
            name=el.get("name"),
            description=_text(el, "Description"),
            creating_user=self.guid(el, "creatingUser", required=False),
            created=el.get("creationDateTime"),
            codings=[self.coding(c) for c in el if local(c.tag) == "Coding"],
            note_refs=self.refs(el, "NoteRef"),
        )

    def source(self, el: Element) -> RefiSource:
        kind = local(el.tag)
        guid = self.guid(el)
        assert guid is not None
        source = RefiSource(
            kind=kind,
            guid=guid,
            name=(el.get("name") or "").strip() or None,
            plain_text_path=el.get("plainTextPath") if kind == "TextSource" else el.get("path"),
            description=_text(el, "Description"),
            creating_user=self.guid(el, "creatingUser", required=False),
            created=el.get("creationDateTime"),
        )
        if kind != "TextSource":
            source.nested_codings = sum(1 for d in el.iter() if local(d.tag) == "Coding")
            return source
        content = _first(el, "PlainTextContent")
        if content is not None:
            source.plain_text_content = content.text or ""
        source.selections = [self.selection(c) for c in el
                             if local(c.tag) == "PlainTextSelection"]
        source.codings = [self.coding(c) for c in el if local(c.tag) == "Coding"]
        source.note_refs = self.refs(el, "NoteRef")
        source.values = self.values(el)
        return source

    def note(self, el: Element) -> RefiNote:
        guid = self.guid(el)
        assert guid is not None
        content = _first(el, "PlainTextContent")
        return RefiNote(
            guid=guid,
            name=(el.get("name") or "").strip() or None,
            text=(content.text or "") if content is not None else None,
            plain_text_path=el.get("plainTextPath"),
            description=_text(el, "Description"),
            creating_user=self.guid(el, "creatingUser", required=False),
            created=el.get("creationDateTime"),
        )


def _first(el: Element, name: str) -> Element | None:
    for child in el:
        if local(child.tag) == name:
            return child
    return None


def _text(el: Element, name: str) -> str:
    child = _first(el, name)
    return (child.text or "").strip() if child is not None else ""


def _describe(el: Element) -> str:
    name = local(el.tag)
    for attr in ("guid", "name", "targetGUID"):
        if el.get(attr):
            return f"<{name} {attr}={el.get(attr)!r}>"
    return f"<{name}>"
