"""How sure a suggestion is, as a number between 0 and 1.

Lexicon score (method "lexicon")
--------------------------------
A suggestion lists the codebook rules that matched in its sentence (or turn). Each *distinct* rule
contributes one weight w; several matches of the same rule count once, because a word repeated in
a sentence is not new evidence. The weight depends on how specific the rule is:

    base by kind:  tokens 0.55   (hand-written token patterns are the most deliberate)
                   lemma  0.45   (any inflection of the words)
                   phrase 0.40   (the words as written, any case)
    + 0.08 for every word of the match beyond the first, up to 3 extra words
      (a three-word phrase is far less likely to occur by chance than a single word)

so w lies between 0.40 and 0.79. The rules are then combined as independent pieces of evidence
("noisy-or"):

    score = 1 - (1 - w1) * (1 - w2) * ... * (1 - wn)

Worked example: a lemma rule matching "subsidies" (w = 0.45) and a phrase rule matching
"purchase subsidy" (w = 0.40 + 0.08 = 0.48) give 1 - 0.55 * 0.52 = 0.714.

Properties: the score is 0 without evidence, never above 1, the same for the same evidence in any
order, and adding a rule can only raise it (each factor is below 1). Scores are rounded to four
decimals so they are stable across machines. They rank suggestions; they are not probabilities.

Negated matches
---------------
A match under a negation ("we did not relocate", "never", 没有) is marked `negated` in the
evidence. The hit's score is the noisy-or of its matches that are not negated; when every match is
negated, each rule's `negation` setting decides: "lower" keeps the hit at NEGATED_FACTOR (0.5)
times the noisy-or of those matches, "drop" removes it (rules set to "ignore" never mark their
matches). With the default threshold a single negated match then falls below it.

Combined score (method "both")
------------------------------
Method "both" keeps the lexicon's hits that the verifier (nlp/learned.py, `verify_hits`) does not
drop, each with its lexicon score. The learned model's own codes are added only when a
`--threshold` is given; then, when the lexicon and the learned classifier propose the same code
for the same span, `combine` uses the same noisy-or: 1 - (1 - lexicon) * (1 - learned).
Agreement of two independent methods ranks above either alone; with only one of them the score
is that one.
"""

from __future__ import annotations

import re
from typing import Any

KIND_BASE = {"tokens": 0.55, "lemma": 0.45, "phrase": 0.40}
UNKNOWN_KIND_BASE = 0.40  # a kind we do not know is treated like a plain phrase
PER_EXTRA_WORD = 0.08
MAX_EXTRA_WORDS = 3
DECIMALS = 4
# The --min-score `evaluate` uses unless told otherwise, and the score from which the paper
# reproduction accepts suggestions without a coder. Chosen on the TUNING files of the real-text
# gold standard only (benchmarks/RESULTS.md, "Suggestion quality"): see the P-R table there.
DEFAULT_MIN_SCORE = 0.0
# The --min-score values at which `evaluate` reports the lexicon's precision and recall.
PR_THRESHOLDS = (0.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8)
NEGATED_FACTOR = 0.5  # a hit whose every match is negated, under negation: lower

_WORD_RE = re.compile(r"\w+")
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words in a matched text. Chinese has no spaces, so a run of CJK characters counts as one
    word per two characters (a typical Chinese word length)."""
    count = 0
    for run in _WORD_RE.findall(text):
        cjk = len(_CJK_RE.findall(run))
        count += max(1, (cjk + 1) // 2) if cjk else 1
    return max(count, 1)


def rule_weight(kind: str, text: str) -> float:
    base = KIND_BASE.get(kind, UNKNOWN_KIND_BASE)
    extra = min(word_count(text) - 1, MAX_EXTRA_WORDS)
    return base + PER_EXTRA_WORD * extra


def lexicon_score(evidence: list[dict[str, Any]]) -> float:
    """The noisy-or of one weight per distinct rule (its longest match); see the module docstring.
    Items without a "rule" (learned evidence) are ignored."""
    weights: dict[str, float] = {}
    for item in evidence:
        rule = item.get("rule")
        if rule is None:
            continue
        weight = rule_weight(str(item.get("kind", "")), str(item.get("text", "")))
        weights[rule] = max(weight, weights.get(rule, 0.0))
    return _noisy_or(weights[rule] for rule in sorted(weights))


def hit_score(evidence: list[dict[str, Any]], negation_of) -> float | None:
    """The score of one lexicon hit, negation included (see the module docstring); None when the
    hit is to be dropped. `negation_of(rule_id)` gives a rule's setting."""
    live = [e for e in evidence if not e.get("negated")]
    if live:
        return lexicon_score(live)
    weak = [e for e in evidence if negation_of(e.get("rule")) == "lower"]
    if not weak:
        return None
    return round(lexicon_score(weak) * NEGATED_FACTOR, DECIMALS)


def combine(lexicon: float | None, learned: float | None) -> float:
    """Score for method "both": 1 - (1 - lexicon) * (1 - learned); one missing side is ignored."""
    if lexicon is None and learned is None:
        raise ValueError("combine needs at least one score")
    return _noisy_or(s for s in (lexicon, learned) if s is not None)


def _noisy_or(scores) -> float:
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(float(score), 0.0), 1.0)
    return round(1.0 - remaining, DECIMALS)
