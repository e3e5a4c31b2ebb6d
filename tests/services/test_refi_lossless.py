"""Lossless REFI-QDA exchange: what the standard has no place for (patterns, coding origins,
key quotes, summaries, suggestions) travels in qualcode/extension.json beside project.qde and
comes back; a round trip export -> import -> export gives the same archive content; import and
`stats` count codes the same way; dimensions come from the project's codebook only."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.formats.refiqda import PROJECT_XSD
from qualcode.formats.refiqda.extension import EXTENSION_MEMBER, NAMESPACE
from qualcode.storage.models import (
    Case,
    Code,
    Coder,
    Coding,
    Document,
    JudgedSpan,
    Memo,
    Suggestion,
    Summary,
)
from tests.conftest import Project
from tests.services.test_refiqda import do_import, export, fresh, sample, validate

KEY_QUOTE = "we still buy our cell design"


GOLD = """\
document: interview-03
coder: gold
sentences:
  - quote: "we still buy our cell design"
    codes: [innovation.cell-design.dependence]
    note: "dependence, not own research"
"""


@pytest.fixture
def rich_project(coded_project: Project, tmp_path: Path) -> Project:
    """The demo with everything REFI-QDA cannot hold: suggestions (pending, accepted by li,
    rejected by li), a manual coding with a memo and a key mark, a summary made stale by it,
    and a judged sentence of a gold coder."""
    p = coded_project
    gold = tmp_path / "gold.yaml"
    gold.write_text(GOLD, encoding="utf-8")
    p.ok("codings", "import", str(gold))
    p.ok("suggest")
    p.ok("review", "--coder", "li", "--document", "interview-03", input="arq")
    row = json.loads(p.ok("code", "add", "interview-03", "innovation.cell-design", "--quote",
                          KEY_QUOTE, "--coder", "li", "--memo", "Compare with Firm D.", "--key",
                          "--json"))
    for target in ([], ["--case", "Firm C"], ["--document", "interview-03"],
                   ["--code", "innovation.cell-design"], ["--coding", str(row["id"])]):
        p.ok("memo", "add", f"memo on {target or 'the project'}", "--title", "a memo",
             *target, "--coder", "li")
    return p


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        out = {n: archive.read(n) for n in archive.namelist()}
    # The receiving project has its own name and creation time; everything else must match.
    out["project.qde"] = re.sub(rb"<Project [^>]*>", b"<Project>", out["project.qde"])
    return out


def _extras(project: Project) -> dict:
    with project.session() as s:
        def coding(c):
            return None if c is None else (c.document.name, c.code.key, c.coder.name, c.start,
                                           c.end)
        return {
            "patterns": {c.key: c.patterns for c in s.scalars(select(Code))},
            "codings": sorted((c.document.name, c.code.key, c.coder.name, c.start, c.end,
                               c.origin, c.key_quote, c.memo or "", c.created_at.isoformat()[:19])
                              for c in s.scalars(select(Coding))),
            "summaries": sorted((x.case.name, x.dimension, x.text,
                                 x.author.name if x.author else None, x.evidence_count)
                                for x in s.scalars(select(Summary))),
            "suggestions": sorted(
                (x.document.name, x.code.key, x.start, x.end, x.method, x.unit, x.score,
                 json.dumps(x.evidence, sort_keys=True), x.pipeline, x.codebook_sha256,
                 x.status, x.decided_by.name if x.decided_by else None,
                 coding(s.get(Coding, x.coding_id)) if x.coding_id else None)
                for x in s.scalars(select(Suggestion))),
            "memos": sorted(((m.case_id and s.get(Case, m.case_id).name,
                             m.document_id and s.get(Document, m.document_id).name,
                             m.code_id and s.get(Code, m.code_id).key,
                             coding(s.get(Coding, m.coding_id)) if m.coding_id else None,
                             m.title, m.text, m.coder_id and s.get(Coder, m.coder_id).name,
                             m.created_at.isoformat()) for m in s.scalars(select(Memo))),
                            key=repr),
            "judged": sorted(s.execute(
                select(Document.name, Coder.name, JudgedSpan.start, JudgedSpan.end,
                       JudgedSpan.note)
                .join(Document, JudgedSpan.document_id == Document.id)
                .join(Coder, JudgedSpan.coder_id == Coder.id)).all()),
        }


def test_round_trip_is_lossless_and_the_second_export_is_identical(
    rich_project: Project, tmp_path: Path
):
    first, second = tmp_path / "first.qdpx", tmp_path / "second.qdpx"
    result = export(rich_project, first)
    target = fresh(tmp_path)
    report = do_import(target, first)
    export(target, second)
    assert _members(first) == _members(second)
    before, after = _extras(rich_project), _extras(target)
    assert after == before
    statuses = {s[10] for s in after["suggestions"]}
    assert statuses == {"pending", "accepted", "rejected"}
    assert any(s[12] is not None for s in after["suggestions"])  # the accepted one's coding
    assert ("interview-03", "innovation.cell-design", "li") in {c[:3] for c in after["codings"]}
    assert report.key_quotes == result.key_quotes == sum(c[6] for c in before["codings"]) > 0
    assert report.patterns_set == result.patterns == sum(bool(v) for v in
                                                          before["patterns"].values())
    assert len(report.summaries_added) == result.summaries == len(before["summaries"])
    assert report.suggestions_added == result.suggestions == len(before["suggestions"])
    assert report.judged_added == result.judged == len(before["judged"]) == 1
    assert report.memos_added == result.memos == len(before["memos"]) == 5
    # Staleness survives too: the summaries stale before are the stale ones after.
    stale = rich_project.ok("summary", "list", "--stale", "--json")
    assert json.loads(target.ok("summary", "list", "--stale", "--json")) == json.loads(stale)


def test_the_extension_sits_beside_a_valid_project_qde(rich_project: Project, tmp_path: Path):
    path = tmp_path / "demo.qdpx"
    export(rich_project, path)
    with zipfile.ZipFile(path) as archive:
        validate(PROJECT_XSD, archive.read("project.qde"))
        names = archive.namelist()
        data = json.loads(archive.read(EXTENSION_MEMBER))
    assert names[0] == "project.qde" and names[-1] == EXTENSION_MEMBER
    assert data["namespace"] == NAMESPACE
    assert set(data) >= {"codes", "codings", "summaries", "suggestions"}
    # project.qde itself mentions none of it: other programs see a plain REFI project.
    with zipfile.ZipFile(path) as archive:
        assert b"qualcode/extension" not in archive.read("project.qde")


def _without_extension(path: Path, target: Path, replace: bytes | None = None) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w") as out:
        for name in src.namelist():
            if name != EXTENSION_MEMBER:
                out.writestr(name, src.read(name))
            elif replace is not None:
                out.writestr(name, replace)
    return target


def test_without_the_extension_summaries_still_come_back_from_their_notes(
    coded_project: Project, tmp_path: Path
):
    # As if another program had opened and saved the file: the notes survive, our member not.
    for target in ([], ["--case", "Firm C"], ["--document", "interview-03"],
                   ["--code", "innovation.cell-design"]):
        coded_project.ok("memo", "add", f"memo on {target or 'the project'}", *target)
    path = tmp_path / "demo.qdpx"
    export(coded_project, path)
    bare = _without_extension(path, tmp_path / "bare.qdpx")
    target = fresh(tmp_path)
    report = do_import(target, bare)
    assert len(report.summaries_added) == len(_extras(coded_project)["summaries"]) > 0
    got = _extras(target)
    assert [s[:3] for s in got["summaries"]] == [s[:3] for s in _extras(coded_project)
                                                 ["summaries"]]
    assert not any(got["patterns"].values()) and report.key_quotes == 0
    # Memos REFI can place (on the project, a source, a code) come back from their NoteRefs;
    # REFI cases take no notes, so the case memo is reported, not dropped silently.
    assert sorted(((m[0], m[1], m[2], m[5]) for m in got["memos"]), key=repr) == sorted([
        (None, None, None, "memo on the project"),
        (None, "interview-03", None, "memo on ['--document', 'interview-03']"),
        (None, None, "innovation.cell-design", "memo on ['--code', 'innovation.cell-design']")],
        key=repr)
    assert any(line.startswith("1 note(s) attached to nothing") for line in report.skipped)


def test_an_extension_of_another_version_is_left_out_with_a_warning(
    coded_project: Project, tmp_path: Path
):
    path = tmp_path / "demo.qdpx"
    export(coded_project, path)
    other = json.dumps({"namespace": "urn:qualcode:refi-qda-extension:99", "codes": {}})
    odd = _without_extension(path, tmp_path / "odd.qdpx", other.encode())
    report = do_import(fresh(tmp_path), odd)
    assert any("not urn:qualcode:refi-qda-extension:1" in w for w in report.warnings)
    assert report.codings_added > 0 and report.patterns_set == 0


@pytest.mark.parametrize("name", [
    "paper_themes__project_with_generated_codes.qde",
    "qualitative-coding__nvivo_project.qdpx",
    "sky-loom__Project.qde",
    "uto_tag__Taguette141_codebook.qdc",
])
def test_import_and_stats_count_codes_the_same_way(project: Project, name: str):
    report = json.loads(project.ok("refi", "import", str(sample(name)), "--json"))
    stats = json.loads(project.ok("stats", "--json"))
    added = len(report["codes_added"])
    assert stats["dimensions"] == report["dimensions_added"]
    assert stats["retired_codes"] == report["retired_added"]
    assert stats["codes"] == added - report["dimensions_added"] - report["retired_added"]
    assert stats["dimensions"] + stats["codes"] + stats["retired_codes"] == added
    out = project.ok("stats")
    assert re.search(rf"dimensions\s+{stats['dimensions']:,}\b", out)


def test_paper_themes_sample_the_issue_named(project: Project):
    """'307 codes added' against 289 in stats: the difference was the top-level codes, which
    qualcode makes dimensions and stats counted apart without saying so."""
    out = project.ok("refi", "import",
                     str(sample("paper_themes__project_with_generated_codes.qde")))
    flat = " ".join(out.split())
    assert "343 codes added (19 dimensions, 324 codes below them, 0 retired)" in flat
    stats = json.loads(project.ok("stats", "--json"))
    assert (stats["dimensions"], stats["codes"]) == (19, 324)


def test_dimensions_come_from_the_projects_codebook_only(project: Project):
    project.ok("refi", "import", str(sample("qualitative-coding__demo_qc.qdpx")))
    table = json.loads(project.ok("synthesize", "--json"))
    with project.session() as s:
        roots = [c.key for c in s.scalars(select(Code).where(Code.is_dimension.is_(True))
                                          .order_by(Code.sort_order))]
    assert table["dimensions"] == roots and "market-position" not in table["dimensions"]
    project.ok("cases", "set", "Firm A", "segment=cells", "--create")
    before = project.snapshot()
    error = project.fails("summary", "set", "Firm A", "market-position", "text")
    assert "unknown dimension 'market-position'" in error and roots[0] in error
    assert project.snapshot() == before


# A codebook as NVivo writes one (written here, so a clone without ../shared runs the test): two
# top-level codes, a code three levels down and a retired one.
NVIVO_CODEBOOK = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 12">
  <Codes>
    <Code guid="11111111-0000-4000-8000-000000000001" name="Barriers" isCodable="true">
      <Code guid="11111111-0000-4000-8000-000000000002" name="Cost" isCodable="true">
        <Code guid="11111111-0000-4000-8000-000000000003" name="Upfront cost" isCodable="true"/>
      </Code>
      <Code guid="11111111-0000-4000-8000-000000000004" name="Old barrier" isCodable="false"/>
    </Code>
    <Code guid="11111111-0000-4000-8000-000000000005" name="Enablers" isCodable="true">
      <Code guid="11111111-0000-4000-8000-000000000006" name="Peer support" isCodable="true"/>
    </Code>
  </Codes>
</CodeBook>
"""


def test_a_codebook_from_nvivo_counts_alike_and_brings_its_own_dimensions(
    project: Project, tmp_path: Path
):
    book = tmp_path / "codes.qdc"
    book.write_text(NVIVO_CODEBOOK, encoding="utf-8")
    report = json.loads(project.ok("refi", "import", str(book), "--json"))
    assert report["codes_added"] == ["barriers", "barriers.cost", "barriers.cost.upfront-cost",
                                     "barriers.old-barrier", "enablers", "enablers.peer-support"]
    stats = json.loads(project.ok("stats", "--json"))
    # What counts: top-level codes are dimensions, retired codes apart, the rest are codes.
    assert (report["dimensions_added"], report["retired_added"]) == (2, 1)
    assert (stats["dimensions"], stats["codes"], stats["retired_codes"]) == (2, 3, 1)
    said = " ".join(fresh(tmp_path).ok("refi", "import", str(book)).split())
    assert "6 codes added (2 dimensions, 3 codes below them, 1 retired)" in said
    project.ok("cases", "set", "Clinic A", "type=clinic", "--create")
    table = json.loads(project.ok("synthesize", "--json"))
    assert table["dimensions"] == ["barriers", "enablers"]
    shown = project.ok("synthesize")
    assert "barriers" in shown and "market-position" not in shown
    before = project.snapshot()
    error = project.fails("summary", "set", "Clinic A", "market-position", "text")
    assert "unknown dimension 'market-position' (one of barriers, enablers)" in error
    assert project.snapshot() == before


def test_export_keeps_the_zip_readable_by_plain_tools(rich_project: Project, tmp_path: Path):
    path = tmp_path / "demo.qdpx"
    export(rich_project, path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert archive.testzip() is None


def _languages(project: Project) -> dict[str, tuple[str, int]]:
    with project.session() as s:
        return {d.name: (d.language, d.words) for d in s.scalars(select(Document))}


def test_a_chinese_interview_keeps_its_language_and_word_count(
    coded_project: Project, tmp_path: Path
):
    path = tmp_path / "demo.qdpx"
    export(coded_project, path)
    target = fresh(tmp_path)
    do_import(target, path)
    before = _languages(coded_project)
    assert before["interview-10"][0] == "zh"  # one of the synthetic Chinese interviews
    assert _languages(target) == before


def test_a_source_without_a_language_variable_is_detected_like_an_import(
    coded_project: Project, tmp_path: Path
):
    # As another program writes it: no qualcode variables, so the language must be detected
    # from the text (and Chinese words counted by segmentation, not by spaces).
    path = tmp_path / "demo.qdpx"
    export(coded_project, path)
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    language_guid = re.search(r'<Variable guid="([^"]+)" name="language"', qde).group(1)
    stripped = re.sub(r"<VariableValue>\s*<VariableRef targetGUID=\"" + language_guid
                      + r"\"\s*/>.*?</VariableValue>", "", qde, flags=re.S)
    assert stripped != qde
    bare = _without_extension(path, tmp_path / "bare.qdpx")
    with zipfile.ZipFile(bare) as src, zipfile.ZipFile(tmp_path / "other.qdpx", "w") as out:
        for name in src.namelist():
            data = stripped.encode("utf-8") if name == "project.qde" else src.read(name)
            out.writestr(name, data)
    target = fresh(tmp_path)
    do_import(target, tmp_path / "other.qdpx")
    got, before = _languages(target), _languages(coded_project)
    assert got["interview-10"] == before["interview-10"]
    assert got["interview-01"] == before["interview-01"] == ("en", before["interview-01"][1])


def test_the_streamed_extension_is_the_one_built_whole_from_the_suggestions(
        rich_project: Project, tmp_path: Path):
    """The suggestions section is written a batch at a time; the member is byte for byte what
    serialising the whole section gives, and each entry is what the ORM objects say
    (accepted ones carry their coding's GUID and who decided)."""
    from qualcode.formats.refiqda.extension import extension_bytes
    from qualcode.formats.refiqda.model import export_guid
    from qualcode.services.refi_export import _time, _user_guid, coding_guid
    path = tmp_path / "demo.qdpx"
    export(rich_project, path)
    with zipfile.ZipFile(path) as archive:
        raw = archive.read(EXTENSION_MEMBER)
    data = json.loads(raw)
    assert raw == extension_bytes({k: v for k, v in data.items() if k != "namespace"})
    with rich_project.session() as s:
        expected = [
            {"source": export_guid("source", x.document.name), "code": x.code.guid,
             "start": x.start, "end": x.end, "score": x.score, "method": x.method,
             "unit": x.unit, "evidence": x.evidence, "pipeline": x.pipeline,
             "codebook_sha256": x.codebook_sha256, "status": x.status,
             "decided_by": _user_guid(x.decided_by.name) if x.decided_by else None,
             "decided_at": _time(x.decided_at),
             "coding": coding_guid(s.get(Coding, x.coding_id)) if x.coding_id else None,
             "created_at": _time(x.created_at)}
            for x in s.scalars(select(Suggestion).join(Document)
                               .join(Code, Suggestion.code_id == Code.id)
                               .order_by(Document.name, Suggestion.start, Suggestion.end,
                                         Code.key, Suggestion.method))]
    assert len(expected) > 100
    assert data["suggestions"] == json.loads(json.dumps(expected))
    assert any(e["coding"] and e["decided_by"] for e in data["suggestions"])
