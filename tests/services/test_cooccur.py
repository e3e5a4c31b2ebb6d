"""cooccurrence and cooccurrence_passages on hand-built overlaps, with exact counts, Jaccard and
c-coefficients for every unit; sentence_bounds from qualcode.nlp.segment."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.nlp.segment import sentence_bounds
from qualcode.services.cooccur import cooccurrence, cooccurrence_passages
from tests.conftest import SMALL_CODEBOOK, Project

DOC_C = """\
Interviewer: Q one?

Ms. A: Alpha beta gamma. Delta epsilon zeta. Eta theta.

Interviewer: Q two?

Ms. A: Iota kappa. Lambda mu.
"""

DOC_D = """\
Interviewer: Hi.

Mr. B: Omicron pi. Rho sigma.

Interviewer: More?

Mr. B: Tau upsilon.
"""

X, Y = "strategy.relocation", "policy.subsidies"
Z, W = "innovation.cell-design.own-research", "innovation.cell-design"

CODINGS = [  # (document, code, quote)
    ("doc-c", X, "Alpha beta gamma."),  # X1: sentence 1, turn 2
    ("doc-c", Y, "gamma. Delta"),  # Y1: overlaps X1; sentences 1 and 2, turn 2
    ("doc-c", X, "Eta theta."),  # X2: sentence 3, turn 2
    ("doc-c", Y, "Iota kappa."),  # Y2: turn 4
    ("doc-c", Z, "Lambda mu."),  # Z1: turn 4
    ("doc-c", W, "mu."),  # W1: the parent code, inside Z1
    ("doc-d", X, "Omicron pi."),  # X3: doc-d turn 2
    ("doc-d", Y, "Tau upsilon."),  # Y3: doc-d turn 4
]


@pytest.fixture
def built(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "doc-c.txt").write_text(DOC_C, encoding="utf-8")
    (folder / "doc-d.txt").write_text(DOC_D, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(folder))
    for document, code, quote in CODINGS:
        project.ok("code", "add", document, code, "--quote", quote, "--coder", "wei")
    return project


def table(project: Project, **options):
    with project.session() as session:
        return cooccurrence(session, **options)


def value(result, a: str, b: str):
    return result.cells[result.codes.index(a)][result.codes.index(b)]


def test_codes_are_listed_without_dimension_roots(built):
    assert table(built).codes == [X, W, Z, Y]


def test_overlap_counts_overlapping_coding_pairs(built):
    r = table(built, unit="overlap")
    assert value(r, X, Y) == value(r, Y, X) == 1  # X1 x Y1
    assert value(r, W, Z) == 1  # a parent does not include its child: W1 x Z1 is a real pair
    assert value(r, X, Z) == value(r, Y, Z) == 0
    assert [value(r, c, c) for c in (X, W, Z, Y)] == [3, 1, 1, 3]  # the diagonal: codings
    assert r.counts == {X: 3, W: 1, Z: 1, Y: 3}


def test_overlap_jaccard_and_c_coefficient_are_the_same_over_codings(built):
    for measure in ("jaccard", "c-coefficient"):
        r = table(built, unit="overlap", measure=measure)
        assert value(r, X, Y) == 1 / (3 + 3 - 1)
        assert value(r, W, Z) == 1 / (1 + 1 - 1)
        assert value(r, X, Z) == 0.0


def test_sentence_unit(built):
    count = table(built, unit="sentence")
    # X touches 3 sentences, Y 4 (Y1 spans two), and they share sentence 1 only.
    assert count.counts[X] == 3 and count.counts[Y] == 4
    assert value(count, X, Y) == 1
    assert value(count, Y, Z) == 0  # same turn, different sentences
    assert value(table(built, unit="sentence", measure="jaccard"), X, Y) == 1 / (3 + 4 - 1)
    c = table(built, unit="sentence", measure="c-coefficient")
    assert c.counts[X] == 3 and c.counts[Y] == 3  # over codings
    assert value(c, X, Y) == 1 / (3 + 3 - 1)


def test_turn_unit(built):
    count = table(built, unit="turn")
    assert count.counts == {X: 2, W: 1, Z: 1, Y: 3}
    assert value(count, X, Y) == 1  # doc-c turn 2
    assert value(count, Y, Z) == 1  # doc-c turn 4
    assert value(count, X, Z) == 0
    jaccard = table(built, unit="turn", measure="jaccard")
    assert value(jaccard, X, Y) == 1 / (2 + 3 - 1)
    assert value(jaccard, Y, Z) == 1 / (3 + 1 - 1)
    c = table(built, unit="turn", measure="c-coefficient")
    assert value(c, X, Y) == 2 / (3 + 3 - 2)  # X1-Y1 and X2-Y1 share turn 2
    assert value(c, Y, Z) == 1 / (3 + 1 - 1)


def test_document_unit_and_an_out_of_range_c_coefficient(built):
    count = table(built, unit="document")
    assert count.counts == {X: 2, W: 1, Z: 1, Y: 2}
    assert value(count, X, Y) == 2 and value(count, X, Z) == 1
    assert value(table(built, unit="document", measure="jaccard"), X, Y) == 2 / (2 + 2 - 2)
    c = table(built, unit="document", measure="c-coefficient")
    # 2 x 2 pairs in doc-c plus 1 in doc-d: 5 pairs over 3 + 3 codings, as ATLAS.ti reckons.
    assert value(c, X, Y) == 5 / (3 + 3 - 5)
    assert value(c, X, Z) == 2 / (3 + 1 - 2)
    assert any("Out of range" in note and f"{X} x {Y}" in note for note in c.notes)


def test_dimension_level_rolls_codes_into_dimensions(built):
    r = table(built, unit="turn", measure="c-coefficient", level="dimension")
    assert r.codes == ["strategy", "innovation", "policy"]
    assert r.counts == {"strategy": 3, "innovation": 2, "policy": 3}
    # Y2 pairs with Z1 and with W1 in turn 4.
    assert value(r, "innovation", "policy") == 2 / (3 + 2 - 2)
    overlap = table(built, unit="overlap", level="dimension")
    assert value(overlap, "innovation", "innovation") == 2  # W1 x Z1 is no pair of dimensions


def test_matches_a_brute_force_count_of_pairs(built):
    """The sweep that counts pairs must agree with comparing every pair of codings."""
    spans = {}
    for document, code, quote in CODINGS:
        text = DOC_C if document == "doc-c" else DOC_D
        start = text.index(quote)
        spans.setdefault(document, []).append((code, start, start + len(quote)))
    r = table(built, unit="overlap")
    for a, b in combinations(r.codes, 2):
        brute = sum(1 for items in spans.values() for (ca, s1, e1), (cb, s2, e2)
                    in combinations(items, 2)
                    if {ca, cb} == {a, b} and s1 < e2 and s2 < e1)
        assert value(r, a, b) == brute, (a, b)


def test_filters_and_tables(built):
    r = table(built, code="innovation")
    assert r.codes == [W, Z]
    nothing = table(built, origin="imported")
    assert nothing.counts == {X: 0, W: 0, Z: 0, Y: 0}
    assert all(v == 0 for row in nothing.cells for v in row)
    j = table(built, origin="imported", measure="jaccard")
    assert all(v == 0 for row in j.cells for v in row)
    wide = table(built).wide_table()
    assert wide.columns == ["code", X, W, Z, Y]
    long = table(built).long_table()
    assert long.columns == ["code a", "code b", "n1", "n2", "n12", "count"]
    assert [X, Y, 3, 3, 1, 1] in long.rows
    assert len(long.rows) == 6  # each pair once


def test_passages_behind_a_cell(built):
    with built.session() as session:
        overlap = cooccurrence_passages(session, X, Y, unit="overlap")
        turn = cooccurrence_passages(session, Y, Z, unit="turn")
        sentence = cooccurrence_passages(session, Y, X, unit="sentence")
    assert len(overlap) == 1
    p = overlap[0]
    assert (p.document, p.case, p.quote_a, p.quote_b) == ("doc-c", None, "Alpha beta gamma.",
                                                         "gamma. Delta")
    assert DOC_C[p.start:p.end] == "Alpha beta gamma. Delta"
    assert len(turn) == 1 and turn[0].turn == 4 and turn[0].text == "Iota kappa. Lambda mu."
    assert (turn[0].quote_a, turn[0].quote_b) == ("Iota kappa.", "Lambda mu.")
    assert len(sentence) == 1 and sentence[0].text == "Alpha beta gamma."
    assert sentence[0].quote_a == "gamma. Delta"


def test_bad_inputs(built):
    with built.session() as session:
        for options in ({"unit": "paragraph"}, {"measure": "phi"}, {"level": "theme"}):
            with pytest.raises(QualcodeError):
                cooccurrence(session, **options)
        with pytest.raises(NotFoundError):
            cooccurrence_passages(session, X, "policy.subsidy")
        with pytest.raises(QualcodeError):
            cooccurrence_passages(session, X, X)


def test_empty_project(project):
    for unit in ("overlap", "sentence", "turn", "document"):
        r = table(project, unit=unit, measure="c-coefficient")
        assert (r.codes, r.cells, r.counts) == ([], [], {})


def test_sentence_bounds_strip_whitespace_and_keep_offsets():
    texts = ["Alpha beta gamma. Delta epsilon zeta.  \n\nEta theta.", "   ", "One"]
    bounds = sentence_bounds(texts)
    assert [[texts[0][s:e] for s, e in bounds[0]]] == [
        ["Alpha beta gamma.", "Delta epsilon zeta.", "Eta theta."]]
    assert bounds[1] == []
    assert bounds[2] == [(0, 3)]
