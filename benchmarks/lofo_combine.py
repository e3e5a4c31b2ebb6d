"""Combination rules for `--method both` tried on the TUNING files only, from the cache of
benchmarks/lofo_cache.py (each tuning file in turn the test file; the code model trained on the
codebook and k of the other four). Prints, per rule, the mean over the five folds of the
dimension-level macro F1 on the labelling sample and on all sentences, for k = 0, 1, 2, 4:

- the lexicon alone, and the union with the model's codes from p (the old `both`);
- the lexicon filtered by the code model's probability for a hit's dimension, code or either;
- the lexicon filtered by each rule's (code's, matched word's) precision in the k coded files;
- the lexicon plus the dimensions the model gives a high probability where the lexicon found
  none of them (recall from the model).

None of these beat the lexicon; the verifier (benchmarks/lofo_verify.py) is what `both` uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.quality import WORK  # noqa: E402

DATA = json.loads((WORK / "lofo_cache.json").read_text(encoding="utf-8"))
DIMS = DATA["dims"]
ROOTS = DATA["roots"]
TUNE = [f["test"] for f in DATA["folds"]]
STEPS = (0, 1, 2, 4)


def macro(gold: list[set[str]], pred: list[set[str]]) -> tuple[float, dict]:
    """Dimension macro F1 as `evaluate` computes it (dimensions that occur in gold or pred)."""
    vals, per = [], {}
    for d in ROOTS:
        g = [any(DIMS.get(c) == d for c in x) for x in gold]
        p = [any(DIMS.get(c) == d for c in x) for x in pred]
        tp = sum(a and b for a, b in zip(g, p, strict=True))
        fp = sum(b and not a for a, b in zip(g, p, strict=True))
        fn = sum(a and not b for a, b in zip(g, p, strict=True))
        if tp + fp + fn:
            vals.append(2 * tp / (2 * tp + fp + fn))
            per[d] = (tp, fp, fn)
    return (sum(vals) / len(vals) if vals else 0.0), per


def fold_of(test: str) -> dict:
    return next(f for f in DATA["folds"] if f["test"] == test)


def run(rule, k: int, view: str) -> tuple[float, None]:
    """Mean over the folds; rule(sentence, probabilities, fold) -> the codes predicted."""
    total = 0.0
    for fold in DATA["folds"]:
        sents = [fold["sentences"][i] for i in fold["views"][view]]
        pred = [rule(s, s["p"][str(k)], fold, k) for s in sents]
        total += macro([set(s["gold"]) for s in sents], pred)[0] / len(DATA["folds"])
    return total, None


def lexicon(s, p, fold=None, k=0) -> set[str]:
    return {h["code"] for h in s["lexicon"]}


def learned_codes(p: dict, t: float) -> set[str]:
    codes = {c for c, v in p.items() if v >= t and c not in ROOTS}
    found = {DIMS[c] for c in codes}
    return codes | {c for c, v in p.items() if v >= t and c in ROOTS and c not in found}


def union(t: float):
    return lambda s, p, fold, k: lexicon(s, p) | learned_codes(p, t)


def learned_dimensions(t: float, empty_only: bool):
    """The lexicon plus the dimensions (of codes or dimension labels) the code model gives p >= t
    where the lexicon found nothing of that dimension (or, empty_only, nothing at all): recall
    from the model, tried for issue 7 point 4 (2026-12-03)."""
    def rule(s, p, fold, k):
        lex = lexicon(s, p)
        if empty_only and lex:
            return lex
        found = {DIMS[c] for c in lex}
        return lex | {DIMS.get(c, c) for c, v in p.items() if v >= t} - found
    return rule


def by_probability(t: float, by: str):
    def rule(s, p, fold, k):
        keep = set()
        for h in s["lexicon"]:
            c = h["code"]
            q = {"dim": p.get(DIMS[c], 0.0), "code": p.get(c, p.get(DIMS[c], 0.0)),
                 "max": max(p.get(c, 0.0), p.get(DIMS[c], 0.0))}[by]
            if q >= t:
                keep.add(c)
        return keep
    return rule


KEYS = {"rule": lambda h: h["rules"], "code": lambda h: [h["code"]],
        "word": lambda h: [f"{h['code']}|{w}" for w in h["words"]]}


def by_precision(t: float, key: str, strength: float):
    """Keep a hit when the best smoothed precision of its rules (codes, words) in the k coded
    files reaches t (prior 0.5 at `strength` pseudo-hits)."""
    memo: dict = {}

    def stats(test, k):
        if (test, k) not in memo:
            counts: dict[str, list[int]] = {}
            for name in [d for d in TUNE if d != test][:k]:
                for s in fold_of(name)["sentences"]:
                    dims = {DIMS.get(c) for c in s["gold"]}
                    for h in s["lexicon"]:
                        for f in KEYS[key](h):
                            a = counts.setdefault(f, [0, 0])
                            a[0] += DIMS[h["code"]] in dims
                            a[1] += 1
            memo[(test, k)] = counts
        return memo[(test, k)]

    def rule(s, p, fold, k):
        st = stats(fold["test"], k)
        keep = set()
        for h in s["lexicon"]:
            ests = [(st.get(f, (0, 0))[0] + 0.5 * strength) / (st.get(f, (0, 0))[1] + strength)
                    for f in KEYS[key](h)]
            if not ests or max(ests) >= t:
                keep.add(h["code"])
        return keep
    return rule


def show(name: str, rule) -> None:
    cells = [f"{run(rule, k, view)[0]:.3f}" for view in ("sample", "gold") for k in STEPS]
    print(f"{name:34} {' '.join(cells[:4])} | {' '.join(cells[4:])}", flush=True)


def main() -> None:
    print(f"{'rule':34} sample k=0,1,2,4         | all sentences k=0,1,2,4")
    show("lexicon", lexicon)
    for t in (0.9, 0.95, 0.97, 0.99):
        show(f"union, model codes from {t}", union(t))
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):  # (where the lexicon found some other dimension, the
        # model's dimensions add what the union above adds)
        show(f"+ model dims p >= {t} (no hit)", learned_dimensions(t, True))
    for by in ("dim", "code", "max"):
        for t in (0.05, 0.1, 0.2, 0.3, 0.5):
            show(f"keep if model p({by}) >= {t}", by_probability(t, by))
    for key in KEYS:
        for t in (0.2, 0.25, 0.3):
            show(f"keep if {key} precision >= {t}", by_precision(t, key, 2.0))


if __name__ == "__main__":
    main()
