"""Replacing a document's text with a revised transcript, carrying its coding over.

Every coding is moved to the new text by alignment (qualcode/alignment.py); a coding whose words
cannot be found there by alignment is looked for by its quote (exactly, then approximately: a turn
that moved elsewhere); one that still has no place is kept, put on the nearest word, and flagged
for its coder (`coding_flags`, `codings list --flagged`). Nothing is dropped: the old text, its
turns and every coding's old span and quote go into the event log. Suggestions move the same way;
pending ones whose sentence changed are dropped (`suggest` recomputes them), decided ones are kept.
A summary that was up to date stays so if its codings only moved; if text under them changed it
turns stale, for the researcher to reread.

The caller's transaction makes one revision (or one import of many files) all or nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qualcode.alignment import Alignment, normalise
from qualcode.domain import ParsedTranscript
from qualcode.errors import ConflictError, NotFoundError
from qualcode.services import events
from qualcode.services.coding import CodingRow, find_quote, resolve_span, to_row
from qualcode.services.summaries import evidence_by_cell, fingerprint
from qualcode.storage.models import (
    Coding,
    CodingFlag,
    Document,
    JudgedSpan,
    Suggestion,
    Summary,
    Turn,
)

MIN_KEPT = 0.5  # at least half of a coding's words found in order: the alignment is trusted
KEPT, MOVED, CHANGED, FLAGGED = "kept", "moved", "changed", "flagged"


@dataclass
class CodingMove:
    id: int
    code: str
    coder: str
    status: str  # kept | moved | changed | flagged
    how: str  # aligned | quote found | approximate quote | not placed
    old_start: int
    old_end: int
    start: int
    end: int
    old_quote: str
    quote: str


@dataclass
class Revision:
    document: str
    path: str
    old_sha256: str
    sha256: str
    turns_before: int
    turns_after: int
    codings: list[CodingMove] = field(default_factory=list)
    suggestions_moved: int = 0
    suggestions_dropped: int = 0
    judged_moved: int = 0  # judged sentences (a gold standard's) moved with their text
    judged_dropped: int = 0  # judged sentences whose text is gone
    summaries_kept_fresh: list[str] = field(default_factory=list)
    summaries_now_stale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for move in self.codings if move.status == status)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["counts"] = {s: self.count(s) for s in (KEPT, MOVED, CHANGED, FLAGGED)}
        return out


@dataclass(frozen=True)
class _Place:
    start: int
    end: int
    status: str
    how: str


def _locate(align: Alignment, start: int, end: int, quote: str) -> _Place:
    placed = align.place(start, end)
    new_text = align.new_text
    if placed.start < placed.end:
        new_quote = new_text[placed.start:placed.end]
        if normalise(new_quote) == normalise(quote):
            status = KEPT if (placed.start, placed.end) == (start, end) else MOVED
            return _Place(placed.start, placed.end, status, "aligned")
        old_words = align.words_in(start, end, new=False)
        new_words = align.words_in(placed.start, placed.end, new=True)
        if placed.kept >= MIN_KEPT and new_words <= 2 * old_words + 3:
            return _Place(placed.start, placed.end, CHANGED, "aligned")
    # No trustworthy place by alignment: the words moved (a reordered turn) or were rewritten.
    if quote.strip():
        hits = find_quote(new_text, quote)
        if hits:
            near = placed.start
            hit = min(hits, key=lambda h: abs(h[0] - near))
            return _Place(hit[0], hit[1], MOVED, "quote found")
        fuzzy = align.fuzzy_find(quote)
        if fuzzy is not None:
            return _Place(fuzzy[0], fuzzy[1], CHANGED, "approximate quote")
    if placed.start < placed.end and align.words_in(placed.start, placed.end, new=True) <= max(
        3, 2 * align.words_in(start, end, new=False)
    ):
        return _Place(placed.start, placed.end, FLAGGED, "not placed")
    # Its words are gone: keep it on the word just before where they were.
    word = align.word_before(placed.end) if placed.end > 0 else align.word_at(placed.start)
    return _Place(word[0], word[1], FLAGGED, "not placed")


def revise_document(session: Session, doc: Document, t: ParsedTranscript, path: Path, *,
                    actor: str) -> Revision:
    """Replace `doc`'s text and turns with the revised transcript `t`, moving its coding."""
    old_text, new_text = doc.text, t.text
    align = Alignment(old_text, new_text)
    revision = Revision(document=doc.name, path=str(path), old_sha256=doc.sha256,
                        sha256=t.sha256, turns_before=len(doc.turns), turns_after=len(t.turns))
    revision.warnings += _metadata_not_applied(doc, t)
    fresh = _fresh_summaries(session, doc)

    codings = list(session.scalars(select(Coding).where(Coding.document_id == doc.id)
                                   .order_by(Coding.start, Coding.id)))
    places = {c.id: _locate(align, c.start, c.end, c.quote) for c in codings}
    # Two codings of one code by one coder cannot share a span: a later one is nudged and flagged.
    taken: set[tuple[int, int, int, int]] = set()
    for coding in sorted(codings, key=lambda c: (places[c.id].status == FLAGGED, c.start, c.id)):
        place = places[coding.id]
        start, end = place.start, place.end
        while (coding.code_id, coding.coder_id, start, end) in taken:
            start, end = align.word_at(end)[0], max(align.word_at(end)[1], end + 1)
            end = min(end, len(new_text))
            if start >= end:
                start, end = max(0, end - 1), end
            place = _Place(start, end, FLAGGED, "not placed")
        places[coding.id] = place
        taken.add((coding.code_id, coding.coder_id, place.start, place.end))
    for coding in codings:
        place = places[coding.id]
        revision.codings.append(CodingMove(
            id=coding.id, code=coding.code.key, coder=coding.coder.name, status=place.status,
            how=place.how, old_start=coding.start, old_end=coding.end, start=place.start,
            end=place.end, old_quote=coding.quote, quote=new_text[place.start:place.end]))

    old_turns = [[turn.number, turn.speaker, turn.role, turn.start, turn.end] for turn in doc.turns]
    _replace_text(session, doc, t, path)
    _move_codings(session, codings, places, len(old_text) + len(new_text) + 1, new_text)
    _flag(session, revision)
    _move_suggestions(session, doc, align, revision, len(old_text) + len(new_text) + 1, actor)
    _move_judged(session, doc, align, revision, len(old_text) + len(new_text) + 1, actor)
    session.flush()
    _refresh_summaries(session, doc, fresh, revision)
    _record(session, actor, doc, old_text, old_turns, revision)
    return revision


def _metadata_not_applied(doc: Document, t: ParsedTranscript) -> list[str]:
    meta = t.meta
    differs = [name for name, new, old in (
        ("case", meta.case, doc.case.name if doc.case else None),
        ("title", meta.title, doc.title),
        ("interviewee_role", meta.interviewee_role, doc.interviewee_role),
        ("date", meta.date, doc.interview_date.isoformat() if doc.interview_date else None),
        ("place", meta.place, doc.place),
        ("interviewer", meta.interviewer, doc.interviewer),
    ) if new is not None and new != old]
    if not differs:
        return []
    return [f"front matter differs in {', '.join(differs)}; --update replaces the text only "
            "(change cases and attributes with `qualcode cases set`)"]


def _replace_text(session: Session, doc: Document, t: ParsedTranscript, path: Path) -> None:
    doc.turns.clear()
    session.flush()
    doc.text = t.text
    from qualcode.nlp.languages import count_words  # no spaCy; jieba for Chinese only

    doc.words = count_words(t.text, t.language)
    doc.sha256 = t.sha256
    doc.file_sha256 = t.file_sha256
    doc.source_filename = path.name
    doc.source_format = t.source_format
    doc.encoding = t.encoding
    doc.newlines_normalised = t.newlines_normalised
    doc.language = t.language  # a revised text may be declared (or detected) differently
    doc.language_detected = t.language_detected
    for turn in t.turns:
        doc.turns.append(Turn(number=turn.number, speaker=turn.speaker, role=turn.role,
                              start=turn.start, end=turn.end, label_start=turn.label_start,
                              time=turn.time))


def _move_codings(session: Session, codings: list[Coding], places: dict[int, _Place],
                  shift: int, new_text: str) -> None:
    # Spans are unique per code and coder: park every moving coding past both texts first, so a
    # coding can take a place another one is leaving. ORM bulk UPDATEs by primary key (one
    # executemany each) rather than the unit of work's per-object flush.
    session.flush()
    moving = [c for c in codings if (c.start, c.end) != (places[c.id].start, places[c.id].end)]
    if moving:
        session.execute(update(Coding), [
            {"id": c.id, "start": c.start + shift, "end": c.end + shift} for c in moving])
    rows = [{"id": c.id, "start": places[c.id].start, "end": places[c.id].end,
             "quote": new_text[places[c.id].start:places[c.id].end]} for c in codings]
    if rows:
        session.execute(update(Coding), rows)
    for coding in codings:
        session.expire(coding)


def _flag(session: Session, revision: Revision) -> None:
    for move in revision.codings:
        if move.status != FLAGGED:
            continue
        flag = session.get(CodingFlag, move.id)
        if flag is None:  # a coding flagged before keeps the span and quote it was coded on
            session.add(CodingFlag(
                coding_id=move.id, old_start=move.old_start, old_end=move.old_end,
                old_quote=move.old_quote,
                reason=f"not found in the revised text of {revision.document} "
                       f"({revision.path}); placed on the nearest word"))


def _move_suggestions(session: Session, doc: Document, align: Alignment, revision: Revision,
                      shift: int, actor: str) -> None:
    suggestions = list(session.scalars(select(Suggestion).where(Suggestion.document_id == doc.id)
                                       .order_by(Suggestion.id)))
    taken: set[tuple] = set()
    kept: list[tuple[Suggestion, _Place]] = []
    dropped = []
    for suggestion in suggestions:
        old_quote = align.old_text[suggestion.start:suggestion.end]
        place = _locate(align, suggestion.start, suggestion.end, old_quote)
        key = (suggestion.code_id, place.start, place.end, suggestion.method)
        unchanged = place.status in (KEPT, MOVED)
        keep = (unchanged or suggestion.status != "pending") and place.status != FLAGGED
        if not keep or key in taken:
            dropped.append(suggestion)
            continue
        taken.add(key)
        kept.append((suggestion, place))
    for suggestion in dropped:
        events.record(session, actor, "suggestion.drop", "suggestion", suggestion.id,
                      before={"code": suggestion.code.key, "start": suggestion.start,
                              "end": suggestion.end, "status": suggestion.status,
                              "score": suggestion.score, "reason": "the revised text changed"})
        session.delete(suggestion)
    session.flush()
    _park_and_place(session, kept, shift)
    for suggestion, _place in kept:
        suggestion.evidence = _moved_evidence(suggestion.evidence, align)
    revision.suggestions_moved = sum(1 for s, p in kept if p.status != KEPT)
    revision.suggestions_dropped = len(dropped)


def _move_judged(session: Session, doc: Document, align: Alignment, revision: Revision,
                 shift: int, actor: str) -> None:
    """Judged sentences move like codings; one whose words are gone is dropped (it was read and
    labelled on text that no longer exists), and the event log keeps it."""
    spans = list(session.scalars(select(JudgedSpan).where(JudgedSpan.document_id == doc.id)
                                 .order_by(JudgedSpan.id)))
    taken: set[tuple[int, int, int]] = set()
    kept: list[tuple[JudgedSpan, _Place]] = []
    for span in spans:
        old_quote = align.old_text[span.start:span.end]
        place = _locate(align, span.start, span.end, old_quote)
        key = (span.coder_id, place.start, place.end)
        if place.status == FLAGGED or key in taken:
            events.record(session, actor, "judged_span.drop", "judged_span", span.id,
                          before={"start": span.start, "end": span.end, "quote": old_quote,
                                  "note": span.note, "reason": "not in the revised text"})
            session.delete(span)
            revision.judged_dropped += 1
            continue
        taken.add(key)
        kept.append((span, place))
    session.flush()
    _park_and_place(session, kept, shift)
    revision.judged_moved = sum(1 for _, p in kept if p.status != KEPT)


def _park_and_place(session: Session, kept: list[tuple[Suggestion, _Place]]
                    | list[tuple[JudgedSpan, _Place]], shift: int) -> None:
    """Put kept suggestions or judged spans on their places in the revised text. Their spans are
    unique (per code and method, per coder), so every one that moves is parked past both texts
    (`shift`) and flushed first: one can then take a place another is leaving. Codings do the
    same with bulk UPDATEs (_move_codings)."""
    for row, place in kept:
        if (row.start, row.end) != (place.start, place.end):
            row.start, row.end = row.start + shift, row.end + shift
    session.flush()
    for row, place in kept:
        row.start, row.end = place.start, place.end


def _moved_evidence(evidence: dict, align: Alignment) -> dict:
    items = []
    for item in evidence.get("items", []):
        if isinstance(item, dict) and isinstance(item.get("start"), int):
            start, end = align.map_start(item["start"]), align.map_end(item["end"])
            item = {**item, "start": start, "end": max(start, end)}
        items.append(item)
    return {**evidence, "items": items} if "items" in evidence else evidence


def _fresh_summaries(session: Session, doc: Document) -> list[Summary]:
    if doc.case_id is None:
        return []
    cells = evidence_by_cell(session)
    summaries = session.scalars(select(Summary).where(Summary.case_id == doc.case_id)).all()
    return [s for s in summaries
            if s.evidence_fingerprint == fingerprint(cells.get((s.case_id, s.dimension), []))]


def _refresh_summaries(session: Session, doc: Document, fresh: list[Summary],
                       revision: Revision) -> None:
    """A summary that was up to date stays so when its codings in this document only moved."""
    if not fresh:
        return
    changed_dims = {
        coding.code.dimension
        for coding in session.scalars(select(Coding).where(Coding.id.in_(
            [m.id for m in revision.codings if m.status in (CHANGED, FLAGGED)])))
    }
    cells = evidence_by_cell(session)
    for summary in fresh:
        label = f"{summary.case.name}/{summary.dimension}"
        if summary.dimension in changed_dims:
            revision.summaries_now_stale.append(label)
            continue
        summary.evidence_fingerprint = fingerprint(cells.get((summary.case_id,
                                                              summary.dimension), []))
        revision.summaries_kept_fresh.append(label)


def _record(session: Session, actor: str, doc: Document, old_text: str, old_turns: list,
            revision: Revision) -> None:
    for move in revision.codings:
        if move.status == KEPT:
            continue
        events.record(session, actor, "coding.realign", "coding", move.id,
                      before={"start": move.old_start, "end": move.old_end,
                              "quote": move.old_quote},
                      after={"start": move.start, "end": move.end, "quote": move.quote,
                             "status": move.status, "how": move.how})
    events.record(
        session, actor, "document.update", "document", doc.id,
        before={"sha256": revision.old_sha256, "text": old_text, "turns": old_turns},
        after={"sha256": revision.sha256, "file": Path(revision.path).name,
               "turns": revision.turns_after,
               **{s: revision.count(s) for s in (KEPT, MOVED, CHANGED, FLAGGED)},
               "suggestions_moved": revision.suggestions_moved,
               "suggestions_dropped": revision.suggestions_dropped,
               "judged_moved": revision.judged_moved, "judged_dropped": revision.judged_dropped})


def unflag_coding(session: Session, coding_id: int, *, actor: str, turn: int | None = None,
                  span: tuple[int, int] | None = None, quote: str | None = None,
                  occurrence: int | None = None) -> CodingRow:
    """Clear the flag a revision left on a coding, moving the coding first when a new place is
    given (by turn, span or quote, as `code add` takes them)."""
    coding = session.get(Coding, coding_id)
    if coding is None or coding.flag is None:
        raise NotFoundError(f"coding {coding_id} is not flagged",
                            hint="see flagged codings with `qualcode codings list --flagged`")
    before = to_row(coding).as_dict()
    if any(x is not None for x in (turn, span, quote)):
        start, end = resolve_span(coding.document, turn=turn, span=span, quote=quote,
                                  occurrence=occurrence)
        twin = session.scalars(select(Coding.id).where(
            Coding.document_id == coding.document_id, Coding.code_id == coding.code_id,
            Coding.coder_id == coding.coder_id, Coding.start == start, Coding.end == end,
            Coding.id != coding.id)).first()
        if twin is not None:
            raise ConflictError(f"coding {twin} already codes {start}:{end} with the same code "
                                "by the same coder", where=coding.document.name,
                                hint=f"remove this one instead: `qualcode code remove {coding_id}`")
        coding.start, coding.end = start, end
        coding.quote = coding.document.text[start:end]
    coding.flag = None
    session.flush()
    session.refresh(coding)
    row = to_row(coding)
    events.record(session, actor, "coding.unflag", "coding", coding.id, before=before,
                  after=row.as_dict())
    return row
