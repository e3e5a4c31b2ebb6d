"""Transcript readers: .txt/.md (with YAML front matter), .docx, .vtt, .srt -> ParsedTranscript.

Every problem a user can cause raises InputError naming the file. The stored text is exactly
what offsets point into: decoded, BOM removed, CRLF/CR turned into LF once (recorded), front
matter removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from qualcode.domain import ParsedTranscript
from qualcode.errors import InputError

from .decoding import decode_bytes
from .docx_reader import read_docx
from .label_lines import compile_user_regex
from .language import resolve_language
from .plaintext import read_plaintext
from .source import ReaderOutput, read_source_bytes
from .srt_reader import read_srt
from .turns import detect_turns, detect_turns_with_warnings
from .vtt_reader import read_vtt

__all__ = ["SUPPORTED_SUFFIXES", "read_transcript", "detect_turns", "decode_bytes"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt")


def read_transcript(path: Path, *, speaker_regex: str | None = None,
                    interviewer_labels: Sequence[str] = (), name: str | None = None
                    ) -> ParsedTranscript:
    """Read one transcript file and split it into speaker turns.

    Interviewer labels are the union of `interviewer_labels` and the front matter's
    `interviewer_labels`. `name` overrides the front matter's `name`, which overrides the stem.
    Subtitles take speakers from their cues, so `speaker_regex` applies to .txt/.md/.docx only."""
    path = Path(path)
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"unsupported file type '{path.suffix or '(none)'}'", where=where,
                         hint=f"transcripts must be one of {', '.join(SUPPORTED_SUFFIXES)}")
    if speaker_regex:
        compile_user_regex(speaker_regex)  # a bad regex is reported even for subtitle files
    data = read_source_bytes(path, where=where)
    labels = [interviewer_labels] if isinstance(interviewer_labels, str) else list(
        interviewer_labels)
    output = _read(suffix, data, where, labels)
    labels += [label for label in output.meta.interviewer_labels if label not in labels]
    warnings = list(output.warnings)
    turns = output.turns
    if turns is None:
        turns, turn_warnings = detect_turns_with_warnings(
            output.text, speaker_regex=speaker_regex, interviewer_labels=labels)
        warnings += turn_warnings
    language, detected, note = resolve_language(
        output.text, output.meta.language, where=where, line=output.meta.language_line)
    if output.encoding_detected:
        warnings.insert(0, f"encoding detected as {output.encoding}; check that accented or "
                           "non-Latin characters look right")
    return ParsedTranscript(
        name=name or output.name or path.stem,
        source_filename=path.name,
        source_format=suffix.lstrip("."),
        text=output.text,
        encoding=output.encoding,
        encoding_detected=output.encoding_detected,
        newlines_normalised=output.newlines_normalised,
        sha256=hashlib.sha256(output.text.encode("utf-8")).hexdigest(),
        file_sha256=hashlib.sha256(data).hexdigest(),
        meta=output.meta,
        turns=turns,
        warnings=warnings,
        language=language,
        language_detected=detected,
        language_note=note,
    )


def _read(suffix: str, data: bytes, where: str, labels: list[str]) -> ReaderOutput:
    if suffix in (".txt", ".md"):
        return read_plaintext(data, where=where)
    if suffix == ".docx":
        return read_docx(data, where=where)
    if suffix == ".vtt":
        return read_vtt(data, where=where, interviewer_labels=labels)
    return read_srt(data, where=where, interviewer_labels=labels)
