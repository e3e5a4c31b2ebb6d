"""Which role a speaker label plays: interviewer, respondent, or other (no speaker)."""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.domain import INTERVIEWER, OTHER, RESPONDENT

from .labels import label_key

# Used only when the caller names no interviewer labels. "I" is the I/R convention of many
# qualitative transcripts; the CJK words are 问 (question), 采访者/采访人/访谈者/访谈人/访问者/
# 访问员/访员/提问者 (interviewer), 主持人 (moderator), 记者 (reporter), in simplified and
# traditional characters.
DEFAULT_INTERVIEWER_LABELS = frozenset({
    "q", "i", "interviewer", "question", "moderator", "reporter",
    "问", "采访者", "采访人", "访谈者", "访谈人", "访问者", "访问员", "访员", "提问者",
    "主持人", "记者",
    "問", "採訪者", "採訪人", "訪談者", "訪談人", "訪問者", "訪問員", "訪員", "提問者", "記者",
})


def interviewer_keys(labels: Sequence[str]) -> frozenset[str]:
    if isinstance(labels, str):  # one label given bare, not as a one-item list
        labels = [labels]
    return frozenset(key for key in (label_key(label) for label in labels) if key)


def role_for(speaker: str | None, keys: frozenset[str]) -> str:
    """`keys` from interviewer_keys(); when empty the default interviewer labels apply."""
    if speaker is None:
        return OTHER
    key = label_key(speaker)
    if keys:
        return INTERVIEWER if key in keys else RESPONDENT
    words = key.split()
    numbered = (len(words) == 2 and words[0] in DEFAULT_INTERVIEWER_LABELS and len(words[0]) > 1
                and (words[1].isdigit() or len(words[1]) == 1))
    return INTERVIEWER if key in DEFAULT_INTERVIEWER_LABELS or numbered else RESPONDENT
