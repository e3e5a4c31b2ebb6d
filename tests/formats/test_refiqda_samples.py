"""The reader on real files from NVivo, ATLAS.ti, MAXQDA, qc and Taguette (../shared), with the
expected counts taken from the XML itself."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from qualcode.formats.refiqda import read_refi

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SAMPLES = SHARED / "refi-qda" / "samples"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside a developer checkout)")
    return path


def xml_of(path: Path) -> etree._Element:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.lower().endswith(".qde"))
            return etree.fromstring(z.read(name), PARSER)
    return etree.fromstring(path.read_bytes(), PARSER)


def counts(path: Path) -> Counter:
    return Counter(etree.QName(el).localname for el in xml_of(path).iter()
                   if isinstance(el.tag, str))


ALL = [
    "paper_themes__project_with_generated_codes.qde",
    "ponte__blank-atlas-project.qdpx",
    "ponte__target-atlas-project.qdpx",
    "qualitative-coding__demo_qc.qdpx",
    "qualitative-coding__nvivo_project.qdpx",
    "sky-loom__Project.qde",
    "sky-loom__TestProject.qdpx",
    "uto_tag__Taguette141_codebook.qdc",
]


@pytest.mark.parametrize("name", ALL)
def test_every_sample_reads_with_the_counts_its_xml_has(name: str):
    path = sample(name)
    refi = read_refi(path)
    c = counts(path)
    assert refi.code_count == c["Code"]
    if refi.kind == "project":
        project = refi.project
        assert project is not None
        sources = sum(c[k] for k in ("TextSource", "PictureSource", "PDFSource", "AudioSource",
                                     "VideoSource"))
        assert len(project.sources) == sources
        assert len(project.users) == c["User"]
        # every source is either read or reported as skipped, never dropped silently
        skipped_sources = [s for s in refi.skipped if s.what.split()[0].endswith("Source")]
        assert len(refi.texts) + len(skipped_sources) == sources


def test_qc_demo_texts_and_line_selections():
    path = sample("qualitative-coding__demo_qc.qdpx")
    refi = read_refi(path)
    assert refi.origin == "qc 1.3.2"
    assert sorted(t.member for t in refi.texts.values()) == [
        "sources/admin-1.txt", "sources/board_2017.txt"]
    assert sum(len(s.selections) for s in refi.project.sources) == counts(path)[
        "PlainTextSelection"] == 158
    for source in refi.project.sources:
        text = refi.texts[source.guid.lower()]
        assert not text.detection.distinguishable
        for (start, end), sel in zip(text.detection.spans, source.selections, strict=True):
            assert sel.name.startswith("line:")
            assert start == 0 or text.text[start - 1] == "\n"  # qc codes whole lines
            assert end <= len(text.text)


def test_nvivo_mac_export_has_only_empty_texts():
    refi = read_refi(sample("qualitative-coding__nvivo_project.qdpx"))
    assert refi.origin.startswith("NVivo")
    assert refi.texts == {}
    assert [s.reason.endswith("is empty") for s in refi.skipped] == [True, True]


def test_maxqda_derived_codebook_namespace_is_tolerated_with_a_warning():
    refi = read_refi(sample("paper_themes__project_with_generated_codes.qde"))
    assert refi.code_count == 343
    assert any("urn:QDA-XML:codebook:0:4" in w and "element names" in w for w in refi.warnings)
    assert all("a bare .qde has none" in s.reason for s in refi.skipped
               if s.what.startswith("TextSource"))


def test_atlas_spec_example_never_opens_relative_paths():
    refi = read_refi(sample("sky-loom__Project.qde"))
    relative = [s for s in refi.skipped if "relative://" in s.reason]
    assert len(relative) == 3 and all("was not opened" in s.reason for s in relative)
    names = {c.name for c in refi.codes}
    assert '"rushed"' in names and "Coke::diet Coke" in names


def test_upper_case_container_names():
    refi = read_refi(sample("sky-loom__TestProject.qdpx"))
    assert refi.project is not None and refi.project.name == "ATLAS.ti standard project"
    assert any("is not in the archive" in s.reason for s in refi.skipped)


def test_taguette_codebook_with_empty_sets():
    refi = read_refi(sample("uto_tag__Taguette141_codebook.qdc"))
    assert refi.kind == "codebook" and refi.container == "qdc"
    assert [c.name for c in refi.codes] == ["xsd:element name", "CodeBook", "Variables"]
    assert refi.skipped == []


def test_atlas_nested_codes():
    refi = read_refi(sample("ponte__target-atlas-project.qdpx"))
    [root] = refi.codes
    assert root.name == "Commits" and len(root.children) == 2
