"""The REFI-QDA data the reader produces and the writer consumes: plain dataclasses, one per
element kind, with GUIDs kept exactly as written (braces and case included) so a round trip
gives them back unchanged. `norm_guid` is the form used to look them up."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from qualcode.domain import CODE_GUID_NAMESPACE

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

GUID_RE = re.compile(
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"
)
COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")

# typeOfVariable in REFI <-> an attribute type in qualcode. DateTime has no qualcode type: its
# values are kept as ISO text.
VARIABLE_TYPES = {
    "text": "Text",
    "integer": "Integer",
    "float": "Float",
    "boolean": "Boolean",
    "date": "Date",
}
ATTRIBUTE_TYPES = {v: k for k, v in VARIABLE_TYPES.items()} | {"DateTime": "text"}

# Every GUID qualcode writes (other than a code's, which is uuid5 of its key) is uuid5 of what
# the element stands for, so exporting the same project twice gives the same file.
EXPORT_NAMESPACE = uuid.uuid5(CODE_GUID_NAMESPACE, "qualcode refi-qda export")


def export_guid(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(EXPORT_NAMESPACE, "\x1f".join([kind, *map(str, parts)])))


def norm_guid(guid: str) -> str:
    """GUIDs may come with braces and in any case; this is the form to compare them in."""
    return guid.strip().strip("{}").lower()


def is_guid(value: str) -> bool:
    value = value.strip()
    if not GUID_RE.fullmatch(value):
        return False
    return value.startswith("{") == value.endswith("}")


@dataclass
class RefiUser:
    guid: str
    name: str | None = None
    id: str | None = None

    def label(self) -> str:
        return self.name or self.id or f"user-{norm_guid(self.guid)[:8]}"


@dataclass
class RefiCode:
    guid: str
    name: str
    codable: bool = True
    colour: str | None = None
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str  # a typeOfVariable: Text, Boolean, Integer, Float, Date, DateTime
    description: str = ""


@dataclass
class RefiValue:
    variable: str  # the Variable's GUID
    type: str | None  # which *Value element held it ("Text", "Integer"...); None when empty
    value: str | None


@dataclass
class RefiCase:
    guid: str
    name: str | None = None
    description: str = ""
    values: list[RefiValue] = field(default_factory=list)
    source_refs: list[str] = field(default_factory=list)
    selection_refs: list[str] = field(default_factory=list)
    code_refs: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    guid: str
    code: str  # the CodeRef's targetGUID
    creating_user: str | None = None
    created: str | None = None  # xsd:dateTime as written
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    start: int  # as written, in the producer's units
    end: int
    name: str | None = None
    description: str = ""
    creating_user: str | None = None
    created: str | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    kind: str  # TextSource, PDFSource, PictureSource, AudioSource, VideoSource
    guid: str
    name: str | None = None
    plain_text_path: str | None = None  # for other kinds: their `path`
    plain_text_content: str | None = None
    description: str = ""
    creating_user: str | None = None
    created: str | None = None
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)  # codings of the whole source
    note_refs: list[str] = field(default_factory=list)
    values: list[RefiValue] = field(default_factory=list)
    nested_codings: int = 0  # codings inside a source kind qualcode does not import
    text: str | None = None  # for the writer: the text that goes into sources/<guid>.txt


@dataclass
class RefiNote:
    guid: str
    name: str | None = None
    text: str | None = None  # PlainTextContent
    plain_text_path: str | None = None
    description: str = ""
    creating_user: str | None = None
    created: str | None = None


@dataclass
class RefiProject:
    name: str
    origin: str | None = None
    creating_user: str | None = None
    created: str | None = None
    description: str = ""
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)  # notes on the project as a whole
    links: int = 0
    sets: int = 0
    graphs: int = 0
    codebook_namespace: str | None = None  # of the CodeBook element, when it differs


def walk_codes(codes: list[RefiCode]):
    """Every code, parents before children, in document order."""
    stack = list(reversed(codes))
    while stack:
        code = stack.pop()
        yield code
        stack.extend(reversed(code.children))


# -- lexical forms and names ----------------------------------------------------------------------

TEXT_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".odt", ".md", ".pdf", ".htm", ".html")


def xsd_datetime(value: dt.datetime | None) -> str | None:
    """xsd:dateTime in UTC; a naive value is taken to be UTC already (as SQLite returns it)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_xsd_datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def xsd_decimal(value: str) -> str | None:
    """A float as xsd:decimal wants it (no exponent); None for NaN, infinities and junk."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return format(number, "f") if number.is_finite() else None


def fit(text: str, width: int) -> str:
    """Cut to a column's width, showing that it was cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def document_name(source: RefiSource) -> str:
    """A document name for a source: its name without a text-file suffix ("Mabel.txt" ->
    "Mabel"), else its file's name, else "source-" and its GUID's first 8 digits."""
    name = source.name or ""
    if not name and source.plain_text_path:
        name = source.plain_text_path.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in TEXT_SUFFIXES:
        name = stem
    return fit(" ".join(name.split()) or f"source-{norm_guid(source.guid)[:8]}", 190)
