"""Sentence bounds and lemma matching for the analysis commands (cooccur --unit sentence, search
--lemma, search --code --unit sentence).

Sentences come from spaCy's rule-based `sentencizer` on a blank pipeline: no model download, the
same bounds on every machine. Lemmas come from qualcode.nlp.patterns.make_lemmatizing_nlp, the very
pipeline the codebook's lemma patterns use, so `search --lemma` finds what a lemma rule would.
"""

from __future__ import annotations

from functools import cache

from spacy.language import Language
from spacy.tokens import Doc

from qualcode.nlp.languages import add_sentencizer, blank_pipeline
from qualcode.nlp.patterns import make_lemmatizing_nlp

BATCH_SIZE = 64


@cache
def _sentencizer(lang: str) -> Language:
    nlp = blank_pipeline(lang)
    add_sentencizer(nlp)
    return nlp


@cache
def _lemmatizer(lang: str) -> Language:
    return make_lemmatizing_nlp(lang)


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """start/end moved inwards past whitespace. The sentencizer leaves trailing spaces and blank
    lines inside a sentence; a coding that ends at a full stop must not "touch" the sentence
    after it. The suggester trims its sentences with this too, so both see the same bounds."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, doc: Doc) -> list[tuple[int, int]]:
    """The non-blank sentences of `doc` (the sentencizer's, over `text`), trimmed: what
    sentence_bounds and sentences_and_words both give."""
    bounds = []
    for sent in doc.sents:
        start, end = trimmed(text, sent.start_char, sent.end_char)
        if start < end:
            bounds.append((start, end))
    return bounds


def sentence_bounds(texts: list[str], lang: str = "en") -> list[list[tuple[int, int]]]:
    """For each text, its sentences as (start, end) character offsets into that text, end
    exclusive, leading and trailing whitespace left out; whitespace-only stretches give no
    sentence. Texts are processed in batches with nlp.pipe."""
    nlp = _sentencizer(lang)
    out: list[list[tuple[int, int]]] = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=BATCH_SIZE), strict=True):
        out.append(_sentences(text, doc))
    return out


def query_lemmas(query: str, lang: str = "en") -> list[str]:
    """The lowercase lemmas of the words of a query, whitespace left out."""
    return [t.lemma_ for t in _lemmatizer(lang)(query) if not t.is_space]


def lemma_matches(texts: list[str], lemmas: list[str], lang: str = "en"
                  ) -> list[list[tuple[int, int]]]:
    """For each text, the (start, end) offsets of every run of consecutive words whose lemmas are
    `lemmas` in order (whitespace between the words, line breaks included, is skipped)."""
    nlp = _lemmatizer(lang)
    width = len(lemmas)
    out: list[list[tuple[int, int]]] = []
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        words = [t for t in doc if not t.is_space]
        found = []
        if width:
            for i in range(len(words) - width + 1):
                if all(words[i + k].lemma_ == lemmas[k] for k in range(width)):
                    last = words[i + width - 1]
                    found.append((words[i].idx, last.idx + len(last.text)))
        out.append(found)
    return out


def sentences_and_words(texts: list[str], lang: str = "en"
                        ) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """For each text, its sentences (as sentence_bounds gives them) and its words: the tokenizer's
    non-space tokens as (start, end) offsets, punctuation included. One pass of the same
    sentencizer pipeline serves both, so the coding mode moves by exactly the sentences the
    suggester proposes, and by the words of the language's own tokenizer (Chinese has no spaces)."""
    nlp = _sentencizer(lang)
    out = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=BATCH_SIZE), strict=True):
        sentences = _sentences(text, doc)
        words = [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space and t.text.strip()]
        out.append((sentences, words))
    return out
