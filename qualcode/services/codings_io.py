"""Importing a hand-made coding kept as quote-anchored YAML. All files or none: a quote that is
missing or ambiguous stops the import before the transaction commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain import ORIGIN_IMPORTED
from qualcode.errors import InputError, QualcodeError
from qualcode.formats.codings_yaml import CodingFile, QuotedCoding, read_coding_file
from qualcode.formats.folders import SkippedLink, folder_files
from qualcode.services import bulk, lookup
from qualcode.services.coding import resolve_span
from qualcode.services.summaries import import_summaries
from qualcode.storage.models import Code, Coder, Coding, Document, JudgedSpan


@dataclass
class CodingImport:
    files: list[dict] = field(default_factory=list)
    added: int = 0
    skipped: int = 0
    summaries: int = 0  # summaries written (added or replaced)
    skipped_links: list[SkippedLink] = field(default_factory=list)
    judged: int = 0  # sentences recorded as read and labelled (with codes or none)


def coding_files(paths: Sequence[Path], skipped: list[SkippedLink] | None = None) -> list[Path]:
    """Files as given; a folder's .yaml/.yml files, without following links out of it."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found, links = folder_files(path, (".yaml", ".yml"))
            if skipped is not None:
                skipped.extend(links)
            if not found:
                raise InputError("the folder holds no .yaml coding files", where=str(path))
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise InputError("no such file or folder", where=str(path))
    return out


def import_coding_files(session: Session, paths: Sequence[Path], *, actor: str) -> CodingImport:
    result = CodingImport()
    batch = _Batch(session, actor)
    with_summaries: list[tuple[CodingFile, Document]] = []
    for path in coding_files(paths, result.skipped_links):
        parsed = read_coding_file(path)
        doc = lookup.document(session, parsed.document)
        coder = lookup.coder(session, parsed.coder)
        batch.known(doc, coder)
        added = skipped = judged = 0
        for entry in parsed.codings:
            code = _at_line(path, entry, lambda e=entry: lookup.code(session, e.code))
            start, end = _span(path, doc, entry)
            if batch.add(path, doc, coder, code, start, end, entry):
                added += 1
            else:
                skipped += 1
        for sentence in parsed.sentences:
            codes = [
                _at_line(path, sentence, lambda k=key: lookup.code(session, k))
                for key in sentence.codes
            ]
            start, end = _span(path, doc, sentence)
            _check_levels(path, sentence, codes)
            judged += _add_judged(session, doc, coder, start, end, sentence.note)
            for code in codes:
                if batch.add(path, doc, coder, code, start, end, None):
                    added += 1
                else:
                    skipped += 1
        result.files.append(
            {
                "file": str(path),
                "document": doc.name,
                "coder": coder.name,
                "added": added,
                "skipped": skipped,
                "judged": judged,
            }
        )
        result.added += added
        result.skipped += skipped
        result.judged += judged
        if parsed.summaries:
            with_summaries.append((parsed, doc))
        if len(batch.rows) >= bulk.BATCH:
            batch.write()
    batch.write()
    # Summaries last: their evidence fingerprint must cover every coding this import made.
    for parsed, doc in with_summaries:
        if doc.case is None:
            raise InputError(
                "the file has summaries but its document belongs to no case", where=parsed.path
            )
        written = import_summaries(
            session, doc.case.name, parsed.summaries, author=parsed.coder, actor=actor
        )
        result.summaries += len(written.added) + len(written.replaced)
    return result


def _at_line(path: Path, entry, fn):
    """Run a lookup for one entry; an error names the file line the researcher must fix."""
    try:
        return fn()
    except QualcodeError as exc:
        exc.where = f"{path}:{entry.line}" if entry.line else str(path)
        raise


def _span(path: Path, doc: Document, entry) -> tuple[int, int]:
    return _at_line(
        path, entry, lambda: resolve_span(doc, quote=entry.quote, occurrence=entry.occurrence)
    )


def _check_levels(path: Path, sentence, codes: list[Code]) -> None:
    """A sentence may carry a code or its dimension's key, not both: the key would say nothing."""
    coded_dims = {c.dimension for c in codes if not c.is_dimension}
    both = sorted(c.key for c in codes if c.is_dimension and c.dimension in coded_dims)
    if both:
        raise InputError(
            f"the sentence lists the dimension {both[0]!r} and one of its codes",
            where=f"{path}:{sentence.line}" if sentence.line else str(path),
            hint="keep only the code: a code implies its dimension",
        )


def _add_judged(
    session: Session, doc: Document, coder: Coder, start: int, end: int, note: str | None
) -> int:
    exists = session.scalars(
        select(JudgedSpan.id).where(
            JudgedSpan.document_id == doc.id,
            JudgedSpan.coder_id == coder.id,
            JudgedSpan.start == start,
            JudgedSpan.end == end,
        )
    ).first()
    if exists is not None:
        return 0
    session.add(JudgedSpan(document_id=doc.id, coder_id=coder.id, start=start, end=end, note=note))
    return 1


class _Batch:
    """Codings waiting to be written, with their events, in batches (services/bulk.py)."""

    def __init__(self, session: Session, actor: str):
        self.session, self.actor = session, actor
        self.rows: list[dict] = []
        self.events: list[dict] = []
        self.present: set[tuple] = set()  # coding keys in the project or in this batch
        self.loaded: set[tuple[int, int]] = set()  # (document, coder) whose codings are known

    def known(self, doc: Document, coder: Coder) -> None:
        """Learn the codings the project has of this document by this coder (a re-import
        skips them), once per pair."""
        if (doc.id, coder.id) in self.loaded:
            return
        self.loaded.add((doc.id, coder.id))
        t = Coding.__table__
        self.present.update(map(tuple, self.session.execute(select(
            t.c.document_id, t.c.code_id, t.c.coder_id, t.c.start_offset, t.c.end_offset
        ).where(t.c.document_id == doc.id, t.c.coder_id == coder.id))))

    def add(self, path: Path, doc: Document, coder: Coder, code: Code, start: int, end: int,
            entry: QuotedCoding | None) -> bool:
        """Add one imported coding; False when the same coding is already there (a
        re-import, or twice in the files)."""
        key = (doc.id, code.id, coder.id, start, end)
        if key in self.present:
            return False
        self.present.add(key)
        self.rows.append({
            "document_id": doc.id, "code_id": code.id, "coder_id": coder.id, "start": start,
            "end": end, "origin": ORIGIN_IMPORTED, "quote": doc.text[start:end],
            "memo": entry.memo if entry else None, "key_quote": entry.key if entry else False})
        self.events.append({
            "actor": self.actor, "action": "coding.import", "entity": "coding",
            "document_id": doc.id, "after": {
                "file": path.name, "document": doc.name, "code": code.key,
                "coder": coder.name, "start": start, "end": end}})
        return True

    def write(self) -> None:
        ids = bulk.insert_codings(self.session, self.rows)
        bulk.record_events(self.session, ({**event, "entity_id": coding_id}
                                          for event, coding_id in zip(self.events, ids,
                                                                      strict=True)))
        self.rows.clear()
        self.events.clear()
