"""Small stdlib dataclasses that cross the layers. No I/O, no third-party imports.

Offsets everywhere are Unicode code points into the stored document text, start inclusive, end
exclusive.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import single_line

# Roles a speaker turn can have. "other" is text outside any speaker turn (a preamble, a stage note
# block) and is never offered for suggestions.
INTERVIEWER = "interviewer"
RESPONDENT = "respondent"
OTHER = "other"
TURN_ROLES = (INTERVIEWER, RESPONDENT, OTHER)

# Where a coding came from.
ORIGIN_MANUAL = "manual"
ORIGIN_SUGGESTED = "suggested"
ORIGIN_IMPORTED = "imported"
ORIGINS = (ORIGIN_MANUAL, ORIGIN_SUGGESTED, ORIGIN_IMPORTED)

# The paper's five dimensions, in the paper's order. Codebooks may add others, but these are the
# columns of the synthesis table.
DIMENSIONS = ("strategy", "organization", "innovation", "market-position", "policy")

# A fixed namespace so a code's GUID is the same wherever its codebook is loaded (REFI-QDA needs
# stable GUIDs across exports).
CODE_GUID_NAMESPACE = uuid.UUID("6f1c2a8e-6a0e-4b8e-9c55-8f2f3d0a9b17")


def code_guid(key: str) -> str:
    return str(uuid.uuid5(CODE_GUID_NAMESPACE, key))


@dataclass(frozen=True)
class Turn:
    """A speaker turn: `start`/`end` delimit what was said (the label itself is excluded)."""

    number: int  # 1-based, in document order
    speaker: str | None
    role: str  # one of TURN_ROLES
    start: int
    end: int
    label_start: int | None = None  # where the speaker label begins, if there is one
    time: str | None = None  # a time stamp the transcript gave for the turn, as written


@dataclass
class TranscriptMeta:
    """What front matter (or the file name) says about an interview."""

    case: str | None = None
    case_attributes: dict[str, Any] = field(default_factory=dict)
    document_attributes: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    language_line: int | None = None  # the front-matter line that declares it
    interviewee_role: str | None = None
    date: str | None = None  # ISO date as written
    place: str | None = None
    interviewer: str | None = None
    interviewer_labels: list[str] = field(default_factory=list)
    title: str | None = None
    synthetic: bool = False


@dataclass
class ParsedTranscript:
    """A transcript file read and split into turns, ready to be stored."""

    name: str  # document name, the file stem unless front matter says otherwise
    source_filename: str
    source_format: str  # txt, md, docx, vtt, srt
    text: str  # exactly what is stored; offsets point into it
    encoding: str  # the encoding used to decode the file
    encoding_detected: bool  # True when charset detection chose it (not a BOM or valid UTF-8)
    newlines_normalised: bool  # True when CRLF/CR in the file became LF
    sha256: str  # of `text` encoded as UTF-8
    file_sha256: str  # of the file's bytes
    meta: TranscriptMeta
    turns: list[Turn]
    warnings: list[str] = field(default_factory=list)
    language: str = "en"  # the front matter's, else detected
    language_detected: bool = False
    language_note: str = ""  # what detection saw, e.g. "94% Chinese characters"


@dataclass(frozen=True)
class PatternDef:
    """One matching rule of a code. kind: "phrase" (case-insensitive words), "lemma" (matched on
    lemmas, so inflections match) or "tokens" (a spaCy token pattern, a list of dicts)."""

    kind: str
    value: Any
    language: str
    line: int | None
    rule_id: str  # "<code key>#<n>", stable while the codebook keeps the rule in place
    # "suggest": a match proposes the code; "veto": a match cancels the code's (and its
    # subtree's) suggestions in the same sentence. Veto rule ids are "<code key>#veto<n>".
    role: str = "suggest"
    # What a match under a negation ("did not", "never", 没有) does: "lower" its weight,
    # "drop" it, or "ignore" the negation. Resolved when the codebook is read (pattern, code,
    # enclosing codes, dimension, codebook section), so every pattern carries its own.
    negation: str = "lower"


VETO_LABEL = "veto:"  # a veto rule's matches are labelled "veto:<code key>" in the pipeline


def rule_label(code_key: str, pattern: PatternDef) -> str:
    """The label a pattern's matches carry: the code's key, or VETO_LABEL + key for a veto."""
    return VETO_LABEL + code_key if pattern.role == "veto" else code_key


@dataclass(frozen=True)
class CodeDef:
    """A code as the codebook defines it. Dimensions are root codes with is_dimension=True."""

    key: str  # dotted path: "innovation.cell-design.dependence"
    name: str
    dimension: str
    parent: str | None
    definition: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str | None = None
    patterns: tuple[PatternDef, ...] = ()
    is_dimension: bool = False
    line: int | None = None
    order: int = 0
    # The code in other languages: (language, name or None, definition or None), by language.
    translations: tuple[tuple[str, str | None, str | None], ...] = ()
    renamed_from: str | None = None  # the key this code had before (`renamed_from:`)

    @property
    def guid(self) -> str:
        return code_guid(self.key)

    def translations_dict(self) -> dict[str, dict[str, str]]:
        """{language: {"name": ..., "definition": ...}}, the fields given only."""
        return {lang: {k: v for k, v in (("name", name), ("definition", definition)) if v}
                for lang, name, definition in self.translations}


@dataclass
class Codebook:
    name: str
    version: str
    language: str
    languages: tuple[str, ...]
    codes: list[CodeDef]
    source: str | None = None
    sha256: str | None = None
    warnings: tuple[CodebookProblem, ...] = ()  # worth saying, not worth refusing the file

    def by_key(self) -> dict[str, CodeDef]:
        return {c.key: c for c in self.codes}


@dataclass(frozen=True)
class CodebookProblem:
    line: int | None
    key: str | None
    message: str

    def one_line(self, path: str | None = None) -> str:
        where = path or "codebook"
        if self.line is not None:
            where += f":{self.line}"
        what = f"{self.key}: " if self.key else ""
        return single_line(f"{where}: {what}{self.message}")


@dataclass
class Table:
    """A rectangular result ready for any writer (CSV, XLSX, Markdown, JSON, HTML)."""

    columns: list[str]
    rows: list[list[Any]]
    title: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TextUnit:
    """A stretch of a document handed to the suggester, usually one respondent turn. `start` is
    the document offset of text[0], so unit offsets map back to document offsets."""

    document_id: int
    start: int
    text: str
    turn_number: int | None = None
    language: str | None = None  # the document's; None: the codebook's language


@dataclass
class SuggestionHit:
    """A code proposed for a span of a document, with the evidence that led to it.

    evidence: a list of {"rule": rule_id, "kind": phrase|lemma|tokens|learned, "text": matched
    words, "start": doc offset, "end": doc offset} (for learned hits: {"kind": "learned",
    "probability": p}).
    """

    document_id: int
    start: int
    end: int
    code: str
    score: float
    method: str  # "lexicon" | "learned" | "both"
    unit: str  # "sentence" | "turn"
    evidence: list[dict[str, Any]] = field(default_factory=list)
