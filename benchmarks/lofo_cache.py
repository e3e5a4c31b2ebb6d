"""Leave-one-file-out over the TUNING files only (for lofo_combine.py and lofo_verify.py): per
test file and k coded training files, the lexicon's hits and the learned model's probabilities
for every judged sentence, cached as JSON (benchmarks/_work/lofo_cache.json) so combination rules
for `--method both` can be compared offline. Never reads a held-out file: the project holds
every gold file (as benchmarks/quality.py builds it) but only tuning documents are queried."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quality import GOLD, WORK, build_real_project  # noqa: E402


def main() -> None:
    from qualcode.services import lookup
    from qualcode.services.codebook import live_codebook
    from qualcode.services.learning import (
        codebook_examples,
        fit_classifier,
        human_codings,
        is_judged,
        judged_spans,
        label_sentences,
        respondent_sentences,
        training_set,
    )
    from qualcode.services.suggest import generate_hits, text_units
    from qualcode.storage import database

    split = yaml.safe_load((GOLD / "split.yaml").read_text(encoding="utf-8"))
    tune = split["tune"]
    folder = WORK / "eval-real"
    if "--reuse" not in sys.argv:
        folder = build_real_project()
    engine = database.make_engine(f"sqlite:///{folder / 'qualcode.db'}")
    out = {"folds": []}
    with database.session_scope(engine) as session:
        book = live_codebook(session)
        out["dims"] = {c.key: c.dimension for c in book.codes}
        out["roots"] = [c.key for c in book.codes if c.is_dimension]
        extra = codebook_examples(book)
        for test in tune:
            doc_id = lookup.document(session, test).id
            views = {}
            for coder in ("sample", "gold"):
                row = lookup.coder(session, coder, create=False)
                spans = human_codings(session, coder, {doc_id}, include_dimensions=True)
                judged = judged_spans(session, row.id, {doc_id})
                sents = [s for s in respondent_sentences(session, {doc_id})
                         if doc_id not in judged or is_judged(s, judged[doc_id])]
                label_sentences(sents, spans, 1.0)
                views[coder] = sents
            units, _ = text_units(session, documents=[test])
            hits, _, _ = generate_hits(session, units, method="lexicon", unit="sentence",
                                       model=None, threshold=None)
            hits = list(hits)
            sents = views["gold"]
            fold = {"test": test, "sentences": [], "views": {}}
            for coder, vs in views.items():
                keys = {(s.start, s.end) for s in vs}
                fold["views"][coder] = [i for i, s in enumerate(sents) if (s.start, s.end) in keys]
            for s in sents:
                lex = [{"code": h.code, "score": h.score,
                        "rules": sorted({e.get("rule") for e in h.evidence if e.get("rule")}),
                        "words": sorted({str(e.get("text", "")).lower() for e in h.evidence})}
                       for h in hits if h.start < s.end and h.end > s.start]
                fold["sentences"].append({"text": s.text, "gold": sorted(
                    c for c, v in s.labels.items() if v == 1.0), "lexicon": lex, "p": {}})
            pool = [d for d in tune if d != test]
            for k in (0, 1, 2, 4):
                train_s = training_set(session, coder="gold", documents=pool[:k]) if k else []
                clf, *_ = fit_classifier(train_s, book.language, 0, 10, 3, extra)
                probs = clf.predict([s["text"] for s in fold["sentences"]])
                for s, p in zip(fold["sentences"], probs, strict=True):
                    s["p"][str(k)] = {c: round(v, 4) for c, v in p.items()}
            out["folds"].append(fold)
            print(test, len(sents), "sentences", file=sys.stderr)
    (WORK / "lofo_cache.json").write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main()
