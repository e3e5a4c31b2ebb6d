"""Can `--method both` add recall learned from the project's coding? Tried on the TUNING files
only (each in turn the test file, learning from the gold coding of the first k of the other four,
split.yaml order), from the cache of benchmarks/lofo_cache.py; never reads a held-out file.

Per fold, the words and phrases that mark each dimension in the k coded files are mined with the
statistic of `codebook mine` (qualcode/nlp/mining.py: weighted log-odds with an informative prior,
lemmas and 2-3-lemma phrases), with a minimum count in the coded sentences, a minimum z-score and
optionally a minimum share of its occurrences that were coded with the dimension and a minimum
number of coded files it marks the dimension in. A test sentence holding `need` mined terms of a
dimension the lexicon did not find there gets a dimension-level hit beside the lexicon's;
then the verifier of today's `both` (trained on the lexicon's hits in the k files, production
code) judges both kinds of hit. Prints the mean over the five folds of the dimension macro F1,
labelling sample and all sentences, for k = 1, 2, 4. None of the settings beat the lexicon
(benchmarks/RESULTS.md, "Recall learned from the coding"), so `both` does not do this.

    python benchmarks/lofo_cache.py      # once (builds the project, ~5 min)
    python benchmarks/lofo_mined.py              # the whole grid (~25 min)
    python benchmarks/lofo_mined.py --files 2    # only terms that mark it in 2 coded files
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import lofo_combine as lofo  # noqa: E402
from benchmarks.lofo_verify import hits_of  # noqa: E402

STEPS = (1, 2, 4)
# (min count, min z, min share of occurrences coded with the dimension, terms needed, min files
# the term marks the dimension in)
GRID = [(c, z, s, n, f) for f in (1, 2) for c in (3, 5) for z in (1.96, 3.0, 4.0)
        for s in (0.0, 0.5, 0.7) for n in (1, 2)]


def features() -> dict[str, list[set[str]]]:
    from qualcode.nlp.mining import sentence_features

    return {f["test"]: [set(x) for x in sentence_features("en", [s["text"] for s in
                                                                 f["sentences"]])]
            for f in lofo.DATA["folds"]}


def mine(pool: list[str], feats: dict, min_count: int, min_z: float, share: float,
         min_files: int = 1) -> dict[str, set[str]]:
    """{dimension: mined terms} from the gold coding of the pool files (all their sentences)."""
    from qualcode.nlp.mining import log_odds

    dims = lofo.DIMS
    out: dict[str, set[str]] = {}
    for d in lofo.ROOTS:
        coded: Counter = Counter()
        other: Counter = Counter()
        files: Counter = Counter()  # in how many coded files a term marks the dimension
        for name in pool:
            here: set[str] = set()
            for s, fs in zip(lofo.fold_of(name)["sentences"], feats[name], strict=True):
                has = any(dims.get(c) == d for c in s["gold"])
                (coded if has else other).update(fs)
                if has:
                    here |= fs
            files.update(here)
        if not coded:
            continue
        scores = log_odds(coded, other)
        out[d] = {w for w, (_, z) in scores.items()
                  if z >= min_z and coded[w] >= min_count
                  and coded[w] / (coded[w] + other.get(w, 0)) >= share
                  and files[w] >= min_files}
    return out


def main() -> None:
    from qualcode.domain import SuggestionHit
    from qualcode.nlp.learned import TrainedClassifier, _classifier_nlp, hit_markers, verify_hits

    folds = lofo.DATA["folds"]
    dims = lofo.DIMS
    feats = features()
    verifiers = {}
    for k in STEPS:
        for fold in folds:
            pool = [d for d in lofo.TUNE if d != fold["test"]][:k]
            rows = []
            for name in pool:
                for s in lofo.fold_of(name)["sentences"]:
                    found = hits_of(s, 0)
                    if found:
                        gold_dims = {dims.get(c) for c in s["gold"]}
                        cats = {dims[h.code]: float(dims[h.code] in gold_dims) for h in found}
                        rows.append((s["text"], hit_markers(found, dims), cats))
            clf = TrainedClassifier(_classifier_nlp("en", ["-"]), "en", ["-"], "")
            clf.train_verifier(rows)
            verifiers[(fold["test"], k)] = clf

    def score(pred_of) -> list[str]:
        cells = []
        for view in ("sample", "gold"):
            for k in STEPS:
                total = 0.0
                for fold in folds:
                    pred = pred_of(fold, k)
                    idx = fold["views"][view]
                    total += lofo.macro([set(fold["sentences"][i]["gold"]) for i in idx],
                                        [pred[i] for i in idx])[0] / len(folds)
                cells.append(f"{total:.3f}")
        return cells

    def predict(fold, k, mined, need, verify=True):
        sents = fold["sentences"]
        texts = [s["text"] for s in sents]
        hits = []
        for i, s in enumerate(sents):
            hits += hits_of(s, i)
            lex_dims = {dims[h["code"]] for h in s["lexicon"]}
            for d, terms in mined.items():
                found = feats[fold["test"]][i] & terms
                if len(found) >= need and d not in lex_dims:
                    hits.append(SuggestionHit(
                        document_id=0, start=i, end=i + 1, code=d, score=0.3,
                        method="both", unit="sentence",
                        evidence=[{"rule": "mined"}]))
        hits.sort(key=lambda h: h.start)
        pred = [set() for _ in sents]
        kept = (verify_hits(verifiers[(fold["test"], k)], hits,
                            lambda _d, a, _b, x=texts: x[a], dims) if verify else hits)
        for h in kept:
            pred[h.start].add(h.code)
        return pred

    print(f"{'variant':34} sample k=1,2,4       | all k=1,2,4", flush=True)
    print(f"{'lexicon':34}", " ".join(score(lambda f, k: predict(f, k, {}, 1, False))))
    print(f"{'both today (verified lexicon)':34}", " ".join(score(lambda f, k: predict(f, k, {},
                                                                                       1))))
    memo: dict = {}
    only = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else None
    for c, z, s, n, m in GRID:
        if only is not None and m != only:
            continue
        def mined_for(fold, k, c=c, z=z, s=s, m=m):
            key = (fold["test"], k, c, z, s, m)
            if key not in memo:
                pool = [d for d in lofo.TUNE if d != fold["test"]][:k]
                memo[key] = mine(pool, feats, c, z, s, m)
            return memo[key]
        cells = score(lambda f, k, n=n, mf=mined_for: predict(f, k, mf(f, k), n))
        print(f"{f'mined c{c} z{z} s{s} n{n} files{m}':34}", " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
