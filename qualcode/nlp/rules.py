"""Compiling a codebook's rules for fast matching with spaCy.

Measured on the demo text (benchmarks/RESULTS.md), a span_ruler holding every rule as a token
pattern spent ~90% of suggest's time in spaCy's Matcher, which tries every pattern at every token.
So rules are compiled by kind:

- phrase and lemma rules become *phrase* patterns of one span_ruler with phrase_matcher_attr LOWER
  (spaCy's PhraseMatcher: a hash lookup per token, whatever the number of phrases). A lemma rule is
  expanded into the word forms that share its lemma in spaCy's lookup table (spacy-lookups-data),
  so "relocate factory" also lists "relocated factories"; this is the lookup lemmatizer run in
  reverse, and needs no lemmatizer in the pipeline.
- token rules stay spaCy token patterns, with their LEMMA conditions rewritten the same way into
  LOWER word lists, and each gets an *anchor*: the word list of one of its required tokens. A rule
  is only tried on a turn that contains one of its anchor words (a set intersection per turn).

With a trained pipeline (--model) lemmas come from the model, so LEMMA conditions are kept and
lemma rules stay LEMMA token patterns, without anchors.

Languages written without spaces (Chinese) are segmented into words by a statistical segmenter
(jieba), which may glue a codebook word to its neighbours: 补贴 is a word of its own in 政府补贴
but part of 补贴款. Phrase rules there (and lemma rules, as zh has no lemma table, and word-list
token rules) are therefore matched on *characters* by CharPhrases: a phrase matches wherever its
characters occur, whitespace between them ignored, and the match covers the words it touches. Only
token rules with other conditions ("{0,2}" gaps, IS_ALPHA...) run on the segmented words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from qualcode.domain import Codebook, PatternDef, rule_label
from qualcode.nlp.languages import lemma_overrides, segments_by_characters

TOKEN_RULES = "qualcode_token_rules"
CHAR_PHRASES = "qualcode_char_phrases"
# A multi-word lemma rule expands to the product of its words' forms; past this many phrases it
# is matched as a token pattern instead.
MAX_EXPANSION = 400
_REQUIRED_OPS = (None, "1", "+")


class LemmaForms:
    """The lookup lemma of a lowercase word, and every word form of a lemma."""

    def __init__(self, table: dict[str, str]):
        self._table = table
        self._forms: dict[str, set[str]] = {}
        for word in table:
            lower = word.lower()
            self._forms.setdefault(self.lemma(lower), set()).add(lower)

    def lemma(self, word: str) -> str:
        lower = word.lower()
        return self._table.get(lower, lower).lower()

    def forms(self, lemma: str) -> set[str]:
        lemma = lemma.lower()
        out = set(self._forms.get(lemma, ()))
        if self.lemma(lemma) == lemma:
            out.add(lemma)
        return out or {lemma}


@cache
def lemma_forms(lang: str) -> LemmaForms | None:
    """From spacy-lookups-data's raw table; None for a language without one (zh, say), where a
    lemma rule then matches exactly the words it lists."""
    try:
        import spacy_lookups_data
    except ImportError:
        return None
    paths = getattr(spacy_lookups_data, lang, None)
    if not isinstance(paths, dict) or "lemma_lookup" not in paths:
        return None
    path = Path(paths["lemma_lookup"])
    gz = path.with_name(path.name + ".gz")
    data = srsly.read_gzip_json(gz) if gz.exists() else srsly.read_json(path)
    data.update(lemma_overrides(lang))
    return LemmaForms(data)


@dataclass
class TokenRule:
    label: str
    rule_id: str
    pattern: list[dict[str, Any]]
    # The rule can only match in a doc that holds a word of every one of these sets (one set per
    # required token that lists its words), rarest-looking first; empty: tried everywhere.
    anchors: tuple[frozenset[str], ...]
    max_len: int | None = None  # the longest match possible, in tokens; None: unbounded


@dataclass
class CompiledRules:
    phrases: list[dict[str, Any]]  # span_ruler phrase patterns (strings), matched on LOWER
    token_rules: list[TokenRule]
    # True when `phrases` are matched on characters (CharPhrases) rather than on words.
    by_characters: bool = False


def _variants(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def compile_rules(codebook: Codebook, nlp: Language, *, lang: str,
                  lookup_lemmas: bool) -> CompiledRules:
    forms = lemma_forms(lang) if lookup_lemmas else None
    phrases: list[dict[str, Any]] = []
    rules: list[TokenRule] = []
    by_characters = segments_by_characters(lang)
    for code in codebook.codes:
        for p in code.patterns:
            if p.language != lang:
                continue
            label = rule_label(code.key, p)
            if by_characters and p.kind in ("phrase", "lemma"):
                phrases.extend({"label": label, "pattern": text.lower(), "id": p.rule_id}
                               for text in _variants(p.value) if text.strip())
            elif p.kind == "phrase":
                phrases.extend({"label": label, "pattern": text.lower(), "id": p.rule_id}
                               for text in _variants(p.value) if text.strip())
            elif p.kind == "lemma":
                _compile_lemma(label, p, nlp, forms, lookup_lemmas, phrases, rules)
            elif p.kind == "tokens":
                pattern = [_rewrite_token(t, forms) for t in p.value] if forms else list(p.value)
                as_phrases = _phrases_of(pattern, nlp, joiner="" if by_characters else " ")
                if as_phrases is not None:
                    phrases.extend({"label": label, "pattern": text, "id": p.rule_id}
                                   for text in as_phrases)
                else:
                    rules.append(TokenRule(label, p.rule_id, pattern,
                                           _anchors(pattern, nlp.Defaults.stop_words)))
    return CompiledRules(phrases=phrases, token_rules=rules, by_characters=by_characters)


def _words(nlp: Language, text: str) -> list[str]:
    return [t.lower_ for t in nlp.tokenizer(text) if not t.is_space]


def _compile_lemma(label: str, p: PatternDef, nlp: Language, forms: LemmaForms | None,
                   lookup_lemmas: bool, phrases: list, rules: list) -> None:
    for text in _variants(p.value):
        words = _words(nlp, text)
        if not words:
            continue
        if not lookup_lemmas:  # a trained pipeline's own lemmas
            from qualcode.nlp.patterns import _lemma_words, _shared_nlp

            lemmas = _lemma_words(_shared_nlp(nlp.lang), text)
            rules.append(TokenRule(label, p.rule_id, [{"LEMMA": w} for w in lemmas], ()))
            continue
        per_word = [sorted(forms.forms(forms.lemma(w))) if forms else [w] for w in words]
        if _product_size(per_word) <= MAX_EXPANSION:
            phrases.extend({"label": label, "pattern": " ".join(combo), "id": p.rule_id}
                           for combo in itertools.product(*per_word))
        else:
            pattern = [{"LOWER": {"IN": f}} for f in per_word]
            rules.append(TokenRule(label, p.rule_id, pattern,
                                   _anchors(pattern, nlp.Defaults.stop_words)))


def _phrases_of(pattern: list[dict[str, Any]], nlp: Language, joiner: str = " "
                ) -> list[str] | None:
    """A token pattern that is only a sequence of word lists (LOWER, each token once or
    optional) matches exactly the phrases of their product, so the PhraseMatcher can take it.
    None when it has any other condition, a repeat, a value that is not one token, or too many
    combinations."""
    choices: list[list[str]] = []
    for token in pattern:
        if set(token) - {"LOWER", "OP"} or token.get("OP") not in (None, "?"):
            return None
        if "LOWER" not in token:  # a bare wildcard ({OP: "?"}) stands for any word
            return None
        value = token["LOWER"]
        if isinstance(value, str):
            words = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            words = [str(v) for v in value["IN"]]
        else:
            return None
        if any(len(nlp.tokenizer(w)) != 1 or w != w.lower() for w in words):
            return None
        choices.append(words + ([""] if token.get("OP") == "?" else []))
    if not choices or _product_size(choices) > MAX_EXPANSION:
        return None
    phrases = {joiner.join(w for w in combo if w) for combo in itertools.product(*choices)}
    return sorted(p for p in phrases if p)


def _product_size(lists: list[list[str]]) -> int:
    size = 1
    for items in lists:
        size *= len(items)
    return size


def _rewrite_token(token: dict[str, Any], forms: LemmaForms) -> dict[str, Any]:
    """LEMMA: x / {IN: [...]} / {NOT_IN: [...]} -> the same condition on LOWER over word forms.
    Other LEMMA operators (REGEX, FUZZY...) cannot be rewritten and are left to fail to match
    rather than silently change meaning; check_patterns reports them."""
    if "LEMMA" not in token:
        return token
    value = token["LEMMA"]
    out = {k: v for k, v in token.items() if k != "LEMMA"}
    if isinstance(value, str):
        out["LOWER"] = {"IN": sorted(forms.forms(forms.lemma(value)))}
    elif isinstance(value, dict) and set(value) <= {"IN", "NOT_IN"}:
        out["LOWER"] = {op: sorted({f for v in vals for f in forms.forms(forms.lemma(v))})
                        for op, vals in value.items()}
    else:
        return token
    return out


def _anchors(pattern: list[dict[str, Any]], stop_words: set[str]) -> tuple[frozenset[str], ...]:
    """The word sets of the pattern's required tokens that list their words. Sets made only of
    stop words ("to", "the") are dropped: nearly every turn has them, so they filter nothing."""
    sets = []
    for token in pattern:
        if token.get("OP") not in _REQUIRED_OPS:
            continue
        words = _accepted_words(token)
        if words is not None and not words <= stop_words:
            sets.append(words)
    return tuple(sorted(sets, key=lambda w: (len(w & stop_words), len(w))))


def _accepted_words(token: dict[str, Any]) -> frozenset[str] | None:
    for attr in ("LOWER", "ORTH", "TEXT", "NORM"):
        if attr not in token:
            continue
        value = token[attr]
        if isinstance(value, str):
            return frozenset({value.lower()})
        if isinstance(value, dict) and set(value) == {"IN"}:
            return frozenset(str(v).lower() for v in value["IN"])
    return None


def max_length(pattern: list[dict[str, Any]]) -> int | None:
    """The most tokens a match of the pattern can span; None when a "*", "+" or "{n,}" makes
    it unbounded."""
    total = 0
    for token in pattern:
        op = token.get("OP")
        if op in (None, "1", "?", "!"):
            total += 1
        elif op in ("*", "+"):
            return None
        elif isinstance(op, str) and op.startswith("{") and op.endswith("}"):
            low, _, high = op[1:-1].partition(",")
            if "," not in op:
                total += int(low)
            elif not high:
                return None
            else:
                total += int(high)
        else:
            return None
    return total


class TokenRules:
    """Runs each token rule only where it can match: near an occurrence of its rarest anchor
    word, on a window as long as the rule's longest match on each side (spaCy's Matcher walks
    every token it is given, so a 100-token turn costs it ten times a 10-token window). Rules
    without anchors or with unbounded length walk the whole doc."""

    def __init__(self, nlp: Language, spans_key: str):
        self._vocab = nlp.vocab
        self._key = spans_key
        self._rules: list[tuple[TokenRule, Matcher, tuple[frozenset[int], ...]]] = []
        self._anchor_words: set[int] = set()

    def add_rules(self, rules: list[TokenRule]) -> None:
        strings = self._vocab.strings
        for rule in rules:
            rule.max_len = max_length(rule.pattern)
            matcher = Matcher(self._vocab)
            matcher.add(rule.rule_id, [rule.pattern])
            hashed = tuple(frozenset(strings.add(w) for w in anchor) for anchor in rule.anchors)
            self._rules.append((rule, matcher, hashed))
            if hashed:
                self._anchor_words |= hashed[0]

    def __len__(self) -> int:
        return len(self._rules)

    def __call__(self, doc: Doc) -> Doc:
        if not self._rules:
            return doc
        lowers = doc.to_array("LOWER").tolist()
        words = set(lowers)
        # Where each anchor word occurs, found in one pass over the doc.
        positions: dict[int, list[int]] = {}
        for i, word in enumerate(lowers):
            if word in self._anchor_words:
                positions.setdefault(word, []).append(i)
        found: list[Span] = []
        for rule, matcher, anchors in self._rules:
            if any(anchor.isdisjoint(words) for anchor in anchors):
                continue
            for start, end in self._windows(positions, anchors, rule.max_len, len(doc)):
                for span in matcher(doc[start:end], as_spans=True):
                    found.append(Span(doc, span.start, span.end, label=rule.label,
                                      span_id=rule.rule_id))
        if found:
            group = list(doc.spans[self._key]) if self._key in doc.spans else []
            doc.spans[self._key] = group + found
        return doc

    @staticmethod
    def _windows(positions: dict[int, list[int]], anchors: tuple[frozenset[int], ...],
                 max_len: int | None, n: int) -> list[tuple[int, int]]:
        if not anchors or max_len is None:
            return [(0, n)]
        hits = sorted(i for word in anchors[0] & positions.keys() for i in positions[word])
        windows: list[tuple[int, int]] = []
        for i in hits:
            start, end = max(0, i - max_len + 1), min(n, i + max_len)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
        return windows


@Language.factory(TOKEN_RULES, default_config={"spans_key": "qualcode"})
def _make_token_rules(nlp: Language, name: str, spans_key: str) -> TokenRules:
    return TokenRules(nlp, spans_key)


# -- phrases matched on characters -----------------------------------------------------------------

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_NOT_SPACE = re.compile(r"\S")
_SPACE = re.compile(r"\s")


def _kind(char: str) -> str:
    """"a" for an ASCII letter, "9" for an ASCII digit, "" otherwise: a Latin word inside a
    Chinese phrase list ("BMS", "811") must not match inside a longer Latin word or number."""
    if "a" <= char <= "z" or "A" <= char <= "Z":
        return "a"
    if "0" <= char <= "9":
        return "9"
    return ""


class CharPhrases:
    """Phrase rules matched on characters, case-insensitively for Latin letters, whitespace in
    the text ignored (a phrase survives a hard-wrapped line). Each match becomes a span over the
    words it touches (alignment "expand"), labelled with its code and rule, like the span_ruler's.

    Matching: candidate positions are found by one regex over the phrases' first characters;
    at each, the phrases starting with that character are compared. Overlapping matches of
    different phrases are all kept."""

    def __init__(self, nlp: Language, spans_key: str):
        self._key = spans_key
        self._by_first: dict[str, list[tuple[str, str, str]]] = {}
        self._starts: re.Pattern[str] | None = None

    def add_phrases(self, phrases: list[dict[str, Any]]) -> None:
        for entry in phrases:
            text = _SPACE.sub("", entry["pattern"]).translate(_ASCII_LOWER)
            if text:
                self._by_first.setdefault(text[0], []).append(
                    (text, entry["label"], entry["id"]))
        firsts = "".join(re.escape(c) for c in sorted(self._by_first))
        self._starts = re.compile(f"[{firsts}]") if firsts else None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def matches(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, label, rule id) of every phrase occurrence, in offsets into `text`."""
        if self._starts is None:
            return []
        if _SPACE.search(text):
            where = [m.start() for m in _NOT_SPACE.finditer(text)]
            compact = "".join(text[i] for i in where)
        else:
            where, compact = None, text
        compact = compact.translate(_ASCII_LOWER)
        found = []
        for m in self._starts.finditer(compact):
            i = m.start()
            for phrase, label, rule in self._by_first[compact[i]]:
                if not compact.startswith(phrase, i):
                    continue
                j = i + len(phrase)
                start, end = (i, j) if where is None else (where[i], where[j - 1] + 1)
                if self._inside_latin_word(text, start, end):
                    continue
                found.append((start, end, label, rule))
        return found

    @staticmethod
    def _inside_latin_word(text: str, start: int, end: int) -> bool:
        first, last = _kind(text[start]), _kind(text[end - 1])
        return bool((first and start > 0 and _kind(text[start - 1]) == first)
                    or (last and end < len(text) and _kind(text[end]) == last))

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for start, end, label, rule in self.matches(doc.text):
            span = doc.char_span(start, end, label=label, span_id=rule, alignment_mode="expand")
            if span is not None:
                found.append(span)
        if found:
            group = list(doc.spans[self._key]) if self._key in doc.spans else []
            doc.spans[self._key] = group + found
        return doc


@Language.factory(CHAR_PHRASES, default_config={"spans_key": "qualcode"})
def _make_char_phrases(nlp: Language, name: str, spans_key: str) -> CharPhrases:
    return CharPhrases(nlp, spans_key)
