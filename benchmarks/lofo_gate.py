"""A gate for `--method both`'s verifier, tried on the TUNING files only: judge a dimension only
where cross-validation over the coded files shows the verifier raising that dimension's F1.

Each tuning file in turn is the test file; the verifier learns from the lexicon's hits in the
first k of the other four (their gold coding), as in lofo_verify.py. The gate: leave each of
those k files out in turn, train the verifier on the rest, verify the left-out file's hits, and
pool per dimension the lexicon's and the verified hits' F1 over the left-out files (all their
sentences, as a coder's coding of a whole document gives them); the final verifier judges only
the dimensions where the verified F1 was higher. Prints the mean over the five folds of the
dimension macro F1 (sample view, all sentences) for the lexicon, the verifier as `both` uses it
now, and the gated verifier. Reads the cache of lofo_cache.py; never reads a held-out file.

    python benchmarks/lofo_cache.py      # once (builds the project, ~5 min)
    python benchmarks/lofo_gate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import lofo_combine as lofo  # noqa: E402
from benchmarks.lofo_verify import hits_of, rows_of  # noqa: E402

STEPS = (2, 3, 4)


def verified(rows: list, sents: list[dict], dims: dict) -> list[set[str]]:
    """The codes the lexicon suggests in each sentence that a verifier trained on `rows` keeps."""
    from qualcode.nlp.learned import TrainedClassifier, _classifier_nlp, verify_hits

    clf = TrainedClassifier(_classifier_nlp("en", ["-"]), "en", ["-"], "")
    clf.train_verifier(rows)
    all_hits = [h for i, s in enumerate(sents) for h in hits_of(s, i)]
    texts = [s["text"] for s in sents]
    pred: list[set[str]] = [set() for _ in sents]
    for h in verify_hits(clf, all_hits, lambda _d, a, _b: texts[a], dims):
        pred[h.start].add(h.code)
    return pred


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def gate(pool: list[str], dims: dict) -> set[str]:
    """The dimensions whose F1 the verifier raised, left-out file by left-out file, pooled."""
    counts = {d: [[0, 0, 0], [0, 0, 0]] for d in lofo.ROOTS}  # lexicon, verified: tp fp fn
    for left in pool:
        sents = lofo.fold_of(left)["sentences"]
        pred = verified(rows_of([n for n in pool if n != left], dims), sents, dims)
        for s, v in zip(sents, pred, strict=True):
            g = {dims.get(c) for c in s["gold"]}
            for which, codes in enumerate(({h["code"] for h in s["lexicon"]}, v)):
                p = {dims.get(c) for c in codes}
                for d in lofo.ROOTS:
                    counts[d][which][0] += d in g and d in p
                    counts[d][which][1] += d in p and d not in g
                    counts[d][which][2] += d in g and d not in p
    return {d for d, (lex, ver) in counts.items() if f1(*ver) > f1(*lex)}


def main() -> None:
    dims = lofo.DIMS
    folds = lofo.DATA["folds"]
    lex = [lofo.run(lofo.lexicon, 0, v)[0] for v in ("sample", "gold")]
    print(f"lexicon: sample {lex[0]:.3f}, all {lex[1]:.3f}")
    print(f"{'k':>2}  verifier (sample / all)  gated (sample / all)  gates")
    for k in STEPS:
        totals = {"now": [0.0, 0.0], "gated": [0.0, 0.0]}
        gates = []
        for fold in folds:
            pool = [d for d in lofo.TUNE if d != fold["test"]][:k]
            sents = fold["sentences"]
            chosen = gate(pool, dims)
            gates.append("".join(d[0] for d in sorted(chosen)) or "-")
            preds = {"now": verified(rows_of(pool, dims), sents, dims),
                     "gated": verified(rows_of(pool, dims, chosen), sents, dims)}
            for name, pred in preds.items():
                for j, view in enumerate(("sample", "gold")):
                    idx = fold["views"][view]
                    totals[name][j] += lofo.macro([set(sents[i]["gold"]) for i in idx],
                                                  [pred[i] for i in idx])[0] / len(folds)
        print(f"{k:>2}  {totals['now'][0]:.3f} / {totals['now'][1]:.3f}          "
              f"{totals['gated'][0]:.3f} / {totals['gated'][1]:.3f}         {' '.join(gates)}",
              flush=True)


if __name__ == "__main__":
    main()
