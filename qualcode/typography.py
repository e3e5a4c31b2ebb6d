"""Quotes that survive typography (standard library only).

A quote typed by a person rarely has the transcript's typography: a straight ' for the text's ’,
- or -- for a dash, full-width ，and ： in a Chinese quote typed on a Latin keyboard (or the other
way round), a line break where the transcript was hard-wrapped. `loose_pattern` turns a quote
into a regular expression that treats these as equal and is run on the stored text itself, so
every match's offsets are offsets into the stored text with nothing to map back.

The folding map sends each character to a canonical form: curly and straight quotes of one kind
to one character, the dash family to '-', full-width and half-width forms to their ordinary
forms (NFKC on the Halfwidth and Fullwidth Forms block), the ideographic full stop and comma
(。、) to '.' and ',', the corner brackets (「」『』) to quotes, the ellipsis to three dots. The
quote is folded and each of its characters becomes the class of every character that folds to
it; a run of whitespace matches any run of whitespace (line breaks included), a run of dashes
any run of dashes, and next to a Chinese character, a full stop or a comma any whitespace or
none (a line break inside a Chinese sentence is not a word boundary; "。" and "." are one
character here).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Corner brackets are the quotation marks of Traditional Chinese (「」, and 『』 inside them).
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b\u2032\uff07\u300e\u300f"
DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u2033\uff02\u300c\u300d'
# Chinese sentence and list punctuation with no width variant of the Latin mark, typed as '.'
# and ',' on a Latin keyboard (or with an input method's Latin punctuation): 。 and 、.
CJK_STOPS = {"\u3002": ".", "\u3001": ","}
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d"
ELLIPSIS = "\u2026"
# Han ideographs (with extension A and compatibility ideographs), CJK punctuation, kana, Hangul:
# whitespace next to one of these is optional (Chinese has no spaces between words, and a Latin
# word in a Chinese sentence is written with or without spaces around it).
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff"
                  r"\uac00-\ud7af]")
# Whitespace is optional next to these: the CJK characters above, and the full stop and comma
# (one canonical '.' and ',' stand for 。 and 、 too, beside which whitespace was optional).
_SPACE_OPTIONAL = re.compile(_CJK.pattern[:-1] + ".,]")


def _build_fold() -> dict[str, str]:
    fold: dict[str, str] = {}
    for c in SINGLE_QUOTES:
        fold[c] = "'"
    for c in DOUBLE_QUOTES:
        fold[c] = '"'
    for c in DASHES:
        fold[c] = "-"
    fold.update(CJK_STOPS)
    for code in range(0xFF01, 0xFFEF):  # Halfwidth and Fullwidth Forms
        c = chr(code)
        if c in fold or unicodedata.category(c) == "Cn":
            continue
        folded = unicodedata.normalize("NFKC", c)
        if folded != c and len(folded) == 1:
            fold[c] = fold.get(folded, folded)
    fold[ELLIPSIS] = "..."
    return fold


FOLD: dict[str, str] = _build_fold()
# Every character that folds to a canonical character, the canonical one included.
_VARIANTS: dict[str, str] = {}
for _c, _f in FOLD.items():
    if len(_f) == 1 and _c != _f:
        _VARIANTS[_f] = _VARIANTS.get(_f, _f) + _c


def fold(text: str) -> str:
    """The canonical form of a text: folded characters, whitespace runs as one space, no
    whitespace next to a Chinese character, a full stop or a comma, dash runs as one '-',
    stripped."""
    out = "".join(FOLD.get(c, c) for c in text)
    out = re.sub(r"-+", "-", out)
    out = re.sub(r"\s+", " ", out).strip()
    return re.sub(rf" (?={_SPACE_OPTIONAL.pattern})|(?<={_SPACE_OPTIONAL.pattern}) ", "", out)


_WIDE_FORMS = re.compile("[\uff00-\uffef]")


def has_wide_forms(text: str) -> bool:
    """Whether the text holds any full- or half-width form (a fast scan, done in C)."""
    return _WIDE_FORMS.search(text) is not None


def _char(c: str, wide: bool) -> str:
    variants = _VARIANTS.get(c)
    if variants is not None and not wide:
        variants = "".join(v for v in variants if not _WIDE_FORMS.match(v))
    if not variants or variants == c:
        return re.escape(c)
    return "[" + "".join(re.escape(v) for v in variants) + "]"


_DASH_RUN = "[" + "".join(re.escape(d) for d in DASHES) + "]+"


MAX_DOT_RUN = 12


@lru_cache(maxsize=64)
def _dots(n: int, dot: str) -> str:
    """A run of n canonical dots: every way of writing it with '.' and the ellipsis (one ellipsis
    is three dots, so '....' is '.…', '….' or four dots). The ways grow fast (60 for twelve
    dots); past MAX_DOT_RUN dots, which nobody types, the run is read as ellipses (or three
    dots each) first, then single dots. `dot` is the class of
    one '.' (with its full-width form where the text may hold one). Whitespace may stand
    between the pieces ('. …' folds to '....', as fold() drops whitespace beside a full stop)."""
    gap = r"\s*"
    if n > MAX_DOT_RUN:
        three = gap.join([dot] * 3)
        return gap.join([f"(?:{three}|{ELLIPSIS})"] * (n // 3) + [dot] * (n % 3))

    def ways(k: int) -> list[str]:
        if k == 0:
            return [""]
        out = [dot + (gap + w if w else "") for w in ways(k - 1)]
        if k >= 3:
            out += [ELLIPSIS + (gap + w if w else "") for w in ways(k - 3)]
        return out

    options = ways(n)
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


def _units(canonical: str, char) -> list[str]:
    """A canonical text as regex pieces: one per character (char(c) gives its class), whitespace,
    dash and dot runs, and optional whitespace next to Chinese characters."""
    parts: list[str] = []
    i = 0
    while i < len(canonical):
        c = canonical[i]
        if c == " ":
            parts.append(r"\s+")
            i += 1
            continue
        if i and canonical[i - 1] != " " and (_SPACE_OPTIONAL.match(canonical[i - 1])
                                              or _SPACE_OPTIONAL.match(c)):
            parts.append(r"\s*")  # fold() dropped any whitespace here
        if c == "-":
            parts.append(_DASH_RUN)
        elif canonical.startswith("...", i):  # a whole run of dots at once (see _dots)
            run = len(canonical) - i - len(canonical[i:].lstrip("."))
            parts.append(_dots(run, char(".")))
            i += run
            continue
        else:
            parts.append(char(c))
        i += 1
    return parts


def loose_regex(quote: str, wide: bool = True) -> str:
    """The regular expression (as a string) that finds `quote` whatever its typography.
    `wide=False` leaves out the full- and half-width variants, for a text that has none (plain
    letters then stay literals, which the regex engine searches for much faster)."""
    return "".join(_units(fold(quote), lambda c: _char(c, wide)))


@lru_cache(maxsize=256)
def loose_pattern(quote: str, ignore_case: bool = False, wide: bool = True) -> re.Pattern[str]:
    """`loose_regex` compiled; ignore_case as re.IGNORECASE does it."""
    return re.compile(loose_regex(quote, wide), re.IGNORECASE if ignore_case else 0)


# Letters and digits of Latin scripts: a Latin name only matches as a whole word ("Li" is not
# in "Lithium"); a Chinese name matches inside Chinese text, which has no spaces.
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_LATIN_CHAR = re.compile(f"[{_LATIN}]")


def _edged(text: str, body: str, *, open_start: bool = False, open_end: bool = False) -> str:
    """body held to word edges where text starts or ends with a Latin letter or digit; an open
    end takes in the rest of the word there instead."""
    canonical = fold(text)
    if open_start:
        body = f"[{_LATIN}]*" + body
    elif canonical and _LATIN_CHAR.match(canonical[0]):
        body = f"(?<![{_LATIN}])" + body
    if open_end:
        body += f"[{_LATIN}]*"
    elif canonical and _LATIN_CHAR.match(canonical[-1]):
        body += f"(?![{_LATIN}])"
    return body


def name_regex(name: str) -> str:
    """`loose_regex` of a name, held to word edges where the name starts or ends with a Latin
    letter or digit."""
    return _edged(name, loose_regex(name))


@lru_cache(maxsize=256)
def words_pattern(query: str, wide: bool = True) -> re.Pattern[str]:
    """A plain search for query, any case and typography, as whole words: "rent" is not found
    in "different" nor "tariff" in "tariffs". A "*" at either end lets the word go on there
    ("tariff*" finds "tariffs", "*charging" finds "supercharging"). Chinese, which has no
    spaces, is found anywhere."""
    core = query.strip("*")
    body = _edged(core, loose_regex(core, wide), open_start=query.startswith("*"),
                  open_end=query.endswith("*"))
    return re.compile(body, re.IGNORECASE)


# Han ideographs, whose simplified and traditional forms name the same firm or person
# (德赛电池 and 德賽電池): a pseudonym key entry in one script must catch the other too.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _script_converters() -> tuple:
    """OpenCC's converters (simplified first): loaded only when a name holds Han characters."""
    import opencc

    return tuple(opencc.OpenCC(c) for c in ("t2s", "s2t", "s2tw", "s2hk"))


@lru_cache(maxsize=8192)
def han_forms(c: str) -> str:
    """A Han character with its simplified and traditional (mainland, Taiwan, Hong Kong) forms,
    character by character; a character with several traditional forms (发: 發, 髮) gets the
    one OpenCC picks for a character on its own."""
    forms = {c}
    for converter in _script_converters():
        out = converter.convert(c)
        if len(out) == 1:
            forms.add(out)
    return "".join(sorted(forms))


@lru_cache(maxsize=8192)
def _simplified(c: str) -> str:
    out = _script_converters()[0].convert(c)
    return out if len(out) == 1 else c


def name_key(text: str) -> str:
    """What a name and every typeset form of it have in common (fold, then casefold; Han
    characters in their simplified form)."""
    key = fold(text).casefold()
    if _HAN.search(key):
        key = "".join(_simplified(c) if _HAN.match(c) else c for c in key)
    return key


def _cased_char(c: str) -> str:
    """A character's class with both cases and every variant (no re.IGNORECASE: the regex
    engine skips a branch that starts with a plain class at once, not one that ignores case)."""
    chars = set()
    for k in {c, c.lower(), c.upper()}:
        if len(k) == 1:
            chars.add(k)
            chars.update(_VARIANTS.get(k, ""))
    if _HAN.match(c):
        chars.update(han_forms(c))
        chars.update(_simplified(v) for v in list(chars))
    if len(chars) == 1:
        return re.escape(c)
    return "[" + "".join(re.escape(v) for v in sorted(chars)) + "]"


def names_pattern(names: list[str]) -> re.Pattern[str]:
    """One regex finding any of `names` (earlier names win at the same place: give the longest
    first), ignoring case and typography, Latin names held to word edges. name_key() of a match
    is the name_key() of the name it matched.

    Built for speed over long texts (measured: a 560 KB report page and 40 names, 4-5 s as one
    alternation with groups and re.IGNORECASE, 0.36 s this way): the pattern starts with one
    class of every name's first character, so the engine skips other positions in C; names are
    grouped by their first character behind a one-character lookbehind."""
    groups: dict[str, list[str]] = {}
    slow: list[str] = []
    for name in names:
        canonical = fold(name)
        units = _units(canonical, _cased_char)
        rest = "".join(units[1:])
        if _LATIN_CHAR.match(canonical[0]):
            rest = f"(?<![{_LATIN}].)" + rest
        if _LATIN_CHAR.match(canonical[-1]):
            rest += f"(?![{_LATIN}])"
        first = units[0]
        if first.startswith("[") and first.endswith("]") or len(first) == 1 or (
                len(first) == 2 and first.startswith("\\")):
            groups.setdefault(first, []).append(rest)
        else:  # a name starting with a dash or dots: plain alternatives after the fast part
            slow.append(first + rest)
    union = "".join(f[1:-1] if f.startswith("[") and len(f) > 1 else f for f in groups)
    fast = ("[" + union + "](?:" + "|".join(
        f"(?<={first})(?:{'|'.join(rests)})" for first, rests in groups.items()) + ")"
            if groups else "")
    return re.compile("|".join(p for p in (fast, *slow) if p))
