"""Learning from the coder (`train`) and measuring the suggester as if it were a second coder
(`evaluate`). Both work on respondent sentences, the unit suggestions are made at."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import reliability
from qualcode.bootstrap import BY as RESAMPLE_BY
from qualcode.bootstrap import DEFAULT_RESAMPLES, Interval
from qualcode.domain import Codebook
from qualcode.errors import QualcodeError
from qualcode.services import events, lookup, uncertainty
from qualcode.services.codebook import live_codebook
from qualcode.services.suggest import (
    by_language,
    generate_hits,
    latest_model,
    passage_text,
    pipelines_for,
    text_units,
)
from qualcode.storage.models import (
    Code,
    Coder,
    Coding,
    Document,
    JudgedSpan,
    Suggestion,
    TrainedModel,
)

# A code needs this many positive sentences before the classifier learns it.
MIN_POSITIVES = 3
# Below this many documents a document bootstrap has few distinct resamples (C(2n-1, n): 35 for
# four documents, 92,378 for ten) and `evaluate` says its intervals are coarse.
FEW_DOCUMENTS = 10

Examples = list[tuple[str, dict[str, float]]]


@dataclass
class Sentence:
    document_id: int
    start: int
    end: int
    text: str
    labels: dict[str, float] = field(default_factory=dict)
    language: str | None = None


@dataclass
class TrainReport:
    model_id: int | None
    fingerprint: str
    labels: list[str]
    examples: int
    positives: dict[str, int]
    seconds: float
    up_to_date: bool
    skipped_labels: list[str]
    coded_sentences: int = 0  # of the project's documents
    codebook_examples: int = 0  # texts taken from the codebook itself


def respondent_sentences(session: Session, doc_ids: set[int], model: str | None = None
                         ) -> list[Sentence]:
    """The respondent sentences of these documents, each document split by the sentencizer of
    its own language."""
    from qualcode.nlp.suggester import sentences

    units, docs = text_units(session)
    units = [u for u in units if u.document_id in doc_ids]
    pipes = pipelines_for(session, units, model)
    default = live_codebook(session).language
    out = []
    for lang, items in by_language(units, default).items():
        out += [Sentence(d, s, e, docs[d].text[s:e], language=lang)
                for d, s, e in sentences(pipes[lang], items)]
    return sorted(out, key=lambda s: (s.document_id, s.start))


def _label(
    sents: list[Sentence],
    spans: dict[int, list[tuple[int, int, str]]],
    value: float,
    *,
    keep_positive: bool = False,
) -> None:
    by_doc: dict[int, list[Sentence]] = defaultdict(list)
    for s in sents:
        by_doc[s.document_id].append(s)
    for doc_id, items in spans.items():
        for start, end, code in items:
            for s in by_doc.get(doc_id, ()):
                if s.start < end and s.end > start:
                    if keep_positive and s.labels.get(code) == 1.0:
                        continue
                    s.labels[code] = value


def human_codings(
    session: Session,
    coder: str | None = None,
    doc_ids: set[int] | None = None,
    *,
    include_dimensions: bool = False,
) -> dict[int, list[tuple[int, int, str]]]:
    """Codings a person made or approved: manual, imported, and accepted suggestions. Codings on
    a dimension itself (a dimension-level label) only when asked: they teach no code."""
    q = select(Coding.document_id, Coding.start, Coding.end, Code.key).join(
        Code, Coding.code_id == Code.id
    )
    if not include_dimensions:
        q = q.where(Code.is_dimension.is_(False))
    if coder:
        q = q.where(Coding.coder_id == lookup.coder(session, coder, create=False).id)
    out: dict[int, list] = defaultdict(list)
    for doc_id, start, end, key in session.execute(q):
        if doc_ids is None or doc_id in doc_ids:
            out[doc_id].append((start, end, key))
    return out


def training_set(
    session: Session,
    *,
    coder: str | None = None,
    documents: Sequence[str] | None = None,
) -> list[Sentence]:
    """The project's coded sentences as training examples. A sentence is positive for every code
    a person gave it and for that code's dimension (a dimension-only label makes it positive for
    the dimension alone). Negatives: in a document where someone recorded which sentences they
    judged (a gold standard), the judged sentences without the code; in other coded documents,
    every respondent sentence without it; elsewhere, the sentences of rejected suggestions."""
    scope = {lookup.document(session, d).id for d in documents} if documents is not None else None
    positives = human_codings(session, coder, scope, include_dimensions=True)
    rejected: dict[int, list] = defaultdict(list)
    for doc_id, start, end, key in session.execute(
        select(Suggestion.document_id, Suggestion.start, Suggestion.end, Code.key)
        .join(Code, Suggestion.code_id == Code.id)
        .where(Suggestion.status == "rejected")
    ):
        if scope is None or doc_id in scope:
            rejected[doc_id].append((start, end, key))
    judged: dict[int, list[tuple[int, int]]] = defaultdict(list)
    coder_id = lookup.coder(session, coder, create=False).id if coder else None
    for doc_id, spans in judged_spans(session, coder_id, scope).items():
        judged[doc_id] += spans
    sents = respondent_sentences(session, set(positives) | set(rejected))
    _label(sents, _with_dimensions(session, positives), 1.0)
    _label(sents, rejected, 0.0, keep_positive=True)
    return [
        s for s in sents
        if s.labels
        or (s.document_id in positives
            and (s.document_id not in judged or _is_judged(s, judged[s.document_id])))
    ]


def _with_dimensions(session: Session, spans: dict[int, list[tuple[int, int, str]]]
                     ) -> dict[int, list[tuple[int, int, str]]]:
    """The coded spans plus, for each code, the same span labelled with the code's dimension:
    the classifier also learns each dimension as a whole."""
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    return {doc_id: [*items, *((s, e, dims[k]) for s, e, k in items if dims.get(k, k) != k)]
            for doc_id, items in spans.items()}


def _dimension_of(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Code.key, Code.dimension)).all())


def _lexicon_hits(session: Session, doc_ids: set[int]) -> list:
    """The lexicon's sentence hits in these documents, as `suggest` makes them."""
    units, _ = text_units(session)
    hits, _, _ = generate_hits(session, [u for u in units if u.document_id in doc_ids],
                               method="lexicon", unit="sentence", model=None, threshold=None)
    return list(hits)


def verifier_rows(sents: list[Sentence], hits: list, dimension_of: dict[str, str]
                  ) -> list[tuple[str, list[str], dict[str, float]]]:
    """What the verifier learns from: each coded sentence the lexicon found something in, with
    the markers of its hits and, per dimension hit, 1.0 when a person gave the sentence that
    dimension (or a code of it) and 0.0 when they did not: the sentence is in a document they
    coded, or a suggestion of that dimension was rejected there. Elsewhere it is unknown."""
    from qualcode.nlp.learned import hit_markers

    coded = {s.document_id for s in sents if any(v == 1.0 for v in s.labels.values())}
    by_sentence = _hits_by_sentence(sents, hits)
    rows = []
    for i, items in sorted(by_sentence.items()):
        s = sents[i]
        cats: dict[str, float] = {}
        for h in items:
            dim = dimension_of.get(h.code, h.code)
            if s.labels.get(dim) == 1.0:
                cats[dim] = 1.0
            elif dim not in cats and (s.document_id in coded or s.labels.get(h.code) == 0.0):
                cats[dim] = 0.0
        if cats:
            rows.append((s.text, hit_markers(items, dimension_of), cats))
    return rows


def _text_of(sents: list[Sentence]):
    texts = {(s.document_id, s.start, s.end): s.text for s in sents}
    return lambda document_id, start, end: texts.get((document_id, start, end), "")


def _hits_by_sentence(sents: list[Sentence], hits: list) -> dict[int, list]:
    index = {(s.document_id, s.start, s.end): i for i, s in enumerate(sents)}
    out: dict[int, list] = defaultdict(list)
    for h in hits:
        for i in _sentences_of(sents, index, h.document_id, h.start, h.end):
            out[i].append(h)
    return out


def codebook_examples(codebook: Codebook) -> Examples:
    """What the codebook itself says about each code, as short labelled texts, so that a project
    nobody has coded yet has something to learn from: the code's definition, its include items,
    its examples and the words of its phrase and lemma patterns (in the codebook's language).
    Each is positive for the code and its dimension and negative for every other label; a
    dimension's own definition and examples are positive for the dimension alone. Then as many
    empty texts, negative for every label (see below)."""
    labels = [c.key for c in codebook.codes]
    rows: Examples = []
    for code in codebook.codes:
        texts = [code.definition, *code.include, *code.examples]
        for pattern in code.patterns:
            if (pattern.kind in ("phrase", "lemma") and pattern.language == codebook.language
                    and getattr(pattern, "role", "suggest") == "suggest"):  # not a veto's words
                values = pattern.value if isinstance(pattern.value, list) else [pattern.value]
                texts += [str(v) for v in values]
        positive = {code.key, code.dimension}
        cats = {label: 1.0 if label in positive else 0.0 for label in labels}
        rows += [(" ".join(t.split()), cats) for t in texts if t and t.strip()]
    # As many empty texts, negative for every label: without them a sentence with no word the
    # codebook uses scored near the share of positives among these texts (0.4-0.6 for each code
    # of a small codebook), so every such sentence was suggested. On the tuning files (each in
    # turn, learned from the other four) they also raised the learned model's dimension-level
    # macro F1 from 0.227 to 0.253.
    rows += [("", dict.fromkeys(labels, 0.0))] * len(rows)
    return rows


def _fit(sents: list[Sentence], lang: str, seed: int, epochs: int, min_positives: int,
         extra: Examples = ()):
    from qualcode.nlp.learned import train_classifier

    counts: dict[str, int] = defaultdict(int)
    for s in sents:
        for code, v in s.labels.items():
            if v == 1.0:
                counts[code] += 1
    for _, cats in extra:
        for code, v in cats.items():
            if v == 1.0:
                counts[code] += 1
    labels = sorted(c for c, n in counts.items() if n >= min_positives)
    skipped = sorted(c for c, n in counts.items() if n < min_positives)
    if not labels:
        raise QualcodeError(
            "not enough coding to learn from",
            hint=f"each code needs at least {min_positives} coded sentences or codebook examples",
        )
    examples = [(s.text, {c: s.labels.get(c, 0.0) for c in labels}) for s in sents]
    examples += [(text, {c: cats.get(c, 0.0) for c in labels}) for text, cats in extra]
    return (
        train_classifier(examples, labels, lang=lang, seed=seed, epochs=epochs),
        examples,
        labels,
        dict(counts),
        skipped,
    )


def train(
    session: Session,
    *,
    coder: str | None = None,
    seed: int = 0,
    epochs: int = 10,
    force: bool = False,
    min_positives: int = MIN_POSITIVES,
    actor: str = "qualcode",
    documents: Sequence[str] | None = None,
    codings: bool = True,
    codebook: bool = True,
) -> TrainReport:
    """Train the classifier on the codebook's own words (definitions, include items, examples,
    pattern words) and the project's human coding (`coder`'s only, or only in `documents`, when
    given); `codings=False` learns from the codebook alone, `codebook=False` from codings alone."""
    from qualcode.nlp.learned import fingerprint

    if epochs < 1:
        raise QualcodeError("--epochs must be 1 or more")
    if not (codings or codebook):
        raise QualcodeError("nothing to learn from: both the codebook and the codings are off",
                            hint="drop --only-codebook or --no-codebook")
    book = live_codebook(session)
    lang = book.language
    sents = training_set(session, coder=coder, documents=documents) if codings else []
    extra = codebook_examples(book) if codebook else []
    started = time.perf_counter()
    # The fingerprint is over the data, so an unchanged project does not retrain.
    labels_all = sorted({c for s in sents for c in s.labels} | {c for _, x in extra for c in x})
    probe = fingerprint([*((s.text, dict(sorted(s.labels.items()))) for s in sents), *extra],
                        labels_all)
    latest = session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()
    # A model stored before the verifier existed (no "verifier" in its metrics) is retrained
    # once, so `both` gets one.
    if (latest is not None and latest.fingerprint == probe and not force
            and "verifier" in (latest.metrics or {})):
        return TrainReport(
            model_id=latest.id,
            fingerprint=probe,
            labels=list(latest.labels),
            examples=len(sents) + len(extra),
            positives=dict(latest.metrics.get("positives", {})),
            seconds=0.0,
            up_to_date=True,
            skipped_labels=[],
            coded_sentences=len(sents),
            codebook_examples=len(extra),
        )
    clf, examples, labels, counts, skipped = _fit(sents, lang, seed, epochs, min_positives,
                                                  extra)
    if sents:  # the lexicon's verifier learns from the lexicon's hits in the coded sentences
        hits = _lexicon_hits(session, {s.document_id for s in sents})
        clf.train_verifier(verifier_rows(sents, hits, _dimension_of(session)), seed=seed,
                           epochs=epochs)
    seconds = time.perf_counter() - started
    trained_on = sorted({s.document_id for s in sents})
    names = dict(session.execute(select(Document.id, Document.name)).all())
    row = TrainedModel(
        kind="textcat_multilabel",
        fingerprint=probe,
        labels=labels,
        metrics={
            "examples": len(examples),
            "coded_sentences": len(sents),
            "codebook_examples": len(extra),
            "documents": [names[d] for d in trained_on],
            "positives": counts,
            "seconds": round(seconds, 2),
            "seed": seed,
            "epochs": epochs,
            "verifier": {"dimensions": clf.verified_dimensions,
                         "kept_dropped": clf.verifier_counts},
        },
        pipeline=clf.description,
        data=clf.to_bytes(),
    )
    session.add(row)
    session.flush()
    events.record(session, actor, "model.train", "trained_model", row.id,
                  after={"fingerprint": probe, "labels": len(labels), "examples": len(examples),
                         "coder": coder, "codebook_examples": len(extra)})
    return TrainReport(
        model_id=row.id,
        fingerprint=probe,
        labels=labels,
        examples=len(examples),
        positives=counts,
        seconds=seconds,
        up_to_date=False,
        skipped_labels=skipped,
        coded_sentences=len(sents),
        codebook_examples=len(extra),
    )


# --- evaluation -----------------------------------------------------------------------------


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
    if resample_by not in RESAMPLE_BY:
        raise QualcodeError(f"unknown resampling unit {resample_by!r}", hint="sentence or document")
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
        if s.document_id not in judged or _is_judged(s, judged[s.document_id])
    ]
    lang = live_codebook(session).language
    _label(sents, gold_spans, 1.0)
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
    roots = list(
        session.scalars(
            select(Code.key).where(Code.is_dimension.is_(True)).order_by(Code.sort_order, Code.id)
        )
    )
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    # A label on a dimension itself counts at dimension level only, never as a code.
    seen = {c for g in gold for c in g} | {c for p in predicted for c in p}
    codes = sorted(c for c in seen if c not in roots)
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
    dimension_of = _dimension_of(session)
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
            verify = (_hits_by_sentence(sents, [h for h in hit_list if h.score >= min_score]),
                      dimension_of)
        used_folds = _cross_validate(
            sents, predicted, lang, folds, seed, epochs, threshold, min_positives, progress,
            extra, _with_dimensions(session, gold_spans), verify, index,
        )
        notes.append(f"learned: {used_folds}-fold cross-validation by document")
    return predicted, lexicon_hits, notes, used_folds


def _threshold_rows(hits, sents, index, gold, roots, dims) -> list[ThresholdRow]:
    """Lexicon-only precision and recall at each of PR_THRESHOLDS."""
    from qualcode.nlp.scoring import PR_THRESHOLDS

    marked: list[tuple[int, str, float]] = []  # (sentence, code, score)
    for doc_id, start, end, code, score in hits:
        marked.extend((i, code, score) for i in _sentences_of(sents, index, doc_id, start, end))
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


def judged_spans(
    session: Session, coder_id: int | None, doc_ids: set[int] | None = None
) -> dict[int, list[tuple[int, int]]]:
    """The stretches a coder (any coder when None) recorded as read and labelled, by document."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    query = select(JudgedSpan.document_id, JudgedSpan.start, JudgedSpan.end)
    if coder_id is not None:
        query = query.where(JudgedSpan.coder_id == coder_id)
    for doc_id, start, end in session.execute(query):
        if doc_ids is None or doc_id in doc_ids:
            out[doc_id].append((start, end))
    return out


def _is_judged(sentence: Sentence, spans: list[tuple[int, int]]) -> bool:
    """Most of the sentence lies in what the coder judged (their sentence bounds may differ a
    little from the sentencizer's)."""
    inside = sum(max(0, min(e, sentence.end) - max(s, sentence.start)) for s, e in spans)
    return 2 * inside >= sentence.end - sentence.start


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
    for i in _sentences_of(sents, index, doc_id, start, end):
        predicted[i].add(code)


def _sentences_of(sents, index, doc_id, start, end) -> list[int]:
    i = index.get((doc_id, start, end))
    if i is not None:
        return [i]
    return [j for j, s in enumerate(sents)  # a unit that is not exactly one sentence
            if s.document_id == doc_id and s.start < end and s.end > start]


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
            _label(train_s, {d: v for d, v in spans.items() if fold_of.get(d) != fold}, 1.0)
        test_idx = [i for i, s in enumerate(sents) if fold_of[s.document_id] == fold]
        try:
            clf, *_ = _fit(train_s, lang, seed, epochs, min_positives, extra)
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
                test_hits = list(verify_hits(clf, test_hits, _text_of(sents), dimension_of))
            for h in test_hits:
                _mark(predicted, sents, index, h.document_id, h.start, h.end, h.code)
        if clf is None or threshold is None:
            continue
        probs = clf.predict([sents[i].text for i in test_idx])
        for i, p in zip(test_idx, probs, strict=True):
            predicted[i].update(c for c, v in p.items() if v >= threshold)
    return k


def coders(session: Session) -> list[str]:
    return list(session.scalars(select(Coder.name).order_by(Coder.name)))
