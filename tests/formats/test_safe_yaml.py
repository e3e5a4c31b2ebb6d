"""The bounded YAML loader (formats/safe_yaml.py) and strict field types, through every reader that
uses it: transcript front matter, codebooks and coding files."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.formats.codebook_yaml import parse_codebook
from qualcode.formats.codings_yaml import read_coding_file
from qualcode.formats.transcripts import read_transcript

# Nine lists of nine aliases of the level below: 9**9 strings once expanded (the "billion laughs").
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(9)
)
HOSTILE = {
    "alias bomb": (ALIAS_BOMB, "counting what aliases repeat"),
    "10,000 nested lists": ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than 64"),
    "10,000 nested mappings": ("a: " + "{b: " * 10_000 + "}" * 10_000 + "\n",
                               "nested more than 64"),
    "deep block nesting": ("".join(" " * i + "k:\n" for i in range(200)), "nested more than 64"),
    "cyclic anchor": ("a: &x [1, *x]\n", "a cycle"),
    "cyclic mapping": ("a: &x {b: *x}\n", "a cycle"),
    "python object tag": ("a: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
                          "is not allowed"),
    "python name tag": ("a: !!python/name:os.system\n", "is not allowed"),
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_front_matter_is_refused_in_one_line_naming_the_file(tmp_path: Path, name: str):
    yaml_text, expected = HOSTILE[name]
    path = tmp_path / "t.md"
    path.write_text(f"---\n{yaml_text}---\nQ: Hello?\nA: Hi.\n", encoding="utf-8")
    rss_before = _peak_rss_mb()
    with pytest.raises(InputError) as caught:
        read_transcript(path)
    message = caught.value.one_line()
    assert message.startswith(f"{path}:") and expected in message
    assert "\n" not in message
    # Refused before anything big is built: the process's peak memory did not grow by 50 MB.
    assert _peak_rss_mb() - rss_before < 50


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_codebook_is_a_problem_with_a_line(name: str):
    yaml_text, expected = HOSTILE[name]
    text = "codebook: {name: x}\npolicy:\n  definition: Policy.\n  patterns:\n" + "".join(
        "    " + line + "\n" for line in ["- tokens:", "  - {LOWER: subsidy}"]
    ) + yaml_text
    codebook, problems = parse_codebook(text, source="cb.yaml")
    assert codebook is None
    assert any(expected in p.message for p in problems), problems
    assert all(p.line is not None for p in problems)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_coding_file_is_refused_naming_file_and_line(tmp_path: Path, name: str):
    yaml_text, expected = HOSTILE[name]
    path = tmp_path / "c.yaml"
    path.write_text("document: d\ncoder: wei\ncodings:\n  - code: x\n    quote: y\n" + yaml_text,
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_coding_file(path)
    message = caught.value.one_line()
    assert message.startswith(f"{path}:") and expected in message


def test_values_python_cannot_build_are_refused_with_their_line(tmp_path: Path):
    # A front-matter date with month 13 was a ValueError; digits past Python's int limit too.
    with pytest.raises(InputError) as caught:
        read_transcript(_front(tmp_path, "interview:\n  date: 2018-13-01"))
    assert caught.value.one_line().startswith(f"{tmp_path / 't.md'}:3: 'interview.date': "
                                              "2018-13-01 is not a real date (month must be in")
    with pytest.raises(InputError, match=r"c\.yaml:6: 'occurrence': '9999.*not a valid value"):
        path = tmp_path / "c.yaml"
        path.write_text(CODING + "    occurrence: " + "9" * 5000 + "\n", encoding="utf-8")
        read_coding_file(path)
    text = ("policy:\n  definition: Policy.\n  patterns:\n    - tokens:\n"
            "      - {LENGTH: " + "9" * 5000 + "}\n")
    codebook, problems = parse_codebook(text, source="cb.yaml")
    assert codebook is None and problems[0].line == 5
    assert "not a valid value" in problems[0].message


def test_an_oversized_coding_file_is_refused_before_parsing(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("document: d\ncoder: wei\ncodings:\n" + "#" * (9 * 1024 * 1024) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="a coding file is at most 8 MB"):
        read_coding_file(path)


def test_a_few_aliases_are_still_fine(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("document: d\ncoder: &c wei\ncodings:\n  - code: x\n    quote: &q y\n"
                    "    memo: *q\n", encoding="utf-8")
    parsed = read_coding_file(path)
    assert (parsed.coder, parsed.codings[0].memo) == ("wei", "y")


# -- strict types in coding files ------------------------------------------------------------------

CODING = "document: interview-03\ncoder: wei\ncodings:\n  - code: policy.subsidies\n    quote: q\n"


@pytest.mark.parametrize("line, expected", [
    ("    key: 'no'", "'key' must be true or false, not the text 'no'"),
    ("    key: yes", "'key' must be true or false, not the boolean yes"),
    ("    key: 1", "'key' must be true or false, not the number 1"),
    ("    occurrence: true", "'occurrence' must be a whole number of 1 or more, not the boolean"),
    ("    occurrence: '2'", "'occurrence' must be a whole number of 1 or more, not the text '2'"),
    ("    occurrence: 0", "'occurrence' must be a whole number of 1 or more, not the number 0"),
    ("    memo: [a, b]", "'memo' must be text, not a list"),
    ("    memo: {a: 1}", "'memo' must be text, not a mapping"),
    ("    kye: true", "unknown field(s) kye"),
    ("    quote: twice", "'quote' is given twice"),
])
def test_wrong_types_in_a_coding_are_refused_with_file_line_and_field(tmp_path, line, expected):
    path = tmp_path / "c.yaml"
    path.write_text(CODING + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_coding_file(path)
    message = caught.value.one_line()
    assert expected in message
    assert message.startswith(f"{path}:4" if "unknown" in expected else f"{path}:6")


@pytest.mark.parametrize("text, expected", [
    (CODING.replace("coder: wei", "coder: {a: 1}"), "'coder' must be a name (text), not a mapping"),
    (CODING.replace("coder: wei", "coder: [wei, li]"), "'coder' must be a name (text), not a list"),
    (CODING.replace("coder: wei", "coder: no"), "'coder' must be a name (text), not the boolean"),
    (CODING.replace("document: interview-03", "document: 03"),
     "'document' must be a name (text), not the number 03"),
    (CODING.replace("code: policy.subsidies", "code: 12"), "'code' must be a name (text)"),
    (CODING + "summaries: [a]\n", "'summaries' must be a mapping"),
    (CODING + "summaries:\n  policy: {a: 1}\n", "'summaries.policy' must be text"),
    (CODING + "summary:\n  policy: typo in the field name\n", "unknown field(s) summary"),
])
def test_wrong_types_at_the_top_of_a_coding_file_are_refused(tmp_path, text, expected):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_coding_file(path)
    assert expected in caught.value.one_line()
    assert caught.value.one_line().startswith(f"{path}:")


def test_text_fields_are_read_exactly_as_written(tmp_path: Path):
    path = tmp_path / "c.yaml"
    huge = "9" * 5000  # a number this long was an OverflowError in the database before
    path.write_text(CODING.replace("quote: q", "quote: 2018") + f"    memo: {huge}\n"
                    "    key: true\n  - code: policy.subsidies\n    quote: yes\n"
                    "    memo: 1.10\n    key: false\n    occurrence: 2\n"
                    "summaries:\n  policy: no\n", encoding="utf-8")
    parsed = read_coding_file(path)
    first, second = parsed.codings
    assert (first.quote, first.memo, first.key) == ("2018", huge, True)
    assert (second.quote, second.memo, second.key, second.occurrence) == ("yes", "1.10", False, 2)
    assert parsed.summaries == {"policy": "no"}


def test_quoted_names_are_accepted(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text(CODING.replace("document: interview-03", "document: '03'")
                    .replace("coder: wei", "coder: 'no'"), encoding="utf-8")
    parsed = read_coding_file(path)
    assert (parsed.document, parsed.coder) == ("03", "no")


# -- strict types in front matter ------------------------------------------------------------------

def _front(tmp_path: Path, yaml_text: str) -> Path:
    path = tmp_path / "t.md"
    path.write_text(f"---\n{yaml_text}\n---\nQ: Hello?\nA: Hi.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("yaml_text, expected", [
    ("case: NO", "'case' must be a name (text), not the boolean NO"),
    ("case: 2018", "'case' must be a name (text), not the number 2018"),
    ("case: {a: 1}", "'case' must be a name (text), not a mapping"),
    ("synthetic: 'yes'", "'synthetic' must be true or false, not the text 'yes'"),
    ("synthetic: on", "'synthetic' must be true or false, not the boolean on"),
    ("interview:\n  date: 2018-13-01", "'interview.date': 2018-13-01 is not a real date"),
    ("interview:\n  date: 2018", "'interview.date' must be a date written YYYY-MM-DD"),
    ("interview:\n  place: [a, b]", "'interview.place' must be text, not a list"),
    ("case_attributes:\n  segment: [cells, packs]", "'case_attributes.segment' must be one value"),
    ("case_attributes:\n  founded: 2018-02-30", "'case_attributes.founded': 2018-02-30 is not"),
    ("interviewer_labels: [Q, 1]", "'interviewer_labels' must be a name (text), not the number"),
    ("title: x\ntitle: y", "'title' is given twice"),
    ("transcriber: {name: K}", "'transcriber' must be one value"),
])
def test_wrong_types_in_front_matter_are_refused_with_line_and_field(tmp_path, yaml_text,
                                                                     expected):
    path = _front(tmp_path, yaml_text)
    with pytest.raises(InputError) as caught:
        read_transcript(path)
    message = caught.value.one_line()
    assert expected in message
    assert message.startswith(f"{path}:")


def test_front_matter_values_as_written(tmp_path: Path):
    parsed = read_transcript(_front(tmp_path, "case: 'NO'\ntitle: 1984\ncase_attributes:\n"
                                              "  listed: yes\n  public: true\n  founded: 2009\n"
                                              "  since: 2009-04-01\ninterview:\n"
                                              "  date: '2018-07-12'"))
    meta = parsed.meta
    assert (meta.case, meta.title, meta.date) == ("NO", "1984", "2018-07-12")
    assert meta.case_attributes == {"listed": "yes", "public": True, "founded": 2009,
                                    "since": "2009-04-01"}
