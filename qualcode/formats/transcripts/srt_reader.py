"""Reader for SubRip (.srt) subtitles, via the srt package."""

from __future__ import annotations

from collections.abc import Sequence

import srt

from qualcode.errors import InputError

from .decoding import decode_bytes, normalise_newlines
from .source import ReaderOutput
from .subtitles import Cue, render_cues

_HINT = "an SRT cue is a number, a line '00:00:01,000 --> 00:00:04,000', text, then a blank line"


def read_srt(data: bytes, *, where: str, interviewer_labels: Sequence[str]) -> ReaderOutput:
    decoded, encoding, detected = decode_bytes(data, where=where)
    text, normalised = normalise_newlines(decoded)
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.expected_start) + 1
        raise InputError("malformed SRT: unexpected text "
                         f"{exc.unmatched_content.strip()[:40]!r}", where=f"{where}:{line}",
                         hint=_HINT) from None
    except (srt.TimestampParseError, ValueError) as exc:
        raise InputError(f"malformed SRT: {exc}", where=where, hint=_HINT) from None
    except OverflowError:  # hours beyond what a timedelta holds
        raise InputError("malformed SRT: a timestamp is out of range", where=where,
                         hint=_HINT) from None
    cues = [Cue(int(sub.start.total_seconds()), tuple(sub.content.split("\n")))
            for sub in subtitles]
    stored, turns, warnings = render_cues(cues, interviewer_labels, kind="SRT", where=where,
                                          hint=_HINT)
    return ReaderOutput(stored, encoding, detected, normalised, turns=turns, warnings=warnings)
