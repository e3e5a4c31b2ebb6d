"""search (plain, regex, lemma) and code_hits; lemma matching in qualcode.nlp.segment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.errors import NotFoundError, QualcodeError
from qualcode.nlp.segment import lemma_matches, query_lemmas
from qualcode.services.search import code_hits, search
from tests.conftest import Project

CODEBOOK = """\
codebook:
  name: tiny
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Subsidies.
      examples: ["The subsidy."]
"""

DOC_S = """\
---
case: Firm S
language: en
interviewer_labels: [Interviewer]
---
Interviewer: What about subsidies?

Mr. Ho: The white
list mattered. Subsidies were cut in 2017. Our subsidy cut hurt.

Interviewer: And the White List now?

Mr. Ho: Nobody talks about the white list now.
"""

DOC_T = "Interviewer: Anything else?\n\nMs. Fu: A white list of suppliers, yes.\n"

SUBSIDIES = "policy.subsidies"


@pytest.fixture
def corpus(project: Project, tmp_path: Path) -> Project:
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "doc-s.md").write_text(DOC_S, encoding="utf-8")
    (folder / "doc-t.txt").write_text(DOC_T, encoding="utf-8")
    project.ok("codebook", "load", str(tmp_path / "codebook.yaml"))
    project.ok("import", str(folder))
    return project


def run(project: Project, query: str, **options):
    with project.session() as session:
        return search(session, query, **options)


def text_of(project: Project, document: str) -> str:
    return json.loads(project.ok("show", document, "--json"))["text"]


def test_plain_search_ignores_case_and_crosses_line_breaks(corpus):
    hits = run(corpus, "white list")
    assert [(h.document, h.turn, h.speaker, h.match) for h in hits] == [
        ("doc-s", 2, "Mr. Ho", "white\nlist"),
        ("doc-s", 3, "Interviewer", "White List"),
        ("doc-s", 4, "Mr. Ho", "white list"),
        ("doc-t", 2, "Ms. Fu", "white list"),
    ]
    texts = {d: text_of(corpus, d) for d in ("doc-s", "doc-t")}
    for h in hits:
        assert texts[h.document][h.start:h.end] == h.match
    assert hits[0].case == "Firm S" and hits[3].case is None
    # Context stays inside the hit's turn.
    assert hits[0].left == "The " and hits[0].right.startswith(" mattered. Subsidies")
    assert hits[3].right == " of suppliers, yes."


def test_context_width_and_speaker_role(corpus):
    hits = run(corpus, "white list", context=5, speaker_role="respondent")
    assert [h.turn for h in hits] == [2, 4, 2]
    assert hits[1].left == " the " and hits[1].right == " now."
    assert [h.turn for h in run(corpus, "white list", speaker_role="interviewer")] == [3]
    assert [h.document for h in run(corpus, "white list", case="Firm S")] == ["doc-s"] * 3
    assert [h.document for h in run(corpus, "white list", document="doc-t")] == ["doc-t"]


def test_speaker_labels_are_not_searched(corpus):
    assert run(corpus, "Interviewer") == []
    assert run(corpus, "Mr. Ho") == []


def test_regex_search_is_as_written(corpus):
    hits = run(corpus, r"subsid\w+", mode="regex")
    assert [h.match for h in hits] == ["subsidies", "subsidy"]
    assert [h.match for h in run(corpus, r"(?i)subsid\w+", mode="regex")] == [
        "subsidies", "Subsidies", "subsidy"]
    text = text_of(corpus, "doc-s")
    assert all(text[h.start:h.end] == h.match for h in hits)
    assert run(corpus, r"x*", mode="regex") == []  # empty matches are no hits


def test_lemma_search_finds_inflections(corpus):
    assert [h.match for h in run(corpus, "subsidy", mode="lemma")] == [
        "subsidies", "Subsidies", "subsidy"]
    assert [h.match for h in run(corpus, "subsidies cuts", mode="lemma")] == ["subsidy cut"]
    hits = run(corpus, "be cut", mode="lemma")
    assert [h.match for h in hits] == ["were cut"]
    assert text_of(corpus, "doc-s")[hits[0].start:hits[0].end] == "were cut"


def test_bad_queries(corpus):
    with pytest.raises(QualcodeError, match="invalid regular expression"):
        run(corpus, "(white", mode="regex")
    for query, options in (("", {}), ("x", {"mode": "fuzzy"}),
                           ("x", {"speaker_role": "chair"}), ("x", {"context": -1})):
        with pytest.raises(QualcodeError):
            run(corpus, query, **options)
    with pytest.raises(NotFoundError):
        run(corpus, "x", case="Firm Q")


def test_a_query_matching_nothing(corpus):
    assert run(corpus, "photovoltaic") == []


def test_empty_project_has_no_hits(project):
    assert run(project, "anything") == []
    assert run(project, "anything", mode="lemma") == []


def _code(project: Project, hits, unit: str, coder: str = "wei"):
    with project.session() as session:
        return code_hits(session, hits, code=SUBSIDIES, coder=coder, actor=coder, unit=unit)


def _codings(project: Project) -> list[tuple[str, str, str]]:
    rows = json.loads(project.ok("codings", "list", "--json"))
    return sorted((r["document"], r["coder"], r["quote"]) for r in rows)


def test_coding_hits_sentences_and_turns(corpus):
    hits = run(corpus, "white list", speaker_role="respondent")
    done = _code(corpus, hits, "hit")
    assert [r.quote for r in done.added] == ["white\nlist", "white list", "white list"]
    assert all(r.origin == "manual" and r.code == SUBSIDIES for r in done.added)
    # The same hits again: each overlaps a coding of the same code by the same coder.
    again = _code(corpus, hits, "sentence")
    assert again.added == [] and len(again.skipped) == 3
    assert "already coded" in again.skipped[0].reason
    # Another coder codes the sentences around the hits.
    other = _code(corpus, hits, "sentence", coder="ana")
    assert [r.quote for r in other.added] == [
        "The white\nlist mattered.", "Nobody talks about the white list now.",
        "A white list of suppliers, yes."]
    turns = _code(corpus, run(corpus, "cut in 2017"), "turn", coder="lin")
    assert [r.quote for r in turns.added] == [
        "The white\nlist mattered. Subsidies were cut in 2017. Our subsidy cut hurt."]


def test_two_hits_in_one_sentence_code_it_once(corpus):
    hits = run(corpus, r"(?i)subsid|cut", mode="regex", speaker_role="respondent")
    assert len(hits) == 4  # two in each of two sentences
    done = _code(corpus, hits, "sentence")
    assert [r.quote for r in done.added] == ["Subsidies were cut in 2017.",
                                             "Our subsidy cut hurt."]
    assert len(done.skipped) == 2


def test_coding_with_an_unknown_code_or_unit_changes_nothing(corpus):
    before = corpus.snapshot()
    hits = run(corpus, "white list")
    with corpus.session() as session, pytest.raises(NotFoundError):
        code_hits(session, hits, code="policy.subsidy", coder="wei", actor="wei")
    with corpus.session() as session, pytest.raises(QualcodeError):
        code_hits(session, hits, code=SUBSIDIES, coder="wei", actor="wei", unit="paragraph")
    assert corpus.snapshot() == before


def test_lemma_matches_gives_offsets_into_each_text():
    texts = ["Subsidies were\ncut, and the subsidy   cuts came.", "no match here"]
    found = lemma_matches(texts, query_lemmas("subsidy cut"))
    assert [[texts[0][s:e] for s, e in found[0]]] == [["subsidy   cuts"]]
    assert found[1] == []
    assert query_lemmas("  Subsidies  ") == ["subsidy"]
