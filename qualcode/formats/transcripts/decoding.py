"""Bytes -> text: BOMs first, then strict UTF-8, then charset detection; refuse what is not text.

Offsets are code points into the decoded text, so decoding must be deterministic and must never
silently replace bytes: every decode here is strict.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from qualcode.errors import InputError

from .alphabets import alphabet_score

# Longest BOMs first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of files people drop into a transcript folder by mistake, for a clearer message.
_MAGIC = (
    (b"%PDF-", "a PDF document", "export the transcript as .txt or .docx"),
    (b"PK\x03\x04", "a ZIP archive (e.g. .docx/.xlsx)", "give it its real suffix, e.g. .docx"),
    (b"\x89PNG", "a PNG image", "transcripts must be text, .docx, .vtt or .srt"),
    (b"\xff\xd8\xff", "a JPEG image", "transcripts must be text, .docx, .vtt or .srt"),
    (b"GIF8", "a GIF image", "transcripts must be text, .docx, .vtt or .srt"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office file (.doc)", "save it as .docx or .txt"),
    (b"{\\rtf", "an RTF document", "save it as .docx or .txt"),
)

# Matches this close to the cleanest one are all plausible; alphabets.py picks among them.
_CHAOS_MARGIN = 0.1
# Supersets that decode everything their subset does, identically.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "ascii": "utf-8", "latin_1": "cp1252",
             "iso8859_1": "cp1252", "shift_jis": "cp932"}

# Share of unreadable characters (U+FFFD, control characters) above which decoded text is refused.
_MAX_GARBAGE = 0.2


def decode_bytes(data: bytes, *, where: str) -> tuple[str, str, bool]:
    """Decode a transcript's bytes. Returns (text, encoding name, detected?).

    `detected` is True only when charset detection chose the encoding (no BOM, not valid UTF-8).
    A leading BOM is removed from the text. Raises InputError for empty or binary input."""
    if not data:
        raise InputError("the file is empty (0 bytes)", where=where, hint="nothing to import")
    if not data.strip():
        raise InputError("the file holds only whitespace", where=where, hint="nothing to import")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], encoding.replace("-sig", ""), where)
            return _checked(text, encoding, False, where)
    if b"\x00" in data:
        text_and_encoding = _utf16_without_bom(data)
        if text_and_encoding is None:
            raise _binary(data, where)
        return _checked(*text_and_encoding, True, where)
    try:
        return _checked(data.decode("utf-8"), "utf-8", False, where)
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data, where)
    candidates = _detect(data)
    if not candidates:
        raise _binary(data, where)
    for encoding in candidates[:-1]:
        try:
            return _checked(data.decode(encoding), encoding, True, where)
        except UnicodeDecodeError:
            continue  # the superset lacks a byte the detected encoding has; use that one
    return _checked(_strict(data, candidates[-1], where), candidates[-1], True, where)


# A line counts as UTF-8 evidence when it holds this many multi-byte UTF-8 characters: a line of
# GB18030 or cp1252 bytes is almost never valid UTF-8 with two or more of them.
_UTF8_EVIDENCE = 2
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _refuse_mixed_encodings(data: bytes, where: str) -> None:
    """A file that is not valid UTF-8 as a whole, but has lines that are (with non-ASCII
    characters) beside lines that are not, was pasted together from files in two encodings (a
    UTF-8 transcript with a section from a GB18030 one, say). No single decoding reads it right:
    whichever we chose, part of the text would be stored garbled. Refused, naming the first line
    in the other encoding."""
    first: tuple[int, bool] | None = None  # (line, is UTF-8) of the first non-ASCII line
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            is_utf8 = len(_UTF8_MULTIBYTE.findall(line)) >= _UTF8_EVIDENCE
            if not is_utf8:
                continue  # too little to tell
        except UnicodeDecodeError:
            is_utf8 = False
        if first is None:
            first = (number, is_utf8)
        elif is_utf8 != first[1]:
            kind = {True: "UTF-8", False: "not UTF-8"}
            raise InputError(f"mixed encodings in one file: this line is {kind[is_utf8]}, but "
                             f"line {first[0]} is {kind[first[1]]}", where=f"{where}:{number}",
                             hint="re-save every part of the transcript in one encoding "
                                  "(UTF-8) and import it again")


def normalise_newlines(text: str) -> tuple[str, bool]:
    """CRLF and lone CR become LF, once, at import. Returns (text, changed?)."""
    if "\r" not in text:
        return text, False
    return text.replace("\r\n", "\n").replace("\r", "\n"), True


def _detect(data: bytes) -> list[str]:
    """Encodings to try, best first; the last one is the candidate itself (not its superset)."""
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return []
    cleanest = matches[0].chaos
    candidates: list[str] = []
    for match in matches:
        if match.chaos > cleanest + _CHAOS_MARGIN:
            continue
        # could_be_from_charset lists encodings that decode these bytes identically; name the
        # result cp1252 when it is one of them, as that is what Windows users know.
        names = [_name(match.encoding), *map(_name, match.could_be_from_charset)]
        candidates.append("cp1252" if "cp1252" in names else names[0])
    chosen = _best_alphabet(data, candidates)
    return [_SUPERSET.get(chosen, chosen), chosen]


def _best_alphabet(data: bytes, candidates: list[str]) -> str:
    """charset-normalizer's favourite unless the accented letters of another candidate make more
    sense (see alphabets.py); ties go to cp1252, then to charset-normalizer's order. A favourite
    in a non-Latin script (Chinese, Cyrillic...) is kept as it is."""
    scored = []
    for rank, encoding in enumerate(dict.fromkeys(candidates)):
        try:
            score = alphabet_score(data.decode(encoding))
        except UnicodeDecodeError:
            continue
        if score is None and rank == 0:
            return encoding
        if score is not None:
            scored.append((score, encoding == "cp1252", -rank, encoding))
    return max(scored)[3] if scored else candidates[0]


def _name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return name if name.startswith("utf") else name.replace("-", "_")



def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a BOM has NULs in every other byte when it is mostly ASCII."""
    if len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) // 2)
    odd_nuls = data[1::2].count(0) / (len(data) // 2)
    for encoding, nuls, others in (("utf-16-le", odd_nuls, even_nuls),
                                   ("utf-16-be", even_nuls, odd_nuls)):
        if nuls > 0.4 and others < 0.05:
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return None
    return None


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot decode as {encoding}: invalid bytes at offset {exc.start}",
                         where=where, hint="re-save the file as UTF-8") from None


def _checked(text: str, encoding: str, detected: bool, where: str) -> tuple[str, str, bool]:
    text = text.removeprefix("\ufeff")
    # Regexes rather than a loop over characters: a long transcript is millions of them.
    visible = len(text) - len(_SPACE.findall(text))
    if not visible:
        raise InputError("the file holds only whitespace", where=where, hint="nothing to import")
    garbage = len(_GARBAGE.findall(text))
    if garbage / visible > _MAX_GARBAGE:
        raise InputError(f"the text decoded as {encoding} is mostly unreadable characters",
                         where=where, hint="is this a binary file? re-save the transcript as UTF-8")
    return text, encoding, detected


# Control characters that are not whitespace (C0 and C1), and the replacement character.
_GARBAGE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufffd]")
_SPACE = re.compile(r"\s")


def _binary(data: bytes, where: str) -> InputError:
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            return InputError(f"this is {what}, not a text transcript", where=where, hint=hint)
    return InputError("this looks like a binary file, not text", where=where,
                      hint="transcripts must be text (.txt/.md), .docx, .vtt or .srt")
