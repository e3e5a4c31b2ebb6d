"""import --update: a revised transcript replaces a coded document's text, and every coding,
suggestion and summary moves to the new text; what cannot be placed is kept and flagged.

Tested on a real (public-domain) transcript with the kinds of revision a transcriber makes: an
insertion, a deletion, re-wrapped lines, a corrected speaker label, a reordered turn and corrected
words inside coded passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.storage.models import Code, Coding, Document, Event, Suggestion
from tests.conftest import PUBLIC_DOMAIN, SMALL_CODEBOOK, Project, need_shared

SOURCE = PUBLIC_DOMAIN / "03_wh_2022-07-26_sk_group_battery_investment_meeting.txt"
MOVED_TURN = ("THE PRESIDENT:  It’s a big announcement.  Take as long as you need,\n"
              "Tony.  (Laughter.)\n\n")

# (code, quote as coded, what happens to it)
CODINGS = [
    ("strategy.relocation", "we are here to talk about the investment in U.S.", "moved"),
    ("strategy.relocation", "the SK Group commitment to the United States runs deep", "moved"),
    ("strategy.relocation", "Take as long as you need, Tony.", "moved"),
    ("strategy.relocation", "Hello.  Yes, really good to see you.", "moved"),
    ("policy.subsidies", "this initiatives will contribute to developing the next generation",
     "changed"),
    ("policy.subsidies", "This is really, really consequential.", "flagged"),
    ("policy.subsidies", "Today, we are announcing another $22 billion in new investment",
     "changed"),
    ("policy.subsidies", "SK will invest in nearly $30 billion going forward, expanding on our "
                         "recent announcement", "changed"),
]


def revise(text: str) -> str:
    assert MOVED_TURN in text
    text = text.replace(MOVED_TURN, "")  # the turn is moved further down (reordered)
    anchor = "THE PRESIDENT:  Thank you, Tony, and to your delegation."
    text = text.replace(anchor, MOVED_TURN + anchor)
    edits = [
        ("So, SK’s commitment to grow", "Let me add one thing first. So, SK’s commitment to grow"),
        ("cooperation will make the supply chain in both our countries more\nresilient in critical "
         "technologies.  And the SK Group commitment to the\nUnited States runs deep,",
         "cooperation will make the supply chain in both our countries more resilient in critical "
         # re-wrapped lines
         "technologies.\nAnd the SK Group commitment to the United States runs deep,"),
        ("Well, this initiatives will", "Well, these initiatives will"),  # a word corrected
        ("  This is really, really consequential.", ""),  # a sentence deleted
        ("MR. CHEY:  Hello.", "CHAIRMAN CHEY:  Hello."),  # a speaker label corrected
        ("another $22 billion in new investment", "another $22 billion in entirely new investment"),
        ("$30 billion going forward,\nexpanding", "$30 billion,\nexpanding"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> tuple[Project, Path]:
    original = need_shared(SOURCE).read_text(encoding="utf-8")
    codebook = tmp_path / "small.yaml"
    codebook.write_text(SMALL_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(codebook))
    path = tmp_path / "sk.txt"
    path.write_text(original, encoding="utf-8")
    project.ok("import", str(path), "--case", "SK Group")
    for code, quote, _ in CODINGS:
        project.ok("code", "add", "sk", code, "--quote", quote, "--coder", "wei")
    project.ok("code", "add", "sk", "policy.subsidies", "--quote", CODINGS[0][1], "--coder", "li")
    project.ok("summary", "set", "SK Group", "strategy", "SK frames it as a US commitment.")
    project.ok("summary", "set", "SK Group", "policy", "Subsidies, by the amounts.")
    path.write_text(revise(original), encoding="utf-8")
    return project, path


def _codings(project: Project, *extra: str) -> dict[int, dict]:
    return {row["id"]: row for row in json.loads(project.ok("codings", "list", "--json", *extra))}


def test_a_changed_file_is_still_refused_without_update(coded):
    project, path = coded
    before = project.snapshot()
    error = project.fails("import", str(path))
    assert "already in the project with different text" in error and "--update" in error
    assert project.snapshot() == before


def test_update_moves_every_coding_and_reports_what_changed(coded):
    project, path = coded
    old_text = project.snapshot()["documents"][0][3]
    before = _codings(project)
    report = json.loads(project.ok("import", "--update", str(path), "--json"))
    revision = report[0]["revision"]
    assert report[0]["status"] == "updated"
    assert revision["counts"] == {"kept": 0, "moved": 5, "changed": 3, "flagged": 1}
    after = _codings(project)
    assert after.keys() == before.keys()  # nothing dropped
    new_text = project.snapshot()["documents"][0][3]
    assert new_text == path.read_text(encoding="utf-8")
    by_quote = {(row["code"], row["coder"], " ".join(before[i]["quote"].split())): row
                for i, row in after.items()}
    moves = {move["id"]: move for move in revision["codings"]}
    for code, quote, expected in CODINGS:
        row = by_quote[(code, "wei", " ".join(quote.split()))]
        assert moves[row["id"]]["status"] == expected, quote
        assert row["quote"] == new_text[row["start"]:row["end"]]
        if expected == "moved":
            assert " ".join(row["quote"].split()) == " ".join(quote.split())
    # Each moved coding sits where its words now are: after the re-wrap, after the label fix, in
    # the turn that moved down.
    for quote in ("Take as long as you need,\nTony.", "Hello.  Yes, really good to see you.",
                  "the SK Group commitment to the United States runs deep"):
        row = next(r for r in after.values() if r["quote"] == quote and r["coder"] == "wei")
        assert row["start"] == new_text.index(quote)
    # What changed under a coding: old and new quote, both reported.
    changed = {m["old_quote"]: m["quote"] for m in revision["codings"] if m["status"] == "changed"}
    assert changed["this initiatives will contribute to developing the next generation"] == \
        "these initiatives will contribute to developing the next generation"
    assert changed["Today, we are announcing another $22 billion in new investment"] == \
        "Today, we are announcing another $22 billion in entirely new investment"
    assert changed["SK will invest in nearly $30 billion going forward,\nexpanding on our recent "
                   "announcement"] == "SK will invest in nearly $30 billion,\nexpanding on our " \
                                      "recent announcement"
    # The other coder's coding of the same words moved with them.
    li = [r for r in after.values() if r["coder"] == "li"]
    assert [r["quote"] for r in li] == ["we are here to talk about the investment in U.S."]
    # The deleted sentence's coding is kept, flagged, on the word before where it was.
    flagged = _codings(project, "--flagged")
    assert len(flagged) == 1
    (row,) = flagged.values()
    assert row["flag"]["old_quote"] == "This is really, really consequential."
    assert row["quote"] == "(Laughter.)"
    assert row["flag"]["old_start"] == old_text.index("This is really, really consequential.")
    # Summaries: strategy's codings only moved (still current); policy's text changed (stale).
    summaries = {s["dimension"]: s for s in json.loads(project.ok("summary", "list", "--json"))}
    assert (summaries["strategy"]["stale"], summaries["policy"]["stale"]) == (False, True)
    # Turns come from the new text: the corrected label is a speaker now.
    doc = json.loads(project.ok("show", "sk", "--json"))
    assert "CHAIRMAN CHEY" in {turn["speaker"] for turn in doc["turns"]}


def test_update_keeps_the_old_text_and_every_old_span_in_the_event_log(coded):
    project, path = coded
    old_text = project.snapshot()["documents"][0][3]
    before = _codings(project)
    project.ok("import", "--update", str(path))
    with project.session() as session:
        update = session.query(Event).filter_by(action="document.update").one()
        realigned = {e.entity_id: e for e in session.query(Event).filter_by(
            action="coding.realign")}
    assert update.before["text"] == old_text
    assert update.after["flagged"] == 1
    assert realigned.keys() == before.keys()
    for coding_id, event in realigned.items():
        assert event.before == {"start": before[coding_id]["start"],
                                "end": before[coding_id]["end"],
                                "quote": before[coding_id]["quote"]}


def test_unflag_re_anchors_a_flagged_coding(coded):
    project, path = coded
    project.ok("import", "--update", str(path))
    (coding_id,) = _codings(project, "--flagged")
    project.ok("codings", "unflag", str(coding_id), "--quote", "This is — as\nsomeone once said")
    assert _codings(project, "--flagged") == {}
    row = _codings(project)[coding_id]
    assert row["quote"] == "This is — as\nsomeone once said" and row["flag"] is None
    error = project.fails("codings", "unflag", str(coding_id))
    assert "is not flagged" in error


def test_update_is_one_transaction_with_the_rest_of_the_import(coded, tmp_path: Path):
    project, path = coded
    bad = tmp_path / "zz-broken.txt"
    bad.write_bytes(b"")
    before = project.snapshot()
    project.fails("import", "--update", str(path), str(bad))
    assert project.snapshot() == before


def test_suggestions_move_with_the_text_and_changed_pending_ones_are_dropped(coded):
    project, path = coded
    with project.session() as session:
        doc_text = project.snapshot()["documents"][0][3]
        code = session.query(Code).filter_by(key="policy.subsidies").one()
        doc_id = project.snapshot()["documents"][0][0]

        def add(sentence: str, status: str, word: str) -> None:
            start = doc_text.index(sentence)
            at = doc_text.index(word, start)
            session.add(Suggestion(
                document_id=doc_id, start=start, end=start + len(sentence), code_id=code.id,
                score=0.5, method="lexicon", unit="sentence", pipeline="test",
                codebook_sha256="x" * 64, status=status,
                evidence={"items": [{"rule": "r", "kind": "phrase", "text": word, "start": at,
                                     "end": at + len(word)}]}))

        add("We believe our initiatives will\ncontribute to strengthen the U.S. supply chain "
            "resilience", "pending", "supply chain")  # unchanged: moves
        add("Well, this initiatives will contribute to developing the next generation",
            "pending", "next generation")  # its text changed: dropped, suggest recomputes it
        add("This is really, really consequential.", "rejected", "consequential")  # gone
    report = json.loads(project.ok("import", "--update", str(path), "--json"))[0]["revision"]
    assert (report["suggestions_moved"], report["suggestions_dropped"]) == (1, 2)
    new_text = path.read_text(encoding="utf-8")
    with project.session() as session:
        (kept,) = session.query(Suggestion).all()
        item = kept.evidence["items"][0]
        assert new_text[kept.start:kept.end].startswith("We believe our initiatives")
        assert new_text[item["start"]:item["end"]] == "supply chain"
        dropped = session.query(Event).filter_by(action="suggestion.drop").count()
    assert dropped == 2


def test_judged_sentences_move_and_one_whose_text_is_gone_is_dropped(coded, tmp_path: Path):
    project, path = coded
    gold = tmp_path / "gold.yaml"
    gold.write_text("document: sk\ncoder: judge\nsentences:\n"
                    "  - quote: \"Take as long as you need,\\nTony.\"\n    codes: []\n"
                    "  - quote: \"This is really, really consequential.\"\n"
                    "    codes: [policy.subsidies]\n", encoding="utf-8")
    project.ok("codings", "import", str(gold))
    report = json.loads(project.ok("import", "--update", str(path), "--json"))[0]["revision"]
    assert (report["judged_moved"], report["judged_dropped"]) == (1, 1)
    new_text = path.read_text(encoding="utf-8")
    (judged,) = project.snapshot()["judged_spans"]
    start, end = judged[3], judged[4]
    assert new_text[start:end] == "Take as long as you need,\nTony."


def test_after_an_update_every_listing_shows_each_codings_stored_quote(coded):
    """Listings cut quotes from the documents' texts (the listing reads its covering index, not
    the rows): after a revision moved, changed and flagged codings, every listing still shows
    exactly the quote each coding stores, and every coding a revision placed, the flagged one
    too, stores the new text at its offsets."""
    project, path = coded
    project.ok("import", "--update", str(path))
    project.ok("code", "add", "sk", "strategy.relocation", "--quote", "entirely new investment",
               "--coder", "wei", "--memo", "added after the revision")
    with project.session() as s:
        text = s.scalars(select(Document.text)).one()
        stored = {c.id: (c.quote, c.memo, c.start, c.end, c.flag is not None)
                  for c in s.scalars(select(Coding))}
    assert sum(flagged for *_, flagged in stored.values()) == 1
    for quote, _memo, start, end, _flagged in stored.values():
        assert text[start:end] == quote
    listed = _codings(project)
    assert {i: (r["quote"], r["memo"]) for i, r in listed.items()} == {
        i: (quote, memo) for i, (quote, memo, *_) in stored.items()}
    piped = project.ok("codings", "list").splitlines()[1:]
    assert sorted(line.split("\t")[-1] for line in piped) == sorted(
        " ".join(quote.split("\n")) for quote, *_ in stored.values())
