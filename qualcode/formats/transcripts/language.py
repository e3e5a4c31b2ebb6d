"""A transcript's language: the front matter's `language:` checked against the text, or detected.

Detection is deliberately simple and offline: the share of Chinese characters among the letters
(qualcode.script_share). At least half: zh; otherwise the default, en. It tells Chinese from
languages written in Latin letters, which is what choosing a pipeline needs here; any other
language must be declared with `language:`.
"""

from __future__ import annotations

import re

from qualcode.errors import InputError
from qualcode.script_share import han_share

DEFAULT = "en"
DETECTED_CHINESE = 0.5
# A declared zh document with fewer Chinese characters than this is not Chinese.
LEAST_CHINESE = 0.2
# Languages written partly in Han characters: a high share does not contradict them.
HAN_LANGUAGES = frozenset({"zh", "ja", "ko", "yue", "lzh", "wuu"})
_CODE = re.compile(r"[a-z]{2,3}")
# What Japanese and Korean text holds besides Han characters: a text of Han characters without
# any is Chinese, whichever of the two it is declared.
_OWN_SCRIPT = {"ja": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
               "ko": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")}


def normalise(code: str) -> str:
    """"zh-CN", "zh_Hans", "ZH" -> "zh": spaCy's languages are primary subtags."""
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


def resolve_language(text: str, declared: str | None, *, where: str, line: int | None
                     ) -> tuple[str, bool, str]:
    """(language, detected?, what the text looks like). A declared language that contradicts
    the text (en on Chinese text, zh on text with hardly a Chinese character) is an InputError
    naming the front-matter line."""
    share = han_share(text)
    note = f"{share:.0%} Chinese characters"
    at = f"{where}:{line}" if line else where
    if declared is None:
        return ("zh" if share >= DETECTED_CHINESE else DEFAULT), True, note
    language = normalise(declared)
    if not _CODE.fullmatch(language):
        raise InputError(f"language {declared!r} is not a language code", where=at,
                         hint="write a code such as en or zh, or remove the line to detect it")
    if language not in HAN_LANGUAGES and share >= DETECTED_CHINESE:
        raise InputError(f"language: {declared}, but the text is Chinese ({note} of its "
                         "letters)", where=at,
                         hint="write language: zh, or remove the line to detect it")
    own = _OWN_SCRIPT.get(language)
    if own is not None and share >= DETECTED_CHINESE and not own.search(text):
        script = "kana" if language == "ja" else "Hangul"
        raise InputError(f"language: {declared}, but the text is Chinese ({note}, no {script})",
                         where=at, hint="write language: zh, or remove the line to detect it")
    if language == "zh" and share < LEAST_CHINESE:
        raise InputError(f"language: {declared}, but only {note} of its letters are Chinese",
                         where=at, hint="write the text's language, or remove the line to "
                                        "detect it")
    return language, False, note
