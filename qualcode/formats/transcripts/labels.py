"""What a speaker label looks like, and how sure we are that a `Word:` at a line start is one.

The rule (a design decision: change it here and in the tests together):
- STRONG labels are accepted wherever they occur: known role words (Q, A, Interviewer,
  Respondent...), all-caps labels (`MR. MASTERS`, `THE PRESIDENT`), labels with an honorific or a
  job title plus a name (`Dr. Li`, `Engineer Wu`, `Manager Liu`, and in Chinese a surname with a
  title: `王总`, `李经理`), bold Markdown labels, labels
  after a time stamp, and labels the user named as interviewer labels.
- WEAK labels (one capitalised word like `Tony`, other capitalised word groups, other CJK
  names) are
  accepted only when the same label starts a line at least twice in the document, or, for a
  group of two or more capitalised words, when the document already has other accepted labels.
  So `Note: ...` or `However: ...` written once is prose, while `Wu:` used for every turn is a
  speaker.
- NEVER labels: metadata and prose words such as Note, Date, Time, Location, Summary (alone or as
  the last word), unless the user lists them as interviewer labels. Prose like
  `The reason is simple: ...` fails the grammar (lowercase words), and `10:30` starts with a digit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qualcode.name_finder import is_titled_chinese_name

STRONG = "strong"
WEAK = "weak"

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 5

# Role words that are labels wherever they appear (compared case-insensitively; a trailing number
# or letter is allowed: "Interviewer 2", "Participant B").
ROLE_WORDS = frozenset({
    "q", "a", "i", "r", "interviewer", "interviewee", "respondent", "question", "answer",
    "moderator", "reporter", "facilitator", "participant", "speaker", "host", "guest",
    "问", "答", "采访者", "采访人", "受访者", "受访人", "被访者", "被访人", "访谈者", "访谈人",
    "访问者", "访问员", "访员", "提问者", "主持人", "记者",
    "問", "採訪者", "採訪人", "受訪者", "受訪人", "被訪者", "被訪人", "訪談者", "訪談人", "訪問者",
    "訪問員", "訪員", "提問者", "記者",
})

_HONORIFICS = frozenset({
    "mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "madam", "rev", "hon", "sen", "rep",
    "gov", "gen", "col", "capt", "lt", "sgt", "jr", "sr",
})

# Job titles used as forms of address ("Engineer Wu", "Manager Liu", "Secretary Granholm").
_TITLES = frozenset({
    "engineer", "manager", "director", "chairman", "chairwoman", "chair", "president", "secretary",
    "minister", "professor", "officer", "senator", "governor", "ambassador", "mayor", "chief",
    "deputy", "vice", "general", "ceo", "cto", "cfo", "coo", "founder", "head", "lead",
    "analyst", "official", "administrator", "commissioner", "representative", "supervisor",
    "technician", "researcher", "doctor", "judge", "counsel",
})

# Particles inside personal names ("Henri van Rooyen", "Maria de la Cruz").
_PARTICLES = frozenset({
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "bin", "ibn",
    "al", "el", "dos", "das", "do", "y", "ten", "ter",
})

# Words that introduce notes and metadata, not speech.
STOP_WORDS = frozenset({
    "note", "notes", "nb", "n.b", "ps", "p.s", "example", "examples", "summary", "update",
    "warning", "caution", "important", "source", "sources", "re", "subject", "date", "time",
    "location", "place", "venue", "title", "topic", "topics", "attendees", "present", "duration",
    "transcript", "transcriber", "transcription", "tip", "edit", "correction", "disclaimer",
    "reference", "references", "keywords", "tags", "however", "therefore", "conclusion",
    "result", "results", "total", "end", "step", "answer key", "url", "link", "email", "phone",
    "address", "background", "context", "agenda", "minutes", "memo", "notice",
    "ok", "okay", "fyi", "faq", "eg", "e.g", "ie", "i.e", "etc", "aka", "tldr",
})

_WORD = re.compile(r"[^\W\d_][\w'’\-]*\.?|\d+\.?|[^\W\d_]\.(?:[^\W\d_]\.)*", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af·・]{1,8}")


@dataclass(frozen=True)
class LabelVerdict:
    speaker: str  # normalised: whitespace collapsed, casing as written
    strength: str  # STRONG or WEAK
    words: int


def normalise_label(label: str) -> str:
    return " ".join(label.replace(":", " ").replace("：", " ").split())


def label_key(label: str) -> str:
    """Comparison key: case-insensitive, whitespace collapsed, trailing colon dropped."""
    return normalise_label(label).casefold()


def is_cjk(label: str) -> bool:
    return _CJK.fullmatch(label) is not None


def is_role_word(key: str) -> bool:
    words = key.split()
    if not words:
        return False
    if key in ROLE_WORDS:
        return True
    # "Interviewer 2", "Participant B", "Speaker 10"
    return (len(words) == 2 and words[0] in ROLE_WORDS and len(words[0]) > 1
            and (words[1].isdigit() or len(words[1]) == 1))


def judge(label: str, *, user_labels: frozenset[str] = frozenset(),
          bold: bool = False, timed: bool = False) -> LabelVerdict | None:
    """Is `label` (the text before the colon) a plausible speaker label? None when it is not."""
    speaker = normalise_label(label)
    key = speaker.casefold()
    if not speaker or len(speaker) > MAX_LABEL_CHARS:
        return None
    if key in user_labels:
        return LabelVerdict(speaker, STRONG, len(speaker.split()))
    if is_cjk(speaker):
        # a role word, or a surname with a title (王总, 李经理) as `Dr. Li` is in English
        strong = key in ROLE_WORDS or bold or timed or is_titled_chinese_name(speaker)
        strength = STRONG if strong else WEAK
        return LabelVerdict(speaker, strength, 1)
    words = speaker.split()
    if len(words) > MAX_LABEL_WORDS or not _grammatical(words, relaxed=timed):
        return None
    if key in STOP_WORDS or _bare(words[-1]) in STOP_WORDS:
        return None
    strong = (bold or timed or is_role_word(key) or _all_caps(speaker)
              or any(_bare(w) in _HONORIFICS for w in words)
              or (len(words) > 1 and _bare(words[0]) in _TITLES))
    return LabelVerdict(speaker, STRONG if strong else WEAK, len(words))


def _grammatical(words: list[str], *, relaxed: bool) -> bool:
    """Every word is capitalised, an honorific, an initial, a number (not first) or a name
    particle (not first, not last). After a time stamp lowercase words are fine too."""
    for index, word in enumerate(words):
        if not _WORD.fullmatch(word):
            return False
        if relaxed:
            continue
        first_char = word[0]
        if word[:-1].isdigit() or word.isdigit():
            if index == 0:
                return False
        elif word.casefold() in _PARTICLES:
            if index in (0, len(words) - 1):
                return False
        elif not (first_char.isupper() or unicodedata.category(first_char) == "Lo"):
            return False
    return True


def _all_caps(speaker: str) -> bool:
    letters = [ch for ch in speaker if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _bare(word: str) -> str:
    return word.rstrip(".").casefold()
