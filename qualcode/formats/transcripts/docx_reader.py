"""Reader for .docx transcripts: body paragraphs joined by newlines (a blank paragraph stays an
empty line). A .docx cannot carry front matter, so its metadata comes only from its name."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml.etree import LxmlError

from qualcode.errors import InputError

from .decoding import normalise_newlines
from .source import ReaderOutput

_BROKEN = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, OSError)


def read_docx(data: bytes, *, where: str) -> ReaderOutput:
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
        table_text = any(cell.text.strip() for table in document.tables
                         for row in table.rows for cell in row.cells)
    except _BROKEN as exc:
        raise InputError(f"not a readable Word document ({type(exc).__name__}: {exc})",
                         where=where, hint="open it in Word and save it again as .docx") from None
    text, normalised = normalise_newlines("\n".join(paragraphs))
    if not text.strip():
        raise InputError("the document has no text in its paragraphs", where=where,
                         hint="text inside tables or text boxes is not read; move it to "
                              "paragraphs" if table_text else "nothing to import")
    warnings = ["text inside tables was not read (only body paragraphs are)"] if table_text else []
    return ReaderOutput(text, "utf-8", False, normalised, warnings=warnings)
