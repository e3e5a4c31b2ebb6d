"""Turn a codebook's patterns into spaCy span_ruler patterns, and check them with spaCy itself.

Lemmas come from spaCy's lookup tables (spacy-lookups-data): no model download, the same results on
every machine. Those tables are keyed by the word as written, so a sentence-initial "Subsidies"
would stay "Subsidies"; make_lemmatizing_nlp adds a small step that retries the lowercase form and
lowercases every lemma, and lemma patterns are lowercased the same way, so both sides meet.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import cache

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc

from qualcode.domain import Codebook, CodebookProblem, CodeDef, PatternDef, rule_label
from qualcode.errors import InputError
from qualcode.nlp.languages import blank_pipeline, lemma_overrides, segments_by_characters

__all__ = ["blank_pipeline", "check_patterns", "make_lemmatizing_nlp", "patterns_for_span_ruler"]

FOLD_LEMMAS = "qualcode_fold_lemmas"
LEMMA_TABLE = "lemma_lookup"

# Lets a phrase match across a line break or double space inside a turn: spaCy keeps such
# whitespace as tokens of its own, which would otherwise break a multi-word pattern.
OPTIONAL_SPACE = {"IS_SPACE": True, "OP": "*"}


class _FoldLemmas:
    """Lowercases lemmas, retrying the lookup table with the lowercase word when the word as
    written was not found. Without a table (no lemmatizer) the lemma is the lowercase word, so
    lemma patterns degrade to case-insensitive whole-word matching instead of matching nothing."""

    def __init__(self, nlp: Language):
        self._nlp = nlp

    def _table(self):
        if "lemmatizer" not in self._nlp.pipe_names:
            return None
        return self._nlp.get_pipe("lemmatizer").lookups.get_table(LEMMA_TABLE, None)

    def __call__(self, doc: Doc) -> Doc:
        table = self._table()
        for token in doc:
            lemma = token.lemma_
            if not lemma or lemma == token.text:
                lower = token.lower_
                lemma = table.get(lower, lower) if table is not None else lower
            token.lemma_ = lemma.lower()
        return doc


@Language.factory(FOLD_LEMMAS)
def _make_fold_lemmas(nlp: Language, name: str) -> _FoldLemmas:
    return _FoldLemmas(nlp)


def make_lemmatizing_nlp(lang: str) -> Language:
    """spacy.blank(lang) + a lookup lemmatizer from spacy-lookups-data + lemma case folding.

    Fallback: a language with no lookup table in spacy-lookups-data (zh, for instance) gets no
    lemmatizer; its lemmas are then the lowercase words, so a lemma pattern matches exactly the
    words it lists, case-insensitively."""
    nlp = blank_pipeline(lang)
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        table = nlp.get_pipe("lemmatizer").lookups.get_table(LEMMA_TABLE)
        for word, lemma in lemma_overrides(lang).items():
            table[word] = lemma
    except (ValueError, ImportError, KeyError, OSError):
        # E955: no lookup table for this language; some languages' lemmatizers need packages.
        if "lemmatizer" in nlp.pipe_names:
            nlp.remove_pipe("lemmatizer")
    nlp.add_pipe(FOLD_LEMMAS)
    return nlp


def has_lookup_lemmas(nlp: Language) -> bool:
    """Whether make_lemmatizing_nlp found lookup tables for this pipeline's language."""
    return "lemmatizer" in nlp.pipe_names


@cache
def _shared_nlp(lang: str) -> Language:
    # Private and only ever called, never modified, so one instance per language is safe to share.
    return make_lemmatizing_nlp(lang)


def _variants(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _phrase_words(nlp: Language, words: str) -> list[str]:
    return [token.lower_ for token in nlp.tokenizer(words) if not token.is_space]


def _lemma_words(nlp: Language, words: str) -> list[str]:
    return [token.lemma_ for token in nlp(words) if not token.is_space]


def _token_sequence(attr: str, values: list[str]) -> list[dict]:
    pattern: list[dict] = []
    for value in values:
        if pattern:
            pattern.append(dict(OPTIONAL_SPACE))
        pattern.append({attr: value})
    return pattern


def patterns_for_span_ruler(codebook: Codebook, *, lang: str) -> list[dict]:
    """span_ruler patterns for the codebook's rules in one language; label = code key, id =
    rule_id. A phrase or lemma with variants gives one pattern per variant, all with the rule's id.

    Phrases become token patterns of LOWER values rather than span_ruler phrase patterns: a
    span_ruler compares all its phrase patterns on one attribute (phrase_matcher_attr), so
    case-insensitive phrases, lemma rules and hand-written token rules could not share one ruler;
    as token patterns each rule picks its own attribute, and LOWER makes phrases case-insensitive
    (in scripts without case, such as Chinese, LOWER is the text itself).

    Raises InputError when spaCy cannot load `lang`."""
    nlp = _shared_nlp(lang)
    out = []
    for code in codebook.codes:
        for pattern in code.patterns:
            if pattern.language != lang:
                continue
            for token_pattern in _token_patterns(nlp, pattern):
                out.append({"label": rule_label(code.key, pattern), "pattern": token_pattern,
                            "id": pattern.rule_id})
    return out


def _token_patterns(nlp: Language, pattern: PatternDef) -> list[list[dict]]:
    if pattern.kind == "tokens":
        return [copy.deepcopy(list(pattern.value))]
    if pattern.kind not in ("phrase", "lemma"):
        return []  # reported by check_patterns
    attr, words_of = (("LOWER", _phrase_words) if pattern.kind == "phrase"
                      else ("LEMMA", _lemma_words))
    out = []
    for words in _variants(pattern.value):
        values = words_of(nlp, words)
        if values:  # an empty one is reported by check_patterns
            out.append(_token_sequence(attr, values))
    return out


# -- checking --------------------------------------------------------------------------------------

_ATTR_RE = re.compile(r"[A-Z_]+")


def _split_error(error: str) -> tuple[list[str], str] | None:
    """Split "[pattern -> 0 -> OP -> str-enum[X]] Input should be" into path parts and message;
    the path itself may contain brackets."""
    if not error.startswith("["):
        return None
    depth = 0
    for index, char in enumerate(error):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0:
            path = [part.strip() for part in error[1:index].split("->")]
            return path, error[index + 1:].strip()
    return None


def _short_validation(errors: list[str]) -> str:
    """spaCy's validation lines ("[pattern -> 0 -> OP -> str-enum[...]] Input should be ...") as
    one short line: one message per token and attribute, type alternatives dropped."""
    seen: dict[str, str] = {}
    for error in errors:
        split = _split_error(error)
        if split is None:
            seen.setdefault(error, "")
            continue
        parts, message = split[0][1:], split[1]
        where = []
        if parts and parts[0].isdigit():
            where.append(f"token {int(parts[0]) + 1}")
            parts = parts[1:]
        where += [part for part in parts if _ATTR_RE.fullmatch(part)]
        place = " ".join(where) or "pattern"
        # pydantic lists one message per type a union allows; "instance of TokenPatternString"
        # is the least telling, so a later alternative replaces it
        if place not in seen or "instance of" in seen[place]:
            seen[place] = message.rstrip(".")
    return "; ".join(f"{where}: {message}" if message else where
                     for where, message in seen.items())


def token_pattern_problem(nlp: Language, tokens: object) -> str | None:
    """Why spaCy refuses a token pattern, in one line; None when it accepts it."""
    if not isinstance(tokens, list):
        return "tokens must be a list of mappings, one per token"
    errors = validate_token_pattern(tokens)
    if errors:
        return _short_validation(errors)
    try:
        Matcher(nlp.vocab, validate=True).add("check", [tokens])
    except (ValueError, TypeError, KeyError, re.error) as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _pattern_name(pattern: PatternDef) -> str:
    number = pattern.rule_id.rsplit("#", 1)[-1]
    if pattern.role == "veto":
        return f"veto pattern #{number.removeprefix('veto')}"
    return f"pattern #{number}"


def check_patterns(codebook: Codebook, languages: Iterable[str] | None = None
                   ) -> list[CodebookProblem]:
    """Every pattern problem spaCy can see: invalid token patterns, phrases or lemmas with no words
    once tokenised, and languages spaCy cannot load. Never raises for bad patterns. With
    `languages`, only the patterns of those languages are checked (a pipeline for English need
    not load Chinese)."""
    wanted = None if languages is None else set(languages)
    by_language: dict[str, list[tuple[CodeDef, PatternDef]]] = {}
    for code in codebook.codes:
        for pattern in code.patterns:
            if wanted is None or pattern.language in wanted:
                by_language.setdefault(pattern.language, []).append((code, pattern))
    problems = []
    for lang, entries in by_language.items():
        try:
            nlp = _shared_nlp(lang)
        except InputError as exc:
            code, pattern = entries[0]
            problems.append(CodebookProblem(
                pattern.line, code.key, f"{exc.message} (used by {len(entries)} pattern(s))"))
            continue
        for code, pattern in entries:
            message = _pattern_problem(nlp, pattern)
            if message:
                problems.append(CodebookProblem(pattern.line, code.key,
                                                f"{_pattern_name(pattern)}: {message}"))
    return sorted(problems, key=lambda p: (p.line or 0, p.key or ""))


def _pattern_problem(nlp: Language, pattern: PatternDef) -> str | None:
    if pattern.kind == "tokens":
        reason = token_pattern_problem(nlp, pattern.value)
        if reason:
            return f"spaCy rejects the token pattern: {reason}"
        if segments_by_characters(nlp.lang):
            return _unsegmented_words(nlp, pattern.value)
        return _dead_lemma_values(nlp, pattern.value)
    if pattern.kind not in ("phrase", "lemma"):
        return f"unknown pattern kind '{pattern.kind}' (use phrase, lemma or tokens)"
    for words in _variants(pattern.value):
        if not _phrase_words(nlp, words):
            return f"the {pattern.kind} {words!r} has no words once tokenised"
    return None


def _lemma_values(tokens: list) -> Iterable[tuple[int, str]]:
    for number, token in enumerate(tokens, start=1):
        value = token.get("LEMMA")
        if isinstance(value, dict):
            for op in ("IN", "NOT_IN"):
                for item in value.get(op) or ():
                    yield number, item
        elif isinstance(value, str):
            yield number, value


def _word_values(tokens: list) -> Iterable[tuple[int, str, str]]:
    for number, token in enumerate(tokens, start=1):
        for attr in ("LOWER", "ORTH", "TEXT", "NORM", "LEMMA"):
            value = token.get(attr)
            if isinstance(value, dict):
                for op in ("IN", "NOT_IN"):
                    for item in value.get(op) or ():
                        yield number, attr, str(item)
            elif isinstance(value, str):
                yield number, attr, value


def _segmenter_words(nlp: Language) -> dict[str, int]:
    jieba = getattr(nlp.tokenizer, "jieba_seg", None)
    return jieba.dt.FREQ if jieba is not None else {}


def _unsegmented_words(nlp: Language, tokens: list) -> str | None:
    """In a language segmented by a word segmenter (zh), a token's word must be a word for the
    segmenter (in its dictionary, or kept whole when segmented alone), or text tokens will rarely
    if ever equal it: 政府补贴 is two words (政府 补贴)."""
    dictionary = _segmenter_words(nlp)
    dead = []
    for number, attr, value in _word_values(tokens):
        words = [t.text for t in nlp.tokenizer(value) if not t.is_space]
        if len(words) > 1 and not dictionary.get(value):
            dead.append(f"token {number} {attr} {value!r} is {len(words)} words for the "
                        f"{nlp.lang} segmenter ({' '.join(words)}), so it seldom or never "
                        "matches")
    if dead:
        return "; ".join(dead) + "; write it as a phrase pattern or as one token per word"
    return None


def _dead_lemma_values(nlp: Language, tokens: list) -> str | None:
    """A LEMMA value no document token can have: our lemmas are lowercase lookup forms, so
    "Factory" or "manufacturing" (the table says "manufacture") would silently never match."""
    dead = []
    for number, value in _lemma_values(tokens):
        lemma = _lemma_words(nlp, value)
        if lemma != [value]:
            dead.append(f"token {number} LEMMA {value!r} never matches (its lemma is "
                        f"{' '.join(lemma)!r})")
    return "; ".join(dead) or None
