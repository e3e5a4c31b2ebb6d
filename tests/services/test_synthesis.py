"""build_synthesis: quote ranking, diversity, honest empties, filters, dimension order."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.domain import DIMENSIONS
from qualcode.errors import NotFoundError, QualcodeError
from qualcode.services.coding import add_coding
from qualcode.services.synthesis import build_synthesis
from qualcode.storage.models import Code, Coding, Document, Suggestion
from tests.conftest import Project

# "ecosystem" comes first in the file, but the paper's five dimensions lead the table.
TINY_CODEBOOK = """
codebook: {name: tiny, version: "1", language: en}
ecosystem:
  definition: Extra dimension.
  codes:
    skills: {definition: Skills., examples: [Skills.]}
strategy:
  definition: Strategy.
  codes:
    relocation: {definition: Moving., examples: [We moved.]}
    heritage: {definition: Roots., examples: [Phones.]}
organization:
  definition: Organisation.
  codes:
    scale-up: {definition: Scale., examples: [Scale.]}
    flexibility: {definition: Flex., examples: [Flex.]}
innovation:
  definition: Innovation.
  codes:
    implementation: {definition: Impl., examples: [Impl.]}
    process: {definition: Process., examples: [Process.]}
    partnerships: {definition: Partners., examples: [Partners.]}
    imported: {definition: Imported., examples: [Imported.]}
    cell-design:
      definition: Design.
      examples: [Design.]
      codes:
        own-research: {definition: Own., examples: [Own.]}
        dependence: {definition: Dep., examples: [Dep.]}
market-position:
  definition: Market.
  codes:
    domestic: {definition: Domestic., examples: [Domestic.]}
    price: {definition: Price., examples: [Price.]}
policy:
  definition: Policy.
  codes:
    subsidies: {definition: Subsidies., examples: [Subsidies.]}
"""


def sentence(tag: str, length: int) -> str:
    """A sentence of exactly `length` characters that starts with a unique tag."""
    body = (tag + " " + "lorem ipsum dolor " * 60)[: length - 1]
    if body.endswith(" "):
        body = body[:-1] + "m"
    return body + "."


# tag -> (code, length, origin, key, suggestion score)
RANKED = {
    "Qg": ("innovation.cell-design.dependence", 120, "suggested", False, 0.6),
    "Qf": ("innovation.cell-design.own-research", 30, "suggested", False, 0.9),
    "Qe": ("innovation.cell-design", 500, "manual", False, None),
    "Qd": ("innovation.implementation", 40, "manual", False, None),
    "Qc": ("innovation.partnerships", 100, "manual", False, None),
    "Qb": ("innovation.process", 250, "imported", False, None),
    "Qa": ("innovation.imported", 25, "manual", True, None),
    # strategy: equal length and rank, so document order decides (heritage comes first)
    "Sh": ("strategy.heritage", 100, "manual", False, None),
    "Sr": ("strategy.relocation", 100, "manual", False, None),
    # organization: three key quotes of one code, one plain quote of another
    "O1": ("organization.scale-up", 100, "manual", True, None),
    "O2": ("organization.scale-up", 110, "manual", True, None),
    "O3": ("organization.scale-up", 120, "manual", True, None),
    "Of": ("organization.flexibility", 20, "manual", False, None),
    # policy: a second coder
    "Pa": ("policy.subsidies", 80, "manual", False, None),
}
EXPECTED_INNOVATION = ["Qa", "Qb", "Qc", "Qd", "Qe", "Qf", "Qg"]


def _transcript(case: str, kind: str, sentences: list[str]) -> str:
    return (
        f"---\ncase: {case}\ncase_attributes:\n  kind: {kind}\n  segment: cells\n---\n"
        "Interviewer: Please tell us about the firm.\n\n"
        f"Ms. Lin: {' '.join(sentences)}\n"
    )


def build_tiny(project: Project, folder: Path) -> dict[str, tuple[int, int]]:
    """Firm X coded by wei (and once by ana), Firm Y with an uncoded interview, Firm Z without
    any interview. Returns tag -> (start, end) of each coded sentence in interview-x."""
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(folder / "tiny.yaml"))
    texts = {tag: sentence(tag, spec[1]) for tag, spec in RANKED.items()}
    texts["Md"] = sentence("Md", 90)
    (folder / "interview-x.md").write_text(_transcript("Firm X", "firm", list(texts.values())),
                                           encoding="utf-8")
    (folder / "interview-y.md").write_text(
        _transcript("Firm Y", "firm", ["We make cells and nobody coded this."]), encoding="utf-8"
    )
    project.ok("import", str(folder / "interview-x.md"), str(folder / "interview-y.md"))
    project.ok("cases", "set", "Firm Z", "kind=firm", "--create")
    spans = {}
    with project.session() as s:
        doc = s.query(Document).filter_by(name="interview-x").one()
        for tag, text in texts.items():
            start = doc.text.index(text)
            spans[tag] = (start, start + len(text))
        for tag, (code, _, origin, key, score) in RANKED.items():
            row = add_coding(s, document="interview-x", code=code,
                             coder="ana" if tag == "Pa" else "wei", actor="test",
                             span=spans[tag], key=key, origin=origin)
            if score is not None:
                s.add(Suggestion(
                    document_id=doc.id, start=row.start, end=row.end,
                    code_id=s.query(Code).filter_by(key=code).one().id, score=score,
                    method="lexicon", unit="sentence", evidence={}, pipeline="test",
                    codebook_sha256="0" * 64, status="accepted", coding_id=row.id,
                ))
        # one span carrying two codes of market-position: quoted once
        for code in ("market-position.domestic", "market-position.price"):
            add_coding(s, document="interview-x", code=code, coder="wei", actor="test",
                       span=spans["Md"])
    return spans


@pytest.fixture
def tiny(project: Project, tmp_path: Path) -> tuple[Project, dict]:
    return project, build_tiny(project, tmp_path / "src")


def _tags(quotes, spans) -> list[str]:
    by_span = {v: k for k, v in spans.items()}
    return [by_span[(q.start, q.end)] for q in quotes]


def test_quotes_rank_key_then_human_then_score_then_length_then_document_order(tiny):
    project, spans = tiny
    with project.session() as s:
        syn = build_synthesis(s, quotes=10)
    cell = syn.cell("Firm X", "innovation")
    assert _tags(cell.quotes, spans) == EXPECTED_INNOVATION
    first = cell.quotes[0]
    assert (first.document, first.code, first.coder, first.key) == (
        "interview-x", "innovation.imported", "wei", True)
    assert first.ref == f"interview-x:{spans['Qa'][0]}-{spans['Qa'][1]}"
    assert [q.score for q in cell.quotes[-2:]] == [0.9, 0.6]
    assert _tags(syn.cell("Firm X", "strategy").quotes, spans) == ["Sh", "Sr"]
    with project.session() as s:
        assert _tags(build_synthesis(s, quotes=3).cell("Firm X", "innovation").quotes,
                     spans) == EXPECTED_INNOVATION[:3]


def test_every_code_gets_a_quote_before_any_code_gets_a_second(tiny):
    project, spans = tiny
    with project.session() as s:
        two = build_synthesis(s, quotes=2).cell("Firm X", "organization")
        four = build_synthesis(s, quotes=4).cell("Firm X", "organization")
    # Key quotes of scale-up outrank the plain flexibility quote, yet flexibility comes second.
    assert _tags(two.quotes, spans) == ["O3", "Of"]
    assert _tags(four.quotes, spans) == ["O3", "Of", "O2", "O1"]


def test_codes_are_leaf_counts_sorted_by_count_then_key_and_a_span_is_quoted_once(tiny):
    project, spans = tiny
    with project.session() as s:
        syn = build_synthesis(s)
    org = syn.cell("Firm X", "organization")
    assert [(c.code, c.count) for c in org.codes] == [
        ("organization.scale-up", 3), ("organization.flexibility", 1)]
    assert (org.codings, org.documents) == (4, 1)
    market = syn.cell("Firm X", "market-position")
    assert [(c.code, c.count) for c in market.codes] == [
        ("market-position.domestic", 1), ("market-position.price", 1)]
    assert market.codings == 2 and len(market.quotes) == 1
    innovation = syn.cell("Firm X", "innovation")
    # a parent coded directly keeps its own count; children are not folded into it
    assert ("innovation.cell-design", 1) in [(c.code, c.count) for c in innovation.codes]


def test_firms_without_codings_get_honest_empty_cells(tiny):
    project, _ = tiny
    with project.session() as s:
        syn = build_synthesis(s)
    assert [r.name for r in syn.rows] == ["Firm X", "Firm Y", "Firm Z"]
    for name, docs in (("Firm Y", ["interview-y"]), ("Firm Z", [])):
        row = syn.row(name)
        assert row.documents == docs and row.kind == "firm"
        for dim in syn.dimensions:
            cell = row.cells[dim]
            assert (cell.codings, cell.documents, cell.codes, cell.quotes) == (0, 0, [], [])
            assert cell.summary is None and cell.empty
    data = syn.to_dict()
    assert data["rows"][2]["cells"]["policy"]["empty"] is True


def test_empty_project_gives_no_dimensions_and_no_rows(project: Project):
    # Dimensions come from the project's codebook only (none yet), never from the paper's list.
    with project.session() as s:
        syn = build_synthesis(s)
    assert syn.rows == [] and syn.dimensions == []
    assert syn.wide_table().rows == [] and syn.grid_table().rows == []
    assert syn.to_dict()["rows"] == []


def test_dimensions_follow_the_paper_then_the_codebook_and_can_be_chosen(tiny):
    project, _ = tiny
    with project.session() as s:
        assert build_synthesis(s).dimensions == [*DIMENSIONS, "ecosystem"]
        chosen = build_synthesis(s, dimensions=["policy", "strategy"], cases=["Firm Y", "Firm X"])
        assert chosen.dimensions == ["policy", "strategy"]
        assert [r.name for r in chosen.rows] == ["Firm Y", "Firm X"]
        assert set(chosen.row("Firm X").cells) == {"policy", "strategy"}
        with pytest.raises(NotFoundError):
            build_synthesis(s, dimensions=["strateg"])
        with pytest.raises(NotFoundError):
            build_synthesis(s, cases=["Firm Q"])


def test_coder_and_origin_filters(tiny):
    project, spans = tiny
    with project.session() as s:
        everyone = build_synthesis(s).cell("Firm X", "policy")
        wei = build_synthesis(s, coder="wei").cell("Firm X", "policy")
        ana = build_synthesis(s, coder="ana").cell("Firm X", "policy")
        suggested = build_synthesis(s, origin="suggested", quotes=10).cell("Firm X", "innovation")
        with pytest.raises(NotFoundError):
            build_synthesis(s, coder="nobody")
        with pytest.raises(QualcodeError):
            build_synthesis(s, origin="guessed")
    assert everyone.codings == 1 and wei.codings == 0 and ana.quotes[0].coder == "ana"
    assert _tags(suggested.quotes, spans) == ["Qf", "Qg"]


def test_tables_for_export_have_one_row_per_case(tiny):
    project, spans = tiny
    with project.session() as s:
        syn = build_synthesis(s)
        total = s.query(Coding).count()
    wide = syn.wide_table()
    assert wide.columns[:2] == ["case", "kind"]
    for dim in syn.dimensions:
        assert {f"{dim} summary", f"{dim} codes", f"{dim} quotes"} <= set(wide.columns)
    assert [r[0] for r in wide.rows] == ["Firm X", "Firm Y", "Firm Z"]
    codes = wide.rows[0][wide.columns.index("organization codes")]
    assert codes == ["organization.scale-up (3)", "organization.flexibility (1)"]
    grid = syn.grid_table()
    assert grid.columns == ["case", *syn.dimensions]
    assert f"[interview-x:{spans['O3'][0]}-{spans['O3'][1]}]" in grid.rows[0][2]
    assert total == len(RANKED) + 2
