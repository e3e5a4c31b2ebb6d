"""The per-firm characterisation table: cases as rows, the paper's dimensions as columns, each cell
the codes found there with counts, representative quotes, and the researcher's summary.

Quote ranking, inside one cell (documented in the README too):
  1. quotes a coder marked as key first;
  2. human codings (origin manual or imported) before suggested ones;
  3. then the score of the accepted suggestion that made the coding (Suggestion.coding_id),
     highest first; codings without one count as 0;
  4. then length: quotes of 60-300 characters first, longer ones first among them; outside that
     band, the nearer to it the better;
  5. then document order (document name, start offset).
Then diversity: every code gets one quote before any code gets a second. The same span coded with
two codes of a dimension is quoted once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.domain import ORIGIN_SUGGESTED, ORIGINS, Table
from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.cases import case_attributes
from qualcode.services.counting import Counted, Counting, counted_codings
from qualcode.services.matrix import coding_filter
from qualcode.services.summaries import check_dimension, known_dimensions, summaries_by_cell
from qualcode.storage.models import Case, Code, Coder, Coding, Document, Suggestion

T = TypeVar("T")

NO_CASE = "(no case)"  # the row of coded documents that belong to no case (as in matrix)

QUOTE_MIN, QUOTE_MAX = 60, 300  # the preferred length of a representative quote, in characters


@dataclass
class Quote:
    document: str
    start: int
    end: int
    code: str
    coder: str
    text: str
    key: bool
    origin: str
    score: float | None
    coding_id: int
    coders: list[str] = field(default_factory=list)  # everyone who coded this passage

    @property
    def ref(self) -> str:
        """Where the quote is: "interview-03:1234-1290"."""
        return f"{self.document}:{self.start}-{self.end}"


@dataclass
class CodeCount:
    code: str
    count: int


@dataclass
class Cell:
    case: str
    dimension: str
    codes: list[CodeCount] = field(default_factory=list)
    codings: int = 0
    documents: int = 0
    quotes: list[Quote] = field(default_factory=list)
    summary: str | None = None
    summary_stale: bool = False
    summary_author: str | None = None

    @property
    def empty(self) -> bool:
        return self.codings == 0 and self.summary is None


@dataclass
class CaseRow:
    name: str
    kind: str | None
    attributes: dict[str, Any]
    documents: list[str]
    cells: dict[str, Cell]


@dataclass
class Synthesis:
    dimensions: list[str]
    rows: list[CaseRow]
    coder: str | None = None
    origin: str | None = None
    quotes: int = 3
    documents: int = 0
    synthetic_documents: int = 0
    notes: list[str] = field(default_factory=list)
    counting: Counting | None = None

    def row(self, case: str) -> CaseRow:
        for row in self.rows:
            if row.name == case:
                return row
        raise KeyError(case)

    def cell(self, case: str, dimension: str) -> Cell:
        return self.row(case).cells[dimension]

    @property
    def stale_summaries(self) -> list[tuple[str, str]]:
        return [(r.name, d) for r in self.rows for d, c in r.cells.items() if c.summary_stale]

    def to_dict(self) -> dict[str, Any]:
        """The whole structure as JSON-ready data (quotes carry their `ref`)."""
        data = asdict(self)
        for row, plain in zip(self.rows, data["rows"], strict=True):
            for dim, cell in row.cells.items():
                for quote, out in zip(cell.quotes, plain["cells"][dim]["quotes"], strict=True):
                    out["ref"] = quote.ref
                plain["cells"][dim]["empty"] = cell.empty
        data["stale_summaries"] = [list(x) for x in self.stale_summaries]
        data.pop("counting")
        data["coders"] = self.counting.as_dict() if self.counting else None
        return data

    def attribute_names(self) -> list[str]:
        names: list[str] = []
        for row in self.rows:
            names += [n for n in row.attributes if n not in names]
        return names

    def wide_table(self) -> Table:
        """One row per case; per dimension a summary, a codes and a quotes column (csv, xlsx)."""
        attrs = [n for n in self.attribute_names() if n != "kind"]
        columns = ["case", "kind", *attrs]
        for dim in self.dimensions:
            columns += [f"{dim} summary", f"{dim} codes", f"{dim} quotes"]
        columns += ["stale summaries", "coders counted"]
        rows = []
        for row in self.rows:
            values: list[Any] = [row.name, row.kind, *[row.attributes.get(n) for n in attrs]]
            for dim in self.dimensions:
                cell = row.cells[dim]
                values += [
                    cell.summary,
                    [f"{c.code} ({c.count})" for c in cell.codes],
                    [f'"{q.text}" [{q.ref}]' for q in cell.quotes],
                ]
            values.append([d for d in self.dimensions if row.cells[d].summary_stale])
            values.append(self.counting.short if self.counting else None)
            rows.append(values)
        return Table(columns, rows, title="Synthesis", notes=list(self.notes))

    @property
    def title(self) -> str:
        """Said first in every export, so a table from synthetic data never passes for real."""
        if self.synthetic_documents:
            return (f"Synthesis (SYNTHETIC: {self.synthetic_documents} of {self.documents} "
                    "documents are invented, illustrative interviews)")
        return "Synthesis"

    def grid_table(self) -> Table:
        """Case x dimension, each cell summary + codes + quotes as lines of text (Markdown)."""
        rows = []
        for row in self.rows:
            rows.append([row.name, *[cell_text(row.cells[d]) for d in self.dimensions]])
        return Table(["case", *self.dimensions], rows, title=self.title, notes=list(self.notes))


def cell_text(cell: Cell, *, quotes: int | None = None) -> str:
    lines = []
    if cell.summary:
        lines.append(("[STALE] " if cell.summary_stale else "") + cell.summary)
    if cell.codes:
        lines.append("codes: " + ", ".join(f"{c.code} ({c.count})" for c in cell.codes))
    for q in cell.quotes[:quotes]:
        lines.append(f'"{q.text}" [{q.ref}]')
    return "\n".join(lines) if lines else "-"


def quote_rank_key(*, key: bool, origin: str, score: float | None, length: int, document: str,
                   start: int, code: str) -> tuple:
    """The sort key of the ranking in the module docstring (without the diversity step), from
    what the ranking looks at: a quote's length, not its text."""
    distance = max(QUOTE_MIN - length, length - QUOTE_MAX, 0)
    return (
        not key,
        origin == ORIGIN_SUGGESTED,
        -(score or 0.0),
        distance,
        -length,
        document,
        start,
        code,
    )


def quote_rank(quote: Quote) -> tuple:
    """quote_rank_key of a Quote."""
    return quote_rank_key(key=quote.key, origin=quote.origin, score=quote.score,
                          length=len(quote.text), document=quote.document, start=quote.start,
                          code=quote.code)


def rank_quotes(candidates: list[Quote], limit: int) -> list[Quote]:
    """The quotes a cell shows, best first (ranking, one quote per span, diversity)."""
    return _choose(candidates, limit, quote_rank)


def _choose(candidates: list[T], limit: int, rank: Callable[[T], tuple]) -> list[T]:
    """Rank, keep the best of each span, then diversity: the n-th quote of a code waits until
    every code has had n-1. `rank`'s key ends with (document, start, code)."""
    if limit <= 0 or not candidates:
        return []
    ranked = sorted(((rank(c), c) for c in candidates), key=lambda t: t[0])
    seen_spans: set[tuple[str, int, int]] = set()
    nth: Counter[str] = Counter()
    keyed = []
    for position, (key, item) in enumerate(ranked):
        document, start, code = key[-3:]
        span = (document, start, _end(item))
        if span in seen_spans:
            continue
        seen_spans.add(span)
        keyed.append((nth[code], position, item))
        nth[code] += 1
    keyed.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in keyed[:limit]]


def _end(item: Any) -> int:
    return item.end


def _quote_texts(session: Session, ids: list[int]) -> dict[int, str]:
    """The quotes of the chosen codings, read in batches."""
    texts: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        texts.update(session.execute(
            select(Coding.id, Coding.quote).where(Coding.id.in_(ids[i:i + 500]))).all())
    return texts


def build_synthesis(
    session: Session,
    *,
    coder: str | None = None,
    origin: str | None = None,
    quotes: int = 3,
    cases: list[str] | None = None,
    dimensions: list[str] | None = None,
) -> Synthesis:
    """The characterisation table from the codings (optionally one coder's, one origin's), with
    up to `quotes` representative quotes per cell, ranked as the module docstring says."""
    if quotes < 0:
        raise QualcodeError("--quotes must be 0 or more")
    if origin is not None and origin not in ORIGINS:
        raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
    filt = coding_filter(session, coder=coder, origin=origin)
    coder_row = lookup.coder(session, coder, create=False) if coder else None
    dims = [check_dimension(session, d) for d in dimensions] if dimensions else None
    dims = dims or known_dimensions(session)
    case_rows = _select_cases(session, cases)

    # Ranking needs each quote's length, not its text: the text of every counted coding would
    # hold the corpus's coded passages in memory (1.76 GB at 1,000,000 codings). Lengths come from
    # SQL (length() counts characters on SQLite and PostgreSQL, as len() does); only the chosen
    # quotes' text is read, once the cells are ranked.
    lengths = dict(session.execute(filt.apply(select(Coding.id, func.length(Coding.quote)))).all())
    documents = {doc_id: (name, case_id) for doc_id, name, case_id in session.execute(
        select(Document.id, Document.name, Document.case_id))}
    code_info = {code_id: (key, dimension) for code_id, key, dimension in session.execute(
        select(Code.id, Code.key, Code.dimension))}
    coder_names = dict(session.execute(select(Coder.id, Coder.name)).all())
    scores = dict(
        session.execute(
            select(Suggestion.coding_id, Suggestion.score).where(Suggestion.coding_id.is_not(None))
        ).all()
    )
    # Several coders on one document: one passage counts once (services/counting.py).
    counted = counted_codings(session, filt)
    by_cell: dict[tuple[int | None, str], list[Counted]] = {}
    caseless = set()
    for c in counted.codings:
        doc_name, case_id = documents[c.document_id]
        if case_id is None:
            caseless.add(doc_name)
        by_cell.setdefault((case_id, code_info[c.code_id][1]), []).append(c)

    def rank_key(c: Counted) -> tuple:
        return quote_rank_key(key=c.key, origin=c.origin, score=scores.get(c.id),
                              length=lengths[c.id], document=documents[c.document_id][0],
                              start=c.start, code=code_info[c.code_id][0])

    summaries = summaries_by_cell(session)
    doc_names: dict[int, list[str]] = {}
    for name, case_id in session.execute(
        select(Document.name, Document.case_id).order_by(Document.name)
    ):
        doc_names.setdefault(case_id, []).append(name)
    rows = []
    # Coded documents without a case form a last row, "(no case)", rather than dropping out.
    targets: list[tuple[int | None, str, dict]] = [
        (case.id, case.name, case_attributes(case)) for case in case_rows]
    if caseless and not cases:
        targets.append((None, NO_CASE, {}))
    for case_id, case_name, attrs in targets:
        cells = {}
        for dim in dims:
            found = by_cell.get((case_id, dim), [])
            counts = Counter(code_info[c.code_id][0] for c in found)
            summary = summaries.get((case_id, dim)) if case_id is not None else None
            cells[dim] = Cell(
                case=case_name,
                dimension=dim,
                codes=[
                    CodeCount(k, n) for k, n in sorted(counts.items(), key=lambda t: (-t[1], t[0]))
                ],
                codings=len(found),
                documents=len({c.document_id for c in found}),
                quotes=[],
                summary=summary.text if summary else None,
                summary_stale=summary.stale if summary else False,
                summary_author=summary.author if summary else None,
            )
        rows.append(
            CaseRow(
                name=case_name,
                kind=attrs.get("kind"),
                attributes=attrs,
                documents=doc_names.get(case_id, []),
                cells=cells,
            )
        )
    chosen = {(case_id, dim): _choose(by_cell.get((case_id, dim), []), quotes, rank_key)
              for case_id, _name, _attrs in targets for dim in dims}
    texts = _quote_texts(session, [c.id for picks in chosen.values() for c in picks])
    for (case_id, _name, _attrs), row in zip(targets, rows, strict=True):
        for dim in dims:
            row.cells[dim].quotes = [
                Quote(document=documents[c.document_id][0], start=c.start, end=c.end,
                      code=code_info[c.code_id][0], coder=coder_names[c.coder_id],
                      text=texts[c.id], key=c.key, origin=c.origin, score=scores.get(c.id),
                      coding_id=c.id, coders=[coder_names[i] for i in c.coders])
                for c in chosen[(case_id, dim)]]
    if not cases:  # firms first, then institutions, "(no case)" last; cases asked for keep
        rows.sort(key=_case_order_key)  # the order given
    docs = list(session.execute(select(Document.synthetic)).scalars())
    result = Synthesis(
        dimensions=dims,
        rows=rows,
        coder=coder_row.name if coder_row else None,
        origin=origin,
        quotes=quotes,
        documents=len(docs),
        synthetic_documents=sum(1 for s in docs if s),
        counting=counted.counting,
    )
    if result.synthetic_documents:
        result.notes.append(
            f"{result.synthetic_documents} of {result.documents} documents are marked SYNTHETIC "
            "(invented, illustrative interviews)."
        )
    result.notes.append(counted.counting.line)
    if caseless:
        result.notes.append(
            f"{len(caseless)} coded document(s) belong to no case; they are in the row "
            f"{NO_CASE!r}" + ("" if not cases else " (not shown: --case chose cases)") + ": "
            + ", ".join(sorted(caseless))
        )
    stale = result.stale_summaries
    if stale:
        result.notes.append(
            f"{len(stale)} summary(ies) are STALE (their codings changed after they were written)."
        )
    return result


def _case_order_key(row: CaseRow) -> tuple:
    return (row.name == NO_CASE, row.kind != "firm", str(row.kind or "~"), row.name)


def _select_cases(session: Session, names: list[str] | None) -> list[Case]:
    if not names:
        return list(session.scalars(select(Case).order_by(Case.name)))
    out = []
    for name in names:
        case = lookup.case(session, name)
        if case in out:
            raise QualcodeError(f"case {name!r} is named twice")
        out.append(case)
    return out
