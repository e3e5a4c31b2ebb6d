"""The learned classifier, trained on the demo interviews' sentences labelled by the hand-made
demo coding (a sentence is positive for a code when one of the code's quotes overlaps it)."""

from __future__ import annotations

import dataclasses
import random
import time

import pytest

from qualcode.domain import TextUnit
from qualcode.errors import QualcodeError
from qualcode.nlp.learned import TrainedClassifier, fingerprint, suggest_learned, train_classifier
from qualcode.nlp.pipeline import build_pipeline
from qualcode.nlp.suggester import sentences

HELD_OUT = 2  # the last two interviews are never trained on


def labelled_sentences(pipe, doc, labels):
    rows = []
    for _, start, end in sentences(pipe, doc.units):
        cats = dict.fromkeys(labels, 0.0)
        for code, q_start, q_end in doc.codings:
            if code in cats and q_start < end and start < q_end:
                cats[code] = 1.0
        rows.append((doc.text[start:end], cats))
    return rows


@pytest.fixture(scope="module")
def corpus(bundled_pipe, demo):
    labels = sorted({code for doc in demo[:-HELD_OUT] for code, _, _ in doc.codings})
    train = [row for doc in demo[:-HELD_OUT]
             for row in labelled_sentences(bundled_pipe, doc, labels)]
    test = [row for doc in demo[-HELD_OUT:]
            for row in labelled_sentences(bundled_pipe, doc, labels)]
    return labels, train, test


@pytest.fixture(scope="module")
def trained(corpus):
    labels, train, _ = corpus
    epochs: list[int] = []
    started = time.perf_counter()
    clf = train_classifier(train, labels, seed=0, progress=epochs.append)
    return clf, time.perf_counter() - started, epochs


def test_trains_on_demo_scale_and_reports_progress(corpus, trained):
    labels, train, _ = corpus
    clf, _seconds, epochs = trained
    assert len(train) > 500 and len(labels) > 25
    assert epochs == list(range(1, 11))
    assert clf.labels == labels
    assert "textcat_multilabel" in clf.description and "TextCatBOW.v3" in clf.description
    assert f"{len(labels)} labels, {len(train)} examples, 10 epochs, seed 0" in clf.description


def test_same_seed_same_model_in_any_example_order(corpus, trained):
    labels, train, _ = corpus
    clf, _, _ = trained
    shuffled = list(train)
    random.Random(7).shuffle(shuffled)
    again = train_classifier(shuffled, list(reversed(labels)), seed=0)
    assert again.to_bytes() == clf.to_bytes()
    other_seed = train_classifier(train, labels, seed=1)
    assert other_seed.to_bytes() != clf.to_bytes()


def test_round_trip_through_bytes_predicts_identically(corpus, trained):
    _, _, test = corpus
    clf, _, _ = trained
    restored = TrainedClassifier.from_bytes(clf.to_bytes())
    texts = [text for text, _ in test[:50]]
    assert restored.labels == clf.labels
    assert restored.description == clf.description
    assert restored.predict(texts) == clf.predict(texts)


def test_damaged_bytes_are_a_qualcode_error():
    with pytest.raises(QualcodeError, match="train it again"):
        TrainedClassifier.from_bytes(b"not a classifier")


def test_obvious_cue_scores_above_a_sentence_without_it(trained):
    clf, _, _ = trained
    cue, plain = clf.predict([
        "The purchase subsidy for every vehicle was cut again, and the subsidies came late.",
        "We drank tea and talked about the rain on the coast road.",
    ])
    assert cue["policy.subsidies"] > plain["policy.subsidies"]
    assert cue["policy.subsidies"] > 0.5


def test_held_out_interviews_rank_coded_sentences_higher(corpus, trained):
    labels, _, test = corpus
    clf, _, _ = trained
    predicted = clf.predict([text for text, _ in test])
    positive = [p[label] for (_, gold), p in zip(test, predicted, strict=True)
                for label in labels if gold[label] == 1.0]
    negative = [p[label] for (_, gold), p in zip(test, predicted, strict=True)
                for label in labels if gold[label] == 0.0]
    assert sum(positive) / len(positive) > 3 * sum(negative) / len(negative)


def test_fingerprint_is_canonical_and_sensitive(corpus):
    labels, train, _ = corpus
    shuffled = list(train)
    random.Random(3).shuffle(shuffled)
    assert fingerprint(shuffled, list(reversed(labels))) == fingerprint(train, labels)
    text, cats = train[0]
    flipped = [(text, {**cats, labels[0]: 1.0 - cats[labels[0]]})] + train[1:]
    assert fingerprint(flipped, labels) != fingerprint(train, labels)
    assert fingerprint(train, labels[:-1]) != fingerprint(train, labels)
    assert len(fingerprint(train, labels)) == 64


def test_suggest_learned_gives_sentence_hits_above_threshold(bundled_pipe, demo, trained):
    clf, _, _ = trained
    doc = demo[-1]
    bounds = set(sentences(bundled_pipe, doc.units))
    hits = list(suggest_learned(clf, bundled_pipe, doc.units, threshold=0.3))
    assert hits
    for hit in hits:
        assert (hit.document_id, hit.start, hit.end) in bounds
        assert hit.method == "learned" and hit.unit == "sentence"
        assert hit.score >= 0.3
        assert hit.evidence == [{"kind": "learned", "probability": hit.score}]
        assert hit.code in clf.labels
    # The same probabilities as predict() on the sentence text.
    first = hits[0]
    expected = clf.predict([doc.text[first.start:first.end]])[0][first.code]
    assert first.score == pytest.approx(expected, abs=1e-4)
    # A higher threshold keeps exactly the hits at or above it.
    strict = list(suggest_learned(clf, bundled_pipe, doc.units, threshold=0.6))
    assert strict == [h for h in hits if h.score >= 0.6]


def test_suggest_learned_by_turn_and_only_for_live_codes(bundled_codebook, trained):
    clf, _, _ = trained
    text = "  The subsidy was cut. Subsidies for buses were cut too, the subsidy policy changed.\n"
    units = [TextUnit(3, 500, text, 4)]
    live = build_pipeline(bundled_codebook)
    by_turn = list(suggest_learned(clf, live, units, unit="turn", threshold=0.5))
    assert [(h.start, h.end, h.unit) for h in by_turn if h.code == "policy.subsidies"] == [
        (502, 500 + len(text.rstrip()), "turn")]
    without = dataclasses.replace(
        bundled_codebook, sha256=None,
        codes=[c for c in bundled_codebook.codes if c.key != "policy.subsidies"])
    pruned = build_pipeline(without)
    assert "policy.subsidies" not in {
        h.code for h in suggest_learned(clf, pruned, units, unit="turn", threshold=0.0)}


def test_training_refuses_data_it_cannot_learn_from():
    with pytest.raises(QualcodeError, match="no codes to learn"):
        train_classifier([("a sentence", {})], [])
    with pytest.raises(QualcodeError, match="no positive examples"):
        train_classifier([("a sentence", {"x": 0.0})], ["x"])


def test_labels_outside_the_label_list_are_ignored():
    examples = [("wages rose", {"pay": 1.0, "stray": 1.0}), ("tea and rain", {"pay": 0.0})] * 5
    clf = train_classifier(examples, ["pay"], epochs=3)
    assert clf.labels == ["pay"]
    assert set(clf.predict(["wages"])[0]) == {"pay"}
