"""find_gaps: cases x dimensions (or codes) with no evidence or a single quote."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qualcode.errors import QualcodeError
from qualcode.formats.transcripts import read_transcript
from qualcode.services.gaps import find_gaps
from tests.conftest import DEMO, DEMO_CODING, SMALL_CODEBOOK, Project


def doc(case: str | None, body: str) -> str:
    head = f"case: {case}\n" if case else ""
    return f"---\n{head}interviewer_labels: [Interviewer]\n---\nInterviewer: Go on.\n\n{body}\n"


@pytest.fixture
def built(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "x.md").write_text(doc("Firm X", "Mr. Li: We moved. Land was cheap. Our lab."),
                                 encoding="utf-8")
    (folder / "y.md").write_text(doc("Firm Y", "Ms. Wu: Nothing to code here."),
                                 encoding="utf-8")
    (folder / "n.md").write_text(doc(None, "Mr. Ma: The subsidy."), encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(folder))
    for document, code, quote in [("x", "strategy.relocation", "We moved."),
                                  ("x", "strategy.relocation", "Land was cheap."),
                                  ("x", "innovation.cell-design.own-research", "Our lab."),
                                  ("n", "policy.subsidies", "The subsidy.")]:
        project.ok("code", "add", document, code, "--quote", quote, "--coder", "wei")
    return project


def gaps(project: Project, **options):
    with project.session() as session:
        return find_gaps(session, **options)


def test_gaps_by_dimension(built):
    g = gaps(built)
    # the document without a case is the last row, said in a note, and has no gaps of its own
    assert g.cases == ["Firm X", "Firm Y", "(no case)"]
    assert g.columns == ["strategy", "innovation", "policy"]
    assert g.counts == [[2, 1, 0], [0, 0, 0], [0, 0, 1]]
    assert g.notes == ["1 document(s) belong to no case; their codings are in the row "
                       "'(no case)': n"]
    assert [(m.case, m.column) for m in g.missing] == [
        ("Firm X", "policy"), ("Firm Y", "strategy"), ("Firm Y", "innovation"),
        ("Firm Y", "policy")]
    assert [(s.case, s.column, s.document, s.quote) for s in g.single] == [
        ("Firm X", "innovation", "x", "Our lab.")]


def test_gaps_by_code_roll_children_up(built):
    g = gaps(built, by="code")
    assert g.columns == ["strategy.relocation", "innovation.cell-design",
                         "innovation.cell-design.own-research", "policy.subsidies"]
    assert g.counts[0] == [2, 1, 1, 0]
    assert {(s.column, s.quote) for s in g.single} == {
        ("innovation.cell-design", "Our lab."), ("innovation.cell-design.own-research",
                                                 "Our lab.")}
    assert len(g.missing) == 1 + 4


def test_filters_and_bad_input(built):
    g = gaps(built, coder="wei", origin="imported")
    assert g.counts == [[0, 0, 0]] * 3 and len(g.missing) == 6 and g.single == []
    with pytest.raises(QualcodeError):
        gaps(built, by="case")


def test_empty_project(project):
    g = gaps(project)
    assert (g.cases, g.columns, g.missing, g.single) == ([], [], [], [])


def test_demo_single_quotes_match_the_coding_files(coded_project):
    counts: dict = {}
    for path in sorted(DEMO_CODING.glob("*.yaml")):
        coding = yaml.safe_load(path.read_text(encoding="utf-8"))
        # read as the importer reads it: one demo interview is in GB18030
        case = read_transcript(DEMO / f"{coding['document']}.md").meta.case
        for entry in coding["codings"]:
            key = (case, entry["code"].split(".")[0] + "." + entry["code"].split(".")[1])
            counts[key] = counts.get(key, 0) + 1
    g = gaps(coded_project, by="code", coder="wei")
    # Codes at depth 1 (dimension.code) hold their children, as the file keys' prefixes do.
    for i, case in enumerate(g.cases):
        for j, column in enumerate(g.columns):
            if column.count(".") == 1:
                assert g.counts[i][j] == counts.get((case, column), 0), (case, column)
    singles = {(s.case, s.column) for s in g.single if s.column.count(".") == 1}
    assert singles == {k for k, n in counts.items() if n == 1}
