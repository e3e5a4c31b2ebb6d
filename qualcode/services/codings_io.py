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
from qualcode.formats.codings_yaml import CodingFile, read_coding_file
from qualcode.formats.folders import SkippedLink, folder_files
from qualcode.services import events, lookup
from qualcode.services.coding import resolve_span
from qualcode.services.summaries import import_summaries
from qualcode.storage.models import Coding, Document


@dataclass
class CodingImport:
    files: list[dict] = field(default_factory=list)
    added: int = 0
    skipped: int = 0
    summaries: int = 0  # summaries written (added or replaced)
    skipped_links: list[SkippedLink] = field(default_factory=list)


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
    with_summaries: list[tuple[CodingFile, Document]] = []
    for path in coding_files(paths, result.skipped_links):
        parsed = read_coding_file(path)
        doc = lookup.document(session, parsed.document)
        coder = lookup.coder(session, parsed.coder)
        added = skipped = 0
        for entry in parsed.codings:
            where = f"{path}:{entry.line}" if entry.line else str(path)
            try:
                code = lookup.code(session, entry.code)
                start, end = resolve_span(doc, quote=entry.quote, occurrence=entry.occurrence)
            except QualcodeError as exc:
                exc.where = where  # the file line is what the researcher needs to fix
                raise
            exists = session.scalars(
                select(Coding.id).where(
                    Coding.document_id == doc.id,
                    Coding.code_id == code.id,
                    Coding.coder_id == coder.id,
                    Coding.start == start,
                    Coding.end == end,
                )
            ).first()
            if exists is not None:
                skipped += 1
                continue
            coding = Coding(
                document=doc,
                start=start,
                end=end,
                code=code,
                coder=coder,
                origin=ORIGIN_IMPORTED,
                quote=doc.text[start:end],
                memo=entry.memo,
                key_quote=entry.key,
            )
            session.add(coding)
            session.flush()
            events.record(
                session,
                actor,
                "coding.import",
                "coding",
                coding.id,
                after={"file": path.name, "code": code.key, "start": start, "end": end},
            )
            added += 1
        result.files.append(
            {
                "file": str(path),
                "document": doc.name,
                "coder": coder.name,
                "added": added,
                "skipped": skipped,
            }
        )
        result.added += added
        result.skipped += skipped
        if parsed.summaries:
            with_summaries.append((parsed, doc))
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
