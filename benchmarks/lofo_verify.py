"""Choosing the verifier of `--method both` (qualcode/nlp/learned.py) on the TUNING files only:
each tuning file in turn is the test file and the verifier learns from the lexicon's hits in k of
the other four (their gold coding), through the production code (`TrainedClassifier.
train_verifier`, `verify_hits`). Prints the mean over the five folds of the dimension macro F1 of
the lexicon's hits it keeps, for a grid of thresholds and minimum examples, on the labelling
sample and on all sentences. Reads the cache written by benchmarks/lofo_cache.py; never reads a
held-out file.

    python benchmarks/lofo_cache.py      # once (builds the project, ~5 min)
    python benchmarks/lofo_verify.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import lofo_combine as lofo  # noqa: E402

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3)
MINIMUMS = (0, 10, 15, 20, 30)
STEPS = (1, 2, 4)


def hits_of(sentence: dict, start: int):
    from qualcode.domain import SuggestionHit

    return [SuggestionHit(document_id=0, start=start, end=start + 1, code=h["code"],
                          score=h["score"], method="lexicon", unit="sentence",
                          evidence=[{"rule": r} for r in h["rules"]]) for h in sentence["lexicon"]]


def rows_of(names: list[str], dims: dict, keep: set[str] | None = None) -> list:
    """What the verifier learns from in these files' gold coding: per sentence with lexicon hits,
    its text, the hits' markers and, per hit dimension (only those in `keep` when given), 1.0
    where the gold gives the sentence that dimension, else 0.0."""
    from qualcode.nlp.learned import hit_markers

    rows = []
    for name in names:
        for s in lofo.fold_of(name)["sentences"]:
            found = hits_of(s, 0)
            if not found:
                continue
            gold_dims = {dims.get(c) for c in s["gold"]}
            cats = {dims[h.code]: float(dims[h.code] in gold_dims) for h in found
                    if keep is None or dims[h.code] in keep}
            if cats:
                rows.append((s["text"], hit_markers(found, dims), cats))
    return rows


def main() -> None:
    from qualcode.nlp.learned import TrainedClassifier, _classifier_nlp, verify_hits

    folds = lofo.DATA["folds"]
    dims = lofo.DIMS
    sample, every = (lofo.run(lofo.lexicon, 0, v)[0] for v in ("sample", "gold"))
    print(f"{'k':>2} {'min':>4} {'t':>5}  sample  all   (lexicon: sample {sample:.3f}, "
          f"all {every:.3f})")
    for k in STEPS:
        for minimum in MINIMUMS:
            kept: dict[tuple[str, float], list[list[set[str]]]] = {}
            for fold in folds:
                pool = [d for d in lofo.TUNE if d != fold["test"]][:k]
                rows = rows_of(pool, dims)
                clf = TrainedClassifier(_classifier_nlp("en", ["-"]), "en", ["-"], "")
                clf.train_verifier(rows, min_examples=minimum)
                sents = fold["sentences"]
                all_hits = [h for i, s in enumerate(sents) for h in hits_of(s, i)]
                texts = [s["text"] for s in sents]
                for t in THRESHOLDS:
                    pred = [set() for _ in sents]
                    for h in verify_hits(clf, all_hits, lambda _d, a, _b, x=texts: x[a], dims,
                                         threshold=t):
                        pred[h.start].add(h.code)
                    kept.setdefault((fold["test"], t), pred)
            for t in THRESHOLDS:
                cells = []
                for view in ("sample", "gold"):
                    total = 0.0
                    for fold in folds:
                        idx = fold["views"][view]
                        pred = kept[(fold["test"], t)]
                        total += lofo.macro([set(fold["sentences"][i]["gold"]) for i in idx],
                                            [pred[i] for i in idx])[0] / len(folds)
                    cells.append(f"{total:.3f}")
                print(f"{k:>2} {minimum:>4} {t:>5}  {cells[0]}  {cells[1]}", flush=True)


if __name__ == "__main__":
    main()
