"""`--method both`: the lexicon's hits re-ranked by a verifier the coding taught (qualcode/nlp/
learned.py, `verify_hits`). Real spaCy pipelines, real SQLite projects, the CLI in-process.

The project: the codebook's rule for capital investment is the bare lemma "investment"; the coder
codes it where a firm invests and leaves it where the economy as a whole does (the lexicon's
precision problem on real talk). The verifier learns that from the coding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.nlp.learned import VERIFY_MIN_EXAMPLES, VERIFY_THRESHOLD
from tests.conftest import Project

BOOK = """\
codebook: {name: both, version: "1", language: en}
strategy:
  definition: The firm's own choices.
  codes:
    investment:
      definition: The firm invests in plants or lines.
      patterns:
        - lemma: [investment]
policy:
  definition: Government policy toward the industry.
  codes:
    subsidies:
      definition: Money from government.
      patterns:
        - lemma: [subsidy]
"""

THINGS = ["cathode", "anode", "cell", "module", "pack", "recycling", "casting", "coating",
          "separator", "electrolyte", "foil", "binder", "testing", "assembly", "welding",
          "mixing", "drying", "forming", "slitting", "stacking", "winding", "sealing",
          "aging", "grading"]
FIRM = [f"Our firm made an investment in the new {t} plant." for t in THINGS]
ECONOMY = [f"The national economy saw more investment in {t} this year." for t in THINGS]

NEW = """\
Interviewer: What changed?

Ms. Wang: The national economy needs investment in roads. Our firm put an investment into the \
plant in Ohio. The subsidy came late.
"""
KEEP = "Our firm put an investment into the plant in Ohio."
DROP = "The national economy needs investment in roads."
SUBSIDY = "The subsidy came late."


def _transcript(name: str, sentences: list[str]) -> str:
    turns = [f"Mr. {name}: " + " ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(["Interviewer: Tell me about investment.", *turns]) + "\n"


def _gold(document: str, coder: str, coded: list[str], uncoded: list[str]) -> str:
    rows = [f'  - quote: "{q}"\n    codes: [strategy.investment]\n' for q in coded]
    rows += [f'  - quote: "{q}"\n    codes: []\n' for q in uncoded]
    return f"document: {document}\ncoder: {coder}\nsentences:\n" + "".join(rows)


def _add(project: Project, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    project.ok("import", str(path))


def _code(project: Project, tmp_path: Path, document: str, coder: str, coded, uncoded) -> None:
    path = tmp_path / f"{document}-{coder}.yaml"
    path.write_text(_gold(document, coder, coded, uncoded), encoding="utf-8")
    project.ok("codings", "import", str(path))


@pytest.fixture
def taught(project: Project, tmp_path: Path) -> Project:
    """One interview coded by wei (firm investment kept, the economy's dropped), one new."""
    assert len(THINGS) >= VERIFY_MIN_EXAMPLES  # enough kept and dropped hits to judge strategy
    book = tmp_path / "both.yaml"
    book.write_text(BOOK, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    mixed = [s for pair in zip(FIRM, ECONOMY, strict=True) for s in pair]
    _add(project, tmp_path, "firm-a", _transcript("Chen", mixed))
    _add(project, tmp_path, "new", NEW)
    _code(project, tmp_path, "firm-a", "wei", FIRM, ECONOMY)
    return project


def _rows(project: Project) -> dict[tuple[str, str], dict]:
    rows = json.loads(project.ok("suggestions", "list", "--document", "new", "--status", "all",
                                 "--json"))
    return {(r["text"], r["code"]): r for r in rows}


def test_both_drops_a_lexicon_hit_the_coding_rejects_and_lexicon_keeps_it(taught: Project):
    report = json.loads(taught.ok("train", "--json"))
    assert report["coded_sentences"] == 2 * len(THINGS)
    taught.ok("suggest", "--method", "lexicon")
    lexicon = _rows(taught)
    assert {(DROP, "strategy.investment"), (KEEP, "strategy.investment"),
            (SUBSIDY, "policy.subsidies")} <= set(lexicon)
    taught.ok("suggest", "--method", "both")
    both = _rows(taught)
    # the model learned that "investment" said of the economy is not coded: both drops it...
    assert (DROP, "strategy.investment") not in both
    # ...and keeps the firm's, with the lexicon's score and the verifier's probability shown
    kept = both[(KEEP, "strategy.investment")]
    assert kept["method"] == "both"
    assert kept["score"] == lexicon[(KEEP, "strategy.investment")]["score"]
    verified = [e for e in kept["evidence"] if e["kind"] == "verified"]
    assert verified and verified[0]["dimension"] == "strategy"
    assert verified[0]["probability"] >= VERIFY_THRESHOLD
    # policy had too few coded hits to be judged: its hit passes untouched
    assert SUBSIDY in {text for text, _ in both}
    assert not any(e["kind"] == "verified" for e in both[(SUBSIDY, "policy.subsidies")]["evidence"])
    # no learned-only codes by default; the lexicon's evidence is kept
    assert set(both) == set(lexicon) - {(DROP, "strategy.investment")}
    assert any(e.get("rule") for e in kept["evidence"])


def test_both_is_the_lexicon_until_the_coding_is_enough_to_judge(taught: Project,
                                                                 tmp_path: Path):
    taught.ok("train", "--only-codebook")  # no coding, no verifier
    taught.ok("suggest", "--method", "lexicon")
    lexicon = _rows(taught)
    taught.ok("suggest", "--method", "both")
    assert set(_rows(taught)) == set(lexicon)
    # coding with fewer dropped hits than VERIFY_MIN_EXAMPLES judges nothing either
    _code(taught, tmp_path, "firm-a", "li", FIRM, ECONOMY[:VERIFY_MIN_EXAMPLES - 1])
    report = json.loads(taught.ok("train", "--by", "li", "--json"))
    assert report["coded_sentences"] == len(THINGS) + VERIFY_MIN_EXAMPLES - 1
    taught.ok("suggest", "--method", "both")
    assert set(_rows(taught)) == set(lexicon)
    # a --threshold adds the model's own codes beside the lexicon
    taught.ok("train", "--force")
    taught.ok("suggest", "--method", "both", "--threshold", "0.0")
    with_learned = _rows(taught)
    assert any(r["evidence"] and all(e["kind"] == "learned" for e in r["evidence"])
               for r in with_learned.values())


def test_evaluate_both_scores_what_suggest_both_keeps(taught: Project, tmp_path: Path):
    # li codes the new interview; the model learns from wei's coding only
    _code(taught, tmp_path, "new", "li", [KEEP], [DROP])
    taught.ok("train", "--by", "wei")
    reports = {m: json.loads(taught.ok("evaluate", "--against", "li", "--method", m,
                                       "--trained", "--json"))
               for m in ("lexicon", "both")}
    strategy = {m: next(d for d in r["dimensions"] if d["name"] == "strategy")
                for m, r in reports.items()}
    assert (strategy["lexicon"]["predicted"], strategy["lexicon"]["true_positive"]) == (2, 1)
    assert (strategy["both"]["predicted"], strategy["both"]["true_positive"]) == (1, 1)
    assert strategy["both"]["precision"] == 1.0 and strategy["lexicon"]["precision"] == 0.5
    dry = json.loads(taught.ok("suggest", "--method", "both", "--document", "new", "--dry-run",
                               "--json"))
    assert sum(dry["by_code_case"]["strategy.investment"].values()) == 1


def test_evaluate_both_cross_validates_the_verifier_by_document(taught: Project,
                                                                tmp_path: Path):
    firm = [f"Our firm made an investment in a second {t} line." for t in THINGS]
    economy = [f"The national economy saw less investment in {t} overall." for t in THINGS]
    _add(taught, tmp_path, "firm-b", _transcript("Zhou", [s for p in zip(firm, economy,
                                                                       strict=True) for s in p]))
    _code(taught, tmp_path, "firm-b", "wei", firm, economy)
    reports = {m: json.loads(taught.ok("evaluate", "--against", "wei", "--method", m, "--json"))
               for m in ("lexicon", "both")}
    assert reports["both"]["folds"] == 2  # each interview judged by a verifier of the other
    strategy = {m: next(d for d in r["dimensions"] if d["name"] == "strategy")
                for m, r in reports.items()}
    assert strategy["lexicon"]["predicted"] == 4 * len(THINGS)
    assert strategy["lexicon"]["precision"] == 0.5
    assert strategy["both"]["precision"] > 0.9
    assert strategy["both"]["recall"] > 0.9


def test_a_model_stored_before_the_verifier_is_retrained_once(taught: Project):
    from sqlalchemy import select

    from qualcode.storage.models import TrainedModel

    first = json.loads(taught.ok("train", "--json"))
    assert json.loads(taught.ok("train", "--json"))["up_to_date"] is True
    with taught.session() as session:  # as an older qualcode stored it: no verifier recorded
        row = session.scalars(select(TrainedModel).where(TrainedModel.id == first["model_id"])
                              ).one()
        row.metrics = {k: v for k, v in row.metrics.items() if k != "verifier"}
        session.commit()
    again = json.loads(taught.ok("train", "--json"))
    assert again["up_to_date"] is False and again["model_id"] != first["model_id"]
    assert json.loads(taught.ok("train", "--json"))["up_to_date"] is True
