"""Reader for .docx transcripts: body paragraphs joined by newlines (a blank paragraph stays an
empty line). A .docx cannot carry front matter, so its metadata comes only from its name."""

from __future__ import annotations

import io
import zipfile
import zlib

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import LxmlError

from qualcode.errors import InputError

from .decoding import normalise_newlines
from .source import ReaderOutput

_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, OSError,
           zlib.error, EOFError, zipfile.LargeZipFile)
# python-docx trusts the package's structure: a main part that is not a w:document, or one without
# a body, ends in AttributeError or TypeError deep inside it. A .docx is untrusted input, so these
# mean "not a readable Word document" too.
_MALFORMED = (AttributeError, TypeError, IndexError, NotImplementedError, RecursionError)


# A .docx is a zip whose parts are read whole: a few MB that unpack to gigabytes are refused first.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000


def read_docx(data: bytes, *, where: str) -> ReaderOutput:
    _check_archive(data, where)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
        table_text = any(cell.text.strip() for table in document.tables
                         for row in table.rows for cell in row.cells)
    except _BROKEN as exc:
        raise InputError(f"not a readable Word document ({type(exc).__name__}: "
                         f"{_first_line(exc)})",
                         where=where, hint="open it in Word and save it again as .docx") from None
    except _MALFORMED:
        raise InputError("not a readable Word document (its main part is not a Word body)",
                         where=where, hint="open it in Word and save it again as .docx") from None
    text, normalised = normalise_newlines("\n".join(paragraphs))
    if not text.strip():
        raise InputError("the document has no text in its paragraphs", where=where,
                         hint="text inside tables or text boxes is not read; move it to "
                              "paragraphs" if table_text else "nothing to import")
    warnings = ["text inside tables was not read (only body paragraphs are)"] if table_text else []
    return ReaderOutput(text, "utf-8", False, normalised, warnings=warnings)


def _check_archive(data: bytes, where: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # python-docx reports it as not a readable Word document
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED:
        raise InputError(f"the Word document unpacks to {unpacked / 1024 / 1024:.0f} MB in "
                         f"{len(members)} parts; refused as unsafe", where=where,
                         hint="open it in Word and save it again as .docx")


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text if len(text) <= 100 else text[:97] + "..."
