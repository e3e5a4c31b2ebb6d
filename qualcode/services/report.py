"""Gathering everything the one-file HTML report shows: the synthesis table, a case x code
heatmap, a co-occurrence heatmap (turns, Jaccard), code frequencies and the documents with their
coded spans. formats/report_html.py turns it into the page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.formats.report_html import (
    AppendixDocument,
    Bar,
    Heatmap,
    MarkedSpan,
    ReportPage,
    render_report,
)
from qualcode.services.synthesis import build_synthesis
from qualcode.storage.models import Code, Coder, Coding, Document, ProjectInfo


def build_report(
    session: Session,
    *,
    coder: str | None = None,
    origin: str | None = None,
    quotes: int = 3,
    title: str | None = None,
) -> ReportPage:
    """The report's content, for the codings of one coder / origin (or all)."""
    from qualcode.services.cooccur import cooccurrence
    from qualcode.services.matrix import build_matrix

    synthesis = build_synthesis(session, coder=coder, origin=origin, quotes=quotes)
    matrix = build_matrix(session, rows="case", cols="code", value="count", coder=coder,
                          origin=origin)
    co = cooccurrence(session, unit="turn", measure="jaccard", coder=coder, origin=origin)
    heatmaps = [
        Heatmap(
            title="Cases x codes (number of codings)",
            row_labels=list(matrix.row_labels),
            col_labels=list(matrix.column_names()),
            cells=[[float(v) for v in row] for row in matrix.cells],
            note=" ".join(matrix.notes),
        ),
        Heatmap(
            title="Code co-occurrence within speaker turns (Jaccard)",
            row_labels=list(co.codes),
            col_labels=list(co.codes),
            cells=[[float(v) if v is not None else 0.0 for v in row] for row in co.cells],
            note=" ".join(co.notes) + " The diagonal (a code with itself) is left blank.",
            decimals=2,
            blank_diagonal=True,
        ),
    ]
    filters = _filtered_codings(session, coder, origin)
    project = session.scalar(select(ProjectInfo.value).where(ProjectInfo.key == "name"))
    said = [f"coder {synthesis.coder}"] if synthesis.coder else []
    said += [f"origin {origin}"] if origin else []
    return ReportPage(
        title=title or f"qualcode report: {project or 'project'}",
        subtitle=(
            f"{len(synthesis.rows)} cases, {synthesis.documents} documents, "
            f"{len(filters)} codings" + (" (" + ", ".join(said) + ")" if said else "")
        ),
        synthesis=synthesis.to_dict(),
        heatmaps=heatmaps,
        frequencies=_frequencies(session, filters),
        documents=_documents(session, filters),
        synthetic_notice=_synthetic_notice(synthesis.synthetic_documents, synthesis.documents),
        notes=[],
    )


def _synthetic_notice(synthetic: int, total: int) -> str | None:
    if not synthetic:
        return None
    share = "All" if synthetic == total else f"{synthetic} of {total}"
    return (
        f"SYNTHETIC DATA. {share} documents of this project are marked synthetic: invented, "
        "illustrative interviews, not records of real ones. Read nothing here as a finding "
        "about real firms."
    )


def _filtered_codings(session: Session, coder: str | None, origin: str | None) -> list[Coding]:
    query = select(Coding).join(Coder, Coding.coder_id == Coder.id)
    if coder is not None:
        query = query.where(Coder.name == coder)
    if origin is not None:
        query = query.where(Coding.origin == origin)
    return list(session.scalars(query))


def _frequencies(session: Session, codings: list[Coding]) -> list[Bar]:
    """Every code of the codebook (unused ones show 0, retired ones only if used), grouped by
    dimension in codebook order, each counted for its own codings."""
    counts = Counter(c.code_id for c in codings)
    colours = dict(session.execute(select(Code.key, Code.colour)).all())
    bars = []
    for code in session.scalars(select(Code).order_by(Code.sort_order, Code.key)):
        n = counts.get(code.id, 0)
        if (code.is_dimension or code.retired) and n == 0:
            continue
        label = code.key + (" (retired)" if code.retired else "")
        colour = code.colour or colours.get(code.dimension)
        bars.append(Bar(label=label, count=n, group=code.dimension, colour=colour))
    return bars


def _documents(session: Session, codings: list[Coding]) -> list[AppendixDocument]:
    spans: dict[int, dict[tuple[int, int], list[str]]] = {}
    for c in codings:
        spans.setdefault(c.document_id, {}).setdefault((c.start, c.end), []).append(
            f"{c.code.key} ({c.coder.name})"
        )
    out = []
    for doc in session.scalars(select(Document).order_by(Document.name)):
        marked = spans.get(doc.id, {})
        out.append(
            AppendixDocument(
                name=doc.name,
                case=doc.case.name if doc.case else None,
                title=doc.title,
                text=doc.text,
                synthetic=doc.synthetic,
                spans=[MarkedSpan(s, e, ", ".join(labels)) for (s, e), labels in marked.items()],
                language=doc.language,
            )
        )
    return out


def write_report(page: ReportPage, path: Path) -> int:
    """Write the page; returns its size in bytes."""
    data = render_report(page).encode("utf-8")
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise QualcodeError(
            f"cannot write the report: {exc.strerror or exc}", where=str(path),
            hint="check that the folder exists and is writable",
        ) from exc
    return len(data)
