"""The spaCy pipeline that suggests codes: tokenizer, sentences, lemmas, then a span_ruler holding
the codebook's patterns.

Two keys travel with a pipeline. `pipeline_key` names the analysis *before* the span_ruler
(tokenizer, sentence boundaries, lemmas), so parsed docs cached under it stay valid when only the
codebook changes. `codebook_sha256` names the patterns. `description` is a line for people, stored
with every suggestion so a researcher can later say which pipeline proposed it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata

import spacy
from spacy.language import Language

from qualcode.domain import Codebook, PatternDef
from qualcode.errors import CodebookError, QualcodeError
from qualcode.nlp.languages import add_sentencizer, blank_pipeline, segments_by_characters
from qualcode.nlp.patterns import FOLD_LEMMAS, check_patterns
from qualcode.nlp.rules import CHAR_PHRASES, TOKEN_RULES, compile_rules, lemma_forms

RULER = "span_ruler"
SENTENCIZER = "sentencizer"
SPANS_KEY = "qualcode"
# Bump when the analysis before the ruler changes in a way the spaCy config does not show.
ANALYSIS_VERSION = 2  # 2: lemma overrides (languages.LEMMA_OVERRIDES)
_SENTENCE_FACTORIES = ("parser", "senter", "sentencizer")
_MAX_LISTED_PROBLEMS = 3


@dataclass
class SuggestPipeline:
    nlp: Language
    lang: str
    description: str
    pipeline_key: str
    codebook_sha256: str
    codebook: Codebook
    # rule_id -> PatternDef, to give each match its kind.
    rules: dict[str, PatternDef] = field(default_factory=dict)
    # True when sentence bounds come from our sentencizer, which suggest() then runs only on the
    # turns that have matches (most of a transcript has none).
    lazy_sentences: bool = False
    # code key -> its dimension's key; the dimensions themselves map to their own key.
    dimension_of: dict[str, str] = field(default_factory=dict)

    def kind_of(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return rule.kind if rule is not None else "unknown"

    def negation_of(self, rule_id: str) -> str:
        """What a negated match of the rule does: "lower", "drop" or "ignore"."""
        rule = self.rules.get(rule_id)
        return rule.negation if rule is not None else "lower"


def build_pipeline(codebook: Codebook, *, lang: str | None = None,
                   model: str | None = None) -> SuggestPipeline:
    """A pipeline for the codebook's patterns in one language (default: the codebook's).

    Without `model`: spacy.blank(lang) + sentencizer + lookup lemmatizer. With `model` (an
    installed package name or a path): that trained pipeline, plus a sentencizer only if it has no
    parser or senter. Either way lemmas are lowercased like lemma patterns, then the ruler runs."""
    if model is None:
        _raise_for_pattern_problems(codebook, lang or codebook.language)
        lang = lang or codebook.language
        nlp = blank_pipeline(lang)
        add_sentencizer(nlp)
        lookup = lemma_forms(lang) is not None
        segmenter = nlp.config["nlp"]["tokenizer"].get("segmenter")
        base = f"blank:{lang}" + (f" ({segmenter} words)" if segmenter else "") + " + "
        if segments_by_characters(lang):
            base += "sentencizer(。！？；…)"
        else:
            base += "sentencizer + " + ("lemma rules as lookup-table word forms" if lookup
                                        else "lemma rules as listed words")
        lazy = True
    else:
        nlp = _load_model(model)
        _raise_for_pattern_problems(codebook, nlp.lang)
        if segments_by_characters(nlp.lang):
            raise QualcodeError(f"the spaCy pipeline '{model}' is for '{nlp.lang}', whose "
                                "words qualcode segments with jieba", where="--model",
                                hint="give a pipeline for another language; zh documents use "
                                     "the built-in blank:zh pipeline")
        if lang is not None and lang != nlp.lang:
            raise QualcodeError(f"the spaCy pipeline '{model}' is for language '{nlp.lang}', "
                                f"not '{lang}'", where="--model",
                                hint="give a pipeline for the codebook's language")
        lang = nlp.lang
        lazy = not _has_sentences(nlp)
        if lazy:
            add_sentencizer(nlp, first=True)
        nlp.add_pipe(FOLD_LEMMAS)  # the same lowercase lemmas lemma patterns are written in
        base = f"{nlp.meta.get('lang', lang)}_{nlp.meta.get('name', model)} " \
               f"{nlp.meta.get('version', '?')}"
    key = _pipeline_key(nlp, model)
    compiled = compile_rules(codebook, nlp, lang=lang, lookup_lemmas=model is None)
    if compiled.by_characters:
        # Same name as the span_ruler, so callers can disable "the phrase matcher" either way.
        chars = nlp.add_pipe(CHAR_PHRASES, name=RULER, config={"spans_key": SPANS_KEY})
        chars.add_phrases(compiled.phrases)
        phrases = f"phrases on characters({len(compiled.phrases)})"
    else:
        ruler = nlp.add_pipe(RULER, config={"spans_key": SPANS_KEY, "overwrite": True,
                                            "phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(compiled.phrases)
        phrases = f"span_ruler({len(compiled.phrases)} phrases on LOWER)"
    token_rules = nlp.add_pipe(TOKEN_RULES, config={"spans_key": SPANS_KEY})
    token_rules.add_rules(compiled.token_rules)
    return SuggestPipeline(
        nlp=nlp, lang=lang,
        description=f"spacy {spacy.__version__} {base} + {phrases} + token rules("
                    f"{len(compiled.token_rules)}, anchored)",
        pipeline_key=key, codebook_sha256=codebook.sha256 or codebook_fingerprint(codebook),
        codebook=codebook,
        rules={p.rule_id: p for code in codebook.codes for p in code.patterns},
        lazy_sentences=lazy,
        dimension_of={c.key: c.dimension for c in codebook.codes},
    )


def build_pipelines(codebook: Codebook, languages: set[str] | list[str], *,
                    model: str | None = None) -> dict[str, SuggestPipeline]:
    """One pipeline per language, each built once: the documents of a language get that
    language's patterns. A trained `model` serves the documents of its own language; the others
    get the blank pipeline of theirs."""
    pipes: dict[str, SuggestPipeline] = {}
    if model is not None:
        trained = build_pipeline(codebook, model=model)
        pipes[trained.lang] = trained
    for lang in sorted(set(languages) or {codebook.language}):
        if lang not in pipes:
            pipes[lang] = build_pipeline(codebook, lang=lang)
    return pipes


def codebook_fingerprint(codebook: Codebook) -> str:
    """sha256 of the codes and patterns, for a codebook built in memory (no file text to hash)."""
    canonical = [[c.key, [[p.rule_id, p.kind, p.language, p.value, p.role, p.negation]
                          for p in c.patterns]]
                 for c in codebook.codes]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False,
                                     default=list).encode("utf-8")).hexdigest()


def _raise_for_pattern_problems(codebook: Codebook, lang: str) -> None:
    # spaCy would raise a traceback on the first bad pattern; we list them all as one error.
    problems = check_patterns(codebook, {lang})
    if not problems:
        return
    listed = "; ".join(p.one_line(codebook.source) for p in problems[:_MAX_LISTED_PROBLEMS])
    more = len(problems) - _MAX_LISTED_PROBLEMS
    if more > 0:
        listed += f"; and {more} more"
    raise CodebookError(f"{len(problems)} pattern(s) spaCy cannot use: {listed}",
                        problems=problems, where=codebook.source,
                        hint="fix the patterns in the codebook and load it again")


def _load_model(model: str) -> Language:
    # spacy.load never downloads; a missing package or a bad folder raises OSError/ImportError.
    try:
        return spacy.load(model)
    except (OSError, ImportError, ValueError, KeyError) as exc:
        text = str(exc).strip()
        if "[E050]" in text or not text:
            reason = "no installed package or pipeline folder has that name"
        else:
            reason = text.splitlines()[0]
        raise QualcodeError(f"cannot load the spaCy pipeline '{model}': {reason}",
                            where="--model",
                            hint="install it with pip or give a path to a pipeline folder; "
                                 "qualcode never downloads models") from None


def _has_sentences(nlp: Language) -> bool:
    return any(nlp.get_pipe_meta(name).factory in _SENTENCE_FACTORIES for name in nlp.pipe_names)


def _lookups_version() -> str:
    try:
        return metadata.version("spacy-lookups-data")
    except metadata.PackageNotFoundError:
        return "none"


def _pipeline_key(nlp: Language, model: str | None) -> str:
    """sha256 over everything that shapes tokens, sentences and lemmas (taken before the ruler)."""
    recipe = {
        "analysis": ANALYSIS_VERSION,
        "spacy": spacy.__version__,
        "lookups": _lookups_version(),
        "config": nlp.config.to_str(),
        "model": None if model is None else [nlp.meta.get("name"), nlp.meta.get("version")],
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode("utf-8")).hexdigest()
