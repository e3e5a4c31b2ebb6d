"""Code matrices: cases (or documents, coders, attribute values) x codes (or dimensions).

Child codes roll up: a parent code's column counts its own codings plus those of every code below
it, and a dimension's column counts every coding in the dimension. Counting is done by SQL
(GROUP BY document, coder, code over the filtered codings), the roll-up in Python over the code
tree, so the work grows with the number of (document, coder, code) groups, not with codings.
Coverage needs the spans themselves; they are merged per row x column x document.

The filters and the column layout live here too, because cooccur and gaps share them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qualcode.domain import DIMENSIONS, ORIGINS, RESPONDENT, Table
from qualcode.errors import QualcodeError
from qualcode.services import attributes as attribute_types
from qualcode.services import lookup
from qualcode.services.counting import Counting, counted_codings, counted_groups
from qualcode.storage.models import (
    Attribute,
    Case,
    CaseValue,
    Code,
    Coder,
    Coding,
    Document,
    DocumentValue,
    Turn,
)

ROW_KINDS = ("case", "document", "coder", "attribute:NAME")
COL_KINDS = ("code", "dimension")
VALUES = ("count", "presence", "coverage", "documents")
NO_CASE = "(no case)"
NO_VALUE = "(no value)"
RETIRED_MARK = " (retired)"


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class CodingFilter:
    """Which codings an analysis looks at: one coder, one origin, one code's subtree (or all)."""

    coder_id: int | None = None
    origin: str | None = None
    code_ids: frozenset[int] | None = None
    code: Code | None = None
    description: tuple[str, ...] = ()

    def apply(self, query: Select) -> Select:
        if self.coder_id is not None:
            query = query.where(Coding.coder_id == self.coder_id)
        if self.origin is not None:
            query = query.where(Coding.origin == self.origin)
        if self.code_ids is not None:
            query = query.where(Coding.code_id.in_(self.code_ids))
        return query


def coding_filter(
    session: Session, *, coder: str | None = None, origin: str | None = None,
    code: str | None = None,
) -> CodingFilter:
    """Check the filters a user typed (unknown coder, origin or code is a one-line error)."""
    said = []
    coder_id = None
    if coder is not None:
        coder_id = lookup.coder(session, coder, create=False).id
        said.append(f"coder {coder}")
    if origin is not None:
        if origin not in ORIGINS:
            raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
        said.append(f"origin {origin}")
    code_ids = None
    root = None
    if code is not None:
        root = lookup.code(session, code, allow_retired=True)
        code_ids = frozenset(lookup.subtree_ids(session, root))
        said.append(f"code {code} and the codes below it")
    return CodingFilter(coder_id, origin, code_ids, root, tuple(said))


# --------------------------------------------------------------------------- the code tree


@dataclass(frozen=True)
class CodeInfo:
    id: int
    key: str
    parent_id: int | None
    dimension: str
    is_dimension: bool
    retired: bool


def codes_in_tree_order(session: Session) -> list[CodeInfo]:
    """Every code, parents before children, siblings in codebook order."""
    rows = session.execute(
        select(Code.id, Code.key, Code.parent_id, Code.dimension, Code.is_dimension,
               Code.retired).order_by(Code.sort_order, Code.key)
    ).all()
    infos = [CodeInfo(*row) for row in rows]
    children: dict[int | None, list[CodeInfo]] = defaultdict(list)
    known = {c.id for c in infos}
    for c in infos:
        children[c.parent_id if c.parent_id in known else None].append(c)
    out: list[CodeInfo] = []
    stack = list(reversed(children[None]))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return out


def dimension_order(codes: Iterable[CodeInfo]) -> list[str]:
    """The paper's five dimensions first, in the paper's order, then any other, as the codebook
    orders them."""
    seen = list(dict.fromkeys(c.dimension for c in codes))
    return [d for d in DIMENSIONS if d in seen] + [d for d in seen if d not in DIMENSIONS]


def ancestors(codes: list[CodeInfo]) -> dict[int, list[int]]:
    """code id -> [itself, its parent, ..., its root]."""
    parent = {c.id: c.parent_id for c in codes}
    out = {}
    for c in codes:
        chain, node = [], c.id
        while node is not None and node not in chain:
            chain.append(node)
            node = parent.get(node)
        out[c.id] = chain
    return out


@dataclass
class Columns:
    """The columns of an analysis and which columns each code's codings count towards."""

    labels: list[str]
    retired: list[str]
    targets: dict[int, list[int]]  # code id -> column indices


def layout_columns(
    session: Session,
    cols: str,
    filt: CodingFilter,
    direct_counts: dict[int, int],
    *,
    roll_up: bool = True,
) -> Columns:
    """Columns for `cols` = "code" or "dimension".

    code: every code that is not a dimension, in tree order (only the --code subtree when given);
    a dimension's own root code is a column only if codings were made on it directly. With
    roll_up, a code's codings count towards its own column and each ancestor's; without (for
    co-occurrence, where a parent would trivially co-occur with its children), only its own.
    dimension: the dimensions (only the --code's dimension when given).
    A retired code or dimension is a column only if codings under it pass the filter."""
    if cols not in COL_KINDS:
        raise QualcodeError(f"unknown columns {cols!r}", hint="use --cols code or --cols dimension")
    codes = codes_in_tree_order(session)
    chains = ancestors(codes)
    by_id = {c.id: c for c in codes}

    # How many filtered codings sit at or below each code, for the "retired but used" rule.
    below: dict[int, int] = defaultdict(int)
    for code_id, n in direct_counts.items():
        for anc in chains.get(code_id, [code_id]):
            below[anc] += n

    if cols == "dimension":
        dims = dimension_order(codes)
        if filt.code is not None:
            dims = [filt.code.dimension]
        roots = {c.dimension: c for c in codes if c.parent_id is None and c.key == c.dimension}
        used = defaultdict(int)
        for code_id, n in direct_counts.items():
            if code_id in by_id:
                used[by_id[code_id].dimension] += n
        retired = [d for d in dims if d in roots and roots[d].retired]
        dims = [d for d in dims if d not in retired or used[d] > 0]
        index = {d: i for i, d in enumerate(dims)}
        targets = {c.id: [index[c.dimension]] for c in codes if c.dimension in index}
        return Columns(dims, [d for d in retired if d in index], targets)

    chosen = []
    for c in codes:
        if filt.code_ids is not None and c.id not in filt.code_ids:
            continue
        if c.is_dimension and direct_counts.get(c.id, 0) == 0:
            continue
        if c.retired and below.get(c.id, 0) == 0:
            continue
        chosen.append(c)
    index = {c.id: i for i, c in enumerate(chosen)}
    targets = {}
    for c in codes:
        chain = chains[c.id] if roll_up else [c.id]
        hit = [index[a] for a in chain if a in index]
        if hit:
            targets[c.id] = hit
    return Columns([c.key for c in chosen], [c.key for c in chosen if c.retired], targets)


# --------------------------------------------------------------------------- rows


@dataclass
class Rows:
    """The rows of a matrix: labels, which row a coding belongs to, and each row's documents
    (the denominator of coverage)."""

    header: str
    labels: list[str]
    by_document: dict[int, int] | None  # document id -> row (None for rows by coder)
    by_coder: dict[int, int] | None  # coder id -> row
    documents: list[set[int]]

    def row_of(self, document_id: int, coder_id: int) -> int | None:
        if self.by_coder is not None:
            return self.by_coder.get(coder_id)
        assert self.by_document is not None
        return self.by_document.get(document_id)


def _rows_by_document_groups(header: str, groups: dict[int, Any], order: list[Any],
                             label: Any) -> Rows:
    labels = [label(k) for k in order]
    index = {k: i for i, k in enumerate(order)}
    by_document = {doc_id: index[key] for doc_id, key in groups.items()}
    documents: list[set[int]] = [set() for _ in order]
    for doc_id, row in by_document.items():
        documents[row].add(doc_id)
    return Rows(header, labels, by_document, None, documents)


def _case_rows(session: Session) -> Rows:
    docs = dict(session.execute(select(Document.id, Document.case_id)).all())
    cases = session.execute(select(Case.id, Case.name).order_by(Case.name)).all()
    order: list[int | None] = [cid for cid, _ in cases]
    if any(case_id is None for case_id in docs.values()):
        order.append(None)
    names = dict(cases)
    return _rows_by_document_groups(
        "case", docs, order, lambda cid: names[cid] if cid is not None else NO_CASE)


def _document_rows(session: Session) -> Rows:
    docs = session.execute(select(Document.id, Document.name).order_by(Document.name)).all()
    names = dict(docs)
    return _rows_by_document_groups(
        "document", {d: d for d, _ in docs}, [d for d, _ in docs], names.__getitem__)


def _coder_rows(session: Session, filt: CodingFilter) -> Rows:
    query = select(Coder.id, Coder.name).order_by(Coder.name)
    if filt.coder_id is not None:
        query = query.where(Coder.id == filt.coder_id)
    coders = session.execute(query).all()
    by_coder = {cid: i for i, (cid, _) in enumerate(coders)}
    documents: list[set[int]] = [set() for _ in coders]
    # Coverage for a coder is measured over the documents that coder coded at all.
    for coder_id, doc_id in session.execute(
        select(Coding.coder_id, Coding.document_id).distinct()
    ):
        if coder_id in by_coder:
            documents[by_coder[coder_id]].add(doc_id)
    return Rows("coder", [name for _, name in coders], None, by_coder, documents)


def _sort_key(value: Any) -> tuple:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def _attribute_rows(session: Session, name: str) -> Rows:
    if not name:
        raise QualcodeError("--rows attribute: needs a name", hint="e.g. --rows attribute:segment")
    attrs = session.execute(select(Attribute.id, Attribute.scope, Attribute.type)
                            .where(Attribute.name == name)).all()
    # A case attribute wins over a document attribute of the same name.
    chosen = sorted(attrs, key=lambda a: a.scope != "case")
    if not chosen:
        known = sorted({f"{n} ({s})" for n, s in session.execute(
            select(Attribute.name, Attribute.scope))})
        raise QualcodeError(
            f"unknown attribute {name!r}",
            hint="known: " + ", ".join(known) if known else "the project has no attributes yet",
        )
    attr_id, scope, type_ = chosen[0]
    docs = dict(session.execute(select(Document.id, Document.case_id)).all())
    if scope == "case":
        values = dict(session.execute(select(CaseValue.case_id, CaseValue.value)
                                      .where(CaseValue.attribute_id == attr_id)).all())
        raw = {doc_id: values.get(case_id) for doc_id, case_id in docs.items()}
    else:
        values = dict(session.execute(select(DocumentValue.document_id, DocumentValue.value)
                                      .where(DocumentValue.attribute_id == attr_id)).all())
        raw = {doc_id: values.get(doc_id) for doc_id in docs}
    typed = {d: attribute_types.from_stored(v, type_) if v is not None else None
             for d, v in raw.items()}
    # Every value held, even by a case without documents, is a row (of zeros).
    held = {attribute_types.from_stored(v, type_) for v in values.values()}
    present = sorted(held | {v for v in typed.values() if v is not None}, key=_sort_key)
    order: list[Any] = list(present) + ([None] if None in typed.values() else [])

    def label(value: Any) -> str:
        if value is None:
            return NO_VALUE
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return _rows_by_document_groups(f"{name}", typed, order, label)


def layout_rows(session: Session, rows: str, filt: CodingFilter) -> Rows:
    if rows == "case":
        return _case_rows(session)
    if rows == "document":
        return _document_rows(session)
    if rows == "coder":
        return _coder_rows(session, filt)
    if rows.startswith("attribute:"):
        return _attribute_rows(session, rows.partition(":")[2].strip())
    raise QualcodeError(f"unknown rows {rows!r}",
                        hint="use --rows case, document, coder or attribute:NAME")


# --------------------------------------------------------------------------- intervals


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping union of half-open spans."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersection_length(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Characters shared by two sorted lists of non-overlapping spans."""
    i = j = total = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo < hi:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def respondent_spans(session: Session) -> dict[int, list[tuple[int, int]]]:
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for doc_id, start, end in session.execute(
        select(Turn.document_id, Turn.start, Turn.end).where(Turn.role == RESPONDENT)
    ):
        if start < end:
            spans[doc_id].append((start, end))
    return {d: merge(s) for d, s in spans.items()}


# --------------------------------------------------------------------------- the matrix


@dataclass
class Matrix:
    """rows x columns of one value. cells[i][j] is the value for row_labels[i] and
    col_labels[j]; count, presence and documents are ints, coverage a float in [0, 1]."""

    rows: str
    cols: str
    value: str
    row_header: str
    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[int | float]]
    retired: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counting: Counting | None = None

    def column_names(self) -> list[str]:
        """Column labels with retired codes marked."""
        gone = set(self.retired)
        return [c + RETIRED_MARK if c in gone else c for c in self.col_labels]

    @property
    def title(self) -> str:
        return f"{self.value} by {self.row_header} x {self.cols}"

    def wide_table(self) -> Table:
        return Table(
            columns=[self.row_header, *self.column_names()],
            rows=[[label, *row] for label, row in zip(self.row_labels, self.cells, strict=True)],
            title=self.title,
            notes=list(self.notes),
        )

    def long_table(self) -> Table:
        """Tidy form: one line per row x column (row, column, value)."""
        names = self.column_names()
        return Table(
            columns=[self.row_header, self.cols, self.value],
            rows=[[label, names[j], value]
                  for label, row in zip(self.row_labels, self.cells, strict=True)
                  for j, value in enumerate(row)],
            title=self.title,
            notes=list(self.notes),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "cols": self.cols, "value": self.value,
            "row_header": self.row_header, "row_labels": self.row_labels,
            "col_labels": self.col_labels, "cells": self.cells, "retired": self.retired,
            "filters": self.filters, "notes": self.notes,
            "coders": self.counting.as_dict() if self.counting else None,
        }


def direct_counts(session: Session, filt: CodingFilter) -> dict[int, int]:
    """Filtered codings per code, each counted under its own code only."""
    query = filt.apply(select(Coding.code_id, func.count()).group_by(Coding.code_id))
    return dict(session.execute(query).all())


def _notes(value: str, cols: str, rows: Rows, retired: list[str], filt: CodingFilter) -> list[str]:
    notes = []
    if cols == "code":
        notes.append("A parent code's column counts its own codings plus those of every code "
                     "below it.")
    else:
        notes.append("A dimension's column counts the codings of every code in it.")
    notes.append({
        "count": "Values: number of codings.",
        "presence": "Values: 1 if the row has at least one coding, else 0.",
        "coverage": "Values: share of the respondents' words (characters inside respondent "
                    "turns) of the row's documents that is coded"
                    + (", over the documents each coder coded." if rows.by_coder is not None
                       else "."),
        "documents": "Values: number of distinct documents with at least one coding.",
    }[value])
    if retired:
        notes.append("Retired codes (no longer in the codebook) are shown because they have "
                     "codings: " + ", ".join(retired) + ".")
    if filt.description:
        notes.append("Only codings of " + "; ".join(filt.description) + ".")
    if NO_CASE in rows.labels:
        notes.append(f"The row {NO_CASE!r} holds the documents that belong to no case.")
    return notes


def build_matrix(
    session: Session,
    *,
    rows: str = "case",
    cols: str = "code",
    value: str = "count",
    coder: str | None = None,
    origin: str | None = None,
    code: str | None = None,
) -> Matrix:
    """A rows x columns matrix of codings.

    rows: "case" (documents without a case form a "(no case)" row), "document", "coder" or
    "attribute:NAME" (a case attribute, else a document attribute of that name; documents
    without a value form a "(no value)" row). cols: "code" or "dimension"; child codes roll up,
    so a parent's column counts its own codings plus its descendants'. value: "count"
    (codings), "presence" (0/1), "coverage" (coded share of the respondent text of the row's
    documents: the union of coded characters inside respondent turns over all respondent
    characters; for rows by coder, of the documents that coder coded) or "documents" (distinct
    documents with a coding). Filters: coder, origin, code (that code and its subtree).
    Every row and column is present even when it holds only zeros."""
    if value not in VALUES:
        raise QualcodeError(f"unknown value {value!r}", hint="one of " + ", ".join(VALUES))
    if cols not in COL_KINDS:
        raise QualcodeError(f"unknown columns {cols!r}", hint="use --cols code or --cols dimension")
    filt = coding_filter(session, coder=coder, origin=origin, code=code)
    row_layout = layout_rows(session, rows, filt)
    columns = layout_columns(session, cols, filt, direct_counts(session, filt))
    n_rows, n_cols = len(row_layout.labels), len(columns.labels)

    counts = [[0] * n_cols for _ in range(n_rows)]
    docs: list[list[set[int]]] = [[set() for _ in range(n_cols)] for _ in range(n_rows)]
    # Several coders on one document: counted once per passage (services/counting.py).
    counted = counted_groups(session, filt, by_coder=row_layout.by_coder is not None)
    for (doc_id, coder_id, code_id), n in counted.groups.items():
        row = row_layout.row_of(doc_id, coder_id)
        if row is None:
            continue
        for col in columns.targets.get(code_id, ()):
            counts[row][col] += n
            docs[row][col].add(doc_id)

    cells: list[list[int | float]]
    if value == "count":
        cells = [list(r) for r in counts]
    elif value == "presence":
        cells = [[1 if n else 0 for n in r] for r in counts]
    elif value == "documents":
        cells = [[len(s) for s in r] for r in docs]
    else:
        cells = _coverage(session, filt, row_layout, columns)

    notes = _notes(value, cols, row_layout, columns.retired, filt)
    notes.append(counted.counting.line)
    return Matrix(
        rows=rows, cols=cols, value=value, row_header=row_layout.header,
        row_labels=row_layout.labels, col_labels=columns.labels, cells=cells,
        retired=columns.retired, filters=list(filt.description), notes=notes,
        counting=counted.counting,
    )


def _coverage(session: Session, filt: CodingFilter, row_layout: Rows, columns: Columns
              ) -> list[list[int | float]]:
    respondent = respondent_spans(session)
    spans: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    # A merged passage covers the characters any of its coders coded (passage_start..end).
    found = counted_codings(session, filt, by_coder=row_layout.by_coder is not None)
    for c in found.codings:
        row = row_layout.row_of(c.document_id, c.coder_id)
        if row is None or c.document_id not in respondent:
            continue
        for col in columns.targets.get(c.code_id, ()):
            spans[(row, col, c.document_id)].append((c.passage_start, c.passage_end))
    coded = [[0] * len(columns.labels) for _ in row_layout.labels]
    for (row, col, doc_id), found in spans.items():
        coded[row][col] += intersection_length(merge(found), respondent[doc_id])
    totals = [sum(e - s for d in documents for s, e in respondent.get(d, ()))
              for documents in row_layout.documents]
    return [[c / total if total else 0.0 for c in row] for row, total in zip(coded, totals,
                                                                             strict=True)]
