"""The writer: XSD-valid .qdc and .qdpx (checked with lxml against the shipped schemas), element
order, deterministic bytes; and the pieces it shares with the reader (code descriptions, keys)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.formats.refiqda import CODEBOOK_XSD, PROJECT_XSD, read_refi
from qualcode.formats.refiqda.codetext import CodeText, compose, parse
from qualcode.formats.refiqda.keys import plan_codes, slug
from qualcode.formats.refiqda.model import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    RefiValue,
    RefiVariable,
    export_guid,
)
from qualcode.formats.refiqda.writer import codebook_xml, project_xml, qdpx_bytes

# Safe settings even for our own output: no entities, no network, no DTD.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path), PARSER))


def assert_valid(xsd: Path, data: bytes) -> None:
    s = schema(xsd)
    doc = etree.fromstring(data, PARSER)
    assert s.validate(doc), [str(e) for e in s.error_log]


def _codes() -> list[RefiCode]:
    child = RefiCode(guid=export_guid("t", "c"), name="Relocation", colour="#4e9bd6",
                     description=compose(CodeText("Moving plants.", ("a",), ("b",), ("c",),
                                                  key="strategy.relocation")))
    retired = RefiCode(guid=export_guid("t", "r"), name="Old", codable=False)
    return [RefiCode(guid=export_guid("t", "d"), name="Strategy", colour="#123",
                     description="Where the firm sits.", children=[child, retired])]


def _project() -> RefiProject:
    user = RefiUser(guid=export_guid("user", "wei"), name="wei")
    var = RefiVariable(guid=export_guid("v", "employees"), name="employees", type="Integer")
    fvar = RefiVariable(guid=export_guid("v", "share"), name="share", type="Float")
    text = "Interviewer: Why Huizhou?\nMr. Chen: Land was cheap \x0c here."
    sel = RefiSelection(guid=export_guid("s", 1), start=36, end=51, name=text[36:51],
                        creating_user=user.guid, created="2018-07-12T10:00:00Z")
    note = RefiNote(guid=export_guid("n", 1), name="Memo", text="contrast with Firm B\r\nok")
    sel.codings.append(RefiCoding(guid=export_guid("c", 1), code=_codes()[0].children[0].guid,
                                  creating_user=user.guid, note_refs=[note.guid]))
    source = RefiSource(kind="TextSource", guid=export_guid("src", 1), name="interview-03",
                        plain_text_path=f"internal://{export_guid('src', 1)}.txt", text=text,
                        selections=[sel], values=[RefiValue(var.guid, "Integer", "4800")])
    case = RefiCase(guid=export_guid("case", 1), name="Firm C",
                    values=[RefiValue(var.guid, "Integer", "4800"),
                            RefiValue(fvar.guid, "Float", "0.25")],
                    source_refs=[source.guid])
    return RefiProject(name="demo", origin="qualcode test", users=[user], codes=_codes(),
                       variables=[var, fvar], cases=[case], sources=[source], notes=[note],
                       note_refs=[note.guid], description="About the project.")


def test_codebook_is_valid_against_codebook_xsd():
    data = codebook_xml(_codes(), origin="qualcode test")
    assert_valid(CODEBOOK_XSD, data)
    assert b'isCodable="false"' in data


def test_empty_codebook_is_refused_rather_than_written_invalid():
    with pytest.raises(ValueError):
        codebook_xml([], origin="x")


def test_project_is_valid_and_in_xsd_order():
    data = project_xml(_project())
    assert_valid(PROJECT_XSD, data)
    root = etree.fromstring(data, PARSER)
    order = [etree.QName(c).localname for c in root]
    assert order == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes",
                     "Description", "NoteRef"]


def test_minimal_project_omits_empty_containers():
    data = project_xml(RefiProject(name="empty"))
    assert_valid(PROJECT_XSD, data)
    assert b"<Codes" not in data and b"<Sources" not in data


def test_control_characters_and_cr_do_not_break_the_xml():
    data = project_xml(_project())
    assert b"\x0c" not in data
    note = etree.fromstring(data, PARSER).find(".//{*}Note/{*}PlainTextContent")
    assert note.text == "contrast with Firm B\nok"


def test_qdpx_layout_and_determinism(tmp_path: Path):
    first, second = qdpx_bytes(_project()), qdpx_bytes(_project())
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    names = archive.namelist()
    assert names[0] == "project.qde"
    source_file = f"sources/{export_guid('src', 1)}.txt"
    assert names[1:] == [source_file]
    raw = archive.read(source_file)
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8") == _project().sources[0].text


def test_written_project_reads_back(tmp_path: Path):
    path = tmp_path / "p.qdpx"
    path.write_bytes(qdpx_bytes(_project()))
    refi = read_refi(path)
    project = refi.project
    assert project is not None
    assert [c.name for c in project.codes[0].children] == ["Relocation", "Old"]
    assert project.codes[0].children[1].codable is False
    [text] = refi.texts.values()
    assert text.detection.spans == [(36, 51)]
    assert text.text[36:51] == "Land was cheap "
    assert refi.notes[export_guid("n", 1)] == "contrast with Firm B\nok"
    assert project.cases[0].values[1].value == "0.25"


def test_code_description_round_trip():
    text = CodeText("Moving plants\n\nout of Shenzhen.", ("moves", "splits"), ("incentives",),
                    ("We moved in 2012.",), key="strategy.relocation")
    assert parse(compose(text)) == text
    assert parse(compose(CodeText("Just a definition.", key="k"))) == CodeText(
        "Just a definition.", key="k")


def test_foreign_descriptions_are_kept_whole():
    foreign = "Include:\n- this is how MAXQDA users write too"
    assert parse(foreign) == CodeText(definition=foreign)
    odd = "Definition.\n\nInclude:\nnot a list item\n\nqualcode key: a.b"
    assert parse(odd).definition == "Definition.\n\nInclude:\nnot a list item"


def test_keys_for_a_foreign_tree():
    codes = [RefiCode(guid=export_guid("k", 1), name="Cell Design (R&D)", children=[
        RefiCode(guid=export_guid("k", 2), name="Own research"),
        RefiCode(guid=export_guid("k", 3), name="Own  Research!"),
        RefiCode(guid=export_guid("k", 4), name="电池"),
    ])]
    plan = plan_codes(codes, existing_by_guid={}, existing_keys=set(), where="x")
    keys = [p.key for p in plan]
    assert keys[:3] == ["cell-design-r-d", "cell-design-r-d.own-research",
                        "cell-design-r-d.own-research-2"]
    assert keys[3].startswith("cell-design-r-d.code-")
    assert all(p.is_new for p in plan)


def test_keys_come_back_from_descriptions_and_existing_codes_match():
    dim = RefiCode(guid="{" + export_guid("k", 9).upper() + "}", name="Value-chain strategy",
                   description="…\n\nqualcode key: strategy")
    dim.children = [RefiCode(guid=export_guid("k", 10), name="Relocation",
                             description="x\n\nqualcode key: strategy.relocation"),
                    RefiCode(guid=export_guid("k", 11), name="Moved",
                             description="x\n\nqualcode key: policy.wrong-place")]
    plan = plan_codes([dim], existing_by_guid={export_guid("k", 9): "strategy"},
                      existing_keys={"strategy", "strategy.relocation"}, where="x")
    assert [(p.key, p.matched_by) for p in plan] == [
        ("strategy", "guid"), ("strategy.relocation", "key"), ("strategy.moved", None)]


def test_slug_limits():
    assert slug("  ", "ABCDEF12-0000-0000-0000-000000000000") == "code-abcdef12"
    assert len(slug("x" * 500, "g")) == 60
