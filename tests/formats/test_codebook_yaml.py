"""The codebook YAML format: the bundled codebook, every problem kind with its line, round trip."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from qualcode.domain import DIMENSIONS, code_guid
from qualcode.errors import CodebookError, InputError
from qualcode.formats.codebook_yaml import codebook_to_yaml, load_codebook, parse_codebook

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "codebooks" / "nev_battery_value_chain.yaml"

# A small clean codebook the problem tests start from (line numbers matter: keep it as is).
CLEAN = """\
codebook:
  name: Tiny
  version: "1.0"
strategy:
  definition: Where the firm stands.
  codes:
    relocation:
      definition: Moving production.
      examples: [We moved.]
      patterns:
        - phrase: moved from shenzhen
        - lemma: [subsidy, subsidise]
        - tokens: [{LOWER: land}, {LEMMA: cost}]
        - phrase: 搬迁
          lang: zh
"""


def problems_of(text: str):
    codebook, problems = parse_codebook(text)
    assert codebook is None, "a codebook with problems must not be returned"
    return problems


def only(problems, needle: str):
    found = [p for p in problems if needle in p.message]
    assert len(found) == 1, [p.one_line() for p in problems]
    return found[0]


def without_lines(codebook):
    return [dataclasses.replace(code, line=None, patterns=tuple(
        dataclasses.replace(p, line=None) for p in code.patterns)) for code in codebook.codes]


# -- the bundled codebook ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    return load_codebook(BUNDLED)


def test_bundled_codebook_has_the_papers_five_dimensions_in_order(bundled):
    dims = [c for c in bundled.codes if c.is_dimension]
    assert tuple(d.key for d in dims) == DIMENSIONS
    assert all(d.parent is None and d.dimension == d.key and d.definition for d in dims)
    assert bundled.name == "NEV battery value chain" and bundled.version == "2026.1"
    assert bundled.language == "en" and bundled.languages == ("en", "zh")


def test_every_bundled_code_is_complete(bundled):
    codes = [c for c in bundled.codes if not c.is_dimension]
    for dim in DIMENSIONS:
        assert sum(c.dimension == dim for c in codes) >= 4, dim
    for code in codes:
        assert code.definition, code.key
        assert 2 <= len(code.include) <= 3 and 1 <= len(code.exclude) <= 3, code.key
        assert 1 <= len(code.examples) <= 2, code.key
        # Rules that suggest (vetoes aside): the general vocabulary of issue 7 and the code's own
        # phrases, in every kind of rule; past 16 a code wants splitting, not more rules.
        english = [p for p in code.patterns if p.language == "en" and p.role == "suggest"]
        assert 4 <= len(english) <= 16, code.key
        assert {p.kind for p in english} == {"phrase", "lemma", "tokens"}, code.key
        # exclusion rules point to the neighbouring code to use instead, and that code exists
        keys = bundled.by_key()
        for rule in code.exclude:
            named = [w.strip(".,;") for w in rule.split() if "." in w.strip(".,;")]
            assert all(k in keys for k in named), (code.key, rule)
    colours = [c.colour.lower() for c in bundled.codes]
    assert len(set(colours)) == len(colours), "colours must be distinct"
    # bilingual: every code has Chinese patterns, and every code and dimension a Chinese name
    # and definition written in Chinese
    han = re.compile(r"[\u4e00-\u9fff]")
    for code in codes:
        assert any(p.language == "zh" for p in code.patterns), code.key
    for code in bundled.codes:
        (zh,) = [t for t in code.translations if t[0] == "zh"]
        assert han.search(zh[1] or "") and han.search(zh[2] or ""), code.key


def test_bundled_hierarchy_and_file_order(bundled):
    keys = bundled.by_key()
    assert keys["innovation.cell-design.own-research"].parent == "innovation.cell-design"
    assert keys["innovation.cell-design.dependence"].parent == "innovation.cell-design"
    assert keys["innovation.cell-design"].parent == "innovation"
    assert keys["innovation.cell-design.own-research"].dimension == "innovation"
    assert [c.order for c in bundled.codes] == list(range(len(bundled.codes)))
    assert bundled.codes[1].key == "strategy.relocation"
    assert keys["strategy.relocation"].line < keys["strategy.3c-heritage"].line


# -- what a clean parse gives ------------------------------------------------------------------


def test_clean_parse_builds_codes_patterns_and_defaults():
    codebook, problems = parse_codebook(CLEAN, source="tiny.yaml")
    assert problems == []
    dim, code = codebook.codes
    assert (dim.key, dim.name, dim.is_dimension, dim.line, dim.order) == (
        "strategy", "Strategy", True, 4, 0)
    assert (code.key, code.name, code.dimension, code.parent, code.line, code.order) == (
        "strategy.relocation", "Relocation", "strategy", "strategy", 7, 1)
    assert [(p.kind, p.rule_id, p.language, p.line) for p in code.patterns] == [
        ("phrase", "strategy.relocation#1", "en", 11),
        ("lemma", "strategy.relocation#2", "en", 12),
        ("tokens", "strategy.relocation#3", "en", 13),
        ("phrase", "strategy.relocation#4", "zh", 14)]
    assert code.patterns[1].value == ("subsidy", "subsidise")
    assert code.patterns[2].value == [{"LOWER": "land"}, {"LEMMA": "cost"}]
    assert codebook.languages == ("en", "zh")
    assert codebook.sha256 == hashlib.sha256(CLEAN.encode()).hexdigest()
    assert codebook.source == "tiny.yaml"


def test_language_tags_read_as_front_matter_reads_them():
    # zh-CN, zh_Hans and EN-GB are the codes zh and en, as in a transcript's front matter
    text = (CLEAN.replace('  version: "1.0"\n', '  version: "1.0"\n  language: EN-GB\n')
            .replace("lang: zh", "lang: zh-CN")
            .replace("      examples: [We moved.]\n",
                     "      examples: [We moved.]\n"
                     "      translations: {zh_Hans: {name: 搬迁}}\n"))
    codebook, problems = parse_codebook(text)
    assert problems == []
    code = codebook.codes[1]
    assert codebook.language == "en" and codebook.languages == ("en", "zh")
    assert [p.language for p in code.patterns] == ["en", "en", "en", "zh"]
    assert code.translations == (("zh", "搬迁", None),)
    problem = only(problems_of(CLEAN.replace("lang: zh", "lang: chinese")), "not a language")
    assert problem.line == 15 and "'chinese'" in problem.message


def test_yaml_11_booleans_stay_words_in_token_patterns():
    text = CLEAN.replace("{LOWER: land}", "{LOWER: no}, {IS_ALPHA: true}")
    codebook, problems = parse_codebook(text)
    assert problems == []
    assert codebook.by_key()["strategy.relocation"].patterns[2].value[:2] == [
        {"LOWER": "no"}, {"IS_ALPHA": True}]


def test_guids_are_stable_across_parses():
    first, _ = parse_codebook(CLEAN)
    second, _ = parse_codebook(CLEAN.replace("Moving production.", "Moving plants."))
    assert [c.guid for c in first.codes] == [c.guid for c in second.codes]
    assert first.codes[1].guid == code_guid("strategy.relocation")
    assert first.codes[0].guid != first.codes[1].guid


def test_parent_field_places_a_code_under_a_sibling():
    text = CLEAN + """\
    other:
      definition: Anything else.
      examples: [Something.]
    moved-plant:
      definition: A plant moved.
      examples: [It moved.]
      parent: strategy.other
"""
    codebook, problems = parse_codebook(text)
    assert problems == []
    code = codebook.by_key()["strategy.moved-plant"]
    assert code.parent == "strategy.other"


# -- each problem with its line ----------------------------------------------------------------


def test_duplicate_code_key_is_reported_at_the_second_occurrence():
    text = CLEAN + """\
    relocation:
      definition: Again.
      examples: [Again.]
"""
    problem = only(problems_of(text), "duplicate key 'relocation'")
    assert problem.line == 16 and "first at line 7" in problem.message


def test_duplicate_keys_at_every_level():
    text = """\
strategy:
  definition: One.
  definition: Two.
  codes:
    a:
      definition: x
      examples: [e]
      patterns:
        - tokens: [{LOWER: x, LOWER: y}]
strategy:
  definition: Three.
"""
    problems = problems_of(text)
    dups = sorted((p.line, p.message.split("'")[1]) for p in problems if "duplicate" in p.message)
    assert dups == [(3, "definition"), (9, "LOWER"), (10, "strategy")]


def test_unknown_parent():
    text = CLEAN.replace("      examples: [We moved.]\n",
                         "      examples: [We moved.]\n      parent: strategy.nowhere\n")
    problem = only(problems_of(text), "unknown parent")
    assert problem.line == 10 and problem.key == "strategy.relocation"
    assert "strategy.nowhere" in problem.message


def test_parent_cycle():
    text = """\
p:
  definition: d
  codes:
    a:
      definition: x
      examples: [e]
      parent: p.b
    b:
      definition: x
      examples: [e]
      parent: p.a
"""
    problem = only(problems_of(text), "parent cycle")
    assert problem.line == 7 and "p.a -> p.b -> p.a" in problem.message


def test_empty_and_missing_definition():
    text = CLEAN.replace("Moving production.", '""').replace(
        "  definition: Where the firm stands.\n", "")
    problems = [p for p in problems_of(text) if "definition is empty" in p.message]
    # the dimension lost its definition line (reported at its key, line 4); the code's is "" (7)
    assert [(p.line, p.key) for p in problems] == [(4, "strategy"), (7, "strategy.relocation")]


def test_no_examples_is_a_warning_not_a_problem():
    """A code created while coding has no examples yet: the file is accepted, with a warning."""
    codebook, problems = parse_codebook(CLEAN.replace("[We moved.]", "[]"))
    assert problems == [] and codebook is not None
    (warning,) = codebook.warnings
    assert warning.line == 9 and "no examples" in warning.message


def test_invalid_colour_and_unquoted_colour():
    text = CLEAN.replace("      examples: [We moved.]\n",
                         '      examples: [We moved.]\n      colour: "#12345"\n')
    assert only(problems_of(text), "invalid colour").line == 10
    text = CLEAN.replace("  definition: Where the firm stands.\n",
                         "  definition: Where the firm stands.\n  colour: #1f77b4\n")
    assert "unquoted #" in only(problems_of(text), "colour is empty").message


def test_yaml_syntax_error_line():
    text = CLEAN.replace("[We moved.]", "[We moved.")
    (problem,) = problems_of(text)
    # found where the list should have closed (line 10), naming where it started (line 9)
    assert problem.line == 10 and problem.message.startswith("YAML syntax error")
    assert "line 9" in problem.message


def test_unknown_field_names_a_likely_typo():
    text = CLEAN.replace("      definition: Moving production.",
                         "      definition: Moving production.\n      exmaples: [x]")
    problem = only(problems_of(text), "unknown field")
    assert problem.line == 9 and "'exmaples'" in problem.message
    assert "did you mean 'examples'" in problem.message


def test_bad_key_characters():
    problem = only(problems_of(CLEAN.replace("relocation:", "Re_location:")), "bad key")
    assert problem.line == 7


@pytest.mark.parametrize("entry, needle", [
    ("- phrase: a\n          lemma: b", "exactly one of phrase, lemma, tokens"),
    ("- lang: en", "exactly one of phrase, lemma, tokens"),
    ('- phrase: ""', "the phrase is empty"),
    ("- lemma: []", "the lemma list is empty"),
    ("- tokens: []", "tokens must be a non-empty list of mappings"),
    ("- tokens: {LOWER: x}", "tokens must be a non-empty list of mappings"),
    ("- tokens: [land]", "each token must be a mapping"),
    ("- just words", "must be a mapping with one of phrase"),
])
def test_bad_pattern_entries(entry, needle):
    text = CLEAN.replace("- phrase: moved from shenzhen", entry)
    problem = only(problems_of(text), needle)
    assert problem.line == 11 and problem.key == "strategy.relocation"


def test_file_not_a_mapping_and_no_dimensions():
    assert "must be a mapping" in only(problems_of("- a\n- b\n"), "mapping").message
    assert only(problems_of("codebook:\n  name: x\n"), "no dimensions").line == 1
    assert "empty" in problems_of("# nothing\n")[0].message


def test_several_problems_are_all_reported_in_line_order():
    text = """\
codebook:
  language: English
strategy:
  definition: ""
  colour: "#12345"
  codes:
    Bad_Key:
      definition: x
      examples: [e]
    b:
      definition: x
      exmaples: [e]
      parent: strategy.zzz
      patterns:
        - phrase: ""
"""
    problems = problems_of(text)
    got = [(p.line, p.message.split(" ")[0]) for p in problems]
    # code b's missing examples (line 10) is a warning now, not a problem
    assert got == [(2, "'English'"), (4, "the"), (5, "invalid"), (7, "bad"),
                   (12, "unknown"), (13, "unknown"), (15, "pattern")]


# -- files -------------------------------------------------------------------------------------


def test_load_reads_a_bom_and_raises_with_every_problem(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_bytes(b"\xef\xbb\xbf" + CLEAN.encode("utf-8"))
    assert [c.key for c in load_codebook(good).codes] == ["strategy", "strategy.relocation"]

    bad = tmp_path / "bad.yaml"
    bad.write_text(CLEAN.replace("[We moved.]", "[]").replace("Moving production.", '""')
                   .replace("codebook:", "codebook:\n  colour: red"), encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(bad)
    err = caught.value
    assert err.message == "2 problem(s) in the codebook" and err.where == str(bad)
    assert [p.line for p in err.problems] == [2, 9]  # the missing examples are a warning
    assert f"{bad}:2" in err.one_line()


def test_load_refuses_other_encodings(tmp_path):
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_text(CLEAN, encoding="utf-16")
    with pytest.raises(InputError, match="UTF-16"):
        load_codebook(utf16)
    latin = tmp_path / "latin.yaml"
    latin_text = CLEAN.replace("Moving production.", "Déménagement.").replace("搬迁", "x")
    latin.write_bytes(latin_text.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_codebook(latin)
    assert caught.value.where == f"{latin}:8"
    with pytest.raises(InputError):
        load_codebook(tmp_path / "missing.yaml")


# -- writing -----------------------------------------------------------------------------------


def test_round_trip_of_the_bundled_codebook(bundled):
    text = codebook_to_yaml(bundled)
    again, problems = parse_codebook(text)
    assert problems == []
    assert without_lines(again) == without_lines(bundled)
    assert (again.name, again.version, again.language, again.languages) == (
        bundled.name, bundled.version, bundled.language, bundled.languages)


def test_round_trip_keeps_an_explicit_parent():
    text = CLEAN + """\
    other:
      definition: Anything else.
      examples: [Something.]
    moved-plant:
      definition: A plant moved.
      examples: [It moved.]
      parent: strategy.other
"""
    codebook, _ = parse_codebook(text)
    written = codebook_to_yaml(codebook)
    assert "parent: strategy.other" in written
    again, problems = parse_codebook(written)
    assert problems == [] and without_lines(again) == without_lines(codebook)


# -- veto patterns and negation (issue 7) ------------------------------------------------------

VETO = """\
codebook:
  name: Veto
  negation: drop
strategy:
  definition: Where the firm stands.
  negation: lower
  patterns:
    - lemma: expansion
  veto:
    - phrase: just kidding
  codes:
    relocation:
      definition: Moving production.
      examples: [We moved.]
      patterns:
        - lemma: relocate
        - lemma: move
          negation: ignore
      veto:
        - lemma: [road, bridge]
policy:
  definition: Public policy.
  codes:
    subsidies:
      definition: Money.
      examples: [A subsidy.]
      patterns:
        - lemma: subsidy
"""


def test_veto_patterns_and_negation_settings_are_read_and_inherited():
    codebook, problems = parse_codebook(VETO, source="v.yaml")
    assert problems == []
    got = {p.rule_id: (p.role, p.negation, p.line) for c in codebook.codes for p in c.patterns}
    assert got == {
        "strategy#1": ("suggest", "lower", 8),
        "strategy#veto1": ("veto", "lower", 10),
        "strategy.relocation#1": ("suggest", "lower", 16),  # from its dimension
        "strategy.relocation#2": ("suggest", "ignore", 17),  # its own
        "strategy.relocation#veto1": ("veto", "lower", 20),
        "policy.subsidies#1": ("suggest", "drop", 28),  # the codebook section's
    }


def test_round_trip_keeps_veto_patterns_and_negation():
    codebook, _ = parse_codebook(VETO)
    written = codebook_to_yaml(codebook)
    again, problems = parse_codebook(written)
    assert problems == [] and without_lines(again) == without_lines(codebook)


@pytest.mark.parametrize(("old", "new", "line", "needle"), [
    ("  negation: drop", "  negation: maybe", 3, "negation must be one of lower, drop, ignore, "
                                                 "not 'maybe'"),
    ("  negation: lower", "  negation: [lower]", 6, "negation must be text"),
    ("          negation: ignore", "          negation: off", 18, "not 'off'"),
    ("    - phrase: just kidding", "    - phrase: \"\"", 10, "veto pattern #1: the phrase is "
                                                              "empty"),
    ("  veto:\n    - phrase: just kidding", "  veto: kidding", 9, "veto must be a list"),
])
def test_bad_veto_and_negation_values_are_reported_with_their_line(old, new, line, needle):
    assert old in VETO
    problems = problems_of(VETO.replace(old, new))
    problem = only(problems, needle.split(":")[0] if needle.startswith("veto pattern") else needle)
    assert problem.line == line and needle in problem.message
    assert problem.one_line("v.yaml").startswith(f"v.yaml:{line}: ")
