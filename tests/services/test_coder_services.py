"""What the full-screen coder stands on: the fuzzy code ranking, the splice of a new code into a
codebook file, making a code from the coder, and restoring a removed coding exactly."""

from __future__ import annotations

import codecs
import difflib
from pathlib import Path

import pytest

from qualcode.errors import CodebookError, ConflictError
from qualcode.formats.codebook_insert import insert_code
from qualcode.formats.codebook_yaml import parse_codebook
from qualcode.services import coder_view
from qualcode.services.code_create import create_code
from qualcode.services.coding import add_coding, remove_coding
from qualcode.services.coding_edit import restore_coding, set_key, set_memo
from tests.conftest import CODEBOOK, SMALL_CODEBOOK, Project


def _choice(key: str, name: str = "", definition: str = "", include=()) -> coder_view.CodeChoice:
    return coder_view.CodeChoice(key=key, name=name or key, dimension=key.split(".")[0],
                                 depth=key.count("."), definition=definition,
                                 include=list(include), exclude=[], colour=None, examples=1)


CHOICES = [
    _choice("strategy.relocation", "Relocation", "Moving production to Huizhou."),
    _choice("policy.relocation-incentives", "Relocation incentives", "Land and tax offers."),
    _choice("innovation.cell-design", "Cell design", "Designing cells in house."),
    _choice("policy.subsidies", "Subsidies", "Money from government.", include=["grants"]),
]


def _keys(query: str, **kw) -> list[str]:
    return [c.key for c in coder_view.rank_codes(CHOICES, query, **kw)]


def test_rank_codes_key_and_name_before_definition_and_rules():
    assert _keys("reloc") == ["strategy.relocation", "policy.relocation-incentives"]
    assert _keys("incent") == ["policy.relocation-incentives"]
    assert _keys("celldes") == ["innovation.cell-design"]  # letters in order
    assert _keys("government") == ["policy.subsidies"]  # from the definition
    assert _keys("grants") == ["policy.subsidies"]  # from an inclusion rule
    assert _keys("policy reloc") == ["policy.relocation-incentives"]  # every word must match
    assert _keys("zzz") == []


def test_an_empty_query_lists_recent_codes_first():
    assert _keys("", recent=["policy.subsidies"])[:2] == ["policy.subsidies",
                                                          "strategy.relocation"]
    assert len(_keys("")) == len(CHOICES)


BOOK = """\
# top comment
codebook: {name: t}
strategy:
  definition: S.
  codes:
    relocation:
      definition: Moving.
      examples: [We moved.]
      patterns:
        - tokens: [{LOWER: moved}]   # a flow mapping a YAML dump would rewrite
      # a comment that belongs to relocation

    heritage:
      definition: >-
        Roots in consumer
        batteries.
      examples: [Phones.]

# the policy dimension
policy:
  definition: P.
"""


def test_insert_keeps_every_other_byte_and_sits_after_the_last_sibling():
    new = insert_code(BOOK, "strategy.split-site", {"name": "Split: site", "definition": "HQ # 1",
                                                     "include": [], "examples": ["A."]})
    assert new.replace(
        "\n    split-site:\n      name: \"Split: site\"\n      definition: \"HQ # 1\"\n"
        "      examples:\n        - A.\n", "", 1) == BOOK
    assert new.index("split-site") > new.index("batteries.")
    assert new.index("split-site") < new.index("# the policy dimension")
    codebook, problems = parse_codebook(new)
    assert problems == []
    code = codebook.by_key()["strategy.split-site"]
    assert (code.name, code.definition, code.parent) == ("Split: site", "HQ # 1", "strategy")


def test_insert_under_a_code_without_children_and_under_a_bare_dimension():
    new = insert_code(BOOK, "strategy.relocation.split", {"definition": "Split."})
    lines = new.splitlines()
    at = lines.index("      codes:")
    assert lines[at - 1] == "      # a comment that belongs to relocation"
    assert lines[at + 1:at + 3] == ["        split:", "          definition: Split."]
    codebook, problems = parse_codebook(new)
    assert problems == [] and codebook.by_key()["strategy.relocation.split"].parent == (
        "strategy.relocation")
    # Without examples it is a warning, never a problem.
    assert [w.key for w in codebook.warnings] == ["strategy.relocation.split"]
    new = insert_code(BOOK, "policy.land", {"definition": "Land."})
    assert new.endswith("  definition: P.\n  codes:\n    land:\n      definition: Land.\n")
    assert parse_codebook(new)[1] == []


def test_insert_keeps_crlf_line_ends():
    crlf = BOOK.replace("\n", "\r\n")
    new = insert_code(crlf, "policy.land", {"definition": "Land."})
    assert "\n" not in new.replace("\r\n", "")
    assert new.replace("  codes:\r\n    land:\r\n      definition: Land.\r\n", "") == crlf


@pytest.mark.parametrize(("key", "message"), [
    ("strategy", "not a code key under a dimension"),
    ("nowhere.thing", "no code 'nowhere'"),
    ("strategy.nowhere.thing", "no code 'strategy.nowhere'"),
    ("strategy.relocation", "already has a code 'strategy.relocation'"),
    ("strategy.Bad_Key", "bad key part 'Bad_Key'"),
])
def test_insert_refuses_with_a_reason(key, message):
    with pytest.raises(CodebookError) as exc:
        insert_code(BOOK, key, {"definition": "D."})
    assert message in exc.value.one_line()


def test_create_code_writes_loads_and_says_what_else_came_in(project: Project, tmp_path: Path):
    book = tmp_path / "book.yaml"
    book.write_bytes(codecs.BOM_UTF8 + SMALL_CODEBOOK.encode("utf-8"))
    project.ok("codebook", "load", str(book))
    # An edit made in the file but not loaded yet comes in with the new code, and is named.
    book.write_bytes(book.read_bytes().replace(b"Moving production.", b"Moving plants."))
    with project.session() as session:
        made = create_code(session, book, key="innovation.cell-design.licensing",
                           definition="Licensing a design.", actor="tester")
    assert made.also_loaded == ["strategy.relocation"]
    assert made.warnings and "no examples" in made.warnings[0]
    assert book.read_bytes().startswith(codecs.BOM_UTF8)
    tree = project.ok("codebook", "show")
    assert "licensing" in tree


def test_create_code_refusals_leave_file_and_database_alone(project: Project, tmp_path: Path):
    book = tmp_path / "book.yaml"
    book.write_text(SMALL_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    old, before = book.read_bytes(), project.snapshot()
    for key, definition, error in (
        ("strategy.relocation", "D.", ConflictError),  # in the project already
        ("strategy.new", " ", CodebookError),  # no definition
        ("nowhere.new", "D.", CodebookError),  # no such parent in the file
    ):
        with pytest.raises(error), project.session() as session:
            create_code(session, book, key=key, definition=definition, actor="tester")
    assert book.read_bytes() == old and project.snapshot() == before


def test_a_removed_coding_is_restored_exactly(coded_project: Project):
    with coded_project.session() as session:
        row = add_coding(session, document="interview-03", code="policy.subsidies",
                         coder="tester", actor="tester", quote="Huizhou", occurrence=1)
        set_key(session, row.id, True, actor="tester")
        set_memo(session, row.id, "why here", actor="tester")
    full = coded_project.snapshot()["codings"]
    with coded_project.session() as session:
        gone = remove_coding(session, row.id, actor="tester")
    assert len(coded_project.snapshot()["codings"]) == len(full) - 1
    with coded_project.session() as session:
        restore_coding(session, gone, actor="tester")
    assert coded_project.snapshot()["codings"] == full
    with pytest.raises(ConflictError), coded_project.session() as session:
        restore_coding(session, gone, actor="tester")


def test_bundled_codebook_takes_a_new_code_with_only_lines_added():
    text = CODEBOOK.read_text(encoding="utf-8")
    new = insert_code(text, "market-position.exports", {"definition": "Selling abroad."})
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert len(new_lines) == len(old_lines) + 3  # the blank line, the key, the definition
    ops = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False).get_opcodes()
    assert [op for op, *_ in ops] == ["equal", "insert", "equal"]
    _op, _a1, _a2, b1, b2 = ops[1]
    assert sorted(new_lines[b1:b2]) == ["", "      definition: Selling abroad.", "    exports:"]
    assert parse_codebook(new)[1] == []
