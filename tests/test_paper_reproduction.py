"""The paper, reproduced: the synthesis table of the demo project (synthetic corpus + codebook +
the hand-made coding by "wei") carries Zhao (2019)'s findings firm by firm, as the demo roster
describes them. Everything is computed from the codings; firms are picked by their attributes
(segment, origin, 3C heritage, kind), not by name, wherever the roster gives an attribute."""

from __future__ import annotations

import pytest

from qualcode.domain import DIMENSIONS
from qualcode.services.synthesis import CaseRow, Synthesis, build_synthesis
from tests.conftest import CODEBOOK, DEMO, build_demo_project, new_project


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


# -- the findings: each a check on a synthesis table, true when the table carries the finding --


def relocated_firms_show_relocation(table: Synthesis) -> bool:
    relocated = where(table, kind="firm", origin="shenzhen")  # B, E and F in the roster
    return len(relocated) == 3 and all(count(r, "strategy.relocation") > 0 for r in relocated)


def cell_makers_struggle_with_scale_up_or_flexibility(table: Synthesis) -> bool:
    cell_makers = where(table, kind="firm", segment="cells")  # B, C and D
    return len(cell_makers) == 3 and all(
        count(r, "organization.scale-up") + count(r, "organization.flexibility") > 0
        for r in cell_makers)


def innovation_is_fast_implementation(table: Synthesis) -> bool:
    implementing = [r for r in firms(table) if count(r, "innovation.technology-implementation")]
    association = where(table, kind="institution", segment="association")
    return (len(implementing) >= 2 and len(association) == 1
            and count(association[0], "innovation.technology-implementation") > 0)


def three_c_cell_makers_depend_on_others_designs(table: Synthesis) -> bool:
    dependent = where(table, kind="firm", segment="cells", heritage_3c=True)  # B and C
    return len(dependent) == 2 and all(
        count(r, "innovation.cell-design.dependence") > 0 for r in dependent)


def the_start_up_leads_own_cell_design_research(table: Synthesis) -> bool:
    # the start-up cell maker without 3C heritage (D) does the most own cell-design research
    start_ups = where(table, kind="firm", segment="cells", heritage_3c=False)
    if len(start_ups) != 1:
        return False
    start_up = start_ups[0]
    own = count(start_up, "innovation.cell-design.own-research")
    others = [count(r, "innovation.cell-design.own-research") for r in table.rows
              if r is not start_up]
    return own > count(start_up, "innovation.cell-design.dependence") and own > max(others)


def national_and_cluster_policy_across_the_cluster(table: Synthesis) -> bool:
    for code in ("policy.made-in-china-2025", "policy.cluster-policy"):
        if sum(1 for r in firms(table) if count(r, code)) < 3:
            return False
    officials = where(table, kind="institution", segment="government")
    if len(officials) != 1 or count(officials[0], "policy.made-in-china-2025") == 0:
        return False
    cluster_policy = {r.name: count(r, "policy.cluster-policy") for r in table.rows}
    top = cluster_policy[officials[0].name]
    return top == max(cluster_policy.values()) and list(cluster_policy.values()).count(top) == 1


def the_missing_ecosystem_is_voiced_by_official_association_and_start_up(
        table: Synthesis) -> bool:
    officials = where(table, kind="institution", segment="government")
    associations = where(table, kind="institution", segment="association")
    start_ups = where(table, kind="firm", segment="cells", origin="start-up")
    if not (len(officials) == len(associations) == len(start_ups) == 1):
        return False
    voices = (officials[0], associations[0], start_ups[0])
    if not all(count(r, "policy.ecosystem") > 0 for r in voices):
        return False
    ranked = sorted(table.rows, key=lambda r: -count(r, "policy.ecosystem"))
    return {r.name for r in ranked[:2]} == {officials[0].name, associations[0].name}


def the_recycler_meets_regulation(table: Synthesis) -> bool:
    recyclers = where(table, kind="firm", segment="recycling (hydrometallurgy)")
    # white list, traceability, EIA
    return len(recyclers) == 1 and count(recyclers[0], "policy.regulation") >= 3


FINDINGS = [
    relocated_firms_show_relocation,
    cell_makers_struggle_with_scale_up_or_flexibility,
    innovation_is_fast_implementation,
    three_c_cell_makers_depend_on_others_designs,
    the_start_up_leads_own_cell_design_research,
    national_and_cluster_policy_across_the_cluster,
    the_missing_ecosystem_is_voiced_by_official_association_and_start_up,
    the_recycler_meets_regulation,
]


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f.__name__)
def test_the_hand_made_coding_carries_every_finding(table: Synthesis, finding):
    assert finding(table)


def test_the_official_s_policy_cell_quotes_the_ecosystem(table: Synthesis):
    (official,) = where(table, kind="institution", segment="government")
    assert [q for q in official.cells["policy"].quotes if q.code == "policy.ecosystem"]


@pytest.fixture(scope="module")
def suggested(tmp_path_factory) -> Synthesis:
    """The same corpus and codebook with no human coding at all: every suggestion scoring at
    least the default threshold (chosen on the tuning files) accepted by a coder "suggester"."""
    from qualcode.nlp.scoring import DEFAULT_MIN_SCORE

    project = new_project(tmp_path_factory.mktemp("suggested") / "proj")
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO))
    project.ok("suggest")
    project.ok("suggestions", "accept", "--min-score", str(DEFAULT_MIN_SCORE), "--coder",
               "suggester", "--yes")
    with project.session() as s:
        return build_synthesis(s, coder="suggester")


def test_how_many_findings_the_suggester_alone_reproduces(suggested: Synthesis, table,
                                                           record_property, capsys):
    reproduced = [f.__name__ for f in FINDINGS if f(suggested)]
    record_property("findings_reproduced_by_suggestions", len(reproduced))
    with capsys.disabled():
        print(f"\nsuggestions alone (score >= default, no human coding) reproduce "
              f"{len(reproduced)} of {len(FINDINGS)} findings: {', '.join(reproduced)}")
    # The suggester coded real passages of every firm: each finding is checked on a table that
    # has codings in it, so a finding it misses is missed, not vacuous.
    assert len(firms(suggested)) == 10
    assert all(any(r.cells[d].codings for d in DIMENSIONS) for r in firms(suggested))
    # What the README reports: at least half of the findings without any human coding.
    assert len(reproduced) * 2 >= len(FINDINGS), reproduced


def test_the_findings_can_fail(tmp_path):
    """On a table with no codings none of the findings holds: each check can fail."""
    empty = new_project(tmp_path / "empty")
    empty.ok("codebook", "load", str(CODEBOOK))
    empty.ok("import", str(DEMO))
    with empty.session() as s:
        table = build_synthesis(s)  # nobody has coded anything
    assert [f.__name__ for f in FINDINGS if f(table)] == []


def test_the_chinese_interviews_join_the_same_table(table: Synthesis):
    """Firms J, K and L were interviewed in Mandarin: same rows, same dimensions, their
    quotes and the researcher's summaries in Chinese."""
    chinese = [r for r in firms(table)
               if all(_mostly_chinese(q.text) for dim in DIMENSIONS for q in r.cells[dim].quotes)]
    assert sorted(r.name for r in chinese) == ["Firm J", "Firm K", "Firm L"]
    for row in chinese:
        for dim in DIMENSIONS:
            assert row.cells[dim].summary and _mostly_chinese(row.cells[dim].summary)


def _mostly_chinese(text: str) -> bool:
    from qualcode.script_share import mostly_chinese

    return mostly_chinese(text)
