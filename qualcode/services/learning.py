"""Learning from the coder (`train`), and the respondent sentences and human labels that it and
`evaluate` (services/evaluation.py) work on: the unit suggestions are made at."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain import Codebook
from qualcode.errors import QualcodeError
from qualcode.services import events, lookup
from qualcode.services.codebook import live_codebook
from qualcode.services.suggest import (
    by_language,
    generate_hits,
    pipelines_for,
    text_units,
)
from qualcode.storage.models import (
    Code,
    Coding,
    Document,
    JudgedSpan,
    Suggestion,
    TrainedModel,
)

# A code needs this many positive sentences before the classifier learns it.
MIN_POSITIVES = 3

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


def label_sentences(
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
    label_sentences(sents, with_dimensions(session, positives), 1.0)
    label_sentences(sents, rejected, 0.0, keep_positive=True)
    return [
        s for s in sents
        if s.labels
        or (s.document_id in positives
            and (s.document_id not in judged or is_judged(s, judged[s.document_id])))
    ]


def with_dimensions(session: Session, spans: dict[int, list[tuple[int, int, str]]]
                     ) -> dict[int, list[tuple[int, int, str]]]:
    """The coded spans plus, for each code, the same span labelled with the code's dimension:
    the classifier also learns each dimension as a whole."""
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    return {doc_id: [*items, *((s, e, dims[k]) for s, e, k in items if dims.get(k, k) != k)]
            for doc_id, items in spans.items()}


def dimension_of_codes(session: Session) -> dict[str, str]:
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
    by_sentence = hits_by_sentence(sents, hits)
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


def text_lookup(sents: list[Sentence]):
    texts = {(s.document_id, s.start, s.end): s.text for s in sents}
    return lambda document_id, start, end: texts.get((document_id, start, end), "")


def hits_by_sentence(sents: list[Sentence], hits: list) -> dict[int, list]:
    index = {(s.document_id, s.start, s.end): i for i, s in enumerate(sents)}
    out: dict[int, list] = defaultdict(list)
    for h in hits:
        for i in sentences_of(sents, index, h.document_id, h.start, h.end):
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


def fit_classifier(sents: list[Sentence], lang: str, seed: int, epochs: int,
                   min_positives: int, extra: Examples = ()):
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
    clf, examples, labels, counts, skipped = fit_classifier(sents, lang, seed, epochs,
                                                            min_positives, extra)
    if sents:  # the lexicon's verifier learns from the lexicon's hits in the coded sentences
        hits = _lexicon_hits(session, {s.document_id for s in sents})
        clf.train_verifier(verifier_rows(sents, hits, dimension_of_codes(session)), seed=seed,
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


def is_judged(sentence: Sentence, spans: list[tuple[int, int]]) -> bool:
    """Most of the sentence lies in what the coder judged (their sentence bounds may differ a
    little from the sentencizer's)."""
    inside = sum(max(0, min(e, sentence.end) - max(s, sentence.start)) for s, e in spans)
    return 2 * inside >= sentence.end - sentence.start


def sentences_of(sents, index, doc_id, start, end) -> list[int]:
    i = index.get((doc_id, start, end))
    if i is not None:
        return [i]
    return [j for j, s in enumerate(sents)  # a unit that is not exactly one sentence
            if s.document_id == doc_id and s.start < end and s.end > start]
