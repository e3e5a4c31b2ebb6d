"""Pick between single-byte code pages that charset-normalizer cannot tell apart.

cp1250, cp1252 and cp1257 decode the same bytes into different accented letters, and on short
interview texts charset-normalizer scores them alike (it picks cp1250 for French and cp1252 for
Czech). Real text uses the letters of one language: French in cp1250 becomes "naďve ŕ", Czech in
cp1252 becomes "øeknìte", Polish in cp1252 becomes "by³a £ódŸ". So each candidate decoding is
scored by the share of its accented Latin letters that one language's alphabet explains, minus
symbols glued to letters.
"""

from __future__ import annotations

import unicodedata

_ALPHABETS = (
    "àâæçéèêëîïôœùûüÿ",  # French
    "äöüß",  # German
    "áéíóúñü",  # Spanish
    "ãõáâêôçàéíóú",  # Portuguese
    "àèéìíòóù",  # Italian
    "åæøäöéü",  # Nordic
    "áéíóúýðþæö",  # Icelandic
    "ąćęłńóśźż",  # Polish
    "áčďéěíňóřšťúůýž",  # Czech
    "áäčďéíĺľňóôŕšťúýž",  # Slovak
    "áéíóöőúüű",  # Hungarian
    "ăâîșțşţ",  # Romanian
    "čćđšž",  # Croatian, Slovenian, Bosnian
    "ąčęėįšųūž",  # Lithuanian
    "āčēģīķļņšūž",  # Latvian
    "äöõüšž",  # Estonian
    "çğıöşüâî",  # Turkish
)


def alphabet_score(text: str) -> float | None:
    """1.0 when one alphabet explains every accented Latin letter (or there are none); None for
    text mostly in another script, which this module does not judge."""
    accented = [ch for ch in text if ord(ch) > 0x7F and ch.isalpha()]
    letters = [ch.lower() for ch in accented if _is_latin_letter(ch)]
    if len(accented) > 2 * len(letters):
        return None
    glued = _symbols_glued_to_letters(text)
    if not letters and not glued:
        return 1.0
    explained = max(sum(1 for ch in letters if ch in alphabet) for alphabet in _ALPHABETS)
    return (explained - glued) / (len(letters) + glued)


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def _symbols_glued_to_letters(text: str) -> int:
    """Symbols and superscripts (£ ³ ¹ ¥ ...) touching a letter are mis-decoded letters."""
    count = 0
    for index, ch in enumerate(text):
        if ord(ch) > 0x7F and unicodedata.category(ch) in ("Sc", "Sk", "Sm", "So", "No"):
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            if before.isalpha() or after.isalpha():
                count += 1
    return count
