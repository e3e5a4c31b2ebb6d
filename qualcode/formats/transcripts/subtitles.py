"""Subtitle cues (from .vtt or .srt) -> transcript text with one line per speaker turn.

Speakers come from WebVTT voice tags `<v Name>` or a `Name:` prefix on a cue line (judged like
labels in text transcripts). A cue line without a speaker continues the current speaker, so
consecutive cues by one speaker merge into one turn, rendered `Name: text`, turns separated by a
blank line. Turn.time is the start of the turn's first cue as HH:MM:SS.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.domain import OTHER, RESPONDENT, Turn
from qualcode.errors import InputError

from .label_lines import LabelHit, label_at, split_accepted
from .roles import interviewer_keys, role_for

_VOICE = re.compile(r"\s*<v(?:\.[^\s>]+)*[ \t]+([^>]+)>")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # WebVTT/HTML tags and SSA overrides like {\an8}


@dataclass(frozen=True)
class Cue:
    start_seconds: int
    lines: tuple[str, ...]  # raw cue text lines, tags included


@dataclass
class _Group:
    speaker: str | None
    start_seconds: int
    parts: list[str]


def render_cues(cues: Sequence[Cue], interviewer_labels: Sequence[str], *, kind: str,
                where: str, hint: str) -> tuple[str, list[Turn], list[str]]:
    """The stored text, its turns and warnings for a list of cues. A file with no cues, or
    whose cues hold no text, is refused here, alike for every subtitle format (`kind` names it
    in the message; `hint` is the format's own for the no-cues case)."""
    if not cues:
        raise InputError(f"the {kind} file has no cues", where=where, hint=hint)
    stored, turns, warnings = _render_groups(cues, interviewer_labels)
    if not stored.strip():
        raise InputError(f"the {kind} cues hold no text", where=where, hint="nothing to import")
    return stored, turns, warnings


def _render_groups(cues: Sequence[Cue], interviewer_labels: Sequence[str]
                   ) -> tuple[str, list[Turn], list[str]]:
    keys = interviewer_keys(interviewer_labels)
    lines = [(cue, _speaker_and_text(raw, keys)) for cue in cues for raw in cue.lines]
    accepted, _ = split_accepted([hit for _, (hit, _, _) in lines if hit is not None],
                                 lenient=True)
    sure = {id(hit) for hit in accepted}
    groups: list[_Group] = []
    for cue, (hit, voice, body) in lines:
        labelled = hit is not None and id(hit) in sure
        speaker = voice or (hit.speaker if labelled else None)
        text = " ".join((body[hit.content_start:] if labelled else body).split())
        if not text:
            continue
        if groups and (speaker is None or speaker == groups[-1].speaker):
            groups[-1].parts.append(text)
        else:
            groups.append(_Group(speaker, cue.start_seconds, [text]))
    return _render(groups, keys)


def _speaker_and_text(raw: str, keys: frozenset[str]) -> tuple[LabelHit | None, str | None, str]:
    """(a `Name:` label hit, a voice-tag speaker, the line's text without tags)."""
    voice = _VOICE.match(raw)
    if voice is not None:
        return None, " ".join(voice.group(1).split()), _plain(raw[voice.end():])
    plain = _plain(raw)
    return label_at(plain, 0, 1, keys), None, plain


def _plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def _render(groups: list[_Group], keys: frozenset[str]) -> tuple[str, list[Turn], list[str]]:
    anyone = any(group.speaker for group in groups)
    pieces: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for group in groups:
        label = f"{group.speaker}: " if group.speaker else ""
        line = label + " ".join(group.parts)
        # Unlabelled cues before the first speaker are like a preamble; with no speakers at all
        # the text is still speech, so it stays a respondent turn (as in text transcripts).
        role = role_for(group.speaker, keys) if group.speaker else (OTHER if anyone else RESPONDENT)
        turns.append(Turn(len(turns) + 1, group.speaker, role, offset + len(label),
                          offset + len(line), label_start=offset if label else None,
                          time=_hhmmss(group.start_seconds)))
        pieces.append(line)
        offset += len(line) + 2  # the blank line between turns
    warnings = [] if anyone else ["no speakers found in the cues (no <v Name> tags or 'Name:' "
                                  "prefixes): the whole text is one respondent turn"]
    return "\n\n".join(pieces), turns, warnings


def _hhmmss(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
