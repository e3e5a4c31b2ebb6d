"""Importing transcripts: all files are read and checked before anything is written, and the
caller's transaction makes the whole import one unit (all files or none)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qualcode.domain import ParsedTranscript
from qualcode.errors import ConflictError, InputError
from qualcode.formats.folders import SkippedLink, folder_files
from qualcode.formats.transcripts import SUPPORTED_SUFFIXES, read_transcript
from qualcode.services import attributes, events
from qualcode.services.revise import Revision, revise_document
from qualcode.storage.models import Case, CaseValue, Document, DocumentValue, Turn


@dataclass
class ImportedFile:
    path: str
    document: str
    status: str  # "imported", "updated" or "skipped"
    case: str | None = None
    turns: int = 0
    words: int = 0
    encoding: str = ""
    encoding_detected: bool = False
    language: str = ""
    language_detected: bool = False
    language_note: str = ""
    newlines_normalised: bool = False
    warnings: list[str] = field(default_factory=list)
    revision: Revision | None = None  # for an updated document: where its coding went


@dataclass
class ImportReport:
    files: list[ImportedFile]
    skipped_links: list[SkippedLink] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for f in self.files if f.status == "imported")

    @property
    def updated(self) -> int:
        return sum(1 for f in self.files if f.status == "updated")

    @property
    def skipped(self) -> int:
        return sum(1 for f in self.files if f.status == "skipped")


def expand_paths(
    paths: Sequence[Path], skipped: list[SkippedLink] | None = None
) -> list[Path]:
    """Files as given; folders contribute their transcript files (not recursively, sorted). Links
    in a folder that lead out of it are not followed; they are appended to `skipped`."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError("no such file or folder", where=str(path))
        if path.is_dir():
            found, links = folder_files(path, SUPPORTED_SUFFIXES)
            if skipped is not None:
                skipped.extend(links)
            if not found:
                raise InputError(
                    "the folder holds no transcript files"
                    + (f" (links out of it are not followed: {len(links)})" if links else ""),
                    where=str(path),
                    hint="supported: " + ", ".join(SUPPORTED_SUFFIXES),
                )
            files.extend(found)
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise InputError(
                f"unsupported file type {path.suffix or '(none)'}",
                where=str(path),
                hint="supported: " + ", ".join(SUPPORTED_SUFFIXES),
            )
        else:
            files.append(path)
    return files


def import_transcripts(
    session: Session,
    paths: Sequence[Path],
    *,
    actor: str,
    speaker_regex: str | None = None,
    interviewer_labels: Sequence[str] = (),
    case: str | None = None,
    update: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import transcripts. A file whose document exists with other text is refused, or with
    `update` replaces the document's text and moves its coding (services/revise.py)."""
    skipped: list[SkippedLink] = []
    files = expand_paths(paths, skipped)
    parsed: list[tuple[Path, ParsedTranscript]] = []
    for path in files:  # read everything first: a bad file stops the import before any write
        if progress:
            progress(path.name)
        parsed.append(
            (
                path,
                read_transcript(
                    path, speaker_regex=speaker_regex, interviewer_labels=interviewer_labels
                ),
            )
        )
    _refuse_duplicate_names(parsed)
    for path, transcript in parsed:
        _refuse_unusable_language(path, transcript)
    report = ImportReport(files=[], skipped_links=skipped)
    for path, transcript in parsed:
        report.files.append(
            _store(session, path, transcript, actor=actor, case_override=case, update=update)
        )
    return report


def _refuse_unusable_language(path: Path, transcript: ParsedTranscript) -> None:
    """A declared language `suggest` could not build a pipeline for (no such language in spaCy,
    or one whose tokenizer needs packages not installed) is refused now, at its front-matter
    line, rather than stopping every later `suggest` and `manifest` of the project."""
    if transcript.language_detected:
        return
    from qualcode.nlp.languages import check_language

    try:
        check_language(transcript.language)
    except InputError as exc:
        line = transcript.meta.language_line
        raise InputError(exc.message,
                         where=f"{path}:{line}" if line else str(path), hint=exc.hint) from None


def _refuse_duplicate_names(parsed: list[tuple[Path, ParsedTranscript]]) -> None:
    seen: dict[str, Path] = {}
    for path, transcript in parsed:
        if transcript.name in seen:
            raise ConflictError(
                f"two files would both become document {transcript.name!r}: {seen[transcript.name]}"
                f" and {path}",
                hint="rename one of them",
            )
        seen[transcript.name] = path


def _store(
    session: Session,
    path: Path,
    t: ParsedTranscript,
    *,
    actor: str,
    case_override: str | None,
    update: bool = False,
) -> ImportedFile:
    from qualcode.nlp.languages import count_words  # spaCy is not loaded for this

    words = count_words(t.text, t.language)
    existing = session.scalars(select(Document).where(Document.name == t.name)).one_or_none()
    if existing is not None:
        if existing.sha256 == t.sha256:
            return ImportedFile(
                path=str(path),
                document=t.name,
                status="skipped",
                case=existing.case.name if existing.case else None,
                turns=len(existing.turns),
                words=words,
                encoding=t.encoding,
                language=existing.language,
            )
        if update:
            revision = revise_document(session, existing, t, path, actor=actor)
            return ImportedFile(
                path=str(path),
                document=t.name,
                status="updated",
                case=existing.case.name if existing.case else None,
                turns=len(t.turns),
                words=words,
                encoding=t.encoding,
                encoding_detected=t.encoding_detected,
                language=t.language,
                language_detected=t.language_detected,
                language_note=t.language_note,
                newlines_normalised=t.newlines_normalised,
                warnings=list(t.warnings) + revision.warnings,
                revision=revision,
            )
        raise ConflictError(
            f"document {t.name!r} is already in the project with different text "
            f"(imported {existing.imported_at:%Y-%m-%d} from {existing.source_filename})",
            where=str(path),
            hint="to replace its text and move its coding to the new version, import it with "
            "--update; to keep both, rename the file",
        )
    case_name = case_override or t.meta.case
    case = _case_for(session, case_name, t.meta.case_attributes, path, actor) if case_name else None
    doc = Document(
        name=t.name,
        case=case,
        text=t.text,
        words=words,
        sha256=t.sha256,
        file_sha256=t.file_sha256,
        language=t.language,
        language_detected=t.language_detected,
        title=t.meta.title,
        interviewee_role=t.meta.interviewee_role,
        interview_date=_date(t.meta.date, path),
        place=t.meta.place,
        interviewer=t.meta.interviewer,
        source_filename=path.name,
        source_format=t.source_format,
        encoding=t.encoding,
        newlines_normalised=t.newlines_normalised,
        synthetic=t.meta.synthetic,
    )
    session.add(doc)
    session.flush()
    # Turns go in as one multi-row insert: through the ORM's unit of work they were half of an
    # import's time (benchmarks/RESULTS.md).
    if t.turns:
        session.execute(
            insert(Turn),
            [
                {
                    "document_id": doc.id,
                    "number": turn.number,
                    "speaker": turn.speaker,
                    "role": turn.role,
                    "start": turn.start,
                    "end": turn.end,
                    "label_start": turn.label_start,
                    "time": turn.time,
                }
                for turn in t.turns
            ],
        )
    for name, value in t.meta.document_attributes.items():
        if value is None:
            continue
        attr = attributes.get_or_create(session, "document", str(name), value)
        doc.values.append(
            DocumentValue(
                attribute=attr, value=attributes.to_stored(value, attr.type, name=attr.name)
            )
        )
    events.record(
        session,
        actor,
        "document.import",
        "document",
        doc.id,
        after={
            "name": doc.name,
            "file": path.name,
            "sha256": doc.sha256,
            "case": case_name,
            "encoding": t.encoding,
            "language": t.language,
            "language_detected": t.language_detected,
            "turns": len(t.turns),
        },
    )
    return ImportedFile(
        path=str(path),
        document=t.name,
        status="imported",
        case=case_name,
        turns=len(t.turns),
        words=words,
        encoding=t.encoding,
        encoding_detected=t.encoding_detected,
        language=t.language,
        language_detected=t.language_detected,
        language_note=t.language_note,
        newlines_normalised=t.newlines_normalised,
        warnings=list(t.warnings),
    )


def _date(value: object, path: Path) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(
            f"interview date {value!r} is not a date",
            where=str(path),
            hint="write it as YYYY-MM-DD",
        ) from exc


def _case_for(session: Session, name: str, attrs: dict, path: Path, actor: str) -> Case:
    case = session.scalars(select(Case).where(Case.name == name)).one_or_none()
    if case is None:
        case = Case(name=name)
        session.add(case)
        session.flush()
        events.record(session, actor, "case.create", "case", case.id, after={"name": name})
    current = {v.attribute.name: v for v in case.values}
    for key, value in attrs.items():
        if value is None:
            continue
        attr = attributes.get_or_create(session, "case", str(key), value)
        stored = attributes.to_stored(value, attr.type, name=attr.name)
        if key in current:
            if current[key].value != stored:
                raise ConflictError(
                    f"case {name!r} has {key}={current[key].value!r} in the project but this "
                    f"file says {stored!r}",
                    where=str(path),
                    hint=f"make them agree, or change it with `qualcode cases set {name!r} "
                    f"{key}=...`",
                )
            continue
        case.values.append(CaseValue(attribute=attr, value=stored))
        current[key] = case.values[-1]
    return case
