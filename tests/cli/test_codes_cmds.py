"""codes rename/move/merge: evidence follows, the GUID stays, undo reverses."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEMO, SMALL_CODEBOOK, Project


@pytest.fixture
def tiny(project: Project, tmp_path) -> Project:
    book = tmp_path / "tiny.yaml"
    book.write_text(SMALL_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(book))
    project.ok("import", str(DEMO / "interview-03.md"))
    project.ok("code", "add", "interview-03", "innovation.cell-design", "--turn", "2")
    project.ok("code", "add", "interview-03", "innovation.cell-design.own-research", "--turn",
               "4")
    project.ok("memo", "add", "about the code", "--code", "innovation.cell-design")
    return project


def _codes(p: Project) -> list[str]:
    return sorted(r["code"] for r in json.loads(p.ok("codings", "list", "--json")))


def _guids(p: Project) -> dict[str, str]:
    return {r[1]: r[2] for r in p.snapshot()["codes"]}


def test_rename_moves_the_subtree_keeps_guid_and_says_what_to_edit(tiny: Project):
    guid = _guids(tiny)["innovation.cell-design"]
    out = tiny.ok("codes", "rename", "innovation.cell-design", "innovation.cell-designs")
    assert "renamed_from: innovation.cell-design" in out
    assert _codes(tiny) == ["innovation.cell-designs", "innovation.cell-designs.own-research"]
    assert _guids(tiny)["innovation.cell-designs"] == guid
    assert json.loads(tiny.ok("memo", "list", "--json"))[0]["target"] == (
        "code innovation.cell-designs")
    tiny.ok("undo")
    assert _codes(tiny) == ["innovation.cell-design", "innovation.cell-design.own-research"]


def test_move_to_another_dimension_and_refusals(tiny: Project):
    snap = tiny.snapshot()
    assert "already a code" in tiny.fails("codes", "rename", "innovation.cell-design",
                                          "strategy.relocation")
    assert "no code" in tiny.fails("codes", "move", "innovation.cell-design", "nowhere")
    assert "under itself" in tiny.fails("codes", "rename", "innovation.cell-design",
                                        "innovation.cell-design.x")
    assert tiny.snapshot() == snap
    tiny.ok("codes", "move", "innovation.cell-design", "strategy")
    rows = json.loads(tiny.ok("codings", "list", "--json"))
    assert {(r["code"], r["dimension"]) for r in rows} == {
        ("strategy.cell-design", "strategy"), ("strategy.cell-design.own-research", "strategy")}
    tiny.ok("undo")
    assert tiny.snapshot()["codes"] == snap["codes"]


def test_merge_moves_codings_and_memos_retires_the_source_and_undo_splits(tiny: Project):
    snap = tiny.snapshot()
    assert "codes below it" in tiny.fails("codes", "merge", "innovation.cell-design",
                                          "strategy.relocation", "--yes")
    assert "add --yes" in tiny.fails("codes", "merge", "innovation.cell-design.own-research",
                                     "innovation.cell-design")
    assert tiny.snapshot() == snap
    tiny.ok("codes", "merge", "innovation.cell-design.own-research", "innovation.cell-design",
            "--yes")
    assert _codes(tiny) == ["innovation.cell-design", "innovation.cell-design"]
    with tiny.session() as session:
        from sqlalchemy import select

        from qualcode.storage.models import Code

        assert session.scalars(select(Code.retired).where(
            Code.key == "innovation.cell-design.own-research")).one() is True
    assert "own-research" not in tiny.ok("codebook", "show")  # retired codes are not listed
    tiny.ok("undo")
    assert tiny.snapshot()["codings"] == snap["codings"]
    assert tiny.snapshot()["codes"] == snap["codes"]


def test_codebook_load_follows_renamed_from_and_accepts_a_code_without_examples(
        tiny: Project, tmp_path):
    from tests.conftest import SMALL_CODEBOOK

    renamed = SMALL_CODEBOOK.replace(
        "    cell-design:\n      definition: Cell design research.\n",
        "    cell-designs:\n      renamed_from: innovation.cell-design\n"
        "      definition: Cell design research.\n").replace(
        '      examples: ["The subsidy."]\n', "")
    book = tmp_path / "renamed.yaml"
    book.write_text(renamed, encoding="utf-8")
    out = tiny.ok("codebook", "validate", str(book))
    assert "valid" in out and "warning:" in out and "no examples yet" in out
    out = tiny.ok("codebook", "load", str(book))
    assert "renamed: innovation.cell-design -> innovation.cell-designs" in out
    assert _codes(tiny) == ["innovation.cell-designs", "innovation.cell-designs.own-research"]


def test_split_gives_the_chosen_codings_to_a_new_code_and_undo_joins_them(tiny: Project):
    tiny.ok("code", "add", "interview-03", "innovation.cell-design", "--turn", "6")
    rows = json.loads(tiny.ok("codings", "list", "--code", "innovation.cell-design", "--json"))
    mine = [r["id"] for r in rows if r["code"] == "innovation.cell-design"]
    assert len(mine) == 2
    snap = tiny.snapshot()
    assert "is not a coding of" in tiny.fails("codes", "split", "innovation.cell-design",
                                              "innovation.licensing", "--coding", "99999")
    assert "no code" in tiny.fails("codes", "split", "innovation.cell-design", "nowhere.x",
                                   "--coding", str(mine[0]))
    assert tiny.snapshot() == snap
    out = tiny.ok("codes", "split", "innovation.cell-design", "innovation.licensing",
                  "--coding", str(mine[1]), "--name", "Licensing")
    assert "add innovation.licensing" in out
    by_code = {r["id"]: r["code"] for r in json.loads(tiny.ok("codings", "list", "--json"))}
    assert by_code[mine[0]] == "innovation.cell-design"
    assert by_code[mine[1]] == "innovation.licensing"
    tiny.ok("undo")
    assert tiny.snapshot()["codes"] == snap["codes"]
    assert tiny.snapshot()["codings"] == snap["codings"]
    tiny.ok("redo")
    by_code = {r["id"]: r["code"] for r in json.loads(tiny.ok("codings", "list", "--json"))}
    assert by_code[mine[1]] == "innovation.licensing"


def test_the_codebook_file_is_rewritten_keeping_comments_and_layout(tiny: Project, tmp_path):
    from tests.conftest import SMALL_CODEBOOK

    book = tmp_path / "book.yaml"
    text = "# The team's codebook; keep this comment.\n" + SMALL_CODEBOOK.replace(
        "    cell-design:\n", "    cell-design:  # the core code\n")
    book.write_text(text, encoding="utf-8")
    out = tiny.ok("codes", "rename", "innovation.cell-design", "innovation.cell-designs",
                  "--codebook", str(book))
    assert f"Rewrote {book}" in out
    assert book.read_text(encoding="utf-8") == text.replace(
        "    cell-design:  # the core code\n",
        "    cell-designs: # the core code\n      renamed_from: innovation.cell-design\n")
    # (the comment keeps its column, so a longer key leaves it one space)
    before = tiny.snapshot()["codings"]
    load = tiny.ok("codebook", "load", str(book))  # the project and the file agree
    assert "retired" not in load and "added" not in load
    assert tiny.snapshot()["codings"] == before
    tiny.ok("codes", "move", "strategy.relocation", "policy", "--codebook", str(book))
    moved = book.read_text(encoding="utf-8")
    assert "    relocation:\n      renamed_from: strategy.relocation\n" in moved
    assert moved.index("relocation:") > moved.index("subsidies:")  # now under policy
    assert "retired" not in tiny.ok("codebook", "load", str(book))
