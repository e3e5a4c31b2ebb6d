"""Manual coding: adding and removing codings, and listing them with filters."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from itertools import accumulate
from json.encoder import encode_basestring

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from qualcode.domain import ORIGIN_MANUAL, ORIGINS
from qualcode.errors import ConflictError, NotFoundError, QualcodeError, SpanError
from qualcode.services import events, lookup
from qualcode.services.blind import codings_visible_to
from qualcode.storage import database
from qualcode.storage.models import (
    Case,
    Code,
    Coder,
    Coding,
    CodingFlag,
    Document,
    Memo,
    Suggestion,
    Turn,
)
from qualcode.typography import has_wide_forms, loose_pattern


@dataclass
class Candidate:
    start: int
    end: int
    context: str


@dataclass
class CodingRow:
    id: int
    document: str
    case: str | None
    code: str
    dimension: str
    coder: str
    origin: str
    start: int
    end: int
    quote: str
    memo: str | None
    key: bool
    created_at: str
    flag: dict | None = None  # a revised transcript could not place it: reason, old span, quote

    def as_dict(self) -> dict:
        return asdict(self)


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"...{left}[{text[start:end]}]{right}..."


def find_quote(text: str, quote: str, *, ignore_case: bool = False) -> list[tuple[int, int]]:
    """Where the quote occurs in the stored text, whatever its typography (qualcode.typography:
    curly or straight quotes, any dash, full- or half-width forms, any run of whitespace for any
    other, so a quote copied from a hard-wrapped transcript crosses line breaks). Always the loose
    match, so an occurrence number counts the same occurrences however each one is typeset."""
    if not quote.strip():
        raise SpanError("the quote is empty")
    pattern = loose_pattern(quote, ignore_case, has_wide_forms(text))
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]


def resolve_span(
    doc: Document,
    *,
    turn: int | None = None,
    span: tuple[int, int] | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
) -> tuple[int, int]:
    given = sum(x is not None for x in (turn, span, quote))
    if given != 1:
        raise QualcodeError("say what to code with exactly one of --turn, --span or --quote")
    if span is not None:
        start, end = span
        if not 0 <= start < end <= len(doc.text):
            raise SpanError(
                f"span {start}:{end} is outside the document or empty",
                where=doc.name,
                hint=f"offsets run from 0 to {len(doc.text)}, start < end",
            )
        return start, end
    if turn is not None:
        found = next((t for t in doc.turns if t.number == turn), None)
        if found is None:
            raise SpanError(
                f"no turn {turn}",
                where=doc.name,
                hint=f"turns are numbered 1 to {len(doc.turns)}; see `qualcode show {doc.name}`",
            )
        if found.start == found.end:
            raise SpanError(f"turn {turn} is empty", where=doc.name)
        return found.start, found.end
    assert quote is not None
    hits = find_quote(doc.text, quote)
    if not hits:
        lowered = find_quote(doc.text, quote, ignore_case=True)
        raise SpanError(
            f"the quote {quote!r} is not in the document",
            where=doc.name,
            candidates=[Candidate(s, e, _context(doc.text, s, e)) for s, e in lowered[:5]],
            hint="quotes must match the text's letters and case (a different case is shown below)"
            if lowered
            else "check the wording with `qualcode search`",
        )
    if occurrence is not None:
        if not 1 <= occurrence <= len(hits):
            raise SpanError(
                f"the quote occurs {len(hits)} time(s); there is no occurrence {occurrence}",
                where=doc.name,
            )
        return hits[occurrence - 1]
    if len(hits) > 1:
        raise SpanError(
            f"the quote occurs {len(hits)} times",
            where=doc.name,
            candidates=[Candidate(s, e, _context(doc.text, s, e)) for s, e in hits],
            hint="lengthen the quote, or pick one with --occurrence N or --span START:END",
        )
    return hits[0]


def add_coding(
    session: Session,
    *,
    document: str,
    code: str,
    coder: str,
    actor: str,
    turn: int | None = None,
    span: tuple[int, int] | None = None,
    quote: str | None = None,
    occurrence: int | None = None,
    memo: str | None = None,
    key: bool = False,
    origin: str = ORIGIN_MANUAL,
    record: bool = True,
) -> CodingRow:
    """Code a span. `record=False` when the caller logs the change as part of its own event
    (a review decision), so one undo reverses the whole decision."""
    if origin not in ORIGINS:
        raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
    doc = lookup.document(session, document)
    code_row = lookup.code(session, code)
    start, end = resolve_span(doc, turn=turn, span=span, quote=quote, occurrence=occurrence)
    coder_row = lookup.coder(session, coder)
    clash = session.scalars(
        select(Coding).where(
            Coding.document_id == doc.id,
            Coding.code_id == code_row.id,
            Coding.coder_id == coder_row.id,
            Coding.start < end,
            Coding.end > start,
        )
    ).first()
    if clash is not None:
        raise ConflictError(
            f"{coder_row.name} already coded {code_row.key} at {clash.start}:{clash.end}, which "
            f"overlaps {start}:{end}",
            where=doc.name,
            hint=f"remove it first (`qualcode code remove {clash.id}`) or code another span",
        )
    coding = Coding(
        document=doc,
        start=start,
        end=end,
        code=code_row,
        coder=coder_row,
        origin=origin,
        quote=doc.text[start:end],
        memo=memo,
        key_quote=key,
    )
    session.add(coding)
    session.flush()
    row = to_row(coding)
    if record:
        events.record(session, actor, "coding.add", "coding", coding.id, after=row.as_dict(),
                      document_id=doc.id)
    return row


def remove_coding(session: Session, coding_id: int, *, actor: str) -> CodingRow:
    """Remove a coding. The event keeps it whole (key flag, memo, the memos written about it and
    the suggestions it answered) so `qualcode undo` can bring it back."""
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(
            f"no coding with id {coding_id}", hint="see ids with `qualcode codings list`"
        )
    row = to_row(coding)
    before = row.as_dict()
    before["coding"] = snapshot(coding)
    flag = session.get(CodingFlag, coding_id)
    before["flag"] = snapshot(flag) if flag is not None else None
    before["memos"] = [snapshot(m) for m in session.scalars(
        select(Memo).where(Memo.coding_id == coding_id))]
    before["suggestions"] = list(session.scalars(
        select(Suggestion.id).where(Suggestion.coding_id == coding_id)))
    document_id = coding.document_id
    session.delete(coding)
    session.flush()
    events.record(session, actor, "coding.remove", "coding", coding_id, before=before,
                  document_id=document_id)
    return row


def snapshot(obj) -> dict:
    """Every mapped column of a row by attribute name, JSON-ready (dates as ISO text), so an
    event can restore it (history.restore)."""
    out = {}
    for attr in sa_inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        out[attr.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def to_row(c: Coding) -> CodingRow:
    return CodingRow(
        id=c.id,
        document=c.document.name,
        case=c.document.case.name if c.document.case else None,
        code=c.code.key,
        dimension=c.code.dimension,
        coder=c.coder.name,
        origin=c.origin,
        start=c.start,
        end=c.end,
        quote=c.quote,
        memo=c.memo,
        key=c.key_quote,
        created_at=c.created_at.isoformat() if c.created_at else "",
        flag=None
        if c.flag is None
        else {
            "reason": c.flag.reason,
            "old_start": c.flag.old_start,
            "old_end": c.flag.old_end,
            "old_quote": c.flag.old_quote,
        },
    )


@dataclass
class _Listing:
    """What a listing of codings reads: names by id (small tables, held in dicts rather than
    joined: joining four tables per coding tripled the time on 200,000 codings) and the
    queries, one scan or one per document, in listing order."""

    docs: dict[int, tuple[str, int | None]]
    cases: dict[int, str]
    codes: dict[int, tuple[str, str]]
    coders: dict[int, str]
    batches: list
    limit: int | None


def _listing(session: Session, columns: tuple, *, case: str | None = None,
             document: str | None = None, code: str | None = None,
             dimension: str | None = None, coder: str | None = None,
             origin: str | None = None, flagged: bool = False, limit: int | None = None,
             blind_for: str | None = None) -> _Listing:
    docs = {i: (name, case_id) for i, name, case_id in
            session.execute(select(Document.id, Document.name, Document.case_id))}
    cases = dict(session.execute(select(Case.id, Case.name)).all())
    codes = {i: (key, dim) for i, key, dim in
             session.execute(select(Code.id, Code.key, Code.dimension))}
    coders = dict(session.execute(select(Coder.id, Coder.name)).all())
    t = Coding.__table__
    query = select(*columns)
    doc_ids = sorted(docs, key=lambda i: docs[i][0])
    if case is not None:
        case_id = lookup.case(session, case).id
        doc_ids = [i for i in doc_ids if docs[i][1] == case_id]
    if document is not None:
        doc_ids = [lookup.document(session, document).id]
    if code is not None:
        root = lookup.code(session, code, allow_retired=True)
        query = query.where(t.c.code_id.in_(lookup.subtree_ids(session, root)))
    if dimension is not None:
        query = query.where(t.c.code_id.in_([i for i, (_, d) in codes.items() if d == dimension]))
    if blind_for is not None:
        if coder is not None and coder.strip() != blind_for.strip():
            raise QualcodeError(
                f"blind coding shows only {blind_for}'s own codings, not {coder}'s",
                hint="drop --by, or drop --blind",
            )
        query = query.where(codings_visible_to(session, blind_for))
    elif coder is not None:
        query = query.where(t.c.coder_id == lookup.coder(session, coder, create=False).id)
    if origin is not None:
        if origin not in ORIGINS:
            raise QualcodeError(f"unknown origin {origin!r}", hint="one of " + ", ".join(ORIGINS))
        query = query.where(t.c.origin == origin)
    if flagged:
        query = query.where(t.c.id.in_(select(CodingFlag.coding_id)))
    # The order of ix_codings_document (document, start, code; the row id comes last in an
    # SQLite index), so the database reads it off the index without sorting.
    order = (t.c.document_id, t.c.start_offset, t.c.code_id, t.c.id)
    if doc_ids == sorted(doc_ids) and case is None and document is None:
        batches = [query.order_by(*order)]  # ids already run in name order: one scan
    else:
        batches = [query.where(t.c.document_id == i).order_by(*order) for i in doc_ids]
    return _Listing(docs, cases, codes, coders, batches, limit or None)


def _parts(session: Session, listing: _Listing, size: int = 2000) -> Iterator[tuple[list, list]]:
    """The listing's rows in parts of `size`, as the driver returns them (plain tuples: a
    Row object per coding cost more than the rest of a piped listing), up to the limit, each
    with its codings' quotes. The rows start with id, document, start, end (LISTED)."""
    database.read_through_mapping(session)
    conn = session.connection()
    quotes = _Quotes(session)
    left = listing.limit
    for batch in listing.batches:
        if left is not None:
            batch = batch.limit(left)
        result = conn.execute(batch)
        cursor = result.cursor
        while True:
            part = cursor.fetchmany(size)
            if not part:
                break
            yield part, quotes.of(part)
            if left is not None:
                left -= len(part)
        result.close()
        if left is not None and left <= 0:
            return


class _Quotes:
    """The quotes of listed codings, cut from their documents' texts instead of read from each
    coding's row. A listing then reads only ix_codings_document, which holds every other column
    it shows, in listing order (a covering index), instead of jumping to 200,000 rows scattered
    through the table: that was half of the listing's time. Every write keeps a coding's quote
    equal to its document's text at its offsets, a revision's flagged codings too (tested in
    tests/cli/test_import_update.py and test_codings_listing.py)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.texts: dict[int, str] = {}

    def of(self, part: list) -> list[str]:
        texts = self.texts
        needed = {r[1] for r in part}
        missing = needed - texts.keys()
        if missing:
            # Only the documents of this part stay held: a listing runs in document order.
            texts = self.texts = {d: texts[d] for d in needed if d in texts}
            texts.update(self.session.execute(
                select(Document.id, Document.text).where(Document.id.in_(missing))).all())
        return [texts[r[1]][r[2]:r[3]] for r in part]


def _memos(session: Session) -> dict[int, str]:
    """Memos by coding id: few codings have one, found through ix_codings_memo."""
    return dict(session.execute(
        select(Coding.id, Coding.memo).where(Coding.memo.is_not(None))).all())


def iter_codings(session: Session, **filters) -> Iterator[CodingRow]:
    """Codings matching the filters (case, document, code, dimension, coder, origin, flagged,
    limit, blind_for), by document name, then position, yielded as they are read so a listing
    of 200,000 streams; with `blind_for`, only that coder's own (blind coding)."""
    t = Coding.__table__
    # created_at as the database gives it: parsing 200,000 timestamps only to print them again
    # cost a fifth of the listing's time.
    listing = _listing(session, (
        t.c.id, t.c.document_id, t.c.start_offset, t.c.end_offset, t.c.code_id, t.c.coder_id,
        t.c.origin, t.c.key_quote, type_coerce(t.c.created_at, String)), **filters)
    flags = {f.coding_id: {"reason": f.reason, "old_start": f.old_start, "old_end": f.old_end,
                           "old_quote": f.old_quote} for f in session.scalars(select(CodingFlag))}
    memos = _memos(session)
    docs, cases, codes, coders = listing.docs, listing.cases, listing.codes, listing.coders
    for part, quotes in _parts(session, listing):
        for r, quote in zip(part, quotes, strict=True):
            name, case_id = docs[r[1]]
            key, dim = codes[r[4]]
            yield CodingRow(  # positional: a fifth faster than keywords over 200,000 rows
                r[0], name, cases.get(case_id), key, dim, coders[r[5]], r[6], r[2], r[3],
                quote, memos.get(r[0]), bool(r[7]), _iso(r[8]), flags.get(r[0]),
            )


LISTING_COLUMNS = ("id", "document", "case", "code", "key", "coder", "origin", "start", "end",
                   "quote")
_CLEAN = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def iter_coding_lines(session: Session, *, aligned: bool = False,
                      **filters) -> Iterator[str]:
    """The listing of iter_codings as text, in chunks of whole lines (each line ending in a
    newline): LISTING_COLUMNS, with tabs and line breaks inside a field turned into spaces. What
    `codings list` prints piped (tab-separated) or, `aligned`, into a pager: columns padded to
    the widest name, id and offset the project has (read from the small tables and two maxima,
    not from the rows, so the lines stream), the header line first. Each row goes from the
    driver's tuple straight into its line, with no object per coding in between."""
    t = Coding.__table__
    listing = _listing(session, (
        t.c.id, t.c.document_id, t.c.start_offset, t.c.end_offset, t.c.code_id, t.c.key_quote,
        t.c.coder_id, t.c.origin), **filters)
    names = {i: name.translate(_CLEAN) for i, (name, _case) in listing.docs.items()}
    cases = {i: (listing.cases.get(case_id) or "").translate(_CLEAN)
             for i, (_name, case_id) in listing.docs.items()}
    codes = {i: key.translate(_CLEAN) for i, (key, _dim) in listing.codes.items()}
    coders = {i: name.translate(_CLEAN) for i, name in listing.coders.items()}
    keys = ("", "key")
    sep = "\t"
    if aligned:
        top_id, top_end = session.execute(select(func.max(t.c.id), func.max(t.c.end_offset))).one()
        widths = [max(len(h), *(len(v) for v in values), 0) for h, values in (
            ("id", [str(top_id or 0)]), ("document", names.values()), ("case", cases.values()),
            ("code", codes.values()), ("key", ["key"]), ("coder", coders.values()),
            ("origin", ORIGINS), ("start", [str(top_end or 0)]), ("end", [str(top_end or 0)]))]
        sep = "  "
        names = {i: v.ljust(widths[1]) for i, v in names.items()}
        cases = {i: v.ljust(widths[2]) for i, v in cases.items()}
        codes = {i: v.ljust(widths[3]) for i, v in codes.items()}
        coders = {i: v.ljust(widths[5]) for i, v in coders.items()}
        keys = ("".ljust(widths[4]), "key".ljust(widths[4]))
        origins = {o: o.ljust(widths[6]) for o in ORIGINS}
        w_id, w_start, w_end = widths[0], widths[7], widths[8]
        yield "  ".join(h.ljust(w) for h, w in zip(LISTING_COLUMNS[:-1], widths,
                                                   strict=True)) + "  quote\n"
    docs = {i: names[i] + sep + cases[i] for i in names}
    for part, quotes in _parts(session, listing):
        # Every other field is a name cleaned above, a number or an origin: only a quote can
        # hold a tab or a line break, and the part's quotes joined are searched for them
        # (memchr) rather than counting them in the part's text.
        joined = "".join(quotes)
        if "\t" in joined or "\n" in joined or "\r" in joined:
            quotes = [q.translate(_CLEAN) for q in quotes]
        if aligned:
            yield "".join([
                # str.ljust, not a width in the f-string: parsing "<{w}" for every number
                # cost more than the rest of the line.
                f"{str(i).ljust(w_id)}  {docs[d]}  {codes[k]}  {keys[bool(q)]}  {coders[c]}  "
                f"{origins[o]}  {str(s).ljust(w_start)}  {str(e).ljust(w_end)}  {t}\n"
                for (i, d, s, e, k, q, c, o), t in zip(part, quotes, strict=True)])
        else:
            yield "".join([
                f"{i}\t{docs[d]}\t{codes[k]}\t{keys[bool(q)]}\t{coders[c]}\t{o}\t{s}\t{e}\t{t}\n"
                for (i, d, s, e, k, q, c, o), t in zip(part, quotes, strict=True)])


def iter_coding_json(session: Session, **filters) -> Iterator[str]:
    """The listing of iter_codings as JSON text: each coding one object, byte for byte what
    `json.dumps(row.as_dict(), ensure_ascii=False)` gives for iter_codings' row, the objects of
    a part joined by ",\n" (a chunk; the caller puts the array around them). Strings go through
    the json module's own string encoder (a quote only if it holds something to escape:
    _json_bodies); the document, case, code, dimension and coder of each id are encoded once,
    not once per coding."""
    t = Coding.__table__
    listing = _listing(session, (
        t.c.id, t.c.document_id, t.c.start_offset, t.c.end_offset, t.c.code_id, t.c.coder_id,
        t.c.origin, t.c.key_quote, type_coerce(t.c.created_at, String)), **filters)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    enc = encode_basestring
    docs = {i: f'"document": {enc(name)}, "case": {dumps(listing.cases.get(case_id))}'
            for i, (name, case_id) in listing.docs.items()}
    codes = {i: f'"code": {enc(key)}, "dimension": {enc(dim)}'
             for i, (key, dim) in listing.codes.items()}
    coders = {i: f'"coder": {enc(name)}' for i, name in listing.coders.items()}
    flags = {f.coding_id: dumps({"reason": f.reason, "old_start": f.old_start,
                                 "old_end": f.old_end, "old_quote": f.old_quote})
             for f in session.scalars(select(CodingFlag))}
    origins = {o: enc(o) for o in ORIGINS}
    memos = {i: enc(m) for i, m in _memos(session).items()}
    for part, quotes in _parts(session, listing):
        quotes = _json_bodies(quotes)
        yield ",\n".join([
            f'{{"id": {i}, {docs[d]}, {codes[k]}, {coders[c]}, "origin": {origins[o]}, '
            f'"start": {s}, "end": {e}, "quote": "{q}", '
            f'"memo": {memos.get(i, "null") if memos else "null"}, '
            f'"key": {"true" if key else "false"}, '
            # SQLite gives the stored text ("2026-01-01 10:00:00"), PostgreSQL a datetime
            # (digits and separators only: no JSON escaping needed, 0.15 s saved per 200,000)
            f'"created_at": "{at.replace(" ", "T", 1) if type(at) is str else _iso(at)}", '
            f'"flag": {flags.get(i, "null") if flags else "null"}}}'
            for (i, d, s, e, k, c, o, key, at), q in zip(part, quotes, strict=True)])


# What json's encoder escapes in a string (ensure_ascii=False): the quotation mark, the
# backslash and the control characters; those that quotes hold, and the rest.
_JSON_COMMON = ('"', "\\", "\n", "\r", "\t")
_JSON_RARE = tuple(chr(c) for c in range(32) if chr(c) not in _JSON_COMMON)


def _json_bodies(texts: list[str]) -> list[str]:
    """Each text as the inside of its JSON string: exactly what json's string encoder writes,
    without the two quotation marks. Most quotes hold nothing to escape, and looking costs far
    less than escaping (the encoder was a third of the JSON listing's formatting): the texts
    joined are searched for each character JSON escapes (memchr), and only the texts it is
    found in go through the encoder."""
    joined = "".join(texts)
    if any(ch in joined for ch in _JSON_RARE):  # an unusual control character: escape all
        return [encode_basestring(t)[1:-1] for t in texts]
    out = texts
    ends: list[int] = []
    for ch in _JSON_COMMON:
        at = joined.find(ch)
        if at >= 0 and not ends:
            ends = list(accumulate(map(len, texts)))  # where each text ends in `joined`
            out = list(texts)
        while at >= 0:
            i = bisect_right(ends, at)
            out[i] = encode_basestring(texts[i])[1:-1]
            at = joined.find(ch, ends[i])
    return out


def _iso(value) -> str:
    """A stored timestamp as ISO 8601, whether the driver gave text (SQLite) or a datetime."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace(" ", "T", 1)
    return value.isoformat()


def list_codings(session: Session, **filters) -> list[CodingRow]:
    return list(iter_codings(session, **filters))


def turn_of(session: Session, document_id: int, offset: int) -> Turn | None:
    return session.scalars(
        select(Turn).where(Turn.document_id == document_id, Turn.start <= offset, Turn.end > offset)
    ).first()
