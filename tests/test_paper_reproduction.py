"""The paper, reproduced: the synthesis table of the demo project (synthetic corpus + codebook +
the hand-made coding by "wei") carries Zhao (2019)'s findings firm by firm, as the demo roster
describes them. Everything is computed from the codings; firms are picked by their attributes
(segment, origin, 3C heritage, kind), not by name, wherever the roster gives an attribute."""

from __future__ import annotations

import pytest

from qualcode.domain import DIMENSIONS
from qualcode.services.synthesis import CaseRow, Synthesis, build_synthesis
from tests.conftest import build_demo_project


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Synthesis:
    # Built once for the module: the checks only read.
    project = build_demo_project(tmp_path_factory.mktemp("paper") / "proj")
    with project.session() as s:
        return build_synthesis(s, coder="wei")


def count(row: CaseRow, code: str) -> int:
    dimension = code.split(".")[0]
    return next((c.count for c in row.cells[dimension].codes if c.code == code), 0)


def firms(table: Synthesis) -> list[CaseRow]:
    return [r for r in table.rows if r.kind == "firm"]


def where(table: Synthesis, **wanted) -> list[CaseRow]:
    """Cases whose attributes match: a string value is matched as a case-insensitive substring."""
    out = []
    for row in table.rows:
        ok = True
        for name, value in wanted.items():
            have = row.attributes.get(name)
            if isinstance(value, str):
                ok = ok and isinstance(have, str) and value.lower() in have.lower()
            else:
                ok = ok and have == value
        if ok:
            out.append(row)
    return out


def test_the_table_has_every_firm_and_institution_and_is_synthetic(table: Synthesis):
    assert table.dimensions[: len(DIMENSIONS)] == list(DIMENSIONS)
    # seven firms and two institutions interviewed in English, three firms in Chinese (J, K, L)
    assert len(firms(table)) == 10 and len(where(table, kind="institution")) == 2
    assert table.synthetic_documents == table.documents == 12


def test_no_firm_has_an_empty_cell_on_the_five_dimensions(table: Synthesis):
    for row in firms(table):
        for dim in DIMENSIONS:
            cell = row.cells[dim]
            assert cell.codings > 0 and cell.codes and cell.quotes, f"{row.name} / {dim} is empty"
            assert all(q.coder == "wei" and q.document in row.documents for q in cell.quotes)


def test_firms_relocated_from_shenzhen_show_relocation_under_strategy(table: Synthesis):
    relocated = where(table, kind="firm", origin="shenzhen")
    assert len(relocated) == 3  # B, E and F in the roster
    for row in relocated:
        assert count(row, "strategy.relocation") > 0, row.name


def test_cell_makers_struggle_with_scale_up_or_flexibility(table: Synthesis):
    cell_makers = where(table, kind="firm", segment="cells")
    assert len(cell_makers) == 3  # B, C and D
    for row in cell_makers:
        assert count(row, "organization.scale-up") + count(row, "organization.flexibility") > 0


def test_innovation_is_fast_implementation_with_thin_cell_design_research(table: Synthesis):
    implementing = [r for r in firms(table) if count(r, "innovation.technology-implementation")]
    assert len(implementing) >= 2
    association = where(table, kind="institution", segment="association")
    assert len(association) == 1
    assert count(association[0], "innovation.technology-implementation") > 0

    # the 3C-heritage cell makers (B, C) depend on others' cell designs
    dependent = where(table, kind="firm", segment="cells", heritage_3c=True)
    assert len(dependent) == 2
    for row in dependent:
        assert count(row, "innovation.cell-design.dependence") > 0, row.name

    # the start-up cell maker without 3C heritage (D) does the most own cell-design research
    (start_up,) = where(table, kind="firm", segment="cells", heritage_3c=False)
    own = count(start_up, "innovation.cell-design.own-research")
    assert own > count(start_up, "innovation.cell-design.dependence")
    others = [count(r, "innovation.cell-design.own-research") for r in table.rows
              if r is not start_up]
    assert own > max(others)


def test_policy_made_in_china_2025_and_cluster_policy_across_the_cluster(table: Synthesis):
    for code in ("policy.made-in-china-2025", "policy.cluster-policy"):
        assert sum(1 for r in firms(table) if count(r, code)) >= 3, code
    (official,) = where(table, kind="institution", segment="government")
    assert count(official, "policy.made-in-china-2025") > 0
    cluster_policy = {r.name: count(r, "policy.cluster-policy") for r in table.rows}
    assert cluster_policy[official.name] == max(cluster_policy.values())
    assert list(cluster_policy.values()).count(cluster_policy[official.name]) == 1


def test_the_missing_ecosystem_is_voiced_by_the_official_the_association_and_the_start_up(
    table: Synthesis,
):
    (official,) = where(table, kind="institution", segment="government")
    (association,) = where(table, kind="institution", segment="association")
    (start_up,) = where(table, kind="firm", segment="cells", origin="start-up")
    for row in (official, association, start_up):
        assert count(row, "policy.ecosystem") > 0, row.name
    ranked = sorted(table.rows, key=lambda r: -count(r, "policy.ecosystem"))
    assert {r.name for r in ranked[:2]} == {official.name, association.name}
    ecosystem_quotes = [q for q in official.cells["policy"].quotes if q.code == "policy.ecosystem"]
    assert ecosystem_quotes, "the official's policy cell quotes the ecosystem"


def test_the_chinese_interviews_join_the_same_table(table: Synthesis):
    """Firms J, K and L were interviewed in Mandarin: same rows, same dimensions, their
    quotes and the researcher's summaries in Chinese."""
    chinese = [r for r in firms(table)
               if all(_mostly_chinese(q.text) for dim in DIMENSIONS for q in r.cells[dim].quotes)]
    assert sorted(r.name for r in chinese) == ["Firm J", "Firm K", "Firm L"]
    for row in chinese:
        for dim in DIMENSIONS:
            assert row.cells[dim].summary and _mostly_chinese(row.cells[dim].summary)
    (recycler,) = where(table, kind="firm", segment="recycling (hydrometallurgy)")
    assert count(recycler, "policy.regulation") >= 3  # white list, traceability, EIA


def _mostly_chinese(text: str) -> bool:
    from qualcode.script_share import mostly_chinese

    return mostly_chinese(text)
