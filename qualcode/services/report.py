"""Gathering everything the one-file HTML report shows: the synthesis table, a case x code heatmap,
a co-occurrence heatmap (turns, Jaccard), a dimension profile per case attribute, code
frequencies, the codebook, the memos and the documents with their coded spans.
formats/report_html.py turns it into the page.

Counts come from the same counting as every analysis (services/counting.py: several coders'
codings of one passage count once unless one coder is chosen), and the page says which coders
were counted. The documents appendix shows every coder's codings, each tagged with its coder when
a document has several.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.formats.atomic import atomic_target
from qualcode.formats.report_html import (
    AppendixDocument,
    Bar,
    CodebookEntry,
    DocumentStream,
    Heatmap,
    MarkedSpan,
    MemoEntry,
    Profile,
    ProfileRow,
    ReportPage,
    render_report_chunks,
)
from qualcode.services.synthesis import Synthesis, build_synthesis
from qualcode.storage.models import Case, Code, Coder, Coding, Document, ProjectInfo

FALLBACK_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
                    "#999999")  # Okabe-Ito: distinguishable with colour-blindness, and in print
NUMERIC_BINS = 3  # a numeric attribute with more distinct values than BIN_ABOVE is split in three
BIN_ABOVE = 5


def build_report(
    session: Session,
    *,
    coder: str | None = None,
    origin: str | None = None,
    quotes: int = 3,
    title: str | None = None,
    stream: bool = False,
) -> ReportPage:
    """The report's content, for the codings of one coder / origin (or all, merged). With
    `stream` the documents appendix is read as the page is written (write_report inside the
    session); otherwise it is a list."""
    from qualcode.services.cooccur import cooccurrence
    from qualcode.services.counting import counted_groups
    from qualcode.services.matrix import build_matrix, coding_filter

    synthesis = build_synthesis(session, coder=coder, origin=origin, quotes=quotes)
    counting = synthesis.counting
    assert counting is not None
    codes = list(session.scalars(select(Code).order_by(Code.sort_order, Code.key)))
    abbreviations = code_abbreviations(codes)
    dimension_colours = _dimension_colours(codes, synthesis.dimensions)

    matrix = build_matrix(session, rows="case", cols="code", value="count", coder=coder,
                          origin=origin)
    co = cooccurrence(session, unit="turn", measure="jaccard", coder=coder, origin=origin)
    dimension_of = {c.key: c.dimension for c in codes}
    heatmaps = [
        Heatmap(
            title="Cases x codes (number of codings)",
            row_labels=list(matrix.row_labels),
            col_labels=list(matrix.column_names()),
            col_keys=[abbreviations.get(k, k) for k in matrix.col_labels],
            col_groups=[dimension_of.get(k, "") for k in matrix.col_labels],
            cells=[[float(v) for v in row] for row in matrix.cells],
            note=" ".join(n for n in matrix.notes if n != counting.line),
            unit="codings",
        ),
        Heatmap(
            title="Code co-occurrence within speaker turns (Jaccard)",
            row_labels=[f"{abbreviations.get(k, k)} {k}" for k in co.codes],
            col_labels=list(co.codes),
            col_keys=[abbreviations.get(k, k) for k in co.codes],
            col_groups=[dimension_of.get(k, "") for k in co.codes],
            cells=[[float(v) if v is not None else 0.0 for v in row] for row in co.cells],
            note=" ".join(n for n in co.notes if n != counting.line)
            + " The diagonal (a code with itself) is left blank.",
            decimals=2,
            blank_diagonal=True,
            unit="Jaccard",
        ),
    ]
    # Counts per code from counted_groups (the same counting, without a row per coding).
    per_code: Counter[int] = Counter()
    for (_doc, _coder, code_id), n in counted_groups(
            session, coding_filter(session, coder=coder, origin=origin)).groups.items():
        per_code[code_id] += n
    project = session.scalar(select(ProjectInfo.value).where(ProjectInfo.key == "name"))
    said = [f"coder {synthesis.coder}"] if synthesis.coder else []
    said += [f"origin {origin}"] if origin else []
    return ReportPage(
        title=title or f"qualcode report: {project or 'project'}",
        subtitle=(
            f"{len(synthesis.rows)} cases, {synthesis.documents} documents, "
            f"{counting.counted} codings counted"
            + (f" ({counting.codings} made)" if counting.counted != counting.codings else "")
            + (" (" + ", ".join(said) + ")" if said else "")
        ),
        coders_note=counting.line,
        synthesis=synthesis.to_dict(),
        heatmaps=heatmaps,
        profiles=attribute_profiles(synthesis, dimension_colours),
        dimension_colours=dimension_colours,
        frequencies=_frequencies(codes, per_code,
                                 abbreviations),
        codebook=_codebook(codes, abbreviations),
        memos=_memos(session),
        documents=_documents(session, abbreviations, coder, origin, stream=stream),
        synthetic_notice=_synthetic_notice(synthesis.synthetic_documents, synthesis.documents),
        notes=[],
    )


def code_abbreviations(codes: list[Code]) -> dict[str, str]:
    """A short tag per code for tight places (heatmap columns, the documents in print): the
    dimension's initial and the code's place in it, in codebook order ("P3" = the third policy
    code); the dimension's own code is the initial alone. Initials that clash take more letters."""
    prefixes: dict[str, str] = {}
    for code in codes:
        if code.dimension in prefixes:
            continue
        word = code.dimension.replace("-", "")
        for n in range(1, len(word) + 1):
            candidate = word[:n].capitalize()
            if candidate not in prefixes.values():
                break
        else:
            candidate = f"D{len(prefixes) + 1}"
        prefixes[code.dimension] = candidate
    out: dict[str, str] = {}
    numbers: Counter[str] = Counter()
    for code in codes:
        prefix = prefixes[code.dimension]
        if code.is_dimension:
            out[code.key] = prefix
        else:
            numbers[code.dimension] += 1
            out[code.key] = f"{prefix}{numbers[code.dimension]}"
    return out


def _dimension_colours(codes: list[Code], dimensions: list[str]) -> dict[str, str]:
    given = {c.dimension: c.colour for c in codes if c.is_dimension and c.colour}
    out = {}
    for i, dim in enumerate(dimensions):
        out[dim] = given.get(dim) or FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)]
    return out


# --------------------------------------------------------------------------- profiles


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _groups(values: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Cases grouped by their value: one group per value, or for a number with many distinct
    values, NUMERIC_BINS ranges holding about as many cases each."""
    present = {case: v for case, v in values.items() if v not in (None, "")}
    distinct = sorted(set(present.values()),
                      key=lambda v: (0, v, "") if _number(v) else (1, 0, str(v)))
    if distinct and all(_number(v) for v in distinct) and len(distinct) > BIN_ABOVE:
        ordered = sorted(present, key=lambda c: present[c])
        size = -(-len(ordered) // NUMERIC_BINS)
        out = []
        for i in range(0, len(ordered), size):
            chunk = ordered[i:i + size]
            lo, hi = present[chunk[0]], present[chunk[-1]]
            out.append((f"{_fmt(lo)} to {_fmt(hi)}" if lo != hi else _fmt(lo), chunk))
    else:
        out = [(_fmt(v), [c for c in present if present[c] == v]) for v in distinct]
    missing = [c for c in values if c not in present]
    if missing:
        out.append(("(no value)", missing))
    return out


def attribute_profiles(synthesis: Synthesis, colours: dict[str, str]) -> list[Profile]:
    """One chart per case attribute: for each value (or range), the share of its cases' counted
    codings that fall on each dimension, with the number of cases and codings behind it."""
    names = synthesis.attribute_names()
    profiles = []
    for name in names:
        values = {row.name: row.attributes.get(name) for row in synthesis.rows}
        rows = []
        for label, cases in _groups(values):
            per_dim = [sum(synthesis.row(c).cells[d].codings for c in cases)
                       for d in synthesis.dimensions]
            rows.append(ProfileRow(label=label, cases=cases, counts=per_dim))
        profiles.append(Profile(attribute=name, dimensions=list(synthesis.dimensions),
                                colours=[colours[d] for d in synthesis.dimensions], rows=rows))
    return profiles


# --------------------------------------------------------------------------- appendices


def _synthetic_notice(synthetic: int, total: int) -> str | None:
    if not synthetic:
        return None
    share = "All" if synthetic == total else f"{synthetic} of {total}"
    return (
        f"SYNTHETIC DATA. {share} documents of this project are marked synthetic: invented, "
        "illustrative interviews, not records of real ones. Read nothing here as a finding "
        "about real firms."
    )


def _frequencies(codes: list[Code], counts: Counter[int], abbreviations: dict[str, str]
                 ) -> list[Bar]:
    """Every code of the codebook (unused ones show 0, retired ones only if used), grouped by
    dimension in codebook order, each counted for its own counted codings."""
    colours = {c.key: c.colour for c in codes}
    bars = []
    for code in codes:
        n = counts.get(code.id, 0)
        if (code.is_dimension or code.retired) and n == 0:
            continue
        label = code.key + (" (retired)" if code.retired else "")
        colour = code.colour or colours.get(code.dimension)
        bars.append(Bar(label=label, count=n, group=code.dimension, colour=colour,
                        tag=abbreviations.get(code.key, "")))
    return bars


def _codebook(codes: list[Code], abbreviations: dict[str, str]) -> list[CodebookEntry]:
    return [
        CodebookEntry(
            key=c.key, tag=abbreviations[c.key], name=c.name, dimension=c.dimension,
            is_dimension=c.is_dimension, definition=c.definition or "",
            include=[str(x) for x in c.include or []], exclude=[str(x) for x in c.exclude or []],
            examples=[str(x) for x in c.examples or []], colour=c.colour, retired=c.retired,
            depth=c.key.count("."),
        )
        for c in codes
    ]


def _memos(session: Session) -> list[MemoEntry]:
    """The memos (project, case, document, code, coding) and the memo each coding carries."""
    from qualcode.services.memos import list_memos

    def about_coding(coding: Coding) -> str:
        return (f"{coding.document.name}:{coding.start}-{coding.end} \u00b7 {coding.code.key} "
                f"\u00b7 \u201c{coding.quote}\u201d")

    out = []
    for m in list_memos(session):
        kind, _, target = m.target.partition(" ")
        if kind == "coding":
            coding = session.get(Coding, int(target))
            target = about_coding(coding) if coding else target
        out.append(MemoEntry(kind=kind, target=target, title=m.title, text=m.text,
                             author=m.author, date=m.created_at[:10]))
    for coding in session.scalars(
        select(Coding).where(Coding.memo.is_not(None), Coding.memo != "")
        .order_by(Coding.document_id, Coding.start, Coding.id)
    ):
        out.append(MemoEntry(kind="coding", target=about_coding(coding), title=None,
                             text=coding.memo or "", author=coding.coder.name,
                             date=coding.created_at.date().isoformat() if coding.created_at
                             else ""))
    order = {"project": 0, "case": 1, "document": 2, "code": 3, "coding": 4}
    out.sort(key=lambda m: (order.get(m.kind, 5), m.target))
    return out


def _documents(session: Session, abbreviations: dict[str, str], coder: str | None,
               origin: str | None, *, stream: bool = False
               ) -> list[AppendixDocument] | DocumentStream:
    """Each document with every (filtered) coding, tagged with the code's short tag and, when
    several coders coded the document, the coder. Read a document at a time; with `stream`, only
    as the page is written (the session must stay open until then)."""
    ids = list(session.scalars(select(Document.id).order_by(Document.name)))

    def produce() -> Iterator[AppendixDocument]:
        for doc_id in ids:
            yield _document(session, doc_id, abbreviations, coder, origin)

    out = DocumentStream(len(ids), produce)
    return out if stream else list(out)


def _document(session: Session, doc_id: int, abbreviations: dict[str, str], coder: str | None,
              origin: str | None) -> AppendixDocument:
    query = (select(Coding.start, Coding.end, Code.key, Code.colour, Coder.name,
                    Code.translations)
             .join(Code, Coding.code_id == Code.id).join(Coder, Coding.coder_id == Coder.id)
             .where(Coding.document_id == doc_id)
             # The order of the codings' unique key: what SQLite gave before without asking,
             # now said, so PostgreSQL gives the same page.
             .order_by(Coding.code_id, Coding.coder_id, Coding.start, Coding.end))
    if coder is not None:
        query = query.where(Coder.name == coder)
    if origin is not None:
        query = query.where(Coding.origin == origin)
    # Plain columns, not the ORM object: nothing of the document stays in the session.
    name, title, text, synthetic, language, case = session.execute(
        select(Document.name, Document.title, Document.text, Document.synthetic,
               Document.language, Case.name)
        .outerjoin(Case, Document.case_id == Case.id).where(Document.id == doc_id)).one()
    local: dict[str, str] = {}  # code -> its name in the document's language (the codebook's)
    rows = []
    for start, end, key, colour, who, translations in session.execute(query):
        rows.append((start, end, key, colour, who))
        named = ((translations or {}).get(language or "") or {}).get("name")
        if named:
            local[key] = named
    coders = sorted({r[4] for r in rows})
    spans: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for start, end, key, colour, who in rows:
        spans[(start, end)].append((key, colour, who))
    marked = []
    for (start, end), items in spans.items():
        labels = [f"{key} {local[key]} ({who})" if key in local else f"{key} ({who})"
                  for key, _, who in items]
        by_code: dict[str, list[str]] = defaultdict(list)
        for key, _, who in items:
            by_code[key].append(who)
        tags = [abbreviations.get(key, key)
                + (" " + "/".join(sorted(set(who))) if len(coders) > 1 else "")
                for key, who in by_code.items()]
        colour = next((c for _, c, _ in items if c), None)
        marked.append(MarkedSpan(start, end, ", ".join(labels), tag=", ".join(tags),
                                 colour=colour))
    return AppendixDocument(name=name, case=case, title=title, text=text, synthetic=synthetic,
                            spans=marked, coders=coders, language=language)


def write_report(page: ReportPage, path: Path) -> int:
    """Write the page as it is rendered, a document of the appendix at a time; returns its size
    in bytes."""
    size = 0
    try:
        with atomic_target(Path(path)) as tmp:
            # os.open with 0o666 lets the umask decide the mode, as for any file the user writes.
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(handle, "wb") as out:
                for chunk in render_report_chunks(page):
                    data = chunk.encode("utf-8")
                    out.write(data)
                    size += len(data)
    except OSError as exc:
        raise QualcodeError(
            f"cannot write the report: {exc.strerror or exc}", where=str(path),
            hint="check that the folder exists and is writable",
        ) from exc
    return size
