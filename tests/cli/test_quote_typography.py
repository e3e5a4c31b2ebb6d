"""Quotes survive typography in `code add --quote`, coding files and `search` (plain), in English
and Chinese; offsets point into the stored text and an ambiguous quote is still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, Project

ENGLISH = ("Interviewer: Why Huizhou?\n\n"
           "Mr. Li: We didn\u2019t \u201cmove\u201d \u2014 we expanded. The Shenzhen\u2013Huizhou\n"
           "corridor was cheaper, and the land was ready\u2026\n\n"
           "Interviewer: And the subsidy?\n\n"
           "Mr. Li: It didn\u2019t matter. We didn't plan for it.\n")
CHINESE = ("访谈者\uff1a为什么来惠州\uff1f\n"
           "王总\uff1a深圳的租金太高了\uff0c惠州"
           "政府给了土地\uff0c\n还有\u201c税收减免"
           "\u201d和补贴\u3002\n"
           "访谈者\uff1a后来呢\uff1f\n"
           "王总\uff1a后来就扩产了\u2014\u2014买了"
           "\uff21\uff22\uff23公司的设备\u3002\n")


@pytest.fixture
def typeset(project: Project, tmp_path: Path) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    (tmp_path / "li.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "wang.txt").write_text(CHINESE, encoding="utf-8")
    project.ok("import", str(tmp_path / "li.txt"), str(tmp_path / "wang.txt"))
    return project


def _text(project: Project, doc: str) -> str:
    return json.loads(project.ok("show", doc, "--json"))["text"]


@pytest.mark.parametrize("doc, quote, stored", [
    ("li", "We didn't \"move\" - we expanded",
     "We didn\u2019t \u201cmove\u201d \u2014 we expanded"),
    ("li", "Shenzhen-Huizhou corridor was cheaper", "Shenzhen\u2013Huizhou\ncorridor was cheaper"),
    ("li", "the land was ready...", "the land was ready\u2026"),
    ("wang", "惠州政府给了土地,还有\"税收减免\"",
     "惠州政府给了土地\uff0c\n还有\u201c税收减"
     "免\u201d"),
    ("wang", "还有\"税收减免\"和补贴.", "还有\u201c税收减免\u201d和补贴\u3002"),
    ("wang", "扩产了--买了ABC公司",
     "扩产了\u2014\u2014买了\uff21\uff22\uff23公司"),
])
def test_code_add_finds_a_quote_typed_with_other_typography(typeset, doc, quote, stored):
    row = json.loads(typeset.ok("code", "add", doc, "strategy.relocation", "--quote", quote,
                                "--json"))
    assert row["quote"] == stored
    assert _text(typeset, doc)[row["start"]:row["end"]] == stored


def test_a_quote_that_matches_two_typesettings_is_refused_with_both_candidates(typeset):
    before = typeset.snapshot()
    res = typeset.run("code", "add", "li", "strategy.relocation", "--quote", "We didn't")
    assert res.exit_code == 1 and "occurs 2 times" in res.stderr.splitlines()[0]
    assert "[We didn\u2019t] \u201cmove" in res.stderr and "[We didn't] plan" in res.stderr
    assert typeset.snapshot() == before
    row = json.loads(typeset.ok("code", "add", "li", "strategy.relocation", "--quote",
                                "We didn\u2019t", "--occurrence", "2", "--json"))
    assert row["quote"] == "We didn't"  # the curly quote counts the straight one too


def test_a_coding_file_typed_with_straight_quotes_and_half_width_punctuation(typeset, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "document: li\ncoder: ana\ncodings:\n"
        "  - code: strategy.relocation\n    quote: 'We didn''t \"move\" -- we expanded'\n",
        encoding="utf-8")
    zh = tmp_path / "z.yaml"
    zh.write_text("document: wang\ncoder: ana\ncodings:\n  - code: policy.subsidies\n"
                  "    quote: '还有\"税收减免\"和补贴'\n",
                  encoding="utf-8")
    typeset.ok("codings", "import", str(path), str(zh))
    rows = json.loads(typeset.ok("codings", "list", "--by", "ana", "--json"))
    assert sorted(r["quote"] for r in rows) == sorted([
        "We didn\u2019t \u201cmove\u201d \u2014 we expanded",
        "还有\u201c税收减免\u201d和补贴"])


def test_plain_search_matches_typography_and_reports_stored_offsets(typeset):
    hits = json.loads(typeset.ok("search", "didn't", "--json"))["hits"]
    assert [h["match"] for h in hits] == ["didn\u2019t", "didn\u2019t", "didn't"]
    text = _text(typeset, "li")
    assert all(text[h["start"]:h["end"]] == h["match"] for h in hits)
    hits = json.loads(typeset.ok("search", "土地,还有", "--json"))["hits"]
    assert [(h["document"], h["match"]) for h in hits] == [
        ("wang", "土地\uff0c\n还有")]
    # regex mode stays as written: a straight quote finds only the straight one
    hits = json.loads(typeset.ok("search", "didn't", "--regex", "--json"))["hits"]
    assert [h["match"] for h in hits] == ["didn't"]
