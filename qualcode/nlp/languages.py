"""What differs between languages before any codebook rule runs: the tokenizer, where sentences
end, and how words are counted.

Chinese is written without spaces, so spaCy's `zh` language needs a word segmenter. We use jieba
(a dictionary + HMM segmenter whose dictionary ships inside the package, so nothing is downloaded)
rather than spaCy's default for zh, which splits per character, or spacy-pkuseg, which fetches a
model the first time it runs.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from qualcode.errors import InputError

if TYPE_CHECKING:
    from spacy.language import Language

# Languages written without spaces between words: their phrase rules are matched on characters
# (see rules.CharPhrases), because a segmenter may glue a codebook word to its neighbours.
CHARACTER_LANGUAGES = frozenset({"zh"})

# Sentence-final punctuation added to spaCy's default list for Chinese: the semicolon (full- and
# half-width) ends a sentence in spoken transcripts, and so does an ellipsis (…… is two tokens).
_ZH_SENTENCE_ENDS = ("。", "｡", "︒", "！", "!", "？", "?", "；", ";", "…", "……", "⋯")

_WORD = re.compile(r"\w")


def blank_pipeline(lang: str) -> Language:
    """spacy.blank(lang) with our tokenizer choice (jieba for zh); an unknown language or one
    whose tokenizer needs packages we do not install is an InputError."""
    import spacy  # here, so that counting words does not load spaCy

    try:
        if lang == "zh":
            _quiet_jieba()
            return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        return spacy.blank(lang)
    except ImportError as exc:
        text = str(exc)
        if "[E048]" in text:
            reason = f"spaCy has no language '{lang}'"
        else:
            reason = f"spaCy's '{lang}' tokenizer needs extra packages: {text.split('. ')[0]}"
        raise InputError(reason, where=f"language {lang}",
                         hint="use a language code spaCy supports, such as en, zh or de") from None


# Languages whose pipeline is known to build (spaCy's and jieba are dependencies).
_BUILT = {"en", "zh"}


def check_language(lang: str) -> None:
    """An InputError (without a place: the caller knows the file and line) unless spaCy can
    build a blank pipeline for `lang` here, as `suggest` will; each language is tried once."""
    if lang in _BUILT:
        return
    blank_pipeline(lang)
    _BUILT.add(lang)


def _quiet_jieba() -> None:
    # jieba logs "Building prefix dict..." on stderr at DEBUG level; only the CLI may print.
    try:
        import jieba
    except ImportError:
        return  # spaCy's own error says what to install
    jieba.setLogLevel(logging.WARNING)


def sentence_ends(lang: str) -> list[str]:
    """The punctuation after which the sentencizer starts a new sentence."""
    from spacy.pipeline.sentencizer import Sentencizer

    ends = list(Sentencizer.default_punct_chars)
    if lang == "zh":
        ends += [p for p in _ZH_SENTENCE_ENDS if p not in ends]
    return ends


def add_sentencizer(nlp: Language, *, first: bool = False) -> None:
    """A rule-based sentencizer named "sentencizer": spaCy's for most languages, ours for zh
    (see sentences.py), both with sentence_ends(lang)."""
    factory = "sentencizer"
    if nlp.lang == "zh":
        from qualcode.nlp.sentences import FACTORY

        factory = FACTORY
    nlp.add_pipe(factory, name="sentencizer", first=first or None,
                 config={"punct_chars": sentence_ends(nlp.lang)})


def segments_by_characters(lang: str) -> bool:
    return lang in CHARACTER_LANGUAGES


def count_words(text: str, lang: str | None) -> int:
    """Words as a reader would count them. Languages written with spaces: whitespace-separated
    words (what `wc -w` says). Chinese: the words jieba segments that hold a letter or digit
    (punctuation and spaces are not words), so 人工成本太高了 is 3 words (人工成本/太高/了)."""
    if lang != "zh":
        return len(text.split())
    import jieba  # the segmenter of the zh pipeline, called the way spaCy calls it

    _quiet_jieba()
    return sum(1 for word in jieba.cut(text, cut_all=False) if _WORD.search(word))


# Corrections to spacy-lookups-data's lemma tables (word form -> lemma), applied wherever qualcode
# lemmatises (patterns, documents, the learned model's features). The tables map word forms to
# lemmas one by one, and a few entries are wrong or missing for words interviews about industry
# use: "rent" -> "rend", "taxes" -> "taxis", "ground" -> "grind", "developed" -> "develope";
# "carmakers" and "gigafactories" are absent; "incentivized" has no lemma of its own. British
# and American spellings of the verbs of policy (subsidise/subsidize) are given one lemma, so one
# lemma rule covers both. Each entry is tested in tests/nlp/test_lemma_overrides.py.
LEMMA_OVERRIDES: dict[str, dict[str, str]] = {
    "en": {
        **{form: "rent" for form in ("rent", "rents", "rented", "renting")},
        "taxes": "tax",
        "ground": "ground",  # the table says "grind"; interviews say "break ground"
        **{form: "develop" for form in ("developed", "developing", "develope", "developes")},
        "carmakers": "carmaker",
        "gigafactories": "gigafactory",
        **{f"{stem}{ending}": f"{stem}ize".replace("iseize", "ize")
           for stem in ("subsid", "incentiv", "local")
           for ending in ("ise", "ised", "ises", "ising", "ize", "ized", "izes", "izing")},
    },
}


def lemma_overrides(lang: str) -> dict[str, str]:
    """The corrections to the lookup table of `lang` (lowercase word -> lowercase lemma)."""
    return LEMMA_OVERRIDES.get(lang, {})


# Negation cues: a codebook match preceded, within NEGATION_WINDOW words of its own sentence and
# clause, by one of these words is "negated" (see suggester._negated). Clauses end at punctuation
# and at the listed break words ("we did not relocate, but we expanded": "expanded" is not
# negated). A cue followed by one of the `not_after` words is no negation ("not only", "no doubt").
# Chinese words are jieba's words: 不 alone, not 不断 (constantly) or 不同 (different).
NEGATION_WINDOW = 4
NEGATION: dict[str, dict[str, frozenset[str]]] = {
    "en": {
        "cues": frozenset({"not", "n't", "never", "no", "nor", "neither", "without", "cannot"}),
        "not_after": frozenset({"only", "just", "doubt", "matter", "less", "before", "least"}),
        "breaks": frozenset({"but", "because", "although", "though", "however", "yet", "while",
                             "whereas", "instead", "rather"}),
    },
    "zh": {
        "cues": frozenset({"不", "没", "没有", "未", "无", "不再", "从不", "从未", "并未", "并不",
                           "并没有", "从来没有", "没能", "别", "不会", "不用", "无需", "不能"}),
        "not_after": frozenset({"仅", "但", "只"}),
        "breaks": frozenset({"但", "但是", "不过", "而是", "因为", "可是", "然而"}),
    },
}


def negation_words(lang: str) -> dict[str, frozenset[str]] | None:
    """The negation cues, the words that cancel a cue after it, and the clause breaks of `lang`;
    None for a language without a list (its matches are never treated as negated)."""
    return NEGATION.get(lang)
