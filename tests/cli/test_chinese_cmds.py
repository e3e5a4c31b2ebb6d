"""Chinese interviews end to end through the CLI: language at import (detected, declared,
contradicted), mixed encodings, suggestions from each document's own pipeline, display, word
counts, per-language evaluation, translated code names, and bad input that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, Project

# A named speaker (王总) counts as a label once it starts two turns.
CHINESE = ("访谈者：你们为什么搬到惠州？\n"
           "王总：深圳的租金太高了，惠州政府给了土地，还有税收减免和补贴。\n"
           "访谈者：后来呢？\n王总：后来就扩产了。\n")


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def zh_project(project: Project) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    return project


def test_a_chinese_file_without_language_is_detected_stored_and_said(zh_project, tmp_path):
    path = _write(tmp_path, "wang.txt", CHINESE)
    out = zh_project.ok("import", str(path))
    assert "zh*" in out and "* detected, not declared" in out and "language detected as zh" in out
    doc = json.loads(zh_project.ok("show", "wang", "--json"))
    assert doc["language"] == "zh"
    assert [t["role"] for t in doc["turns"]] == ["interviewer", "respondent"] * 2
    assert [t["speaker"] for t in doc["turns"]] == ["访谈者", "王总"] * 2


def test_a_gb18030_demo_interview_is_decoded_and_detected(zh_project):
    report = json.loads(zh_project.ok("import", str(DEMO / "interview-12.md"), "--json"))
    assert report[0]["encoding"] == "gb18030" and report[0]["language"] == "zh"
    assert not report[0]["language_detected"]  # its front matter says zh, and the text agrees


@pytest.mark.parametrize("declared, text, words", [
    ("en", CHINESE, "the text is Chinese"),
    ("zh", "Interviewer: Why Huizhou?\nMr. Wang: The rent in Shenzhen was too high.\n",
     "are Chinese"),
    ("ja", CHINESE, "the text is Chinese (100% Chinese characters, no kana)"),
    ("ko", CHINESE, "no Hangul"),
])
def test_a_language_the_text_contradicts_is_refused_naming_the_line(
        zh_project, tmp_path, declared, text, words):
    path = _write(tmp_path, "wrong.md", f"---\ncase: Firm Z\nlanguage: {declared}\n---\n{text}")
    before = zh_project.snapshot()
    error = zh_project.fails("import", str(path))
    assert error.count("\n") == 1 and f"{path}:3:" in error and words in error
    assert zh_project.snapshot() == before


def test_a_declared_language_suggest_could_not_analyse_is_refused_at_import(zh_project, tmp_path):
    english = "Interviewer: Why Huizhou?\nMr. Li: The rent was too high.\n" * 2
    path = _write(tmp_path, "li.md", f"---\ncase: Firm Q\nlanguage: qq\n---\n{english}")
    before = zh_project.snapshot()
    error = zh_project.fails("import", str(path))
    assert error.count("\n") == 1 and f"{path}:3:" in error and "no language 'qq'" in error
    assert zh_project.snapshot() == before
    # a language spaCy has is taken as declared, and suggest analyses it
    german = "Interviewer: Warum Huizhou?\nHerr Li: Die Miete war zu hoch.\n" * 2
    zh_project.ok("import", str(_write(tmp_path, "de.md", f"---\nlanguage: de\n---\n{german}")))
    assert json.loads(zh_project.ok("show", "de", "--json"))["language"] == "de"
    assert set(json.loads(zh_project.ok("suggest", "--json"))["pipelines"]) == {"de"}


def test_a_file_in_two_encodings_is_refused_naming_the_first_line_of_the_other(
        zh_project, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(CHINESE.encode("utf-8") + "王总：再后来又扩产了。\n".encode("gb18030"))
    before = zh_project.snapshot()
    error = zh_project.fails("import", str(path))
    assert error.count("\n") == 1 and f"{path}:5:" in error and "mixed encodings" in error
    assert zh_project.snapshot() == before


def test_a_pattern_in_a_language_spacy_cannot_load_is_refused_naming_the_line(
        zh_project, tmp_path):
    book = _write(tmp_path, "book.yaml", (
        "codebook: {name: b, language: en}\n"
        "policy:\n  definition: d\n  codes:\n    subsidies:\n      definition: d\n"
        "      examples: [x]\n      patterns:\n        - phrase: subsidy\n"
        "        - phrase: 补助金\n          lang: qq\n"))
    before = zh_project.snapshot()
    error = zh_project.fails("codebook", "load", str(book))
    assert f"{book}:10:" in error and "no language 'qq'" in error
    assert zh_project.snapshot() == before


def test_one_suggest_run_serves_chinese_and_english_documents_with_their_own_pipelines(
        zh_project, tmp_path):
    zh_project.ok("import", str(_write(tmp_path, "wang.txt", CHINESE)),
                  str(DEMO / "interview-02.md"))
    report = json.loads(zh_project.ok("suggest", "--json"))
    assert set(report["pipelines"]) == {"en", "zh"}
    assert "jieba" in report["pipelines"]["zh"] and "jieba" not in report["pipelines"]["en"]
    rows = json.loads(zh_project.ok("suggestions", "list", "--json"))
    zh = [r for r in rows if r["document"] == "wang"]
    assert {r["code"] for r in zh} >= {"policy.subsidies", "policy.relocation-incentives",
                                       "strategy.relocation"}
    assert any(r["document"] == "interview-02" for r in rows)
    evidence = {e["text"] for r in zh for e in r["evidence"]}
    assert {"补贴", "土地", "税收减免"} <= evidence


def test_show_wraps_a_chinese_turn_without_cutting_it(zh_project, tmp_path):
    long_turn = "王总：" + "我们的人工成本太高了，惠州政府补贴了一部分。" * 6 + "\n"
    zh_project.ok("import", str(_write(tmp_path, "long.txt", "访谈者：为什么？\n" + long_turn)))
    out = zh_project.run("show", "long", columns=60).stdout
    assert "…" not in out
    text = "".join(line.strip(" │") for line in out.splitlines())
    assert "我们的人工成本太高了，惠州政府补贴了一部分。" * 6 in text.replace(" ", "")
    assert max(len(line) for line in out.splitlines()) <= 60


def test_stats_counts_chinese_words_as_segmented_words(zh_project, tmp_path):
    zh_project.ok("import", str(_write(tmp_path, "wang.txt", CHINESE)))
    stats = json.loads(zh_project.ok("stats", "--json"))
    # jieba: 访谈/者/你们/为什么/搬/到/惠州 王总/深圳/的/租金/太高/了/惠州/政府/给/了/土地/还有/
    # 税收/减免/和/补贴 访谈/者/后来/呢 王总/后来/就/扩产/了 (punctuation is not a word)
    assert stats["words"] == 7 + 16 + 4 + 5


def test_evaluate_reports_each_language_and_show_names_codes_in_chinese(zh_project):
    zh_project.ok("import", str(DEMO / "interview-02.md"), str(DEMO / "interview-10.md"))
    zh_project.ok("codings", "import", str(DEMO_CODING / "interview-02.yaml"),
                  str(DEMO_CODING / "interview-10.yaml"))
    report = json.loads(zh_project.ok("evaluate", "--against", "wei", "--json"))
    parts = {p["language"]: p for p in report["languages"]}
    assert set(parts) == {"en", "zh"}
    assert parts["en"]["documents"] == parts["zh"]["documents"] == 1
    assert parts["en"]["sentences"] + parts["zh"]["sentences"] == report["sentences"]
    assert parts["zh"]["overall"]["true_positive"] > 0
    out = zh_project.run("show", "interview-10", "--turns", "26", columns=200).stdout
    assert "strategy.diversification 多元化 (wei)" in out
    assert "价格压力" not in zh_project.run("show", "interview-02", columns=200).stdout


@pytest.mark.parametrize("interviewer, respondent", [
    ("问", "答"), ("采访者", "受访者"), ("访谈者", "李主任"), ("采访人", "林经理"),
    ("访谈人", "受访人"), ("訪談者", "受訪者")])
def test_chinese_speaker_labels_with_full_width_colons_and_interviewer_roles(
        interviewer, respondent):
    from qualcode.formats.transcripts import detect_turns

    text = (f"{interviewer}：惠州的优势是什么？\n{respondent}：离深圳近，土地便宜。\n"
            f"{interviewer}：还有呢？\n{respondent}：产业链比较完整。\n")
    turns = detect_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        (interviewer, "interviewer"), (respondent, "respondent")] * 2
    assert text[turns[1].start:turns[1].end].strip() == "离深圳近，土地便宜。"


def test_speaker_labels_in_lenticular_brackets_with_or_without_a_colon():
    """【访谈者】 and 【王总】： mark speakers as `Name:` does; a bracketed note used once
    (【注】) stays in the turn, as `Note:` does."""
    from qualcode.formats.transcripts import detect_turns

    text = ("【访谈者】您好，请介绍一下公司。\n【王总】：我们二〇一四年搬到惠州。\n"
            "【注】受访者看了一下材料。\n【访谈者】为什么？\n[00:12:05] 【王总】租金便宜。\n")
    turns = detect_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        ("访谈者", "interviewer"), ("王总", "respondent")] * 2
    second = text[turns[1].start:turns[1].end]
    assert second == "我们二〇一四年搬到惠州。\n【注】受访者看了一下材料。"
    assert text[turns[0].start:turns[0].end] == "您好，请介绍一下公司。"
    assert turns[3].time == "00:12:05" and text[turns[3].start:turns[3].end] == "租金便宜。"


def test_review_names_and_defines_codes_in_chinese_for_a_chinese_document(zh_project, tmp_path):
    from qualcode.formats.codebook_yaml import load_codebook

    translated = {c.key: dict((lang, (name, definition)) for lang, name, definition
                              in c.translations)["zh"] for c in load_codebook(CODEBOOK).codes}
    zh_project.ok("import", str(_write(tmp_path, "wang.txt", CHINESE)),
                  str(DEMO / "interview-02.md"))
    zh_project.ok("suggest")
    zh_out = zh_project.ok("review", "--document", "wang", input="q")
    # the line under the turn: "KEY  NAME (codebook name)   score ..."
    key = next(line.split()[0] for line in zh_out.splitlines() if line.split()
               and line.split()[0] in translated)
    name, definition = translated[key]
    flat = "".join(zh_out.split())
    assert f"{key}{name}(" in flat  # the Chinese name first, the codebook's own in brackets
    assert "".join(definition.split()) in flat  # and the Chinese definition, whole
    en_out = zh_project.ok("review", "--document", "interview-02", input="q")
    assert "Definition:" in en_out
    assert not any("\u4e00" <= c <= "\u9fff" for c in en_out)  # English: no translation


def test_a_surname_with_a_title_is_a_speaker_even_once_and_other_chinese_words_are_not():
    from qualcode.formats.transcripts import detect_turns

    # 李经理 speaks once (as Engineer Li would in English); 汇总 and 政府 are prose
    text = ("访谈者：为什么搬过来？\n王总：因为便宜。\n李经理：补充一句，还有补贴。\n"
            "访谈者：好的。\n王总：汇总：就是成本。\n政府：这是他们的说法。\n")
    turns = detect_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        ("访谈者", "interviewer"), ("王总", "respondent"), ("李经理", "respondent"),
        ("访谈者", "interviewer"), ("王总", "respondent")]
    assert text[turns[-1].start:turns[-1].end].strip() == "汇总：就是成本。\n政府：这是他们的说法。"
    two = detect_turns("访谈者：为什么？\n\n陈总：因为便宜。\n")
    assert [(t.speaker, t.role) for t in two] == [("访谈者", "interviewer"), ("陈总", "respondent")]


def test_an_interviewer_labelled_cai_fang_ren_gets_no_suggestions_and_is_no_pseudonym_candidate(
        zh_project, tmp_path):
    # 采访人 is as common as 采访者 in Chinese transcripts: its questions are the interviewer's,
    # so suggest leaves them alone (搬迁 and 补贴 in the questions), and it names no one.
    text = ("采访人：你们为什么搬迁到惠州？\n林经理：深圳的租金太高了。\n"
            "采访人：政府有补贴吗？\n林经理：没有。\n")
    zh_project.ok("import", str(_write(tmp_path, "lin.txt", text)))
    doc = json.loads(zh_project.ok("show", "lin", "--json"))
    assert [t["role"] for t in doc["turns"]] == ["interviewer", "respondent"] * 2
    zh_project.ok("suggest")
    rows = json.loads(zh_project.ok("suggestions", "list", "--json"))
    assert [r["text"] for r in rows] == ["深圳的租金太高了。"]
    proposed = {c["name"] for c in json.loads(zh_project.ok("pseudonyms", "propose", "--json"))}
    assert "林经理" in proposed and "采访人" not in proposed


def test_review_recodes_a_chinese_document_by_a_code_s_chinese_name(zh_project, tmp_path):
    zh_project.ok("import", str(_write(tmp_path, "wang.txt", CHINESE)))
    zh_project.ok("suggest")
    first = json.loads(zh_project.ok("suggestions", "list", "--json"))[0]
    # 人才 is the Chinese name of policy.talent, in no key, English name or definition
    out = zh_project.ok("review", "--document", "wang", "--coder", "wei", input="c人才\nq")
    assert "recoded 1" in out
    [coding] = json.loads(zh_project.ok("codings", "list", "--json"))
    assert (coding["code"], coding["start"]) == ("policy.talent", first["start"])


def test_the_report_names_a_chinese_document_s_codes_in_chinese(zh_project, tmp_path):
    import re

    zh_project.ok("import", str(DEMO / "interview-02.md"), str(DEMO / "interview-10.md"))
    zh_project.ok("codings", "import", str(DEMO_CODING / "interview-02.yaml"),
                  str(DEMO_CODING / "interview-10.yaml"))
    zh_project.ok("report", "-o", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    zh = page[page.index('<article id="doc-interview-10"'):]
    zh = zh[:zh.index("</article>")]
    en = page[page.index('<article id="doc-interview-02"'):]
    en = en[:en.index("</article>")]
    zh_titles = re.findall(r'<mark id="[^"]*" title="([^"]*)"', zh)
    en_titles = re.findall(r'<mark id="[^"]*" title="([^"]*)"', en)
    assert "strategy.diversification 多元化 (wei)" in zh_titles
    assert zh_titles and all(re.search(r"[\u4e00-\u9fff]", t) for t in zh_titles)
    assert en_titles and not any(re.search(r"[\u4e00-\u9fff]", t) for t in en_titles)
