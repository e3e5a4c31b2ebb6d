"""Split transcript text into speaker turns.

A turn runs from its label to the next accepted label. `start`/`end` cut what was said: the label,
the colon and the spaces after it are excluded, and so is trailing whitespace. Text before the
first label (a preamble: place, time) is a turn with no speaker and role "other". Which `Word:`
line starts count as labels is decided in labels.py (strong/weak rule) and in
label_lines.split_accepted.
A user regex replaces the built-in label rules entirely, so its author stays in control.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualcode.domain import RESPONDENT, Turn

from .label_lines import LabelHit, compile_user_regex, label_at, split_accepted, user_label_at
from .roles import interviewer_keys, role_for

_LINE_BREAK = re.compile(r"\n")
_MAX_WARNINGS = 5


def detect_turns(text: str, *, speaker_regex: str | None = None,
                 interviewer_labels: Sequence[str] = ()) -> list[Turn]:
    """The speaker turns of `text`; see the module docstring. Raises InputError for a bad regex."""
    return detect_turns_with_warnings(text, speaker_regex=speaker_regex,
                                      interviewer_labels=interviewer_labels)[0]


def detect_turns_with_warnings(text: str, *, speaker_regex: str | None = None,
                               interviewer_labels: Sequence[str] = ()
                               ) -> tuple[list[Turn], list[str]]:
    keys = interviewer_keys(interviewer_labels)
    hits = _hits(text, speaker_regex, keys)
    accepted, rejected = split_accepted(hits)
    warnings = _rejection_warnings(rejected)
    turns: list[Turn] = []
    if not accepted:
        span = _trimmed(text, 0, len(text))
        if span is not None:
            warnings.append("no speaker labels found: the whole text is one respondent turn "
                            "(give a speaker regex if the labels have another form)")
            turns.append(Turn(1, None, RESPONDENT, *span))
        return turns, warnings
    preamble = _trimmed(text, 0, accepted[0].line_start)
    if preamble is not None:
        turns.append(Turn(1, None, role_for(None, keys), *preamble))
    for index, hit in enumerate(accepted):
        stop = accepted[index + 1].line_start if index + 1 < len(accepted) else len(text)
        span = _trimmed(text, hit.content_start, stop)
        if span is None:
            warnings.append(f"line {hit.line}: label '{hit.speaker}' has no text after it; skipped")
            continue
        turns.append(Turn(len(turns) + 1, hit.speaker, role_for(hit.speaker, keys), *span,
                          label_start=hit.label_start, time=hit.time))
    return turns, warnings


def _hits(text: str, speaker_regex: str | None, keys: frozenset[str]) -> list[LabelHit]:
    regex = compile_user_regex(speaker_regex) if speaker_regex else None
    hits: list[LabelHit] = []
    for line, pos in enumerate(_line_starts(text), start=1):
        if hits and pos < hits[-1].content_start:
            continue  # a user regex may match across lines; never start inside a match
        hit = (user_label_at(text, pos, line, regex) if regex is not None
               else label_at(text, pos, line, keys))
        if hit is not None:
            hits.append(hit)
    return hits


def _line_starts(text: str):
    yield 0
    for match in _LINE_BREAK.finditer(text):
        if match.end() < len(text):
            yield match.end()


def _rejection_warnings(rejected: list[LabelHit]) -> list[str]:
    warnings = [f"line {hit.line}: '{hit.speaker}:' looks like a speaker label but is used only "
                f"once, so it was kept as text" for hit in rejected[:_MAX_WARNINGS]]
    if len(rejected) > _MAX_WARNINGS:
        warnings.append(f"... and {len(rejected) - _MAX_WARNINGS} more such lines")
    return warnings


def _trimmed(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """(start, end) of text[start:stop] without surrounding whitespace; None when all blank."""
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return (start, stop) if start < stop else None
