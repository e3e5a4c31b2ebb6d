"""Find the speaker label (if any) at the start of one line: `Name:`, `Q:`, bare `Q`, bold Markdown
labels, Chinese labels in lenticular brackets (`【访谈者】`, colon optional),
`[00:12:31] Name:` / `(00:12:31) Name:` / `00:12:31 Name:`, or a user regex."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.errors import InputError

from .labels import STRONG, is_cjk, judge, label_key

_STAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL_LINE = re.compile(
    r"[ \t]*"
    rf"(?:(?:\[(?P<t1>{_STAMP})\]|\((?P<t2>{_STAMP})\)|(?P<t3>\d{{1,2}}:\d{{2}}:\d{{2}}))[ \t]+)?"
    r"(?P<b1>\*\*|__)?"
    r"(?P<label>[^\s:：*][^\n:：*]{0,60}?)"
    r"[ \t]*(?P<b2>\*\*|__)?(?P<colon>[:：])(?P<b3>\*\*|__)?"
)
# A reporter's question opened by a bare Q: "Q    Hi.  Thank you..." (White House style).
_BARE_Q = re.compile(
    rf"[ \t]*(?:(?:\[(?P<t1>{_STAMP})\]|\((?P<t2>{_STAMP})\))[ \t]+)?Q(?P<gap>[ \t]+)(?=\S)")
# 【访谈者】 / 【王总】：, a common way Chinese transcripts mark speakers, with or without a colon.
_BRACKETED = re.compile(
    rf"[ \t]*(?:(?:\[(?P<t1>{_STAMP})\]|\((?P<t2>{_STAMP})\))[ \t]*)?"
    r"【[ \t]*(?P<label>[^】\n:：]{1,20}?)[ \t]*】[ \t]*[:：]?")
_SPACE = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class LabelHit:
    line_start: int  # where the line starts: the previous turn ends before it
    label_start: int  # where the label (or its time stamp) begins
    content_start: int  # first character after the label, colon and spaces
    speaker: str
    key: str
    strength: str
    words: int
    time: str | None
    line: int  # 1-based line number, for warnings


def compile_user_regex(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise InputError(f"the speaker regex does not compile: {exc}", where="speaker regex",
                         hint="e.g. '(?P<speaker>[A-Z][a-z]+):'") from None
    if "speaker" not in compiled.groupindex:
        raise InputError("the speaker regex has no named group 'speaker'", where="speaker regex",
                         hint="write the label part as (?P<speaker>...)")
    return compiled


def user_label_at(text: str, pos: int, line: int, regex: re.Pattern[str]) -> LabelHit | None:
    match = regex.match(text, pos)
    if match is None or match.end() == pos or not (match.group("speaker") or "").strip():
        return None
    speaker = " ".join(match.group("speaker").split()).rstrip(":：").strip()
    time = match.group("time") if "time" in regex.groupindex else None
    return LabelHit(pos, match.start("speaker"), _skip_spaces(text, match.end()), speaker,
                    label_key(speaker), STRONG, len(speaker.split()), time, line)


def label_at(text: str, pos: int, line: int, user_labels: frozenset[str]) -> LabelHit | None:
    """The label starting the line at `pos`, judged but not yet accepted (see turns.py)."""
    match = _BRACKETED.match(text, pos)
    if match is not None:
        # The name inside is judged as `Name:` is: a role word or titled surname counts at once,
        # another word only when it starts two lines (so a note 【注】 used once stays prose).
        time = match.group("t1") or match.group("t2")
        verdict = judge(match.group("label"), user_labels=user_labels,
                        timed=time is not None)
        if verdict is not None:
            return LabelHit(pos, _skip_spaces(text, pos), _skip_spaces(text, match.end()),
                            verdict.speaker, label_key(verdict.speaker), verdict.strength,
                            verdict.words, time, line)
    match = _LABEL_LINE.match(text, pos)
    if match is not None:
        hit = _named_label(text, pos, line, match, user_labels)
        if hit is not None:
            return hit
    match = _BARE_Q.match(text, pos)
    if match is not None and _opens_question(text, match):
        time = match.group("t1") or match.group("t2")
        return LabelHit(pos, _skip_spaces(text, pos), match.end(), "Q", "q", STRONG, 1, time, line)
    return None


def _named_label(text: str, pos: int, line: int, match: re.Match[str],
                 user_labels: frozenset[str]) -> LabelHit | None:
    bold_open = match.group("b1") is not None
    if bold_open != (match.group("b2") is not None or match.group("b3") is not None):
        return None  # unbalanced emphasis: not a Markdown label
    time = match.group("t1") or match.group("t2") or match.group("t3")
    label = match.group("label")
    verdict = judge(label, user_labels=user_labels, bold=bold_open, timed=time is not None)
    if verdict is None:
        return None
    after = text[match.end()] if match.end() < len(text) else "\n"
    ascii_colon = match.group("colon") == ":"
    if ascii_colon and after not in " \t\n" and not is_cjk(verdict.speaker):
        return None  # "http://", "a:b": a Latin label's colon is followed by a space or line end
    label_start = _skip_spaces(text, pos)
    return LabelHit(pos, label_start, _skip_spaces(text, match.end()), verdict.speaker,
                    label_key(verdict.speaker), verdict.strength, verdict.words, time, line)


def _opens_question(text: str, match: re.Match[str]) -> bool:
    """`Q  text` (two spaces or a tab) always; `Q text` only when text does not start lowercase,
    so a line such as "Q and A sessions..." stays prose."""
    gap = match.group("gap")
    return len(gap) > 1 or "\t" in gap or not text[match.end()].islower()


def _skip_spaces(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()


def split_accepted(hits: list[LabelHit], *, lenient: bool = False
                   ) -> tuple[list[LabelHit], list[LabelHit]]:
    """Strong labels always count. A weak label counts when it starts a line at least twice, or
    when it has two or more words and the document has other labels that count. `lenient`
    (subtitle cues, where a leading `Name:` is the usual speaker mark) drops the two-word limit."""
    uses = Counter(hit.key for hit in hits)
    sure = {hit.key for hit in hits if hit.strength == STRONG or uses[hit.key] >= 2}
    accepted, rejected = [], []
    for hit in hits:
        if hit.key in sure or ((hit.words >= 2 or lenient) and sure - {hit.key}):
            accepted.append(hit)
        else:
            rejected.append(hit)
    return accepted, rejected
