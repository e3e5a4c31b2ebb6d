"""How much of a text is written in Chinese characters (standard library only).

Used to detect a transcript's language at import (formats) and to give the learned classifier the
words of the right language (nlp). Letters are what count: digits, punctuation and spaces say
nothing about the language, and one Han character stands for about a word, so Latin letters are
counted by words (a run of letters) to keep an English acronym in a Chinese turn from outweighing
the Chinese around it.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs, Extension A and the compatibility block: what Chinese is written in.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Japanese kana and Korean Hangul: Han characters appear in those languages too.
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
# A run of letters of any other script counts as one word.
_OTHER_WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
                         r"\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]+")


def han_share(text: str) -> float:
    """Han characters / (Han characters + kana and Hangul + words in other scripts); 0.0 for a
    text without letters."""
    han = len(_HAN.findall(text))
    others = len(_KANA_HANGUL.findall(text)) + len(_OTHER_WORD.findall(text))
    return han / (han + others) if han + others else 0.0


def mostly_chinese(text: str) -> bool:
    return han_share(text) >= 0.5
