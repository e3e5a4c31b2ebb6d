"""A gold standard of judged sentences (`sentences:` in a coding file): import, dimension-level
labels, and `evaluate` restricted to what the reference coder judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_suggest_cmds import MINI, TRANSCRIPT
from tests.conftest import Project

GOLD = """\
document: li
coder: gold
sentences:
  - quote: "The subsidies mattered a lot."
    codes: [policy.subsidies]
  - quote: "We left Shenzhen in 2012."
    codes: [strategy]
    note: "a move, but the codebook's relocation code is about Shenzhen only"
  - quote: "The weather was hot."
    codes: []
"""


@pytest.fixture
def mini(project: Project, tmp_path: Path) -> Project:
    project.load_codebook_and_import(tmp_path / "mini.yaml", MINI,
                                     (tmp_path / "li.txt", TRANSCRIPT))
    return project


def _write(tmp_path: Path, text: str, name: str = "gold.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_judged_sentences_become_codings_and_judged_spans(mini: Project, tmp_path: Path):
    gold = _write(tmp_path, GOLD)
    out = json.loads(mini.ok("codings", "import", str(gold), "--json"))
    assert (out["added"], out["judged"]) == (2, 3)
    codings = json.loads(mini.ok("codings", "list", "--by", "gold", "--json"))
    assert sorted((c["code"], c["quote"]) for c in codings) == [
        ("policy.subsidies", "The subsidies mattered a lot."),
        ("strategy", "We left Shenzhen in 2012."),  # a dimension-level label
    ]
    judged = mini.snapshot()["judged_spans"]
    text = json.loads(mini.ok("show", "li", "--json"))["text"]
    assert sorted(text[row[3] : row[4]] for row in judged) == sorted(
        ["The subsidies mattered a lot.", "We left Shenzhen in 2012.", "The weather was hot."]
    )
    assert [row[5] for row in judged if row[5]] == [
        "a move, but the codebook's relocation code is about Shenzhen only"
    ]
    again = json.loads(mini.ok("codings", "import", str(gold), "--json"))
    assert (again["added"], again["skipped"], again["judged"]) == (0, 2, 0)


def test_evaluate_counts_only_judged_sentences_and_dimension_labels_at_dimension_level(
    mini: Project, tmp_path: Path
):
    mini.ok("codings", "import", str(_write(tmp_path, GOLD)))
    report = json.loads(mini.ok("evaluate", "--against", "gold", "--json"))
    # Five respondent sentences, three judged: "The city subsidised our land..." is not a unit,
    # so the lexicon's subsidy hit there is neither right nor wrong.
    assert report["sentences"] == 3
    codes = {s["name"]: s for s in report["codes"]}
    assert set(codes) == {"policy.subsidies", "strategy.relocation"}  # never a dimension key
    sub, rel = codes["policy.subsidies"], codes["strategy.relocation"]
    assert (sub["gold"], sub["predicted"], sub["true_positive"]) == (1, 1, 1)
    assert (rel["gold"], rel["predicted"], rel["true_positive"]) == (0, 1, 0)
    dims = {s["name"]: s for s in report["dimensions"]}
    # gold labels the Shenzhen sentence `strategy`; the suggester's relocation is right there.
    assert (dims["strategy"]["gold"], dims["strategy"]["true_positive"]) == (1, 1)
    assert dims["policy"]["f1"] == dims["strategy"]["f1"] == 1.0
    assert report["dimension_macro_f1"] == 1.0
    overall = report["overall"]
    assert (overall["precision"], overall["recall"]) == (0.5, 1.0)


def test_evaluate_on_named_documents_only(mini: Project, tmp_path: Path):
    other = tmp_path / "wu.txt"
    other.write_text("Interviewer: Hi.\n\nMs. Wu: The subsidies were small.\n", encoding="utf-8")
    mini.ok("import", str(other))
    mini.ok("codings", "import", str(_write(tmp_path, GOLD)))
    mini.ok("code", "add", "wu", "policy.subsidies", "--quote", "subsidies", "--coder", "gold")
    both = json.loads(mini.ok("evaluate", "--against", "gold", "--json"))
    only = json.loads(mini.ok("evaluate", "--against", "gold", "-d", "wu", "--json"))
    assert (both["documents"], both["sentences"]) == (2, 4)
    assert (only["documents"], only["sentences"]) == (1, 1)
    assert "no document named 'nope'" in mini.fails("evaluate", "--against", "gold", "-d", "nope")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('  - quote: "We left Shenzhen in 2012."\n    codes: [strategy, strategy.relocation]\n',
         "lists the dimension 'strategy' and one of its codes"),
        ('  - quote: "We left Shenzhen in 2012."\n    codes: strategy\n', "must be a list"),
        ('  - quote: "We left Shenzhen in 2012."\n    codes: [policy.nope]\n',
         "unknown code 'policy.nope'"),
        ('  - quote: "We left Shenzhen in 2012."\n    codes: [policy, policy]\n', "listed twice"),
        ('  - quote: "We never left."\n    codes: []\n', "is not in the document"),
        ('  - quote: "We left Shenzhen in 2012."\n    codes: []\n    memo: x\n', "unknown field"),
    ],
)
def test_a_bad_sentence_is_refused_with_its_line_and_nothing_changes(
    mini: Project, tmp_path: Path, body: str, message: str
):
    good = '  - quote: "The weather was hot."\n    codes: []\n'
    path = _write(tmp_path, "document: li\ncoder: gold\nsentences:\n" + good + body)
    before = mini.snapshot()
    err = mini.fails("codings", "import", str(path))
    assert message in err and f"{path}:6" in err
    assert mini.snapshot() == before


def test_occurrences_count_a_quote_whether_or_not_it_crosses_a_line_break(
    mini: Project, tmp_path: Path
):
    project = mini
    # The first "Anybody displaced." is hard-wrapped, the second is on one line: both count, in
    # document order, so `occurrence: 2` is the one-line one (found in a real transcript).
    doc = tmp_path / "wrap.txt"
    doc.write_text("Mr. B: Who gets the jobs? Anybody\ndisplaced. Anybody displaced. Yes.\n",
                   encoding="utf-8")
    project.ok("import", str(doc))
    text = json.loads(project.ok("show", "wrap", "--json"))["text"]
    for n, expected in ((1, text.index("Anybody\n")), (2, text.index("Anybody displaced."))):
        project.ok("code", "add", "wrap", "strategy.relocation", "--quote", "Anybody displaced.",
                   "--occurrence", str(n), "--coder", f"c{n}")
        coding = json.loads(project.ok("codings", "list", "--by", f"c{n}", "--json"))[0]
        assert coding["start"] == expected
    assert "occurs 2 times" in project.fails(
        "code", "add", "wrap", "strategy.relocation", "--quote", "Anybody displaced."
    )
