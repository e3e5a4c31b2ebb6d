"""`evaluate`: the suggester scored as if it were a second coder, against a human coder's
coding, at sentence level: precision, recall, F1 and Cohen's kappa per code and dimension, the
lexicon's precision and recall by --min-score, bootstrap intervals (`--ci`), another method on
the same sentences (`--compare`) and a second human coder beside it (`--beside`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import reliability
from qualcode.bootstrap import DEFAULT_RESAMPLES, Interval
from qualcode.errors import QualcodeError
from qualcode.services import lookup, uncertainty
from qualcode.services.codebook import live_codebook
from qualcode.services.learning import (
    MIN_POSITIVES,
    Sentence,
    codebook_examples,
    dimension_of_codes,
    fit_classifier,
    hits_by_sentence,
    human_codings,
    is_judged,
    judged_spans,
    label_sentences,
    respondent_sentences,
    sentences_of,
    text_lookup,
    verifier_rows,
    with_dimensions,
)
from qualcode.services.suggest import generate_hits, latest_model, passage_text, text_units
from qualcode.storage.models import Code, Document, TrainedModel

# Below this many documents a document bootstrap has few distinct resamples (C(2n-1, n): 35 for
# four documents, 92,378 for ten) and `evaluate` says its intervals are coarse.
FEW_DOCUMENTS = 10


@dataclass
class Score:
    name: str
    gold: int  # sentences the coder gave this code (or dimension)
    predicted: int
    true_positive: int
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None
    f1_interval: Interval | None = None  # with `evaluate --ci`


@dataclass
class Comparison:
    """Another method scored on the same sentences, and the paired bootstrap interval of the
    difference in dimension macro F1 (this report's method minus the other)."""

    method: str
    dimension_macro_f1: float | None
    difference: float | None
    difference_interval: Interval | None
    resamples: int
    by: str


@dataclass
class SecondCoder:
    """A second human coder scored like the suggester against the same coder, on the same
    sentences (`evaluate --beside`): the ceiling, with intervals and the paired difference
    (the suggester's macro F1 minus this coder's) when resampled."""

    coder: str
    dimensions: list[Score]
    dimension_macro_f1: float | None
    dimension_macro_f1_interval: Interval | None = None
    difference: float | None = None  # suggester minus this coder, dimension macro F1
    difference_interval: Interval | None = None


@dataclass
class ThresholdRow:
    """Lexicon suggestions counted only from `min_score` up: how precision trades for recall."""

    min_score: float
    dimension_precision: float | None  # micro over the dimensions
    dimension_recall: float | None
    dimension_macro_f1: float | None
    code_precision: float | None  # micro over the codes
    code_recall: float | None


@dataclass
class LanguageScores:
    """The same scores restricted to the documents of one language."""

    language: str
    sentences: int
    documents: int
    dimensions: list[Score]
    overall: Score
    dimension_macro_f1: float | None = None


@dataclass
class EvaluationReport:
    method: str
    against: str
    sentences: int
    documents: int
    threshold: float | None  # None: `both` without the learned model's own codes
    folds: int | None
    codes: list[Score]
    dimensions: list[Score]
    overall: Score
    dimension_macro_f1: float | None = None  # mean F1 over the dimensions that occur
    notes: list[str] = field(default_factory=list)
    languages: list[LanguageScores] = field(default_factory=list)
    # The lexicon's precision and recall at several --min-score values (PR_THRESHOLDS).
    by_min_score: list[ThresholdRow] = field(default_factory=list)
    min_score: float = 0.0  # the lexicon's cut used for the figures above
    # with `--ci`: the macro F1's interval and how it was resampled (None without)
    dimension_macro_f1_interval: Interval | None = None
    intervals: dict | None = None  # {"resamples", "by", "level", "seed"}
    comparison: Comparison | None = None
    second_coder: SecondCoder | None = None


def _score(name: str, gold: list[bool], pred: list[bool]) -> Score:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision, recall, f1 = reliability.precision_recall_f1(tp, fp, fn)
    try:
        kappa: Fraction | None = (
            reliability.cohen_kappa(gold, pred, categories=[False, True]) if gold else None
        )
    except reliability.UndefinedStatistic:
        kappa = None  # no variation in either coder: kappa is undefined, not zero

    def f(x):
        return None if x is None else round(float(x), 4)

    return Score(
        name=name,
        gold=sum(gold),
        predicted=sum(pred),
        true_positive=tp,
        precision=f(precision),
        recall=f(recall),
        f1=f(f1),
        kappa=f(kappa),
    )


def evaluate(
    session: Session,
    *,
    against: str,
    method: str = "lexicon",
    threshold: float | None = None,
    min_score: float | None = None,
    folds: int = 5,
    seed: int = 0,
    epochs: int = 10,
    model: str | None = None,
    min_positives: int = MIN_POSITIVES,
    progress: Callable[[str], None] | None = None,
    documents: Sequence[str] | None = None,
    trained: bool = False,
    resamples: int | None = None,
    resample_by: str = "sentence",
    compare: str | None = None,
    beside: str | None = None,
) -> EvaluationReport:
    """Precision, recall, F1 and Cohen's kappa of the suggester against one coder, per code, per
    dimension and overall (micro), at sentence level over the coder's documents (or `documents`);
    where the coder recorded which sentences they judged, only those are units. The learned
    method is scored by document-wise cross-validation (it never sees the document it predicts,
    and also learns from the codebook's own words, as `train` does), or with `trained` by the
    project's latest model from `train` (a note says if it learned from evaluated documents).
    `both` counts what either method suggests (their union, as `suggest --method both`).
    With `resamples`, bootstrap intervals (by sentence or by document) of each dimension's F1,
    the codes' micro F1 and the macro F1; with `compare`, that method is scored on the same
    sentences and the difference in macro F1 gets a paired interval."""
    for name in (method, compare):
        if name is not None and name not in ("lexicon", "learned", "both"):
            raise QualcodeError(f"unknown method {name!r}", hint="lexicon, learned or both")
    if compare == method:
        raise QualcodeError(f"--compare {compare} is the method being evaluated",
                            hint="compare with another method: lexicon, learned or both")
    uncertainty.check_unit(resample_by)
    if resamples is not None and resamples < 1:
        raise QualcodeError(f"--resamples {resamples}: a bootstrap needs 1 or more resamples",
                            hint="1,000 (the default) is usual; more for steadier ends")
    if folds < 2:
        raise QualcodeError("--folds must be 2 or more: a model cannot be tested on what it "
                            "was trained on")
    from qualcode.nlp.learned import default_threshold
    from qualcode.nlp.scoring import DEFAULT_MIN_SCORE

    if threshold is None:
        threshold = default_threshold(method)

    if min_score is None:
        min_score = DEFAULT_MIN_SCORE
    coder_row = lookup.coder(session, against, create=False)
    scope = {lookup.document(session, d).id for d in documents} if documents else None
    gold_spans = human_codings(session, coder_row.name, scope, include_dimensions=True)
    judged = judged_spans(session, coder_row.id, scope)
    doc_ids = set(gold_spans) | set(judged)
    if not doc_ids:
        raise QualcodeError(f"{coder_row.name} has coded nothing to compare with")
    sents = [
        s
        for s in respondent_sentences(session, doc_ids, model)
        if s.document_id not in judged or is_judged(s, judged[s.document_id])
    ]
    lang = live_codebook(session).language
    label_sentences(sents, gold_spans, 1.0)
    gold = [{c for c, v in s.labels.items() if v == 1.0} for s in sents]
    index = {(s.document_id, s.start, s.end): i for i, s in enumerate(sents)}
    notes: list[str] = []
    if judged:
        notes.append(
            f"units: the {len(sents)} sentences {coder_row.name} judged (listed with their codes "
            "or none)"
        )
    options = dict(lang=lang, min_score=min_score, model=model, trained=trained, folds=folds,
                   seed=seed, epochs=epochs, min_positives=min_positives, progress=progress)
    predicted, lexicon_hits, method_notes, used_folds = _predict(
        session, method, sents, index, doc_ids, gold_spans, threshold=threshold, **options)
    notes.extend(method_notes)
    roots = lookup.dimensions(session)
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    # A label on a dimension itself counts at dimension level only, never as a code.
    seen = {c for g in gold for c in g} | {c for p in predicted for c in p}
    # Codes under their dimensions in the codebook's order, as the per-dimension table has them.
    place = {root: i for i, root in enumerate(roots)}
    codes = sorted((c for c in seen if c not in roots),
                   key=lambda c: (place.get(dims.get(c), len(roots)), c))
    code_scores = [_score(c, [c in g for g in gold], [c in p for p in predicted]) for c in codes]
    dim_scores, overall, macro = _dimension_scores(codes, roots, dims, gold, predicted)
    spread = {}
    if resamples is not None or compare:
        spread = dict(roots=roots, dims=dims, codes=codes,
                      documents=[x.document_id for x in sents], by=resample_by,
                      resamples=resamples or DEFAULT_RESAMPLES, seed=seed)
    interval_info = macro_interval = None
    if resamples is not None:
        found = uncertainty.intervals(gold, predicted, **spread)
        for score, span in zip(dim_scores, found.dimensions, strict=True):
            score.f1_interval = span
        overall.f1_interval = found.codes_micro
        macro_interval = found.macro
        interval_info = {"resamples": found.resamples, "by": found.by, "level": found.level,
                         "seed": seed}
        n_docs = len(doc_ids)
        if resample_by == "document" and n_docs < FEW_DOCUMENTS:
            notes.append(
                f"intervals: {n_docs} documents allow only {math.comb(2 * n_docs - 1, n_docs)} "
                "different resamples, so the document intervals are coarse; read them beside "
                "--ci-by sentence")
    comparison = None
    if compare:
        other, _, other_notes, _ = _predict(
            session, compare, sents, index, doc_ids, gold_spans,
            threshold=default_threshold(compare), **options)
        notes.extend(f"compared: {n}" for n in other_notes)
        *_, other_macro = _dimension_scores(codes, roots, dims, gold, other)
        comparison = Comparison(
            method=compare, dimension_macro_f1=other_macro,
            difference=(None if macro is None or other_macro is None
                        else round(macro - other_macro, 4)),
            difference_interval=uncertainty.macro_difference(gold, predicted, other, **spread),
            resamples=spread["resamples"], by=resample_by)
    second_coder = None
    if beside is not None:
        second = _coded_sets(sents, human_codings(session, beside, doc_ids,
                                                  include_dimensions=True))
        s_dims, _, s_macro = _dimension_scores(codes, roots, dims, gold, second)
        second_coder = SecondCoder(coder=beside, dimensions=s_dims, dimension_macro_f1=s_macro)
        if resamples is not None:
            found = uncertainty.intervals(gold, second, **spread)
            for score, span in zip(s_dims, found.dimensions, strict=True):
                score.f1_interval = span
            second_coder.dimension_macro_f1_interval = found.macro
            if macro is not None and s_macro is not None:
                second_coder.difference = round(macro - s_macro, 4)
            second_coder.difference_interval = uncertainty.macro_difference(
                gold, predicted, second, **spread)
    by_min_score = []
    if method in ("lexicon", "both"):
        by_min_score = _threshold_rows(lexicon_hits, sents, index, gold, roots, dims)
    languages = []
    for language in sorted({s.language or lang for s in sents}):
        keep = [i for i, s in enumerate(sents) if (s.language or lang) == language]
        l_dims, l_overall, l_macro = _dimension_scores(
            codes, roots, dims, [gold[i] for i in keep], [predicted[i] for i in keep])
        languages.append(LanguageScores(
            language=language, sentences=len(keep),
            documents=len({sents[i].document_id for i in keep}),
            dimensions=l_dims, overall=l_overall, dimension_macro_f1=l_macro))
    return EvaluationReport(
        method=method,
        against=coder_row.name,
        sentences=len(sents),
        documents=len(doc_ids),
        threshold=threshold,
        folds=used_folds,
        codes=code_scores,
        dimensions=dim_scores,
        overall=overall,
        dimension_macro_f1=macro,
        notes=notes,
        languages=languages,
        by_min_score=by_min_score,
        min_score=min_score,
        dimension_macro_f1_interval=macro_interval,
        intervals=interval_info,
        comparison=comparison,
        second_coder=second_coder,
    )


def _predict(session: Session, method: str, sents: list[Sentence], index: dict,
             doc_ids: set[int], gold_spans: dict, *, lang: str, threshold: float | None,
             min_score: float, model: str | None, trained: bool, folds: int, seed: int,
             epochs: int, min_positives: int, progress: Callable[[str], None] | None,
             ) -> tuple[list[set[str]], list, list[str], int | None]:
    """What `method` suggests for each sentence: (codes per sentence, the lexicon's hits as
    (document, start, end, code, score) when it ran, notes, cross-validation folds used)."""
    predicted: list[set[str]] = [set() for _ in sents]
    notes: list[str] = []
    lexicon_hits: list = []
    used_folds = None
    dimension_of = dimension_of_codes(session)
    if method in ("lexicon", "both"):
        units, _ = text_units(session)
        units = [u for u in units if u.document_id in doc_ids]
        hits, _, _ = generate_hits(
            session, units, method="lexicon", unit="sentence", model=model, threshold=threshold
        )
        hit_list = list(hits)
        lexicon_hits = [(h.document_id, h.start, h.end, h.code, h.score) for h in hit_list]
    if method == "lexicon":
        for doc_id, start, end, code, score in lexicon_hits:
            if score >= min_score:
                _mark(predicted, sents, index, doc_id, start, end, code)
    if method in ("learned", "both") and trained:
        from qualcode.nlp.learned import TrainedClassifier, verify_hits

        stored = latest_model(session)
        clf = TrainedClassifier.from_bytes(stored.data)
        if method == "both":  # the lexicon re-ranked by the verifier, as `suggest` does
            text_of = passage_text(units)
            for h in verify_hits(clf, hit_list, text_of, dimension_of):
                if h.score >= min_score:
                    _mark(predicted, sents, index, h.document_id, h.start, h.end, h.code)
        if threshold is not None:
            _predict_stored(session, clf, sents, predicted, threshold)
        notes.append(_stored_note(session, stored, doc_ids))
    elif method in ("learned", "both"):
        extra = codebook_examples(live_codebook(session))
        verify = None
        if method == "both":
            verify = (hits_by_sentence(sents, [h for h in hit_list if h.score >= min_score]),
                      dimension_of)
        used_folds = _cross_validate(
            sents, predicted, lang, folds, seed, epochs, threshold, min_positives, progress,
            extra, with_dimensions(session, gold_spans), verify, index,
        )
        notes.append(f"learned: {used_folds}-fold cross-validation by document")
    return predicted, lexicon_hits, notes, used_folds


def _threshold_rows(hits, sents, index, gold, roots, dims) -> list[ThresholdRow]:
    """Lexicon-only precision and recall at each of PR_THRESHOLDS."""
    from qualcode.nlp.scoring import PR_THRESHOLDS

    marked: list[tuple[int, str, float]] = []  # (sentence, code, score)
    for doc_id, start, end, code, score in hits:
        marked.extend((i, code, score) for i in sentences_of(sents, index, doc_id, start, end))
    rows = []
    for cut in PR_THRESHOLDS:
        predicted: list[set[str]] = [set() for _ in sents]
        for i, code, score in marked:
            if score >= cut:
                predicted[i].add(code)
        codes = sorted({c for g in gold for c in g} - set(roots))
        dim_scores, overall, macro = _dimension_scores(codes, roots, dims, gold, predicted)
        tp = sum(d.true_positive for d in dim_scores)
        pred = sum(d.predicted for d in dim_scores)
        gold_n = sum(d.gold for d in dim_scores)
        rows.append(ThresholdRow(
            min_score=cut,
            dimension_precision=round(tp / pred, 4) if pred else None,
            dimension_recall=round(tp / gold_n, 4) if gold_n else None,
            dimension_macro_f1=macro,
            code_precision=overall.precision, code_recall=overall.recall))
    return rows


def _dimension_scores(codes: list[str], roots: list[str], dims: dict[str, str],
                      gold: list[set[str]], predicted: list[set[str]]
                      ) -> tuple[list[Score], Score, float | None]:
    """Scores per dimension, over all codes (micro) and the dimensions' macro F1, for these
    sentences."""
    dim_scores = [
        _score(
            d,
            [any(dims.get(c) == d for c in g) for g in gold],
            [any(dims.get(c) == d for c in p) for p in predicted],
        )
        for d in roots
    ]
    defined = [x.f1 for x in dim_scores if x.gold or x.predicted]
    macro = round(sum(x or 0.0 for x in defined) / len(defined), 4) if defined else None
    flat_gold = [c in g for c in codes for g in gold]
    flat_pred = [c in p for c in codes for p in predicted]
    return dim_scores, _score("all codes (micro)", flat_gold, flat_pred), macro


def _coded_sets(sents: list[Sentence], spans: dict[int, list[tuple[int, int, str]]]
                ) -> list[set[str]]:
    """The codes a coder put on each sentence (any overlap counts, as for the gold coder)."""
    out: list[set[str]] = [set() for _ in sents]
    by_doc: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sents):
        by_doc[s.document_id].append(i)
    for doc_id, items in spans.items():
        for start, end, code in items:
            for i in by_doc.get(doc_id, ()):
                if sents[i].start < end and sents[i].end > start:
                    out[i].add(code)
    return out


def _mark(predicted, sents, index, doc_id, start, end, code) -> None:
    for i in sentences_of(sents, index, doc_id, start, end):
        predicted[i].add(code)


def _predict_stored(session: Session, clf, sents: list[Sentence], predicted: list[set[str]],
                    threshold: float) -> None:
    """Add the stored model's own suggestions (as `suggest` makes them) to `predicted`."""
    book = live_codebook(session).by_key()
    live = [label for label in clf.labels if label in book]
    for i, probabilities in enumerate(clf.predict([s.text for s in sents])):
        found = {book[c].dimension for c in live
                 if not book[c].is_dimension and probabilities[c] >= threshold}
        predicted[i].update(c for c in live if probabilities[c] >= threshold
                            and not (book[c].is_dimension and c in found))


def _stored_note(session: Session, stored: TrainedModel, doc_ids: set[int]) -> str:
    names = dict(session.execute(select(Document.id, Document.name)).all())
    seen = sorted(set(stored.metrics.get("documents", ())) & {names[d] for d in doc_ids})
    note = f"learned: trained model {stored.id}"
    if seen:
        note += (f", which learned from {len(seen)} of the evaluated documents "
                 f"({', '.join(seen)}): not a fair test")
    return note


def _cross_validate(
    sents, predicted, lang, folds, seed, epochs, threshold, min_positives, progress,
    extra=(), spans=None, verify=None, index=None,
) -> int:
    """Each fold's model predicts the sentences of its held-out documents: its own codes from
    `threshold` (none when None); with `verify` ({sentence: lexicon hits}, dimension_of), the
    lexicon's hits kept by a verifier trained on the other folds' hits (method "both")."""
    from qualcode.nlp.learned import verify_hits
    doc_ids = sorted({s.document_id for s in sents})
    k = max(2, min(folds, len(doc_ids)))
    if len(doc_ids) < 2:
        raise QualcodeError("cross-validation needs at least two coded documents")
    fold_of = {d: i % k for i, d in enumerate(doc_ids)}
    for fold in range(k):
        if progress:
            progress(f"fold {fold + 1}/{k}")
        train_s = [s for s in sents if fold_of[s.document_id] != fold]
        if spans is not None:  # also learn each code's dimension, as `train` does
            train_s = [Sentence(s.document_id, s.start, s.end, s.text, dict(s.labels),
                                s.language) for s in train_s]
            label_sentences(
                train_s, {d: v for d, v in spans.items() if fold_of.get(d) != fold}, 1.0)
        test_idx = [i for i, s in enumerate(sents) if fold_of[s.document_id] == fold]
        try:
            clf, *_ = fit_classifier(train_s, lang, seed, epochs, min_positives, extra)
        except QualcodeError:
            clf = None
        if verify is not None:
            by_sentence, dimension_of = verify
            test_hits = [h for i in test_idx for h in by_sentence.get(i, ())]
            if clf is not None:
                train_hits = {id(h): h for i, s in enumerate(sents)
                              if fold_of[s.document_id] != fold for h in by_sentence.get(i, ())}
                clf.train_verifier(verifier_rows(train_s, list(train_hits.values()),
                                                 dimension_of), seed=seed, epochs=epochs)
                test_hits = list(verify_hits(clf, test_hits, text_lookup(sents), dimension_of))
            for h in test_hits:
                _mark(predicted, sents, index, h.document_id, h.start, h.end, h.code)
        if clf is None or threshold is None:
            continue
        probs = clf.predict([sents[i].text for i in test_idx])
        for i, p in zip(test_idx, probs, strict=True):
            predicted[i].update(c for c, v in p.items() if v >= threshold)
    return k
