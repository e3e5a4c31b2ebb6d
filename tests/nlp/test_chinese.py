"""Chinese in the suggestion engine: jieba segmentation inside spaCy's zh, Chinese sentence ends,
phrases matched on characters, zh token-pattern checks, one pipeline per language, word counts."""

from __future__ import annotations

import pytest

from qualcode.domain import TextUnit
from qualcode.nlp.languages import add_sentencizer, blank_pipeline, count_words
from qualcode.nlp.patterns import check_patterns
from qualcode.nlp.pipeline import SPANS_KEY, build_pipeline, build_pipelines
from qualcode.nlp.rules import CharPhrases
from qualcode.nlp.suggester import suggest


def words(text: str) -> list[str]:
    return [t.text for t in blank_pipeline("zh")(text)]


def test_zh_is_segmented_by_jieba_offline_into_words():
    nlp = blank_pipeline("zh")
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "jieba"
    assert words("我们的人工成本太高了，惠州政府补贴了一部分。") == [
        "我们", "的", "人工成本", "太高", "了", "，", "惠州", "政府", "补贴", "了", "一部分", "。"]


def test_chinese_sentences_end_at_full_and_half_width_marks_and_ellipses():
    nlp = blank_pipeline("zh")
    add_sentencizer(nlp)
    text = "先搬到惠州；后来呢？扩产了……很难!问题是人。他说：“好的。”“那就这样。”"
    assert [s.text for s in nlp(text).sents] == [
        "先搬到惠州；", "后来呢？", "扩产了……", "很难!", "问题是人。", "他说：“好的。”",
        "“那就这样。”"]


def test_english_sentences_are_unchanged_by_the_chinese_rules():
    nlp = blank_pipeline("en")
    add_sentencizer(nlp)
    assert [s.text for s in nlp("Land; labour. Costs!")] != []
    assert [s.text for s in nlp("Land; labour. Costs!").sents] == ["Land; labour.", "Costs!"]


def _matches(phrases: list[str], text: str) -> list[str]:
    chars = CharPhrases(blank_pipeline("zh"), SPANS_KEY)
    chars.add_phrases([{"label": "c", "pattern": p, "id": f"c#{i}"}
                       for i, p in enumerate(phrases, start=1)])
    return [text[s:e] for s, e, _, _ in chars.matches(text)]


def test_a_word_jieba_glues_to_its_neighbours_still_matches():
    assert "补贴款" in words("补贴款到现在还没到")  # jieba keeps 补贴款 whole...
    assert _matches(["补贴"], "补贴款到现在还没到") == ["补贴"]  # ...the phrase still matches
    assert _matches(["补贴"], "政府补贴很少") == ["补贴"]
    assert "国产化率" in words("国产化率不高")
    assert _matches(["国产化"], "国产化率不高") == ["国产化"]


def test_character_phrases_overlap_ignore_case_and_line_breaks_but_respect_latin_words():
    assert sorted(_matches(["研发", "研发投入"], "研发投入很大")) == ["研发", "研发投入"]
    assert _matches(["bms"], "BMS是自己做的，BMSX不是，ABMS也不是") == ["BMS"]
    assert _matches(["811"], "换成NCM811了，不是1811") == ["811"]
    assert _matches(["人工成本"], "那边人工\n成本太高") == ["人工\n成本"]


def test_character_phrases_find_what_a_plain_substring_search_finds_on_the_chinese_demo(
        bundled_codebook, demo):
    """Against an obviously right reference: str.find for every zh phrase of the codebook."""
    zh_units = [u for d in demo for u in d.units if d.language == "zh"]
    assert len(zh_units) > 40
    phrases = {}
    for code in bundled_codebook.codes:
        for p in code.patterns:
            if p.language == "zh" and p.kind == "phrase":
                for v in ([p.value] if isinstance(p.value, str) else p.value):
                    phrases[(v.lower(), p.rule_id)] = code.key
    chars = CharPhrases(blank_pipeline("zh"), SPANS_KEY)
    chars.add_phrases([{"label": k, "pattern": v, "id": r} for (v, r), k in phrases.items()])
    found, reference = set(), set()
    for n, unit in enumerate(zh_units):
        # Latin words get boundary checks (tested above), so the comparison leaves them out.
        found |= {(n, s, e, r) for s, e, _, r in chars.matches(unit.text)
                  if not unit.text[s:e].isascii()}
        lower = unit.text.lower()
        for (v, rule) in phrases:
            i = lower.find(v)
            while i >= 0 and not v.isascii():
                reference.add((n, i, i + len(v), rule))
                i = lower.find(v, i + 1)
    assert len(reference) > 100
    assert found == reference


def test_a_zh_token_word_the_segmenter_splits_is_reported_and_a_dictionary_word_is_not(
        make_codebook):
    codebook = make_codebook({"subsidy": [
        "tokens: [{LOWER: 政府补贴}]\n          lang: zh",
        "tokens: [{LOWER: {IN: [迁到, 补贴]}}]\n          lang: zh"]})
    problems = check_patterns(codebook)
    assert len(problems) == 1
    assert "政府补贴" in problems[0].message and "政府 补贴" in problems[0].message
    assert problems[0].line == codebook.codes[1].patterns[0].line


def test_each_language_gets_its_own_pipeline_and_patterns(make_codebook):
    codebook = make_codebook({"subsidy": [
        "lemma: subsidy", "phrase: 补贴\n          lang: zh"]})
    pipes = build_pipelines(codebook, {"en", "zh"})
    assert set(pipes) == {"en", "zh"} and pipes["zh"].nlp.lang == "zh"
    units = {"en": TextUnit(1, 0, "The subsidies ended. 补贴 too.", 1, "en"),
             "zh": TextUnit(2, 0, "政府补贴没了。subsidy也没了。", 1, "zh")}
    hits = {lang: list(suggest(pipes[lang], [u])) for lang, u in units.items()}
    assert [h.evidence[0]["text"] for h in hits["en"]] == ["subsidies"]
    assert [(h.start, h.end, h.evidence[0]["text"]) for h in hits["zh"]] == [(0, 7, "补贴")]


def test_a_trained_model_cannot_be_used_for_chinese(make_codebook, tmp_path):
    from qualcode.errors import QualcodeError

    blank_pipeline("zh").to_disk(tmp_path / "zh_model")
    with pytest.raises(QualcodeError, match="jieba"):
        build_pipeline(make_codebook({"x": ["phrase: x"]}), model=str(tmp_path / "zh_model"))


def test_chinese_words_are_counted_as_jieba_words_without_punctuation():
    # 人工成本/太高/了/惠州/政府/补贴/了/一部分; the comma and the full stop are not words
    assert count_words("人工成本太高了，惠州政府补贴了一部分。", "zh") == 8
    assert count_words("Land, labour and rent.", "en") == 4
    assert count_words("做PACK和BMS", "zh") == 4
