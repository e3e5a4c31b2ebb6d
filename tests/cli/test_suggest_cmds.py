"""suggest, review, suggestions, train, evaluate: real spaCy pipelines on real projects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, DEMO, PUBLIC_DOMAIN, SMALL_CODEBOOK, Project, need_shared

MINI = """\
codebook: {name: mini, version: "1", language: en}
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Money from government tied to vehicles.
      include: [grants]
      exclude: [taxes]
      examples: ["We got a subsidy."]
      patterns:
        - lemma: [subsidy, subsidise, subsidize]
    land:
      definition: Land deals.
      include: [land]
      exclude: [rent]
      examples: ["Cheap land."]
      patterns:
        - phrase: cheap land
strategy:
  definition: Strategy.
  codes:
    relocation:
      definition: Moving from Shenzhen.
      include: [moves]
      exclude: [customers]
      examples: ["We left Shenzhen."]
      patterns:
        - tokens: [{LOWER: left}, {LOWER: shenzhen}]
"""

TRANSCRIPT = """\
Interviewer: Tell me about subsidies and cheap land.

Mr. Li: The subsidies mattered a lot. We left Shenzhen in 2012. The weather was hot.

Interviewer: Anything else?

Mr. Li: The city subsidised our land, cheap land near the river. Nothing more to say.
"""


@pytest.fixture
def mini(project: Project, tmp_path: Path) -> Project:
    project.book = project.load_codebook_and_import(tmp_path / "mini.yaml", MINI,
                                                    (tmp_path / "li.txt", TRANSCRIPT))
    return project


def _suggestions(project: Project, *extra: str) -> list[dict]:
    return json.loads(project.ok("suggestions", "list", "--status", "all", "--json", *extra))


def _text(project: Project, name: str = "li") -> str:
    return json.loads(project.ok("show", name, "--json"))["text"]


def test_suggest_writes_sentence_suggestions_whose_offsets_cut_the_evidence(mini: Project):
    report = json.loads(mini.ok("suggest", "--json"))
    assert report["written"] == len(_suggestions(mini)) > 0
    runs = [e for e in mini.snapshot()["events"] if e[3] == "suggestions.generate"]
    assert len(runs) == 1 and runs[0][2] == "tester"  # one audit event per run, with its actor
    text = _text(mini)
    got = {(s["code"], text[s["start"] : s["end"]]) for s in _suggestions(mini)}
    assert got == {
        ("policy.subsidies", "The subsidies mattered a lot."),
        ("strategy.relocation", "We left Shenzhen in 2012."),
        ("policy.subsidies", "The city subsidised our land, cheap land near the river."),
        ("policy.land", "The city subsidised our land, cheap land near the river."),
    }  # the interviewer's "subsidies and cheap land" is left out
    for s in _suggestions(mini):
        assert 0 < s["score"] <= 1
        for ev in s["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["text"]
            assert ev["rule"].startswith(s["code"] + "#")


def test_piped_listing_is_one_tab_separated_line_per_suggestion_with_the_whole_text(
        mini: Project):
    mini.ok("suggest")
    rows = _suggestions(mini)
    lines = mini.ok("suggestions", "list", "--status", "all").splitlines()
    assert lines[0].split("\t") == ["id", "document", "start", "end", "code", "score",
                                     "status", "evidence", "text"]
    got = [line.split("\t") for line in lines[1:]]
    assert [(int(f[0]), int(f[2]), int(f[3]), f[4]) for f in got] == [
        (r["id"], r["start"], r["end"], r["code"]) for r in rows]
    assert [f[8] for f in got] == [" ".join(r["text"].split()) for r in rows]  # not cut
    assert all(f[7] for f in got) and all(len(f) == 9 for f in got)
    none = mini.ok("suggestions", "list", "--code", "strategy.relocation", "--status", "accepted")
    assert none.splitlines() == [lines[0]]  # piped, nothing matching: the header alone


def test_interviewer_turns_only_when_asked(mini: Project):
    mini.ok("suggest", "--include-interviewer")
    text = _text(mini)
    quoted = {text[s["start"] : s["end"]] for s in _suggestions(mini)}
    assert "Tell me about subsidies and cheap land." in quoted


def test_dry_run_counts_per_code_and_case_and_writes_nothing(mini: Project):
    before = mini.snapshot()
    report = json.loads(mini.ok("suggest", "--dry-run", "--json"))
    assert report["by_code_case"]["policy.subsidies"] == {"(no case)": 2}
    assert mini.snapshot() == before


def test_rerun_is_idempotent_and_a_codebook_change_replaces_only_pending(mini: Project):
    mini.ok("suggest")
    first = _suggestions(mini)
    again = json.loads(mini.ok("suggest", "--json"))
    assert again["written"] == 0 and _suggestions(mini) == first
    reloc = next(s for s in first if s["code"] == "strategy.relocation")
    land = next(s for s in first if s["code"] == "policy.land")
    mini.ok("suggestions", "accept", "--code", "strategy.relocation", "--yes")
    mini.ok("suggestions", "reject", "--code", "policy.land", "--yes")
    # The new codebook drops the phrase rule of policy.land and the subsidy lemmas change.
    mini.book.write_text(
        MINI.replace("- phrase: cheap land", "- phrase: near the river").replace(
            "[subsidy, subsidise, subsidize]", "[subsidy]"
        ),
        encoding="utf-8",
    )
    mini.ok("codebook", "load", str(mini.book))
    mini.ok("suggest")
    after = {s["id"]: s for s in _suggestions(mini)}
    assert after[reloc["id"]]["status"] == "accepted"  # decisions are kept
    assert after[land["id"]]["status"] == "rejected"
    pending = [s for s in after.values() if s["status"] == "pending"]
    text = _text(mini)
    assert {(s["code"], text[s["start"] : s["end"]]) for s in pending} == {
        ("policy.subsidies", "The subsidies mattered a lot.")
    }  # "subsidised" no longer matches
    codings = json.loads(mini.ok("codings", "list", "--json"))
    assert [(c["code"], c["origin"]) for c in codings] == [("strategy.relocation", "suggested")]


def test_retired_codes_get_no_new_suggestions(mini: Project, tmp_path: Path):
    mini.ok("code", "add", "li", "policy.land", "--quote", "cheap land near")
    mini.book.write_text(
        MINI.replace(
            """    land:
      definition: Land deals.
      include: [land]
      exclude: [rent]
      examples: ["Cheap land."]
      patterns:
        - phrase: cheap land
""",
            "",
        ),
        encoding="utf-8",
    )
    assert (
        "policy.land"
        in json.loads(mini.ok("codebook", "load", str(mini.book), "--yes", "--json"))["retired"]
    )
    mini.ok("suggest")
    assert "policy.land" not in {s["code"] for s in _suggestions(mini)}


def test_already_coded_spans_are_not_proposed(mini: Project):
    mini.ok("code", "add", "li", "strategy.relocation", "--quote", "We left Shenzhen")
    report = json.loads(mini.ok("suggest", "--json"))
    assert report["already_coded"] == 1
    assert "strategy.relocation" not in {s["code"] for s in _suggestions(mini)}


def test_an_invalid_token_pattern_is_reported_with_code_and_line(project: Project, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINI.replace("{LOWER: left}", "{LOWR: left}"), encoding="utf-8")
    before = project.snapshot()
    res = project.run("codebook", "validate", str(bad))
    assert res.exit_code == 1
    line = next(n for n, text in enumerate(MINI.splitlines(), 1) if "LOWER: left" in text)
    assert f"{bad}:{line}: strategy.relocation" in res.stderr
    assert "Traceback" not in res.stderr
    error = project.fails("codebook", "load", str(bad))
    assert "strategy.relocation" in error
    assert project.snapshot() == before


def test_unknown_model_is_a_one_line_error(mini: Project):
    error = mini.fails("suggest", "--model", "xx_no_such_pipeline")
    assert "xx_no_such_pipeline" in error and error.count("\n") == 1


def test_review_loop_driven_by_keys(mini: Project):
    mini.ok("suggest")
    queue = _suggestions(mini)  # ordered by document position, then code
    assert [s["code"] for s in queue] == [
        "policy.subsidies",
        "strategy.relocation",
        "policy.land",
        "policy.subsidies",
    ]
    # accept, reject, undo (back to the rejected one), skip it, widen+accept, recode, quit
    out = mini.ok("review", "--coder", "wei", input="aruswacstrategy.relocation\nq")
    after = {s["id"]: s for s in _suggestions(mini)}
    s1, s2, s3, s4 = (after[s["id"]] for s in queue)
    assert s1["status"] == "accepted" and s1["decided_by"] == "wei"
    assert s2["status"] == "pending"  # rejected, then undone, then skipped
    assert s3["status"] == "accepted"
    assert s4["status"] == "rejected"  # recoded: the suggested code was wrong
    codings = {
        (c["code"], c["start"], c["end"]): c
        for c in json.loads(mini.ok("codings", "list", "--json"))
    }
    doc = json.loads(mini.ok("show", "li", "--json"))
    second_turn = [t for t in doc["turns"] if t["role"] == "respondent"][1]
    assert ("policy.land", second_turn["start"], second_turn["end"]) in codings  # widened
    assert ("strategy.relocation", s4["start"], s4["end"]) in codings
    # three decisions made codings (accepted, widened+accepted, recoded), all from suggestions
    assert sorted(c["origin"] for c in codings.values()) == ["suggested"] * 3
    assert "Accepted 2" in out and "recoded 1" in out and "undone 1" in out


def test_review_quits_and_keeps_progress(mini: Project):
    mini.ok("suggest")
    mini.ok("review", input="aq")
    statuses = [s["status"] for s in _suggestions(mini)]
    assert statuses.count("accepted") == 1 and statuses.count("pending") == 3
    mini.ok("review", input="r")  # input ends: treated as quit, decisions kept
    assert [s["status"] for s in _suggestions(mini)].count("rejected") == 1


def test_bulk_accept_with_filters_and_refusal_without_filters(mini: Project):
    mini.ok("suggest")
    every = json.loads(mini.ok("suggestions", "list", "--json"))
    top = max(s["score"] for s in every)
    assert min(s["score"] for s in every) < top  # so that --min-score below really filters
    high = json.loads(mini.ok("suggestions", "list", "--min-score", str(top), "--json"))
    assert high and sorted(s["id"] for s in high) == sorted(
        s["id"] for s in every if s["score"] >= top)
    before = mini.snapshot()
    assert "refusing" in mini.fails("suggestions", "accept")
    assert "add --yes" in mini.fails("suggestions", "accept", "--code", "policy")
    assert mini.snapshot() == before
    done = json.loads(
        mini.ok("suggestions", "accept", "--code", "policy", "--min-score", "0.0", "--json",
                "--yes")
    )
    assert {d["code"] for d in done} == {"policy.subsidies", "policy.land"}
    pending = json.loads(mini.ok("suggestions", "list", "--json"))
    assert [s["code"] for s in pending] == ["strategy.relocation"]


def test_evaluate_scores_the_suggester_as_a_second_coder(mini: Project):
    # wei codes two sentences; the lexicon finds one of them and one other (sentence level).
    mini.ok(
        "code",
        "add",
        "li",
        "policy.subsidies",
        "--quote",
        "The subsidies mattered a lot.",
        "--coder",
        "wei",
    )
    mini.ok(
        "code", "add", "li", "policy.subsidies", "--quote", "Nothing more to say.", "--coder", "wei"
    )
    report = json.loads(mini.ok("evaluate", "--against", "wei", "--json"))
    assert report["sentences"] == 5  # respondent sentences only
    sub = next(s for s in report["codes"] if s["name"] == "policy.subsidies")
    assert (sub["gold"], sub["predicted"], sub["true_positive"]) == (2, 2, 1)
    assert sub["precision"] == 0.5 and sub["recall"] == 0.5
    # gold 10001, suggested 10010: po = 3/5, pe = (2*2 + 3*3)/25 = 13/25, kappa = 1/6
    assert sub["kappa"] == round(1 / 6, 4)
    assert "unknown method" in mini.fails("evaluate", "--against", "wei", "--method", "magic")
    assert "no coder" in mini.fails("evaluate", "--against", "nobody")


def test_train_then_suggest_learned_on_the_demo(coded_project: Project, tmp_path: Path):
    report = json.loads(coded_project.ok("train", "--json"))
    assert report["up_to_date"] is False and report["examples"] > 500
    assert "policy.made-in-china-2025" in report["labels"]
    again = json.loads(coded_project.ok("train", "--json"))
    assert again["up_to_date"] is True and again["fingerprint"] == report["fingerprint"]
    trained = [e for e in coded_project.snapshot()["events"] if e[3] == "model.train"]
    assert len(trained) == 1  # the up-to-date run trained nothing and logged nothing
    # A new, uncoded interview (a copy of a coded one under another name): the model must
    # propose on it what wei coded in the original, and store those proposals. (On the coded
    # documents themselves nothing is stored: a span already coded with the code is skipped.)
    copy = tmp_path / "interview-01-again.md"
    copy.write_bytes((DEMO / "interview-01.md").read_bytes())
    coded_project.ok("import", str(copy))
    learned = json.loads(coded_project.ok("suggest", "--method", "learned", "--document",
                                          "interview-01-again", "--json"))
    assert "textcat" in learned["pipeline"]
    assert learned["hits"] > 0 and learned["written"] == learned["hits"]
    wei_codes = {c["code"] for c in json.loads(coded_project.ok(
        "codings", "list", "--document", "interview-01", "--by", "wei", "--json"))}
    rows = json.loads(coded_project.ok("suggestions", "list", "--json"))
    assert {r["document"] for r in rows} == {"interview-01-again"}
    assert {r["code"] for r in rows} & wei_codes
    assert len(rows) == learned["written"]
    assert {r["method"] for r in rows} == {"learned"}
    assert all(0.5 <= r["score"] <= 1 and r["code"] in report["labels"] for r in rows)
    assert all(any(e.get("kind") == "learned" for e in r["evidence"]) for r in rows)


def test_learned_without_a_model_is_a_clear_error(mini: Project):
    assert "qualcode train" in mini.fails("suggest", "--method", "learned")
    before = mini.snapshot()
    assert "--epochs" in mini.fails("train", "--epochs", "0")
    assert "--folds" in mini.fails("evaluate", "--against", "tester", "--method", "learned",
                                   "--folds", "1")
    assert mini.snapshot() == before


def test_suggest_review_and_evaluate_on_a_real_public_domain_transcript(project: Project):
    folder = need_shared(PUBLIC_DOMAIN)
    project.ok("codebook", "load", str(CODEBOOK))
    name = "01_wh_2022-10-19_battery_supply_chain_grantees_roundtable"
    project.ok("import", str(folder / f"{name}.txt"))
    project.ok("suggest")
    rows = json.loads(project.ok("suggestions", "list", "--json"))
    assert rows
    text = json.loads(project.ok("show", name, "--json"))["text"]
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)
    project.ok("review", "--coder", "wei", input="aq")
    project.ok(
        "code", "add", name, "policy.subsidies", "--quote", rows[-1]["text"], "--coder", "wei"
    )
    report = json.loads(project.ok("evaluate", "--against", "wei", "--json"))
    assert report["sentences"] > 100 and report["overall"]["gold"] >= 2


def test_the_hits_table_shows_every_count_at_any_width(project: Project):
    """Codes x cases when it fits; else codes with their case count and total, and the totals
    per case below (Rich squeezed a column per case to blanks at 80 columns on the demo)."""
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", *(str(DEMO / f"interview-0{n}.md") for n in range(1, 7)))
    by_case = json.loads(project.ok("suggest", "--dry-run", "--json"))["by_code_case"]
    totals = {code: sum(per.values()) for code, per in by_case.items()}
    wide = project.run("suggest", "--dry-run", columns=140).stdout
    narrow = project.run("suggest", "--dry-run", columns=60).stdout
    assert "Per case" not in wide and "Per case" in narrow
    for out, width in ((wide, 140), (narrow, 60)):
        rows = {cells[0]: cells[1:] for line in out.splitlines()
                if (cells := line.strip("│ ").split()) and cells[0] in totals}
        assert set(rows) == set(totals)
        assert max(len(line) for line in out.splitlines()) <= width
        for code, cells in rows.items():
            numbers = [c for c in cells if c != "│"]
            assert int(numbers[-1]) == totals[code]
            if out is wide:  # every case's count in its column
                assert sorted(map(int, numbers[:-1])) == sorted(by_case[code].values())
            else:  # how many cases
                assert int(numbers[0]) == len(by_case[code])
    per_case = " ".join(narrow.split("Per case: ")[1].split("(")[0].split())
    for case in ("Firm A", "Firm F"):
        n = sum(per.get(case, 0) for per in by_case.values())
        assert f"{case} {n}" in per_case


def test_suggestions_list_names_words_found_by_two_rules_once(project: Project, tmp_path):
    """Two rules of a code matching the same words keep both in the evidence (--json), but the
    listing names the words once."""
    book = tmp_path / "book.yaml"
    book.write_text(SMALL_CODEBOOK.replace(
        '      examples: ["The subsidy."]\n',
        '      examples: ["The subsidy."]\n'
        '      patterns:\n'
        '        - phrase: [tax credit]\n'
        '        - tokens: [{LOWER: tax}, {LEMMA: credit}]\n'), encoding="utf-8")
    (tmp_path / "t.txt").write_text("Interviewer: And policy?\n\nMs. Wu: The tax credit helped "
                                    "us, and the Tax Credit office too.\n", encoding="utf-8")
    project.ok("codebook", "load", str(book))
    project.ok("import", str(tmp_path / "t.txt"))
    project.ok("suggest")
    (row,) = json.loads(project.ok("suggestions", "list", "--json"))
    assert sorted(e["text"] for e in row["evidence"]) == [
        "Tax Credit", "Tax Credit", "tax credit", "tax credit"]
    (line,) = project.ok("suggestions", "list").splitlines()[1:]
    assert line.split("\t")[7] == "tax credit"


def test_review_title_keeps_turn_and_speaker_when_the_document_name_is_long(
        mini: Project, tmp_path: Path):
    """At 80 columns the frame cuts a long title; the turn and the speaker come first, so
    what is cut is the end of the document's name."""
    long_name = "01_wh_2022-10-19_battery_supply_chain_grantees_roundtable"
    mini.ok("documents", "rename", "li", long_name)
    mini.ok("suggest")
    out = mini.run("review", input="q", columns=80).stdout
    title = next(line for line in out.splitlines() if "1/" in line)
    assert len(title) <= 80 and long_name not in title  # the name is what was cut
    assert re.search(r"1/\d+ · turn \d+ \(Mr\. Li\) · - · 01_wh_", title), title
