"""REFI-QDA export and import through the services, on real project databases: the demo project
survives a round trip; imports merge, refuse and report as documented; real samples import."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from qualcode.errors import ConflictError, InputError, QualcodeError
from qualcode.formats.refiqda import CODEBOOK_XSD, PROJECT_XSD
from qualcode.services.cases import case_attributes
from qualcode.services.refi_export import export_codebook, export_project
from qualcode.services.refi_import import import_refi
from qualcode.storage.models import Case, Code, Coder, Coding, Document, Summary
from tests.conftest import Project, new_project

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SAMPLES = SHARED / "refi-qda" / "samples"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def validate(xsd: Path, data: bytes) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd), PARSER))
    assert schema.validate(etree.fromstring(data, PARSER)), [str(e) for e in schema.error_log]


def fresh(tmp_path: Path, name: str = "fresh") -> Project:
    return new_project(tmp_path / name)


def export(project: Project, path: Path, *, codebook: bool = False):
    with project.session() as s:
        return export_codebook(s, path) if codebook else export_project(s, path)


def do_import(project: Project, path: Path, **kw):
    with project.session() as s:
        return import_refi(s, path, actor="tester", **kw)


def state(project: Project) -> dict:
    """What a researcher would compare after a round trip."""
    with project.session() as s:
        codes = {c.key: (c.name, c.parent.key if c.parent else None, c.dimension, c.is_dimension,
                         (c.colour or "").lower(), c.definition, tuple(c.include),
                         tuple(c.exclude), tuple(c.examples), c.retired)
                 for c in s.scalars(select(Code))}
        docs = {d.name: (d.text, d.case.name if d.case else None, d.interviewee_role,
                         d.interview_date, d.place, d.synthetic,
                         [(t.number, t.speaker, t.role, t.start, t.end) for t in d.turns])
                for d in s.scalars(select(Document))}
        cases = {c.name: case_attributes(c) for c in s.scalars(select(Case))}
        codings = sorted((c.document.name, c.code.key, c.coder.name, c.start, c.end, c.quote,
                          c.memo or "") for c in s.scalars(select(Coding)))
    return {"codes": codes, "documents": docs, "cases": cases, "codings": codings}


# -- export ----------------------------------------------------------------------------------------


def test_exports_validate_against_the_xsds(coded_project: Project, tmp_path: Path):
    qdpx, qdc = tmp_path / "demo.qdpx", tmp_path / "codes.qdc"
    result = export(coded_project, qdpx)
    export(coded_project, qdc, codebook=True)
    with zipfile.ZipFile(qdpx) as archive:
        validate(PROJECT_XSD, archive.read("project.qde"))
        texts = [n for n in archive.namelist() if n.startswith("sources/")]
    validate(CODEBOOK_XSD, qdc.read_bytes())
    with coded_project.session() as s:
        n_codings = len(list(s.scalars(select(Coding))))
        n_docs = len(list(s.scalars(select(Document))))
        n_memos = len([c for c in s.scalars(select(Coding)) if c.memo])
        n_summaries = len(list(s.scalars(select(Summary))))
    assert result.codings == n_codings and result.sources == n_docs == len(texts) == 12
    assert result.notes == n_memos + n_summaries
    assert result.users == 1 and result.cases == 12


def test_export_is_deterministic(coded_project: Project, tmp_path: Path):
    export(coded_project, tmp_path / "a.qdpx")
    export(coded_project, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()


def test_export_refuses_to_overwrite_and_wrong_suffixes(coded_project: Project, tmp_path: Path):
    target = tmp_path / "demo.qdpx"
    export(coded_project, target)
    with pytest.raises(ConflictError, match="exists"):
        export(coded_project, target)
    with pytest.raises(InputError, match=r"\.qdc"):
        export(coded_project, tmp_path / "codes.qdpx", codebook=True)


def test_codebook_export_needs_codes(project: Project, tmp_path: Path):
    with pytest.raises(QualcodeError, match="no codes"):
        export(project, tmp_path / "x.qdc", codebook=True)
    assert not (tmp_path / "x.qdc").exists()


# -- round trip ------------------------------------------------------------------------------------


def test_round_trip_into_a_fresh_project(coded_project: Project, tmp_path: Path):
    out = tmp_path / "demo.qdpx"
    export(coded_project, out)
    target = fresh(tmp_path)
    report = do_import(target, out)
    before, after = state(coded_project), state(target)
    assert after["codes"] == before["codes"]
    assert after["documents"] == before["documents"]
    assert after["cases"] == before["cases"]
    assert [c[:2] + c[3:] for c in after["codings"]] == [c[:2] + c[3:] for c in before["codings"]]
    assert {c[2] for c in after["codings"]} == {"wei"}
    assert report.codings_added == len(before["codings"])
    assert {d.convention for d in report.documents} == {"codepoints"}
    with target.session() as s:
        assert {c.origin for c in s.scalars(select(Coding))} == {"imported"}


def test_coder_prefix_keeps_imported_coders_apart(coded_project: Project, tmp_path: Path):
    out = tmp_path / "demo.qdpx"
    export(coded_project, out)
    report = do_import(coded_project, out, merge=True, coder_prefix="nvivo-")
    assert report.coders == ["nvivo-wei"]
    assert report.codes_added == [] and len(report.codes_matched) == 36
    assert {d.status for d in report.documents} == {"unchanged"}
    with coded_project.session() as s:
        by_coder = Counter(c.coder.name for c in s.scalars(select(Coding)))
    assert by_coder["nvivo-wei"] == by_coder["wei"] == report.codings_added


def test_reimport_with_merge_is_a_no_op(coded_project: Project, tmp_path: Path):
    out = tmp_path / "demo.qdpx"
    export(coded_project, out)
    target = fresh(tmp_path)
    do_import(target, out)
    snap = target.snapshot()
    report = do_import(target, out, merge=True)
    assert report.codings_added == 0 and report.codings_unchanged > 400
    after = target.snapshot()
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in snap.items() if k != "events"}


def test_retired_codes_travel_as_not_codable(coded_project: Project, tmp_path: Path):
    with coded_project.session() as s:
        code = s.scalars(select(Code).where(Code.key == "strategy.niche-focus")).one()
        code.retired = True
    out = tmp_path / "demo.qdpx"
    result = export(coded_project, out)
    assert result.retired_codes == 1
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("project.qde").decode()
    assert 'name="Niche focus" isCodable="false"' in xml
    target = fresh(tmp_path)
    do_import(target, out)
    with target.session() as s:
        assert s.scalars(select(Code).where(Code.key == "strategy.niche-focus")).one().retired
        assert not s.scalars(select(Code).where(Code.key == "strategy")).one().retired


# -- codebook imports ------------------------------------------------------------------------------


def test_codebook_import_refuses_to_clobber_without_merge(coded_project: Project, tmp_path: Path):
    qdc = tmp_path / "codes.qdc"
    export(coded_project, qdc, codebook=True)
    other = fresh(tmp_path)
    do_import(other, qdc)
    before = coded_project.snapshot()
    with pytest.raises(ConflictError, match="--merge"):
        do_import(coded_project, qdc)
    assert coded_project.snapshot() == before
    with other.session() as s:
        assert len(list(s.scalars(select(Code)))) == 36


def test_merge_keeps_the_projects_codes_and_reports_differences(
    coded_project: Project, tmp_path: Path
):
    qdc = tmp_path / "codes.qdc"
    export(coded_project, qdc, codebook=True)
    text = qdc.read_text(encoding="utf-8").replace('name="Relocation"', 'name="Moving out"')
    text = text.replace("</Codes>", '<Code guid="0f0f0f0f-1111-2222-3333-444444444444" '
                                    'name="Team ideas" isCodable="true"/></Codes>')
    qdc.write_text(text, encoding="utf-8")
    report = do_import(coded_project, qdc, merge=True)
    assert report.codes_added == ["team-ideas"]
    relocation = next(m for m in report.codes_matched if m["key"] == "strategy.relocation")
    assert relocation == {"key": "strategy.relocation", "by": "guid", "differs": ["name"]}
    with coded_project.session() as s:
        assert s.scalars(select(Code).where(Code.key == "strategy.relocation")).one().name == (
            "Relocation")
        team = s.scalars(select(Code).where(Code.key == "team-ideas")).one()
        assert team.is_dimension and team.dimension == "team-ideas"


def test_a_codebook_with_new_keys_needs_no_merge(coded_project: Project, tmp_path: Path):
    path = tmp_path / "tag.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1:0">'
        '<Codes><Code guid="{AAAAAAAA-0000-0000-0000-000000000001}" name="Trust" isCodable="true"'
        ' color="#abc"><Description>Who trusts whom.</Description><Code guid="aaaaaaaa-0000-0000'
        '-0000-000000000002" name="Banks" isCodable="false"/></Code></Codes><Sets/></CodeBook>',
        encoding="utf-8")
    report = do_import(coded_project, path)
    assert report.codes_added == ["trust", "trust.banks"]
    with coded_project.session() as s:
        trust = s.scalars(select(Code).where(Code.key == "trust")).one()
        banks = s.scalars(select(Code).where(Code.key == "trust.banks")).one()
        assert trust.guid == "{AAAAAAAA-0000-0000-0000-000000000001}"  # kept as written
        assert (trust.colour, trust.definition, banks.parent_id) == ("#abc", "Who trusts whom.",
                                                                       trust.id)
        assert banks.retired and banks.dimension == "trust"


# -- foreign projects ------------------------------------------------------------------------------

NVIVO_LIKE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="team" origin="NVivo 14 (test)">
<Users><User guid="{A1111111-0000-0000-0000-000000000000}" name="Alice"/></Users>
<CodeBook><Codes><Code guid="C0000000-0000-0000-0000-000000000001" name="Subsidies"
 isCodable="true"/></Codes></CodeBook>
<Variables><Variable guid="b0000000-0000-0000-0000-000000000001" name="segment"
 typeOfVariable="Text"/><Variable guid="b0000000-0000-0000-0000-000000000002" name="founded"
 typeOfVariable="Integer"/></Variables>
<Cases><Case guid="e0000000-0000-0000-0000-000000000001" name="Firm Z">
<VariableValue><VariableRef targetGUID="b0000000-0000-0000-0000-000000000001"/>
<TextValue>cells</TextValue></VariableValue>
<VariableValue><VariableRef targetGUID="b0000000-0000-0000-0000-000000000002"/>
<IntegerValue>2009</IntegerValue></VariableValue>
<SourceRef targetGUID="d0000000-0000-0000-0000-000000000001"/></Case></Cases>
<Sources><TextSource guid="d0000000-0000-0000-0000-000000000001" name="Firm Z interview.docx"
 plainTextPath="internal://d0000000-0000-0000-0000-000000000001.txt">
<PlainTextSelection guid="f0000000-0000-0000-0000-000000000001" name="Selection 1"
 startPosition="@S1" endPosition="@E1" creatingUser="a1111111-0000-0000-0000-000000000000">
<Coding guid="d1000000-0000-0000-0000-000000000001"
 creatingUser="a1111111-0000-0000-0000-000000000000">
<CodeRef targetGUID="C0000000-0000-0000-0000-000000000001"/>
<NoteRef targetGUID="a2000000-0000-0000-0000-000000000001"/></Coding></PlainTextSelection>
<PlainTextSelection guid="f0000000-0000-0000-0000-000000000002" name="Selection 2"
 startPosition="@S2" endPosition="@E2">
<Coding guid="d1000000-0000-0000-0000-000000000002">
<CodeRef targetGUID="c0000000-0000-0000-0000-000000000001"/></Coding></PlainTextSelection>
</TextSource>
<PDFSource guid="f1000000-0000-0000-0000-000000000001" name="brochure.pdf"
 path="absolute:///C:/Users/alice/brochure.pdf"/>
</Sources>
<Notes><Note guid="a2000000-0000-0000-0000-000000000001" name="memo">
<PlainTextContent>Alice's memo</PlainTextContent></Note></Notes>
</Project>
"""

# NVivo for Windows: CRLF, an emoji, positions in UTF-16 code units with CRLF as 2.
TEXT = ("Interviewer: How did the subsidy cut feel? \U0001f600\r\n"
        "Mr. Zhou: It hurt. We lost the bus orders in 2019.\r\n"
        "Interviewer: And now?\r\n"
        "Mr. Zhou: The white list matters more than the money.\r\n")


def _utf16_positions(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    units = len(TEXT[:start].encode("utf-16-le")) // 2
    return units, units + len(phrase.encode("utf-16-le")) // 2


def nvivo_like(tmp_path: Path, text: str = TEXT, name: str = "team.qdpx") -> Path:
    s1, e1 = _utf16_positions("We lost the bus orders in 2019.")
    s2, e2 = _utf16_positions("The white list matters more than the money.")
    qde = NVIVO_LIKE
    for mark, value in (("@S1", s1), ("@E1", e1), ("@S2", s2), ("@E2", e2)):
        qde = qde.replace(mark, str(value))
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde)
        z.writestr("Sources/d0000000-0000-0000-0000-000000000001.TXT",
                   b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def test_nvivo_like_project_with_utf16_positions(project: Project, tmp_path: Path):
    report = do_import(project, nvivo_like(tmp_path), coder_prefix="team-")
    [doc] = report.documents
    assert doc.document == "Firm Z interview" and doc.case == "Firm Z"
    assert doc.convention == "utf16" and doc.newlines_normalised
    assert report.coders == ["team-Alice", "team-unknown"]  # the 2nd coding names no user
    assert report.codes_added == ["subsidies"]
    assert any("brochure.pdf" in line and "was not opened" in line for line in report.skipped)
    with project.session() as s:
        codings = sorted((c.quote, c.coder.name, c.memo) for c in s.scalars(select(Coding)))
        case = s.scalars(select(Case)).one()
        attrs = case_attributes(case)
        document = s.scalars(select(Document)).one()
        turn_speakers = [t.speaker for t in document.turns]
    assert codings == [("The white list matters more than the money.", "team-unknown", None),
                       ("We lost the bus orders in 2019.", "team-Alice", "Alice's memo")]
    assert attrs == {"segment": "cells", "founded": 2009}
    assert "\r" not in document.text
    assert turn_speakers == ["Interviewer", "Mr. Zhou", "Interviewer", "Mr. Zhou"]


def test_positions_outside_the_text_refuse_the_whole_import(project: Project, tmp_path: Path):
    path = nvivo_like(tmp_path, text="Too short.\r\n")
    before = project.snapshot()
    with pytest.raises(InputError) as info:
        do_import(project, path)
    assert "outside the text" in info.value.one_line()
    assert "Sources/d0000000-0000-0000-0000-000000000001.TXT" in info.value.one_line()
    assert project.snapshot() == before


def test_a_changed_document_or_case_value_is_refused(project: Project, tmp_path: Path):
    path = nvivo_like(tmp_path)
    do_import(project, path)
    changed = nvivo_like(tmp_path, text=TEXT.replace("It hurt.", "It hurt a lot."),
                         name="changed.qdpx")
    before = project.snapshot()
    with pytest.raises(ConflictError, match="different text"):
        do_import(project, changed, merge=True)
    assert project.snapshot() == before
    with project.session() as s:
        s.scalars(select(Case)).one().values[0].value = "materials"
    before = project.snapshot()
    with pytest.raises(ConflictError, match="segment"):
        do_import(project, path, merge=True)
    assert project.snapshot() == before


def test_dangling_code_reference_is_an_error(project: Project, tmp_path: Path):
    path = nvivo_like(tmp_path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["project.qde"] = members["project.qde"].replace(
        b'<CodeRef targetGUID="c0000000-0000-0000-0000-000000000001"/></Coding>',
        b'<CodeRef targetGUID="99999999-0000-0000-0000-000000000001"/></Coding>')
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    before = project.snapshot()
    with pytest.raises(InputError, match="99999999-0000-0000-0000-000000000001"):
        do_import(project, path)
    assert project.snapshot() == before


# -- the real samples ------------------------------------------------------------------------------


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside a developer checkout)")
    return path


def xml_counts(path: Path) -> tuple[Counter, etree._Element]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.lower().endswith(".qde"))
            root = etree.fromstring(z.read(name), PARSER)
    else:
        root = etree.fromstring(path.read_bytes(), PARSER)
    return Counter(etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)), root


def db_counts(project: Project) -> dict:
    with project.session() as s:
        codes = list(s.scalars(select(Code)))
        return {
            "codes": len(codes),
            "dimensions": sum(c.is_dimension for c in codes),
            "documents": len(list(s.scalars(select(Document)))),
            "codings": len(list(s.scalars(select(Coding)))),
            "coders": sorted(c.name for c in s.scalars(select(Coder))),
        }


@pytest.mark.parametrize("name, documents", [
    ("paper_themes__project_with_generated_codes.qde", 0),
    ("ponte__blank-atlas-project.qdpx", 0),
    ("ponte__target-atlas-project.qdpx", 0),
    ("qualitative-coding__nvivo_project.qdpx", 0),
    ("sky-loom__Project.qde", 0),
    ("sky-loom__TestProject.qdpx", 0),
    ("uto_tag__Taguette141_codebook.qdc", 0),
])
def test_samples_import_their_codes(project: Project, name: str, documents: int):
    path = sample(name)
    counts, root = xml_counts(path)
    top_level = [e for e in root.iter() if etree.QName(e).localname == "Code"
                 and etree.QName(e.getparent()).localname == "Codes"]
    report = do_import(project, path)
    got = db_counts(project)
    assert got["codes"] == counts["Code"] == len(report.codes_added)
    assert got["dimensions"] == len(top_level)
    assert got["documents"] == documents
    assert got["codings"] == 0


def test_qc_sample_imports_texts_and_codings(project: Project):
    path = sample("qualitative-coding__demo_qc.qdpx")
    counts, root = xml_counts(path)
    # distinct (source, span, code, user) in the XML: what qualcode can hold
    distinct = {(src.get("guid"), sel.get("startPosition"), sel.get("endPosition"),
                 cod.find("{*}CodeRef").get("targetGUID").lower(), cod.get("creatingUser"))
                for src in root.iter("{*}TextSource") for sel in src.iter("{*}PlainTextSelection")
                for cod in sel.iter("{*}Coding")}
    report = do_import(project, path, coder_prefix="qc-")
    got = db_counts(project)
    assert got["codes"] == counts["Code"] == 262
    assert got["documents"] == 2
    assert got["codings"] == len(distinct) == report.codings_added
    assert report.codings_unchanged == counts["Coding"] - len(distinct)
    assert got["coders"] == ["qc-cp"]
    assert sorted(d.document for d in report.documents) == ["admin-1", "board_2017"]


def test_maxqda_derived_file_is_tolerated_with_a_clear_warning(project: Project):
    report = do_import(project, sample("paper_themes__project_with_generated_codes.qde"))
    assert any("codebook:0:4" in w for w in report.warnings)
    assert sum("a bare .qde has none" in line for line in report.skipped) == 10
