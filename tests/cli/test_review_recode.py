"""review's recode prompt: fuzzy matching of codes, cancelling, messages that stay; the
prompt_toolkit prompt driven by scripted keys."""

from __future__ import annotations

import pytest

from qualcode.services.code_finder import CodeChoice, rank, resolve
from tests.cli.test_suggest_cmds import _suggestions, mini  # noqa: F401 - the fixture

CODES = [
    CodeChoice("policy.subsidies", "Subsidies", "Money from government tied to vehicles."),
    CodeChoice("policy.land", "Land", "Land deals."),
    CodeChoice("strategy.relocation", "Relocation", "Moving from Shenzhen."),
    CodeChoice("innovation.cell-design", "Cell design", "Who designs the cells."),
    CodeChoice("innovation.cell-design.own-research", "Own research", "Own labs."),
]


def test_ranking_by_key_name_definition_and_letters_in_order():
    assert [c.key for c in rank(CODES, "cell")][:2] == [
        "innovation.cell-design", "innovation.cell-design.own-research"]
    assert rank(CODES, "policy.land")[0].key == "policy.land"  # exact key first
    assert [c.key for c in rank(CODES, "shenzhen")] == ["strategy.relocation"]  # definition
    assert [c.key for c in rank(CODES, "own research")] == [
        "innovation.cell-design.own-research"]
    assert rank(CODES, "reloc")[0].key == "strategy.relocation"
    assert rank(CODES, "cd")[0].key == "innovation.cell-design"  # letters in order
    assert rank(CODES, "zzz") == [] and resolve(CODES, "zzz") is None
    assert resolve(CODES, "  ") is None


def test_translated_names_and_definitions_are_searched_too():
    codes = [CodeChoice("policy.subsidies", "Subsidies", "Money from government.",
                        ("补贴",), ("政府给企业的资金。",)),
             CodeChoice("policy.land", "Land", "Land deals.", ("土地",), ("土地交易。",))]
    assert [c.key for c in rank(codes, "补贴")] == ["policy.subsidies"]  # a translated name
    assert [c.key for c in rank(codes, "资金")] == ["policy.subsidies"]  # a translated definition
    assert [c.key for c in rank(codes, "土地")] == ["policy.land"]


def test_recode_takes_a_partial_answer_and_an_empty_answer_cancels(mini):  # noqa: F811
    mini.ok("suggest")
    queue = _suggestions(mini)
    # c + empty line: cancelled, still on the first suggestion; then c + "reloc": recoded
    out = mini.ok("review", "--coder", "wei", input="c\ncreloc\nq")
    assert "Recode cancelled; back to the suggestion." in out
    first = {s["id"]: s for s in _suggestions(mini)}[queue[0]["id"]]
    assert first["status"] == "rejected"  # recoded: the suggested code was wrong
    assert "recoded 1" in out
    import json

    codings = json.loads(mini.ok("codings", "list", "--json"))
    assert [(c["code"], c["start"]) for c in codings] == [("strategy.relocation",
                                                           queue[0]["start"])]


def test_escape_cancels_and_an_unknown_answer_is_said_and_changes_nothing(mini):  # noqa: F811
    mini.ok("suggest")
    before = mini.snapshot()
    out = mini.ok("review", input="c\x1b\nczzz\nx q")
    assert "Recode cancelled" in out and "No code matches 'zzz'" in out
    assert "Unknown key 'x'" in out
    assert mini.snapshot()["suggestions"] == before["suggestions"]
    assert mini.snapshot()["codings"] == before["codings"]


@pytest.mark.parametrize(("keys", "expected"), [
    ("reloc\t\r", "strategy.relocation"),   # Tab completes the first match, Enter takes it
    ("own\t\r", "innovation.cell-design.own-research"),
    ("shenz\r", "strategy.relocation"),     # Enter without Tab: the best match
    ("\r", None),                           # empty Enter cancels
    ("rel\x1b", None),                      # Esc cancels
    ("policy.land\r", "policy.land"),
])
def test_the_prompt_with_scripted_keys(keys, expected):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from qualcode.cli.code_prompt import ask_code

    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        assert ask_code(CODES, input=pipe, output=DummyOutput()) == expected
