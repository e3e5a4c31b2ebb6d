"""build_matrix: exact cells on a small hand-built project, roll-up, rows by case / document /
coder / attribute, filters, retired codes, empty projects, the demo corpus, and speed."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.formats.transcripts import read_transcript
from qualcode.services.matrix import build_matrix
from tests.conftest import DEMO, DEMO_CODING, Project

TINY_CODEBOOK = """\
codebook:
  name: tiny
  version: "1"
  language: en
strategy:
  definition: Strategy.
  codes:
    relocation:
      definition: Moving production.
      examples: ["We moved here."]
innovation:
  definition: Innovation.
  codes:
    cell-design:
      definition: Cell design research.
      examples: ["We design cells."]
      codes:
        own-research:
          definition: Own research.
          examples: ["Our lab designs cells."]
        dependence:
          definition: Depends on partners.
          examples: ["We buy designs."]
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Subsidies.
      examples: ["The subsidy."]
"""

DOC_A = """\
---
case: Firm X
case_attributes:
  segment: cells
  founded: 2001
document_attributes:
  wave: 1
  segment: doc-level
language: en
interviewer_labels: [Interviewer]
---
Interviewer: Why Huizhou?

Mr. Li: We moved here from Shenzhen. Land was cheap. We design our own cells.

Interviewer: And subsidies?

Mr. Li: The subsidy helped us a lot.
"""

DOC_B = """\
---
document_attributes:
  wave: 2
language: en
interviewer_labels: [Interviewer]
---
Interviewer: Tell me.

Ms. Wu: We buy our cell design. The subsidy is small.
"""

# (document, code, coder, quote)
CODINGS = [
    ("doc-a", "strategy.relocation", "wei", "We moved here from Shenzhen."),
    ("doc-a", "strategy.relocation", "ana", "from Shenzhen. Land was cheap."),
    ("doc-a", "strategy.relocation", "wei", "Why Huizhou?"),  # the interviewer's words
    ("doc-a", "innovation.cell-design.own-research", "wei", "We design our own cells."),
    ("doc-a", "innovation.cell-design", "ana", "We design our own cells."),
    ("doc-b", "innovation.cell-design.dependence", "ana", "We buy our cell design."),
    ("doc-b", "policy.subsidies", "wei", "The subsidy is small."),
]
CODE_COLUMNS = [
    "strategy.relocation",
    "innovation.cell-design",
    "innovation.cell-design.own-research",
    "innovation.cell-design.dependence",
    "policy.subsidies",
]


@pytest.fixture
def tiny(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "doc-a.md").write_text(DOC_A, encoding="utf-8")
    (folder / "doc-b.md").write_text(DOC_B, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(folder))
    for document, code, coder, quote in CODINGS:
        project.ok("code", "add", document, code, "--quote", quote, "--coder", coder)
    return project


def matrix(project: Project, **options):
    with project.session() as session:
        return build_matrix(session, **options)


def cell(m, row: str, col: str):
    return m.cells[m.row_labels.index(row)][m.col_labels.index(col)]


# --- an independent reckoning of coverage: sets of character positions --------------------


def _document(project: Project, name: str) -> dict:
    return json.loads(project.ok("show", name, "--json"))


def _respondent_positions(doc: dict) -> set[int]:
    return {i for t in doc["turns"] if t["role"] == "respondent"
            for i in range(t["start"], t["end"])}


def _quote_positions(doc: dict, quote: str) -> set[int]:
    start = doc["text"].index(quote)
    return set(range(start, start + len(quote)))


def expected_coverage(project: Project, codings: list[tuple[str, str]], documents: list[str]
                      ) -> Fraction:
    """Coded respondent characters / respondent characters, from (document, quote) pairs."""
    docs = {name: _document(project, name) for name in documents}
    coded = 0
    total = 0
    for name, doc in docs.items():
        respondent = _respondent_positions(doc)
        covered = set().union(*[_quote_positions(doc, q) for d, q in codings if d == name])
        coded += len(covered & respondent)
        total += len(respondent)
    return Fraction(coded, total)


# --- exact cells ---------------------------------------------------------------------------


def test_counts_by_case_and_code_roll_children_into_parents(tiny):
    m = matrix(tiny, rows="case", cols="code", value="count")
    assert m.row_labels == ["Firm X", "(no case)"]
    assert m.col_labels == CODE_COLUMNS
    # relocation: wei's and ana's overlapping codings are one passage (counted once) plus
    # wei's "Why Huizhou?"; cell-design = its own coding + own-research below it (Firm X, two
    # codes, not merged); dependence ((no case)).
    assert m.cells == [[2, 2, 1, 0, 0], [0, 1, 0, 1, 1]]


def test_presence_and_documents(tiny):
    presence = matrix(tiny, value="presence")
    assert presence.cells == [[1, 1, 1, 0, 0], [0, 1, 0, 1, 1]]
    docs = matrix(tiny, rows="document", value="documents")
    assert docs.row_labels == ["doc-a", "doc-b"]
    assert docs.cells == [[1, 1, 1, 0, 0], [0, 1, 0, 1, 1]]
    # Three codings of relocation in one document are one document.
    assert cell(matrix(tiny, cols="dimension", value="documents"), "Firm X", "strategy") == 1


def test_coverage_is_the_coded_share_of_respondent_text_as_an_exact_fraction(tiny):
    m = matrix(tiny, rows="case", cols="code", value="coverage")
    # Two overlapping relocation codings by different coders merge; "Why Huizhou?" is the
    # interviewer's and does not count.
    relocation = expected_coverage(tiny, [("doc-a", q) for d, c, _, q in CODINGS
                                          if c == "strategy.relocation"], ["doc-a"])
    assert relocation == Fraction(44, 97)  # "We moved here ... Land was cheap." of 69 + 28
    assert cell(m, "Firm X", "strategy.relocation") == float(relocation)
    own = expected_coverage(tiny, [("doc-a", "We design our own cells.")], ["doc-a"])
    assert cell(m, "Firm X", "innovation.cell-design") == float(own)  # two codings, one span
    assert cell(m, "Firm X", "innovation.cell-design.own-research") == float(own)
    dependence = expected_coverage(tiny, [("doc-b", "We buy our cell design.")], ["doc-b"])
    assert dependence == Fraction(23, 45)
    assert cell(m, "(no case)", "innovation.cell-design") == float(dependence)
    assert cell(m, "(no case)", "strategy.relocation") == 0.0


def test_coverage_by_coder_uses_the_documents_that_coder_coded(tiny, project):
    m = matrix(tiny, rows="coder", cols="dimension", value="coverage")
    assert m.row_labels == ["ana", "wei"]
    ana = [(d, q) for d, c, who, q in CODINGS if who == "ana" and c.startswith("innovation")]
    assert cell(m, "ana", "innovation") == float(
        expected_coverage(tiny, ana, ["doc-a", "doc-b"]))
    assert cell(m, "ana", "innovation") == 47 / 142
    # A third coder who coded only doc-b is measured against doc-b's respondent text alone.
    tiny.ok("code", "add", "doc-b", "policy.subsidies", "--quote", "The subsidy is small.",
            "--coder", "lin")
    m = matrix(tiny, rows="coder", cols="dimension", value="coverage")
    assert cell(m, "lin", "policy") == 21 / 45
    assert cell(m, "wei", "policy") == 21 / 142


def test_dimension_columns_hold_every_code_of_the_dimension(tiny):
    m = matrix(tiny, cols="dimension")
    assert m.col_labels == ["strategy", "innovation", "policy"]
    assert m.cells == [[2, 2, 0], [0, 1, 1]]
    by_coder = matrix(tiny, rows="coder", cols="dimension")
    assert by_coder.cells == [[1, 2, 0], [2, 1, 1]]  # ana, wei


def test_attribute_rows_prefer_case_attributes_then_document_attributes(tiny):
    segment = matrix(tiny, rows="attribute:segment", cols="dimension")
    # doc-a also has a document attribute "segment"; the case attribute wins.
    assert segment.row_labels == ["cells", "(no value)"]
    assert segment.cells == [[2, 2, 0], [0, 1, 1]]
    wave = matrix(tiny, rows="attribute:wave", cols="dimension")
    assert wave.row_labels == ["1", "2"]
    assert wave.cells == [[2, 2, 0], [0, 1, 1]]
    founded = matrix(tiny, rows="attribute:founded", cols="dimension", value="coverage")
    assert founded.row_labels == ["2001", "(no value)"]
    assert founded.cells[0][0] == 44 / 97


def test_unknown_attribute_names_the_known_ones(tiny):
    with pytest.raises(QualcodeError) as info:
        matrix(tiny, rows="attribute:sector")
    line = info.value.one_line()
    assert "unknown attribute 'sector'" in line
    assert "founded (case)" in line and "segment (case)" in line and "wave (document)" in line


def test_bad_rows_cols_value_and_filters_are_user_errors(tiny):
    for options in ({"rows": "firm"}, {"cols": "codes"}, {"value": "sum"},
                    {"origin": "guessed"}):
        with pytest.raises(QualcodeError):
            matrix(tiny, **options)
    with pytest.raises(NotFoundError):
        matrix(tiny, code="strategy.relocaton")
    with pytest.raises(NotFoundError):
        matrix(tiny, coder="nobody")


def test_filters_by_coder_origin_and_code_subtree(tiny):
    wei = matrix(tiny, coder="wei")
    assert wei.cells == [[2, 1, 1, 0, 0], [0, 0, 0, 0, 1]]
    manual = matrix(tiny, origin="manual")
    assert manual.cells == matrix(tiny).cells
    imported = matrix(tiny, origin="imported")  # a filter matching nothing: honest zeros
    assert imported.row_labels == ["Firm X", "(no case)"]
    assert imported.cells == [[0] * 5, [0] * 5]
    assert matrix(tiny, origin="imported", value="coverage").cells == [[0.0] * 5, [0.0] * 5]
    subtree = matrix(tiny, code="innovation.cell-design")
    assert subtree.col_labels == CODE_COLUMNS[1:4]
    assert subtree.cells == [[2, 1, 0], [1, 0, 1]]
    dim = matrix(tiny, code="innovation.cell-design", cols="dimension")
    assert dim.col_labels == ["innovation"]
    assert dim.cells == [[2], [1]]


def test_retired_codes_show_only_with_codings_in_the_filter(tiny, tmp_path):
    # policy.subsidies leaves the codebook; its codings keep it as a retired code.
    smaller = TINY_CODEBOOK.split("policy:")[0] + (
        "policy:\n  definition: Policy.\n  codes:\n    talent:\n      definition: Talent.\n"
        "      examples: [\"Engineers.\"]\n")
    (tmp_path / "v2.yaml").write_text(smaller, encoding="utf-8")
    tiny.ok("codebook", "load", str(tmp_path / "v2.yaml"), "--yes")
    m = matrix(tiny)
    assert m.col_labels == CODE_COLUMNS + ["policy.talent"]
    assert m.retired == ["policy.subsidies"]
    assert "policy.subsidies (retired)" in m.wide_table().columns
    assert any("Retired" in note for note in m.notes)
    # ana never used it: under her filter the retired code is left out.
    assert "policy.subsidies" not in matrix(tiny, coder="ana").col_labels


def test_empty_project_gives_an_empty_matrix(project):
    for value in ("count", "presence", "coverage", "documents"):
        m = matrix(project, value=value)
        assert (m.row_labels, m.col_labels, m.cells) == ([], [], [])
    assert matrix(project, rows="coder", cols="dimension").cells == []


def test_cases_and_codes_without_codings_are_zero_rows_and_columns(project, tmp_path):
    (tmp_path / "codebook.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    (tmp_path / "doc-a.md").write_text(DOC_A, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(tmp_path / "doc-a.md"))
    project.ok("cases", "set", "Firm Y", "segment=materials", "--create")
    m = matrix(project, value="coverage")
    assert m.row_labels == ["Firm X", "Firm Y"]
    assert m.cells == [[0.0] * 5, [0.0] * 5]  # Firm Y has no documents: no division by zero
    assert matrix(project, rows="attribute:segment").row_labels == ["cells", "materials"]


def test_long_and_wide_tables_hold_the_same_values(tiny):
    m = matrix(tiny)
    wide = m.wide_table()
    assert wide.columns == ["case", *CODE_COLUMNS]
    assert wide.rows[1] == ["(no case)", 0, 1, 0, 1, 1]
    long = m.long_table()
    assert long.columns == ["case", "code", "count"]
    assert len(long.rows) == 2 * 5
    assert {(r, c): v for r, c, v in long.rows} == {
        (row[0], col): value for row in wide.rows for col, value in zip(CODE_COLUMNS, row[1:],
                                                                         strict=True)}


# --- the demo corpus: checked against the hand-made coding YAML files --------------------------


def _demo_expected() -> tuple[Counter, Counter]:
    """(case, code) and (case, dimension) counts computed straight from the files; a code's
    count includes every code whose key extends it (child codes roll up)."""
    by_code: Counter = Counter()
    by_dimension: Counter = Counter()
    for path in sorted(DEMO_CODING.glob("*.yaml")):
        coding = yaml.safe_load(path.read_text(encoding="utf-8"))
        # read as the importer reads it: one demo interview is in GB18030
        case = read_transcript(DEMO / f"{coding['document']}.md").meta.case
        for entry in coding["codings"]:
            parts = entry["code"].split(".")
            by_dimension[(case, parts[0])] += 1
            for depth in range(2, len(parts) + 1):
                by_code[(case, ".".join(parts[:depth]))] += 1
    return by_code, by_dimension


def test_demo_matrix_matches_the_coding_files(coded_project):
    by_code, by_dimension = _demo_expected()
    codes = matrix(coded_project, coder="wei")
    assert len(codes.row_labels) == 12
    for i, case in enumerate(codes.row_labels):
        for j, code in enumerate(codes.col_labels):
            assert codes.cells[i][j] == by_code[(case, code)], (case, code)
    assert sum(map(sum, codes.cells)) > sum(by_dimension.values())  # parents double-count
    dims = matrix(coded_project, cols="dimension", coder="wei")
    assert dims.col_labels == ["strategy", "organization", "innovation", "market-position",
                               "policy"]
    for i, case in enumerate(dims.row_labels):
        for j, dimension in enumerate(dims.col_labels):
            assert dims.cells[i][j] == by_dimension[(case, dimension)], (case, dimension)


# --- speed ---------------------------------------------------------------------------------


def test_a_large_project_rolls_up_every_coding_exactly_once(project):
    """Correctness at scale; speed is measured by `make bench`, never asserted here."""
    from qualcode.storage.models import Case, Code, Coder, Coding, Document, Turn

    n_docs, n_codings, length = 200, 20_000, 2_100
    with project.session() as session:
        codes = []
        for d in range(5):
            root = Code(key=f"d{d}", guid=f"g{d}", name="d", dimension=f"d{d}",
                        is_dimension=True)
            session.add(root)
            for k in range(7):
                child = Code(key=f"d{d}.c{k}", guid=f"g{d}.{k}", name="c", dimension=f"d{d}",
                             parent=root)
                session.add(child)
                codes.append(child)
        coder = Coder(name="w")
        session.add(coder)
        docs = []
        for i in range(n_docs):
            doc = Document(name=f"doc{i:03}", case=Case(name=f"case {i:03}"), text="x" * length,
                           sha256="", file_sha256="", source_filename="f", source_format="txt",
                           encoding="utf-8")
            doc.turns = [Turn(number=1, speaker="R", role="respondent", start=0, end=length)]
            session.add(doc)
            docs.append(doc)
        session.flush()
        now = dt.datetime(2024, 1, 1)
        session.connection().execute(insert(Coding.__table__), [
            {"document_id": docs[i % n_docs].id, "code_id": codes[i % 35].id,
             "coder_id": coder.id, "start_offset": i // 10, "end_offset": i // 10 + 80,
             "origin": "manual", "quote": "x", "key_quote": False, "created_at": now}
            for i in range(n_codings)])
    for value in ("count", "documents", "coverage"):
        m = matrix(project, value=value)
        assert len(m.row_labels) == n_docs and len(m.col_labels) == 35
    assert sum(map(sum, matrix(project, cols="dimension").cells)) == n_codings
