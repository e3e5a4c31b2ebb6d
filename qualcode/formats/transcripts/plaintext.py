"""Reader for .txt and .md transcripts: decode, normalise newlines, split off front matter."""

from __future__ import annotations

from qualcode.errors import InputError

from .decoding import decode_bytes, normalise_newlines
from .frontmatter import split_front_matter
from .source import ReaderOutput


def read_plaintext(data: bytes, *, where: str) -> ReaderOutput:
    decoded, encoding, detected = decode_bytes(data, where=where)
    text, normalised = normalise_newlines(decoded)
    front = split_front_matter(text, where=where)
    if not front.body.strip():
        raise InputError("there is no transcript text after the front matter", where=where,
                         hint="put the transcript below the closing '---'")
    return ReaderOutput(front.body, encoding, detected, normalised, meta=front.meta,
                        name=front.name)
