"""Words and phrases that mark a code: weighted log-odds with an informative Dirichlet prior.

Features. Each sentence is lemmatised by the same lookup lemmatizer the lemma patterns use
(lowercase lemmas), and cut at punctuation. The features are its lemmas (not stop words, with a
letter in them) and its 2- and 3-lemma phrases within a stretch without punctuation that neither
begin nor end with a stop word ("tax credit", "make in america"). Counts are occurrences.

Statistic (Monroe, Colaresi and Quinn 2008, "Fightin' Words", section 3.5.1). Let y_w be the
count of feature w in the coded sentences (n their total count of features) and z_w, m the same
for the other respondent sentences. The prior is informative: alpha_w = a * c_w / N, where c_w is
w's count in all respondent sentences, N the total and a the prior's weight: a = PRIOR_SHARE * N,
the pooled text at a twentieth of its weight. (With a = N, the pooled text counted once more, a
code with eighteen coded sentences in the four tuning files had one term left above the cut; with
a twentieth, about 500 there, the list held the code's own vocabulary; much lighter priors let
common words such as "company" in. Chosen on the tuning files' gold coding.) Then

    delta_w = log((y_w + alpha_w) / (n + a - y_w - alpha_w))
            - log((z_w + alpha_w) / (m + a - z_w - alpha_w))
    var_w   ~ 1 / (y_w + alpha_w) + 1 / (z_w + alpha_w)
    score_w = delta_w / sqrt(var_w)      (a z-score)

The prior shrinks rare features toward the pooled rate, so a word seen twice in the coded passages
and never elsewhere does not outrank one seen forty times in them and five times elsewhere, which
plain log-odds ratios would do. A feature is listed when its z-score is at least MIN_Z (1.96) and
it occurs at least `min_count` times in the coded sentences (with a handful of coded sentences
nothing may pass: the evidence is thin, and `--min-z` can lower the cut); of two nested features
(one inside the other) with the same coded count only the higher-scoring one is kept (the longer
on a tie: "tax credit" rather than "credit"; as a rule it is the more specific).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.nlp.patterns import make_lemmatizing_nlp

MAX_WORDS = 3
MIN_Z = 1.96
PRIOR_SHARE = 0.05


@dataclass
class MinedTerm:
    text: str  # the lemmas, space-separated: a lemma pattern's value
    words: int
    coded: int  # occurrences in the coded sentences
    other: int  # occurrences in the other respondent sentences
    log_odds: float
    z: float
    example: str  # a coded sentence it occurs in (the shortest)


def sentence_features(lang: str, texts: Iterable[str]) -> list[list[str]]:
    """For each text, its features (with repeats): lemmas and 2-3-lemma phrases."""
    nlp = make_lemmatizing_nlp(lang)
    out = []
    for doc in nlp.pipe(texts, batch_size=256):
        runs: list[list[tuple[str, bool]]] = [[]]
        for token in doc:
            if token.is_space:
                continue
            if token.is_punct or not any(ch.isalnum() for ch in token.text):
                runs.append([])
                continue
            runs[-1].append((token.lemma_ or token.lower_, token.is_stop))
        feats: list[str] = []
        for run in runs:
            for i in range(len(run)):
                for n in range(1, MAX_WORDS + 1):
                    gram = run[i:i + n]
                    if len(gram) < n or gram[0][1] or gram[-1][1]:
                        continue
                    if n == 1 and not any(ch.isalpha() for ch in gram[0][0]):
                        continue
                    feats.append(" ".join(word for word, _ in gram))
        out.append(feats)
    return out


def log_odds(coded: Counter, other: Counter, prior_weight: float | None = None
             ) -> dict[str, tuple[float, float]]:
    """{feature: (delta, z)} for every feature of `coded`; see the module docstring."""
    pooled = coded + other
    total = sum(pooled.values())
    if total == 0:
        return {}
    a = float(PRIOR_SHARE * total if prior_weight is None else prior_weight)
    n, m = sum(coded.values()), sum(other.values())
    out = {}
    for w, y in coded.items():
        alpha = a * pooled[w] / total
        z_w = other.get(w, 0)
        delta = (math.log((y + alpha) / (n + a - y - alpha))
                 - math.log((z_w + alpha) / (m + a - z_w - alpha)))
        var = 1.0 / (y + alpha) + 1.0 / (z_w + alpha)
        out[w] = (delta, delta / math.sqrt(var))
    return out


def mine_terms(lang: str, coded: list[str], other: list[str], *, min_count: int = 2,
               limit: int | None = None, prior_weight: float | None = None,
               min_z: float = MIN_Z) -> list[MinedTerm]:
    """The features that mark `coded` sentences against `other` ones, best first."""
    feats = sentence_features(lang, [*coded, *other])
    coded_feats, other_feats = feats[:len(coded)], feats[len(coded):]
    c_counts: Counter = Counter(f for fs in coded_feats for f in fs)
    o_counts: Counter = Counter(f for fs in other_feats for f in fs)
    scores = log_odds(c_counts, o_counts, prior_weight)
    ranked = sorted(
        (w for w, (_, z) in scores.items() if z >= min_z and c_counts[w] >= min_count),
        key=lambda w: (-round(scores[w][1], 9), -len(w.split()), w))
    kept: list[str] = []
    for w in ranked:
        if any(c_counts[k] == c_counts[w] and _nested(k, w) for k in kept):
            continue
        kept.append(w)
        if limit is not None and len(kept) >= limit:
            break
    examples: dict[str, str] = {}
    for text, fs in zip(coded, coded_feats, strict=True):
        for f in set(fs) & set(kept):
            if f not in examples or len(text) < len(examples[f]):
                examples[f] = text
    return [MinedTerm(text=w, words=len(w.split()), coded=c_counts[w], other=o_counts[w],
                      log_odds=round(scores[w][0], 4), z=round(scores[w][1], 4),
                      example=examples[w]) for w in kept]


def lemma_text(lang: str, text: str) -> str:
    """A pattern value as the lemma sequence it matches, to compare with mined terms."""
    nlp = make_lemmatizing_nlp(lang)
    return " ".join(t.lemma_ or t.lower_ for t in nlp(text) if not t.is_space)


def _nested(a: str, b: str) -> bool:
    a2, b2 = f" {a} ", f" {b} "
    return a2 in b2 or b2 in a2
