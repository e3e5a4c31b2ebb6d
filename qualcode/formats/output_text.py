"""The text an export holds, for the pseudonyms' leak check: every member of an archive (XLSX,
QDPX) and its name, or the file itself, each read as a person would read it: XML and HTML
character references resolved, JSON \\u escapes decoded, URL escapes undone."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote

_ZIP = b"PK\x03\x04"
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
MAX_MEMBER = 512 * 1024 * 1024  # what we wrote ourselves; a bound all the same


def _views(text: str) -> str:
    unescaped = html.unescape(text)
    decoded = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), unescaped)
    return "\n".join(dict.fromkeys((text, unescaped, decoded, unquote(decoded))))


def texts_of(data: bytes) -> Iterator[tuple[str, str]]:
    """(part, text) pairs: part is "" for a plain file, the member's name inside an archive."""
    if data[:4] != _ZIP:
        yield "", _views(data.decode("utf-8", errors="replace"))
        return
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            yield info.filename, _views(info.filename)
            if info.is_dir() or info.file_size > MAX_MEMBER:
                continue
            yield info.filename, _views(archive.read(info).decode("utf-8", errors="replace"))
