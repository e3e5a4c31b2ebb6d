"""Reader for WebVTT (.vtt) subtitles, via webvtt-py."""

from __future__ import annotations

from collections.abc import Sequence

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from qualcode.errors import InputError

from .decoding import decode_bytes, normalise_newlines
from .source import ReaderOutput
from .subtitles import Cue, render_cues

_HINT = "a WebVTT file starts with a 'WEBVTT' line, then cues like '00:00:01.000 --> 00:00:04.000'"


def read_vtt(data: bytes, *, where: str, interviewer_labels: Sequence[str]) -> ReaderOutput:
    decoded, encoding, detected = decode_bytes(data, where=where)
    text, normalised = normalise_newlines(decoded)
    try:
        captions = webvtt.from_string(text, strict=True)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise InputError(f"malformed WebVTT: {exc}", where=where, hint=_HINT) from None
    cues = [Cue(caption.start_in_seconds, tuple(caption.lines)) for caption in captions]
    stored, turns, warnings = render_cues(cues, interviewer_labels, kind="WebVTT", where=where,
                                          hint=_HINT)
    return ReaderOutput(stored, encoding, detected, normalised, turns=turns, warnings=warnings)
