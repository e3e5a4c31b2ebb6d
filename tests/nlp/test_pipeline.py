"""Building the suggestion pipeline: components, keys, and refusals that name the problem."""

from __future__ import annotations

import pytest
import spacy

from qualcode.domain import TextUnit
from qualcode.errors import CodebookError, QualcodeError
from qualcode.nlp.pipeline import RULER, SPANS_KEY, build_pipeline
from qualcode.nlp.rules import TOKEN_RULES
from qualcode.nlp.suggester import suggest


def test_default_pipeline_is_blank_sentencizer_and_compiled_rules(bundled_codebook, bundled_pipe):
    assert bundled_pipe.nlp.pipe_names == ["sentencizer", RULER, TOKEN_RULES]
    assert bundled_pipe.lang == "en"
    assert bundled_pipe.codebook_sha256 == bundled_codebook.sha256
    ruler = bundled_pipe.nlp.get_pipe(RULER)
    rules = bundled_pipe.nlp.get_pipe(TOKEN_RULES)
    token_patterns = [p for c in bundled_codebook.codes for p in c.patterns
                      if p.language == "en" and p.kind == "tokens"]
    # Token patterns that are plain sequences of word lists become phrases; the rest stay rules.
    as_phrases = {p["id"] for p in ruler.patterns} & {p.rule_id for p in token_patterns}
    assert as_phrases and len(rules) == len(token_patterns) - len(as_phrases)
    assert bundled_pipe.description == (
        f"spacy {spacy.__version__} blank:en + sentencizer + lemma rules as lookup-table word "
        f"forms + span_ruler({len(ruler.patterns)} phrases on LOWER) + token rules("
        f"{len(rules)}, anchored)")
    assert ruler.key == SPANS_KEY
    # labels are code keys (a dimension's own, for its cues) or "veto:" and the key the veto
    # cancels; ids are rule ids
    keys = {c.key for c in bundled_codebook.codes}
    labels = {p["label"] for p in ruler.patterns}
    assert labels <= keys | {f"veto:{k}" for k in keys}
    assert {k for k in labels if k.startswith("veto:")} and labels & keys
    assert all(p["id"].startswith(p["label"].removeprefix("veto:") + "#")
               for p in ruler.patterns)
    # a lemma rule is held as its word forms: "subsidy" also as "subsidies"
    phrases = {p["pattern"] for p in ruler.patterns if p["label"] == "policy.subsidies"}
    assert {"subsidy", "subsidies"} <= phrases


def test_only_patterns_of_the_pipeline_language_are_loaded(bundled_codebook):
    # The bundled codebook has Chinese phrases too; an English pipeline must not hold them.
    ruler = build_pipeline(bundled_codebook).nlp.get_pipe(RULER)
    zh_rules = {p.rule_id for c in bundled_codebook.codes for p in c.patterns if p.language == "zh"}
    assert zh_rules
    assert not zh_rules & {p["id"] for p in ruler.patterns}


def test_pipeline_key_ignores_the_codebook_but_not_the_analysis(make_codebook):
    one = build_pipeline(make_codebook({"a": ["phrase: land cost"]}))
    other = build_pipeline(make_codebook({"b": ["lemma: wage", "phrase: rent"]}))
    german = build_pipeline(make_codebook({"a": ["phrase: land cost"]}), lang="de")
    assert one.pipeline_key == other.pipeline_key
    assert one.codebook_sha256 != other.codebook_sha256
    assert german.pipeline_key != one.pipeline_key
    assert german.lang == "de"


def test_codebook_without_file_hash_gets_a_content_fingerprint(make_codebook):
    import dataclasses

    codebook = make_codebook({"a": ["phrase: land cost"]})
    built = dataclasses.replace(codebook, sha256=None)
    changed = dataclasses.replace(make_codebook({"a": ["phrase: land costs"]}), sha256=None)
    assert len(build_pipeline(built).codebook_sha256) == 64
    assert build_pipeline(built).codebook_sha256 == build_pipeline(built).codebook_sha256
    assert build_pipeline(built).codebook_sha256 != build_pipeline(changed).codebook_sha256


def test_invalid_token_patterns_raise_codebook_error_with_code_and_line(make_codebook):
    # spaCy itself would stop at the first of these with a traceback.
    codebook = make_codebook({
        "fine": ["phrase: land cost"],
        "lack": ["tokens: [{LOWER: little, OP: '??'}, {LEMMA: research}]"],
        "odd": ["tokens: [{NOT_AN_ATTRIBUTE: x}]"],
    }, source="small.yaml")
    lines = {p.rule_id: p.line for c in codebook.codes for p in c.patterns}
    with pytest.raises(CodebookError) as caught:
        build_pipeline(codebook)
    error = caught.value
    message = error.one_line()
    assert "\n" not in message
    assert f"small.yaml:{lines['strategy.lack#1']}: strategy.lack: pattern #1" in message
    assert f"small.yaml:{lines['strategy.odd#1']}: strategy.odd: pattern #1" in message
    assert "strategy.fine" not in message
    assert [(p.key, p.line) for p in error.problems] == [
        ("strategy.lack", lines["strategy.lack#1"]), ("strategy.odd", lines["strategy.odd#1"])]
    assert "Traceback" not in message


def test_unknown_model_is_one_line_error_that_says_what_to_do(make_codebook):
    with pytest.raises(QualcodeError) as caught:
        build_pipeline(make_codebook({"a": ["phrase: land cost"]}), model="xx_no_such_pipeline_sm")
    message = caught.value.one_line()
    assert "\n" not in message
    assert "'xx_no_such_pipeline_sm'" in message
    assert "install it with pip or give a path" in message
    assert not isinstance(caught.value, CodebookError)


def test_model_from_a_folder_gets_a_sentencizer_and_the_ruler(tmp_path, make_codebook):
    folder = tmp_path / "tiny_pipeline"
    saved = spacy.blank("en")
    saved.meta["name"] = "tiny_test"
    saved.meta["version"] = "0.0.1"
    saved.to_disk(folder)
    pipe = build_pipeline(make_codebook({"cost": ["phrase: land cost"]}), model=str(folder))
    assert pipe.nlp.pipe_names == ["sentencizer", "qualcode_fold_lemmas", RULER, TOKEN_RULES]
    assert "en_tiny_test 0.0.1" in pipe.description
    assert pipe.lang == "en"
    text = "Nothing here. The land cost was high."
    hits = list(suggest(pipe, [TextUnit(1, 0, text)]))
    assert [(text[h.start:h.end], h.code) for h in hits] == [
        ("The land cost was high.", "strategy.cost")]


def test_model_with_a_senter_keeps_its_own_sentences(tmp_path, make_codebook):
    folder = tmp_path / "with_senter"
    saved = spacy.blank("en")
    saved.add_pipe("senter")
    saved.initialize()
    saved.to_disk(folder)
    pipe = build_pipeline(make_codebook({"cost": ["phrase: land cost"]}), model=str(folder))
    assert "sentencizer" not in pipe.nlp.pipe_names
    assert pipe.nlp.pipe_names[0] == "senter"
    assert pipe.nlp.pipe_names[-2:] == [RULER, TOKEN_RULES]


def test_model_of_another_language_is_refused(tmp_path, make_codebook):
    folder = tmp_path / "german"
    spacy.blank("de").to_disk(folder)
    with pytest.raises(QualcodeError, match="is for language 'de', not 'en'"):
        build_pipeline(make_codebook({"cost": ["phrase: land cost"]}), model=str(folder),
                       lang="en")
