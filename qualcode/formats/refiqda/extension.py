"""What REFI-QDA has no place for, carried beside project.qde in the .qdpx archive.

The Project schema (Project-mrt2019.xsd) has no extension point: every content model is a closed
xsd:sequence without xsd:any, so a namespaced element or attribute inside project.qde would make
the file invalid. qualcode therefore writes one extra archive member, `qualcode/extension.json`,
beside project.qde and sources/. Other programs read only project.qde and the files it names, so
they ignore it; qualcode reads it back on import. Everything in it refers to project.qde by GUID:

    {
      "namespace": "urn:qualcode:refi-qda-extension:1",    (this format; checked on reading)
      "producer": "qualcode 0.1.0",
      "codes":       {CODE_GUID: {"key": ..., "patterns": [...]}},        spaCy patterns
      "codings":     {CODING_GUID: {"origin": ..., "key_quote": true}},   origin, key quotes
      "summaries":   [{"note": NOTE_GUID, "case": ..., "dimension": ...,
                       "author": ..., "written_at": ..., "stale": false}],
      "suggestions": [{"source": SOURCE_GUID, "code": CODE_GUID, "start": 0, "end": 10,
                       "score": 0.6, "method": ..., "unit": ..., "evidence": {...},
                       "pipeline": ..., "codebook_sha256": ..., "status": ...,
                       "decided_by": USER_GUID|null, "decided_at": ..., "coding": CODING_GUID|null,
                       "created_at": ...}],
      "judged":      [{"source": SOURCE_GUID, "user": USER_GUID, "start": 0, "end": 10,
                       "note": ..., "created_at": ...}],            sentences read and labelled
      "memos":       [{"note": NOTE_GUID, "case"|"document"|"code"|"coding"|"project": ...,
                       "title": ..., "author": ..., "created_at": ...}]  what each memo is about
    }

Offsets are Unicode code points into the source's text as written in the archive (the export's
convention). This module only reads and writes the JSON; services/refi_export.py and
refi_import.py fill and apply it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from qualcode.errors import InputError

EXTENSION_MEMBER = "qualcode/extension.json"
NAMESPACE = "urn:qualcode:refi-qda-extension:1"
SECTIONS = {"codes": dict, "codings": dict, "summaries": list, "suggestions": list,
            "judged": list, "memos": list}


def extension_bytes(data: dict[str, Any]) -> bytes:
    """The member's bytes: sorted keys, so the same project gives the same archive."""
    body = {"namespace": NAMESPACE, **data}
    return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def extension_chunks(data: dict[str, Any], streamed: dict[str, Iterable[Any]]
                     ) -> Iterator[bytes]:
    """extension_bytes({**data, **streamed as a dict or list}) as a stream of chunks, each
    section of `streamed` written entry by entry: a dict section (codings) from (key, value)
    pairs in key order, as sort_keys would put them, a list section (suggestions) from its
    values in order. The same bytes, without a section ever held whole in memory."""
    markers = {key: json.dumps(f"\u0000section:{key}\u0000") for key in streamed}
    body = {"namespace": NAMESPACE, **data,
            **{key: f"\u0000section:{key}\u0000" for key in streamed}}
    text = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True)
    cursor = 0
    for at, key in sorted((text.index(marker), key) for key, marker in markers.items()):
        yield text[cursor:at].encode("utf-8")
        yield from _section_chunks(streamed[key], keyed=SECTIONS.get(key) is dict)
        cursor = at + len(markers[key])
    yield (text[cursor:] + "\n").encode("utf-8")


def _section_chunks(entries: Iterable[Any], *, keyed: bool) -> Iterator[bytes]:
    """One top-level section's value as json.dumps(indent=1) writes it inside the body."""
    opening, closing = ("{", "}") if keyed else ("[", "]")
    opened = False
    batch: list[str] = []
    for entry in entries:
        name, value = entry if keyed else (None, entry)
        item = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
        batch.append("\n  " + (json.dumps(name, ensure_ascii=False) + ": " if keyed else "")
                     + item.replace("\n", "\n  "))
        if len(batch) >= 2000:
            yield (("," if opened else opening) + ",".join(batch)).encode("utf-8")
            opened, batch = True, []
    if batch:
        yield (("," if opened else opening) + ",".join(batch)).encode("utf-8")
        opened = True
    yield (f"\n {closing}" if opened else opening + closing).encode("utf-8")


def parse_extension(raw: bytes, where: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The extension's sections, or None with a warning when it is another format or version
    (the rest of the file is still imported). Malformed JSON is an error: it is our own file."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"qualcode's extension is not valid JSON ({exc})", where=where,
                         hint="the file was damaged; nothing was imported") from None
    if not isinstance(data, dict) or data.get("namespace") != NAMESPACE:
        found = data.get("namespace") if isinstance(data, dict) else None
        return None, [f"{EXTENSION_MEMBER} is in namespace {found!r}, not {NAMESPACE}: "
                      "patterns, key quotes, summaries and suggestions in it were not read"]
    out: dict[str, Any] = {}
    for name, kind in SECTIONS.items():
        value = data.get(name, kind())
        if not isinstance(value, kind):
            raise InputError(f"qualcode's extension: {name!r} should be a {kind.__name__}",
                             where=where, hint="the file was damaged; nothing was imported")
        out[name] = value
    return out, []
