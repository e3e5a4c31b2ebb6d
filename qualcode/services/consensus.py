"""Recording a reconciled coding as a coder of its own (`consensus` by default).

After an agreement check the team settles each disagreement; the settled version is kept as the
codings of a separate coder, so the original coders' work stays as it was and the consensus can
be compared, exported and synthesised like any coder's:
- take: at one passage, the consensus becomes one coder's version (their codings there are
  copied; whatever the consensus had there before is replaced, so changing one's mind is another
  `take`);
- agreed: in bulk, every coding of the first coder that every other coder matched (the same
  code on an overlapping span, or on the same span with `exact`) is copied;
- a new version nobody proposed is written with `qualcode code add ... --coder consensus`.
Every change goes through services.coding, so it is in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.agreement import compare
from qualcode.services.coding import CodingRow, add_coding, remove_coding
from qualcode.storage.models import Code, Coding, Turn

CONSENSUS = "consensus"
PASSAGE_UNITS = ("sentence", "turn")


@dataclass
class ConsensusChange:
    into: str
    document: str | None
    start: int | None
    end: int | None
    added: list[CodingRow] = field(default_factory=list)
    removed: list[CodingRow] = field(default_factory=list)
    already: int = 0  # matching codings the consensus already had


def _passage(session: Session, doc, at: int, unit: str) -> tuple[int, int]:
    """The respondent sentence (or turn) holding the offset; a turn when no sentence does."""
    if not 0 <= at < len(doc.text):
        raise QualcodeError(f"offset {at} is outside the document", where=doc.name,
                            hint=f"offsets run from 0 to {len(doc.text) - 1}")
    if unit == "sentence":
        from qualcode.services.learning import respondent_sentences

        for s in respondent_sentences(session, {doc.id}):
            if s.start <= at < s.end:
                return s.start, s.end
    turn = session.scalars(
        select(Turn).where(Turn.document_id == doc.id, Turn.start <= at, Turn.end > at)
    ).first()
    if turn is None:
        raise QualcodeError(f"offset {at} is in no turn", where=doc.name,
                            hint="give the passage with --span START:END")
    return turn.start, turn.end


def _codings(session: Session, coder_id: int, doc_id: int, start: int, end: int,
             codes: set[int] | None) -> list[Coding]:
    query = select(Coding).where(
        Coding.coder_id == coder_id, Coding.document_id == doc_id,
        Coding.start < end, Coding.end > start,
    ).order_by(Coding.start, Coding.id)
    if codes is not None:
        query = query.where(Coding.code_id.in_(codes))
    return list(session.scalars(query))


def _copy(session: Session, c: Coding, into: str, actor: str) -> CodingRow:
    return add_coding(session, document=c.document.name, code=c.code.key, coder=into, actor=actor,
                      span=(c.start, c.end), memo=c.memo, key=c.key_quote, origin=c.origin)


def take(
    session: Session,
    coder: str,
    document: str,
    *,
    actor: str,
    at: int | None = None,
    span: tuple[int, int] | None = None,
    unit: str = "sentence",
    code: str | None = None,
    into: str = CONSENSUS,
) -> ConsensusChange:
    """Make the consensus at one passage `coder`'s version of it."""
    if unit not in PASSAGE_UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint=" or ".join(PASSAGE_UNITS))
    if (at is None) == (span is None):
        raise QualcodeError("say which passage with exactly one of --at OFFSET or --span S:E")
    if coder.strip() == into.strip():
        raise QualcodeError(f"{coder} is the coder the consensus is written to",
                            hint="take another coder's version")
    doc = lookup.document(session, document)
    source = lookup.coder(session, coder, create=False)
    if span is not None:
        start, end = span
        if not 0 <= start < end <= len(doc.text):
            raise QualcodeError(f"span {start}:{end} is outside the document or empty",
                                where=doc.name)
    else:
        start, end = _passage(session, doc, at, unit)
    codes = None
    if code is not None:
        codes = set(lookup.subtree_ids(session, lookup.code(session, code, allow_retired=True)))
    target = lookup.coder(session, into)
    change = ConsensusChange(into=target.name, document=doc.name, start=start, end=end)
    for old in _codings(session, target.id, doc.id, start, end, codes):
        change.removed.append(remove_coding(session, old.id, actor=actor))
    for c in _codings(session, source.id, doc.id, start, end, codes):
        change.added.append(_copy(session, c, target.name, actor))
    return change


def agreed(
    session: Session,
    coders: list[str],
    *,
    actor: str,
    documents: list[str] | None = None,
    exact: bool = False,
    into: str = CONSENSUS,
) -> ConsensusChange:
    """Copy into the consensus every coding of the first coder that all the others matched."""
    if into.strip() in [c.strip() for c in coders]:
        raise QualcodeError(f"{into} is the coder the consensus is written to",
                            hint="compare the original coders")
    comp = compare(session, coders, documents=documents)
    ids = [lookup.coder(session, c, create=False).id for c in comp.coders]
    target = lookup.coder(session, into)
    change = ConsensusChange(into=target.name, document=None, start=None, end=None)
    code_ids = dict(session.execute(select(Code.key, Code.id)).all())
    for doc_id in sorted(comp.docs, key=lambda d: comp.docs[d].name):
        others = comp.spans[1:]
        for c in session.scalars(select(Coding).where(
                Coding.coder_id == ids[0], Coding.document_id == doc_id).order_by(Coding.start)):
            key = c.code.key
            matched = all(
                any(k == key and ((s, e) == (c.start, c.end) if exact else
                                  (s < c.end and e > c.start))
                    for s, e, k in per.get(doc_id, ()))
                for per in others
            )
            if not matched:
                continue
            present = _codings(session, target.id, doc_id, c.start, c.end, {code_ids[key]})
            if present:
                change.already += 1  # the consensus already has this code here
                continue
            change.added.append(_copy(session, c, target.name, actor))
    return change
