"""Suggesting codes with spaCy from the project's live codebook, and storing the suggestions.

A run replaces the pending suggestions of the documents it covers (so suggestions made under an
older codebook disappear) and never touches decided ones: an accepted or rejected (document, code,
span) is not proposed again. Spans already coded with the same code by anyone are not proposed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from qualcode.domain import (
    INTERVIEWER,
    RESPONDENT,
    SuggestionHit,
    TextUnit,
)
from qualcode.errors import QualcodeError
from qualcode.services import events, lookup
from qualcode.services.codebook import live_codebook
from qualcode.storage.models import Code, Coding, Document, Suggestion, TrainedModel, Turn

METHODS = ("lexicon", "learned", "both")
UNITS = ("sentence", "turn")


@dataclass
class SuggestReport:
    method: str
    unit: str
    pipeline: str  # every language's pipeline, "zh: ...; en: ..." when there are several
    dry_run: bool
    documents: int = 0
    units: int = 0
    words: int = 0
    hits: int = 0
    written: int = 0
    updated: int = 0
    kept_decided: int = 0
    already_coded: int = 0
    removed_stale: int = 0
    by_code_case: dict[str, dict[str, int]] = field(default_factory=dict)
    pipelines: dict[str, str] = field(default_factory=dict)  # language -> pipeline
    units_by_language: dict[str, int] = field(default_factory=dict)


def text_units(
    session: Session, *, documents: Sequence[str] | None = None, include_interviewer: bool = False
) -> tuple[list[TextUnit], dict[int, Document]]:
    """Respondent turns (and interviewer turns if asked) as units for the suggester."""
    query = select(Document).order_by(Document.name)
    if documents:
        query = query.where(Document.id.in_([lookup.document(session, d).id for d in documents]))
    roles = (RESPONDENT, INTERVIEWER) if include_interviewer else (RESPONDENT,)
    docs = {d.id: d for d in session.scalars(query)}
    units = []
    for turn in session.scalars(
        select(Turn)
        .where(Turn.document_id.in_(list(docs)), Turn.role.in_(roles))
        .order_by(Turn.document_id, Turn.number)
    ):
        text = docs[turn.document_id].text[turn.start : turn.end]
        if text.strip():
            units.append(
                TextUnit(
                    document_id=turn.document_id,
                    start=turn.start,
                    text=text,
                    turn_number=turn.number,
                    language=docs[turn.document_id].language or None,
                )
            )
    return units, docs


def latest_model(session: Session) -> TrainedModel:
    model = session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()
    if model is None:
        raise QualcodeError(
            "no trained model in this project", hint="run `qualcode train` after some human coding"
        )
    return model


def by_language(units: Iterable[TextUnit], default: str) -> dict[str, list[TextUnit]]:
    """Units grouped by their document's language, document order kept within a language."""
    groups: dict[str, list[TextUnit]] = {}
    for u in units:
        groups.setdefault(u.language or default, []).append(u)
    return groups


def pipelines_for(session: Session, units: Iterable[TextUnit], model: str | None = None):
    """{language: SuggestPipeline} for the languages of these units (the codebook's when none),
    each built once."""
    from qualcode.nlp.pipeline import build_pipelines

    codebook = live_codebook(session)
    languages = {u.language or codebook.language for u in units}
    return build_pipelines(codebook, languages, model=model)


def describe(pipes: dict) -> str:
    if len(pipes) == 1:
        return next(iter(pipes.values())).description
    return "; ".join(f"{lang}: {pipe.description}" for lang, pipe in sorted(pipes.items()))


def generate_hits(
    session: Session,
    units: list[TextUnit],
    *,
    method: str,
    unit: str,
    model: str | None,
    threshold: float | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Iterator[SuggestionHit], dict[str, str], str]:
    """(hits, {language: pipeline description}, codebook sha) for the chosen method. Each
    document is processed by the pipeline of its own language."""
    codebook = live_codebook(session)
    pipes = pipelines_for(session, units, model)
    groups = by_language(units, codebook.language)
    descriptions = {lang: pipes[lang].description for lang in groups} or {
        lang: p.description for lang, p in pipes.items()}
    sha = codebook.sha256 or ""
    lexicon = _lexicon_hits(pipes, groups, unit, progress)
    if method == "lexicon":
        return lexicon, descriptions, sha
    from qualcode.nlp.learned import TrainedClassifier, default_threshold, verify_hits

    if threshold is None:  # the learned model's own default for this method (nlp/learned.py)
        threshold = default_threshold(method)
    stored = latest_model(session)
    clf = TrainedClassifier.from_bytes(stored.data)
    live = {c.key for c in codebook.codes}
    descriptions = {lang: f"{text}; {clf.description} (model {stored.id})"
                    for lang, text in descriptions.items()}
    if method == "learned":
        learned = (h for h in _learned_hits(clf, pipes, groups, unit, threshold)
                   if h.code in live)  # a code retired since training gets nothing
        return learned, descriptions, sha
    # "both": the lexicon's hits re-ranked by the verifier, plus the model's own codes only
    # when a threshold is given (nlp/learned.py, BOTH_THRESHOLD)
    verified = verify_hits(clf, lexicon, passage_text(units),
                           {c.key: c.dimension for c in codebook.codes})
    if threshold is None:
        return combine_methods(verified, ()), descriptions, sha
    learned = (h for h in _learned_hits(clf, pipes, groups, unit, threshold) if h.code in live)
    return combine_methods(verified, learned), descriptions, sha


def passage_text(units: Iterable[TextUnit]) -> Callable[[int, int, int], str]:
    """text_of(document_id, start, end) for passages inside these units."""
    by_doc: dict[int, list[TextUnit]] = {}
    for u in units:
        by_doc.setdefault(u.document_id, []).append(u)
    starts = {}
    for doc_id, items in by_doc.items():
        items.sort(key=lambda u: u.start)
        starts[doc_id] = [u.start for u in items]

    def text_of(document_id: int, start: int, end: int) -> str:
        i = bisect_right(starts.get(document_id, []), start) - 1
        if i < 0:
            return ""
        u = by_doc[document_id][i]
        return u.text[start - u.start : end - u.start]

    return text_of


def _lexicon_hits(pipes, groups, unit, progress) -> Iterator[SuggestionHit]:
    from qualcode.nlp.suggester import suggest

    done = 0
    for lang, items in groups.items():
        offset = done
        step = (lambda n, offset=offset: progress(offset + n)) if progress else None
        yield from suggest(pipes[lang], items, unit=unit, progress=step)
        done += len(items)


def _learned_hits(clf, pipes, groups, unit, threshold) -> Iterator[SuggestionHit]:
    from qualcode.nlp.learned import suggest_learned

    for lang, items in groups.items():
        yield from suggest_learned(clf, pipes[lang], items, unit=unit, threshold=threshold)


def combine_methods(
    lexicon: Iterable[SuggestionHit], learned: Iterable[SuggestionHit]
) -> Iterator[SuggestionHit]:
    """Method "both": one hit per (document, span, code), scores combined by nlp.scoring."""
    from qualcode.nlp.scoring import combine

    merged: dict[tuple, dict] = {}
    for source, hits in (("lexicon", lexicon), ("learned", learned)):
        for h in hits:
            entry = merged.setdefault(
                (h.document_id, h.start, h.end, h.code),
                {"hit": h, "lexicon": None, "learned": None, "evidence": []},
            )
            entry[source] = h.score
            entry["evidence"].extend(h.evidence)
    for entry in merged.values():
        h = entry["hit"]
        yield SuggestionHit(
            document_id=h.document_id,
            start=h.start,
            end=h.end,
            code=h.code,
            score=combine(entry["lexicon"], entry["learned"]),
            method="both",
            unit=h.unit,
            evidence=entry["evidence"],
        )


def run_suggest(
    session: Session,
    *,
    method: str = "lexicon",
    unit: str = "sentence",
    model: str | None = None,
    dry_run: bool = False,
    documents: Sequence[str] | None = None,
    include_interviewer: bool = False,
    threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "qualcode",
) -> SuggestReport:
    if method not in METHODS:
        raise QualcodeError(f"unknown method {method!r}", hint="one of " + ", ".join(METHODS))
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint="one of " + ", ".join(UNITS))
    units, docs = text_units(session, documents=documents, include_interviewer=include_interviewer)
    total = len(units)
    hits, pipelines, codebook_sha = generate_hits(
        session,
        units,
        method=method,
        unit=unit,
        model=model,
        threshold=threshold,
        progress=(lambda done: progress(done, total)) if progress else None,
    )
    from qualcode.nlp.languages import count_words

    pipeline = "; ".join(f"{lang}: {text}" for lang, text in sorted(pipelines.items())) \
        if len(pipelines) > 1 else next(iter(pipelines.values()), "")
    report = SuggestReport(
        method=method,
        unit=unit,
        pipeline=pipeline,
        dry_run=dry_run,
        documents=len(docs),
        units=total,
        words=sum(count_words(u.text, u.language) for u in units),
        pipelines=dict(sorted(pipelines.items())),
        units_by_language=dict(sorted(Counter(u.language or "?" for u in units).items())),
    )
    pipeline_of = {d.id: pipelines.get(d.language, pipeline) for d in docs.values()}
    code_ids = dict(session.execute(select(Code.key, Code.id)).all())
    case_of = {d.id: (d.case.name if d.case else "(no case)") for d in docs.values()}
    tally: dict[str, Counter] = {}
    coded = _coded_spans(session, list(docs))
    decided, pending = _existing(session, list(docs))
    seen: set[int] = set()
    new_rows, updates = [], []
    for hit in hits:
        report.hits += 1
        tally.setdefault(hit.code, Counter())[case_of[hit.document_id]] += 1
        code_id = code_ids[hit.code]
        key = (hit.document_id, code_id, hit.start, hit.end)
        if key in decided:
            report.kept_decided += 1
            continue
        if _overlaps(coded.get((hit.document_id, code_id), ()), hit.start, hit.end):
            report.already_coded += 1
            continue
        values = {
            "score": round(float(hit.score), 6),
            "method": hit.method,
            "unit": hit.unit,
            "evidence": {"items": hit.evidence},
            "pipeline": pipeline_of[hit.document_id],
            "codebook_sha256": codebook_sha,
        }
        if key in pending:
            sid = pending[key]
            if sid not in seen:
                seen.add(sid)
                updates.append({"id": sid, **values})
        else:
            pending[key] = -1  # two hits on one key (should not happen) write once
            new_rows.append(
                {
                    "document_id": hit.document_id,
                    "code_id": code_id,
                    "start": hit.start,
                    "end": hit.end,
                    "status": "pending",
                    **values,
                }
            )
    report.by_code_case = {k: dict(v) for k, v in sorted(tally.items())}
    if dry_run:
        return report
    stale = [sid for sid in pending.values() if sid > 0 and sid not in seen]
    if stale:
        for chunk in _chunks(stale, 500):
            session.execute(delete(Suggestion).where(Suggestion.id.in_(chunk)))
    if updates:
        session.execute(update(Suggestion), updates)
    if new_rows:
        for chunk in _chunks(new_rows, 5000):
            session.execute(insert(Suggestion), chunk)
    report.removed_stale = len(stale)
    report.updated = len(updates)
    report.written = len(new_rows)
    # One audit event per run (not per suggestion): what was proposed, by which pipeline and
    # with which settings (the manifest reads them back).
    if method != "lexicon" and threshold is None:
        from qualcode.nlp.learned import default_threshold

        threshold = default_threshold(method)
    events.record(session, actor, "suggestions.generate", "project", None, after={
        "method": method, "unit": unit, "pipeline": pipeline, "pipelines": report.pipelines,
        "codebook_sha256": codebook_sha, "include_interviewer": include_interviewer,
        "threshold": threshold if method != "lexicon" else None, "model": model,
        "only_documents": sorted(documents) if documents else None,
        "written": report.written, "updated": report.updated,
        "removed_stale": report.removed_stale, "documents": report.documents})
    return report


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _coded_spans(session: Session, doc_ids: list[int]) -> dict[tuple[int, int], list]:
    spans: dict[tuple[int, int], list] = {}
    for doc_id, code_id, start, end in session.execute(
        select(Coding.document_id, Coding.code_id, Coding.start, Coding.end).where(
            Coding.document_id.in_(doc_ids)
        )
    ):
        spans.setdefault((doc_id, code_id), []).append((start, end))
    return spans


def _overlaps(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and e > start for s, e in spans)


def _existing(session: Session, doc_ids: list[int]) -> tuple[set, dict]:
    decided, pending = set(), {}
    for sid, doc_id, code_id, start, end, status in session.execute(
        select(
            Suggestion.id,
            Suggestion.document_id,
            Suggestion.code_id,
            Suggestion.start,
            Suggestion.end,
            Suggestion.status,
        ).where(Suggestion.document_id.in_(doc_ids))
    ):
        key = (doc_id, code_id, start, end)
        if status == "pending":
            pending[key] = sid
        else:
            decided.add(key)
    return decided, pending
