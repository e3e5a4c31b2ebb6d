"""The schema: SQLAlchemy 2 typed models. Only storage/ defines tables.

Portable on purpose: no SQLite-only types or SQL, so the same models run on PostgreSQL. Offsets are
Unicode code points into Document.text, start inclusive, end exclusive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints make migrations reproducible across SQLite and PostgreSQL (batch mode on
# SQLite needs names to drop or alter a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ProjectInfo(Base):
    """Key/value facts about the project (name, creation time)."""

    __tablename__ = "project_info"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Case(Base):
    """A case: a firm or an institution. Attributes belong to cases, not documents."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    documents: Mapped[list[Document]] = relationship(back_populates="case")
    values: Mapped[list[CaseValue]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class Attribute(Base):
    """A typed variable (REFI-QDA calls them Variables) of cases or of documents."""

    __tablename__ = "attributes"
    __table_args__ = (
        UniqueConstraint("scope", "name"),
        CheckConstraint("scope IN ('case', 'document')", name="scope"),
        CheckConstraint("type IN ('text', 'integer', 'float', 'boolean', 'date')", name="type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(10))


class CaseValue(Base):
    __tablename__ = "case_values"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )
    # Stored as text in a canonical form per type (ISO dates, "true"/"false", decimal numbers) so
    # one column serves every type on every database; services convert on read.
    value: Mapped[str] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="values")
    attribute: Mapped[Attribute] = relationship()


class Document(Base):
    """An interview transcript, its exact text and where it came from."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(20), default="en")
    # True when the language was detected at import rather than declared in front matter.
    language_detected: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(Text)
    interviewee_role: Mapped[str | None] = mapped_column(Text)
    interview_date: Mapped[dt.date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(Text)
    interviewer: Mapped[str | None] = mapped_column(Text)
    source_filename: Mapped[str] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(10))
    encoding: Mapped[str] = mapped_column(String(40))
    newlines_normalised: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Words of `text` as nlp.languages.count_words counts them (jieba for Chinese), set by the
    # services that write `text`, so `stats` can add them up without reading every transcript.
    words: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case | None] = relationship(back_populates="documents")
    turns: Mapped[list[Turn]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Turn.number"
    )
    values: Mapped[list[DocumentValue]] = relationship(cascade="all, delete-orphan")


class DocumentValue(Base):
    __tablename__ = "document_values"
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text)
    attribute: Mapped[Attribute] = relationship()


class Turn(Base):
    """A speaker turn; start/end delimit what was said (the speaker label is outside)."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint("start_offset <= end_offset", name="span"),
        CheckConstraint("role IN ('interviewer', 'respondent', 'other')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    label_start: Mapped[int | None] = mapped_column(Integer)
    time: Mapped[str | None] = mapped_column(String(20))
    document: Mapped[Document] = relationship(back_populates="turns")


class CodebookVersion(Base):
    """Each distinct codebook file loaded into the project, so suggestions can say which one."""

    __tablename__ = "codebook_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Code(Base):
    """A code of the codebook. Dimensions are root codes. Codes with codings are retired, never
    deleted, so evidence is never orphaned."""

    __tablename__ = "codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    guid: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    dimension: Mapped[str] = mapped_column(String(100))
    is_dimension: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[list[Any]] = mapped_column(JSON, default=list)
    exclude: Mapped[list[Any]] = mapped_column(JSON, default=list)
    examples: Mapped[list[Any]] = mapped_column(JSON, default=list)
    patterns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # {language: {"name": ..., "definition": ...}}: the code in other languages, for documents
    # in those languages.
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    colour: Mapped[str | None] = mapped_column(String(9))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    codebook_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("codebook_versions.id", ondelete="SET NULL")
    )
    parent: Mapped[Code | None] = relationship(remote_side="Code.id")


class Coder(Base):
    __tablename__ = "coders"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coding(Base):
    """A span of a document coded with a code by a coder. The quote is kept so drift in the text
    can be detected."""

    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND start_offset < end_offset", name="span"),
        CheckConstraint("origin IN ('manual', 'suggested', 'imported')", name="origin"),
        UniqueConstraint(
            "document_id",
            "code_id",
            "coder_id",
            "start_offset",
            "end_offset",
            name="uq_codings_span",
        ),
        Index("ix_codings_code", "code_id"),
        # (document, start, code, id): the order of `codings list`, read straight off the
        # index; the other columns it lists follow, so it never visits the rows (its quotes are
        # cut from the documents' texts: services/coding.py, _Quotes).
        Index("ix_codings_document", "document_id", "start_offset", "code_id", "id", "coder_id",
              "end_offset", "origin", "key_quote", "created_at"),
        # The few codings with a memo, for listings.
        Index("ix_codings_memo", "id", sqlite_where=text("memo IS NOT NULL"),
              postgresql_where=text("memo IS NOT NULL")),
        Index("ix_codings_coder", "coder_id", "origin"),  # stats and --coder filters
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    origin: Mapped[str] = mapped_column(String(10), default="manual")
    quote: Mapped[str] = mapped_column(Text)
    memo: Mapped[str | None] = mapped_column(Text)
    key_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[Document] = relationship()
    code: Mapped[Code] = relationship()
    coder: Mapped[Coder] = relationship()
    flag: Mapped[CodingFlag | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class CodingFlag(Base):
    """A coding that a revised transcript could not place: kept (near where its text was) and
    flagged for the coder, with the span and quote it had on the old text."""

    __tablename__ = "coding_flags"
    coding_id: Mapped[int] = mapped_column(
        ForeignKey("codings.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    old_start: Mapped[int] = mapped_column(Integer)
    old_end: Mapped[int] = mapped_column(Integer)
    old_quote: Mapped[str] = mapped_column(Text)
    flagged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JudgedSpan(Base):
    """A stretch of a document that a coder has read and labelled, whatever codes it got: "no code
    here" is then a judgement, not an omission. A gold standard lists every sentence it judged;
    `evaluate` and agreement compare only what the reference coder judged."""

    __tablename__ = "judged_spans"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND start_offset < end_offset", name="span"),
        UniqueConstraint(
            "document_id", "coder_id", "start_offset", "end_offset", name="uq_judged_spans_span"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Memo(Base):
    """A researcher's note on the project (all targets empty) or on one case, document, code or
    coding."""

    __tablename__ = "memos"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    """Append-only audit trail: who did what, when, with the state before and after."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # The event this one reverses (an undo reverses a change, a redo reverses an undo).
    reverses_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The document the change belongs to, for `qualcode log --document` (no foreign key: the log
    # outlives a removed document).
    document_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Suggestion(Base):
    """A code proposed for a span by the suggester, with the evidence for it, waiting for (or
    carrying) a researcher's decision."""

    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND start_offset < end_offset", name="span"),
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status"),
        CheckConstraint("score >= 0 AND score <= 1", name="score"),
        UniqueConstraint(
            "document_id",
            "code_id",
            "start_offset",
            "end_offset",
            "method",
            name="uq_suggestions_span",
        ),
        Index("ix_suggestions_status", "status", "score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(10))  # lexicon | learned
    unit: Mapped[str] = mapped_column(String(10))  # sentence | turn
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    pipeline: Mapped[str] = mapped_column(Text)
    codebook_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    document: Mapped[Document] = relationship()
    code: Mapped[Code] = relationship()
    decided_by: Mapped[Coder | None] = relationship()


class Summary(Base):
    """The researcher's synthesis of one case on one dimension. `evidence_fingerprint` is a hash
    of the codings under it when it was written; when they change, the summary is stale."""

    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("case_id", "dimension"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    evidence_fingerprint: Mapped[str] = mapped_column(String(64))
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    case: Mapped[Case] = relationship()
    author: Mapped[Coder | None] = relationship()


class TrainedModel(Base):
    """A text classifier trained on the project's own human coding (spaCy textcat_multilabel),
    stored with a fingerprint of the data it learned from."""

    __tablename__ = "trained_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    labels: Mapped[list[Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    pipeline: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


__all__ = [
    "Attribute",
    "Base",
    "Case",
    "CaseValue",
    "Code",
    "CodebookVersion",
    "Coder",
    "Coding",
    "CodingFlag",
    "Document",
    "DocumentValue",
    "Event",
    "JudgedSpan",
    "Memo",
    "ProjectInfo",
    "Turn",
]


def _ids_never_reused() -> None:
    """A removed row's id is never given to a new one (the audit log names rows by id): SQLite
    reuses the highest id after a delete unless the table is AUTOINCREMENT; PostgreSQL's
    sequences never go back. Migration 0004p rebuilds older SQLite projects' tables so."""
    for table in Base.metadata.tables.values():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer) and not pk[0].foreign_keys:
            table.dialect_options["sqlite"]["autoincrement"] = True


_ids_never_reused()
