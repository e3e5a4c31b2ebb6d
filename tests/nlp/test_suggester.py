"""Lexicon suggestions and their scores, on the bundled codebook and the synthetic demo corpus."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from qualcode.domain import TextUnit
from qualcode.nlp.pipeline import build_pipeline
from qualcode.nlp.scoring import combine, lexicon_score
from qualcode.nlp.suggester import sentences, suggest


def one_unit(text: str, start: int = 0, document_id: int = 1) -> list[TextUnit]:
    return [TextUnit(document_id, start, text)]


def evidence_of(hits, rule: str) -> list[dict]:
    return [e for h in hits for e in h.evidence if e["rule"] == rule]


# -- matching -------------------------------------------------------------------------------------

def test_phrase_patterns_ignore_case(bundled_pipe):
    # policy.subsidies#2 is the phrase list [white list, whitelist, white-list].
    hits = list(suggest(bundled_pipe, one_unit("We got onto the WHITE List in 2016. Whitelist!")))
    found = evidence_of(hits, "policy.subsidies#2")
    assert [e["text"] for e in found] == ["WHITE List", "Whitelist"]
    assert {e["kind"] for e in found} == {"phrase"}


def test_lemma_patterns_match_inflections_and_capitals(bundled_pipe):
    # policy.subsidies#1 is the lemma list [subsidy, subsidise, subsidize]; the first word of a
    # sentence is capitalised, which lookup tables alone would not lemmatise.
    text = "Subsidies were cut. The state subsidised us. It subsidizes them."
    found = evidence_of(suggest(bundled_pipe, one_unit(text)), "policy.subsidies#1")
    assert [e["text"] for e in found] == ["Subsidies", "subsidised", "subsidizes"]
    assert {e["kind"] for e in found} == {"lemma"}


def test_multiword_lemma_pattern_in_a_small_codebook(make_codebook):
    pipe = build_pipeline(make_codebook({"makers": ["lemma: cell maker"],
                                         "exact": ["phrase: cell maker"]}))
    hits = list(suggest(pipe, one_unit("Our customers are Cell Makers. A cell maker called.")))
    assert [(h.code, [e["text"] for e in h.evidence]) for h in hits] == [
        ("strategy.makers", ["Cell Makers"]),
        ("strategy.exact", ["cell maker"]),
        ("strategy.makers", ["cell maker"]),
    ]


def test_token_pattern_rule_reports_its_kind(bundled_pipe):
    # organization.workforce#5: LEMMA train/hire/... then up to two words then operator/worker/...
    hits = list(suggest(bundled_pipe, one_unit("We trained new operators every month.")))
    found = evidence_of(hits, "organization.workforce#5")
    assert [(e["text"], e["kind"]) for e in found] == [("trained new operators", "tokens")]


# -- offsets --------------------------------------------------------------------------------------

def test_hit_cuts_exactly_the_sentence_at_a_nonzero_unit_start(make_codebook):
    document = ("Interviewer: Why Huizhou?\n\nMs. Li:   We moved from Shenzhen in 2012.  "
                "Wages were high.\n\nInterviewer: I see.\n")
    unit_start = document.index("  We moved")
    unit_end = document.index("\n\nInterviewer: I see")
    pipe = build_pipeline(make_codebook({"relocation": ["phrase: moved from shenzhen"],
                                         "cost": ["lemma: wage"]}))
    hits = list(suggest(pipe, [TextUnit(7, unit_start, document[unit_start:unit_end], 2)]))
    assert [(h.code, document[h.start:h.end]) for h in hits] == [
        ("strategy.relocation", "We moved from Shenzhen in 2012."),
        ("strategy.cost", "Wages were high."),
    ]
    assert all(h.document_id == 7 and h.unit == "sentence" for h in hits)
    relocation = hits[0].evidence[0]
    assert document[relocation["start"]:relocation["end"]] == "moved from Shenzhen"
    assert relocation["text"] == "moved from Shenzhen"


def test_demo_corpus_offsets_cut_sentences_and_matches(bundled_pipe, demo):
    checked = 0
    for doc in demo:
        bounds = set(sentences(bundled_pipe, doc.units))
        for hit in suggest(bundled_pipe, doc.units):
            assert (hit.document_id, hit.start, hit.end) in bounds
            passage = doc.text[hit.start:hit.end]
            assert passage == passage.strip() and passage
            for item in hit.evidence:
                assert doc.text[item["start"]:item["end"]] == item["text"]
                assert hit.start <= item["start"] < item["end"] <= hit.end
                assert item["rule"].startswith(hit.code + "#")
            checked += 1
    assert checked > 100  # the demo corpus is written to give the codebook plenty to find


def test_sentences_are_trimmed_ordered_and_inside_their_units(bundled_pipe, demo):
    doc = demo[0]
    spans = list(sentences(bundled_pipe, doc.units))
    assert len(spans) > len(doc.units)
    for (_, _, end), (_, next_start, _) in itertools.pairwise(spans):
        assert end <= next_start
    for document_id, start, end in spans:
        assert document_id == doc.document_id
        assert doc.text[start:end] == doc.text[start:end].strip() != ""
        assert any(u.start <= start and end <= u.start + len(u.text) for u in doc.units)


# -- grouping -------------------------------------------------------------------------------------

def test_two_matches_of_one_code_in_one_sentence_make_one_hit(make_codebook):
    pipe = build_pipeline(make_codebook({"cost": ["phrase: land cost", "lemma: wage"]}))
    hits = list(suggest(pipe, one_unit("Land cost and wages went up. Nothing else.", start=100)))
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.start, hit.end, hit.method) == (100, 128, "lexicon")
    assert [(e["rule"], e["kind"], e["text"], e["start"], e["end"]) for e in hit.evidence] == [
        ("strategy.cost#1", "phrase", "Land cost", 100, 109),
        ("strategy.cost#2", "lemma", "wages", 114, 119),
    ]
    assert hit.score == lexicon_score(hit.evidence)
    assert hit.score > max(lexicon_score([e]) for e in hit.evidence)


def test_turn_unit_covers_the_whole_unit(make_codebook):
    pipe = build_pipeline(make_codebook({"cost": ["lemma: wage"]}))
    text = "First we looked around. The wages were high. Wage is still high."
    units = one_unit(text, start=40)
    by_sentence = list(suggest(pipe, units))
    by_turn = list(suggest(pipe, units, unit="turn"))
    assert len(by_sentence) == 2
    assert len(by_turn) == 1
    assert (by_turn[0].start, by_turn[0].end, by_turn[0].unit) == (40, 40 + len(text), "turn")
    assert [e["text"] for e in by_turn[0].evidence] == ["wages", "Wage"]


def test_a_code_left_out_of_the_codebook_gets_nothing(bundled_codebook, demo):
    units = [u for doc in demo for u in doc.units]
    live = dataclasses.replace(
        bundled_codebook, sha256=None,
        codes=[c for c in bundled_codebook.codes if c.key != "policy.subsidies"])
    full = {h.code for h in suggest(build_pipeline(bundled_codebook), units)}
    reduced = {h.code for h in suggest(build_pipeline(live), units)}
    assert "policy.subsidies" in full
    assert "policy.subsidies" not in reduced
    assert reduced == full - {"policy.subsidies"}


def test_progress_counts_units_and_input_is_streamed(bundled_pipe, demo):
    units = demo[0].units
    seen: list[int] = []
    list(suggest(bundled_pipe, units, progress=seen.append))
    assert seen == list(range(1, len(units) + 1))

    pulled = 0

    def many():  # 2,000 units, counting how many suggest() has taken so far
        nonlocal pulled
        for u in itertools.islice(itertools.cycle(units), 2000):
            pulled += 1
            yield u

    first = next(suggest(bundled_pipe, many(), batch_size=8))
    assert first.code
    assert pulled <= 3 * 8  # a batch or so, not the whole input


def test_unknown_unit_is_refused(bundled_pipe):
    with pytest.raises(ValueError, match="unit must be one of"):
        list(suggest(bundled_pipe, one_unit("rent"), unit="paragraph"))


# -- scores ---------------------------------------------------------------------------------------

def ev(rule: str, kind: str, text: str) -> dict:
    return {"rule": rule, "kind": kind, "text": text, "start": 0, "end": len(text)}


def test_score_formula_on_a_hand_computed_case():
    # lemma, one word: 0.45; phrase, two words: 0.40 + 0.08 = 0.48; 1 - 0.55 * 0.52 = 0.714
    assert lexicon_score([ev("a#1", "lemma", "subsidies"),
                          ev("a#2", "phrase", "purchase subsidy")]) == pytest.approx(0.714)
    # tokens with four words: 0.55 + 3 * 0.08
    assert lexicon_score([ev("a#3", "tokens", "customers were already here")]) == \
        pytest.approx(0.79)
    # the word bonus stops after three extra words
    assert lexicon_score([ev("a#3", "tokens", "one two three four five six")]) == \
        pytest.approx(0.79)


def test_score_bounds_order_and_repeats():
    assert lexicon_score([]) == 0.0
    many = [ev(f"a#{i}", "tokens", "a b c d e") for i in range(60)]
    assert 0.0 <= lexicon_score(many) <= 1.0
    pair = [ev("a#1", "phrase", "rent"), ev("a#2", "lemma", "land cost")]
    assert lexicon_score(pair) == lexicon_score(list(reversed(pair)))
    # the same rule again is not new evidence
    assert lexicon_score(pair + [ev("a#1", "phrase", "rent")]) == lexicon_score(pair)
    # learned evidence does not enter the lexicon score
    assert lexicon_score(pair + [{"kind": "learned", "probability": 0.9}]) == lexicon_score(pair)


def test_score_never_drops_with_more_evidence():
    kinds = ["phrase", "lemma", "tokens", "unknown"]
    texts = ["rent", "land cost", "moved our whole plant", "补贴政策"]
    evidence: list[dict] = []
    previous = 0.0
    for i, (kind, text) in enumerate(itertools.product(kinds, texts)):
        evidence.append(ev(f"x#{i}", kind, text))
        score = lexicon_score(evidence)
        assert previous <= score <= 1.0
        previous = score
    assert previous > 0.99


def test_specific_rules_weigh_more():
    def one(kind: str, text: str) -> float:
        return lexicon_score([ev("a#1", kind, text)])

    assert one("tokens", "rent") > one("lemma", "rent") > one("phrase", "rent")
    assert one("phrase", "land cost") > one("phrase", "rent")


def test_combine_is_noisy_or_and_accepts_one_side():
    assert combine(0.5, 0.6) == pytest.approx(0.8)
    assert combine(0.7, None) == pytest.approx(0.7)
    assert combine(None, 0.3) == pytest.approx(0.3)
    assert combine(0.5, 0.6) >= max(0.5, 0.6)
    with pytest.raises(ValueError):
        combine(None, None)
