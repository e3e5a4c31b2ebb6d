"""The streaming REFI-QDA writer: project.qde is produced one source at a time (a source is
made only after the previous one was serialised), joins to the bytes of the whole tree indented
and serialised at once, and qualcode's extension streams to the same bytes as one dict."""

from __future__ import annotations

import copy
import io
import zipfile
from xml.etree.ElementTree import fromstring, indent, register_namespace, tostring

from qualcode.formats.refiqda.extension import extension_bytes, extension_chunks
from qualcode.formats.refiqda.model import PROJECT_NS, export_guid
from qualcode.formats.refiqda.writer import project_xml, project_xml_chunks, write_qdpx
from tests.formats.test_refiqda_writer import _project


def _sources(n: int, log: list[str]):
    base = _project().sources[0]
    for i in range(n):
        log.append(f"made {i}")
        source = copy.deepcopy(base)
        source.guid, source.name = export_guid("src", i), f"interview-{i}"
        yield source


def test_sources_are_made_one_at_a_time():
    project, log = _project(), []
    chunks = project_xml_chunks(project, _sources(3, log))
    for chunk in chunks:
        if "<TextSource" in chunk:
            log.append("written " + chunk.split('name="', 1)[1].split('"', 1)[0])
    assert log == ["made 0", "written interview-0", "made 1", "written interview-1",
                   "made 2", "written interview-2"]


def test_chunks_join_to_the_whole_tree_serialised_at_once():
    project = _project()
    project.sources = list(_sources(3, []))
    streamed = project_xml(project)
    register_namespace("", PROJECT_NS)
    whole = fromstring(streamed)  # the whole tree, indented and serialised in one go
    indent(whole, space="  ")
    assert tostring(whole, encoding="utf-8", xml_declaration=True) + b"\n" == streamed


def test_notes_gathered_while_writing_sources_are_written():
    project, gathered = _project(), []
    note = project.notes[0]
    project.notes = []

    def sources():
        for source in _sources(2, []):
            gathered.append(note)  # as a coding memo is met while its source is made
            yield source

    data = "".join(project_xml_chunks(project, sources(), notes=lambda: gathered[:1]))
    assert data.count("<Note ") == 1 and data.index("<Notes>") > data.index("</Sources>")


def test_write_qdpx_streams_members_in_order():
    out = io.BytesIO()
    project = _project()
    write_qdpx(out, project, texts=[("sources/a.txt", b"text a")],
               extra=[("qualcode/extension.json", [b"{", b"}"])])
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert archive.namelist() == ["project.qde", "sources/a.txt", "qualcode/extension.json"]
    assert archive.read("project.qde") == project_xml(project)
    assert archive.read("qualcode/extension.json") == b"{}"


def test_extension_streams_to_the_same_bytes():
    data = {"producer": "p", "codes": {"g": {"key": "k", "patterns": [{"lemma": "x"}]}},
            "summaries": [], "suggestions": [{"score": 0.5}], "judged": []}
    for entries in ([], [("a", {"origin": "manual"})],
                    [(f"g{i:05d}", {"origin": "imported", "key_quote": i % 7 == 0})
                     for i in range(4500)]):
        assert b"".join(extension_chunks(data, {"codings": iter(entries)})) == extension_bytes(
            {**data, "codings": dict(entries)})


def test_extension_streams_codings_and_suggestions_to_the_same_bytes():
    """Both large sections streamed at once (a dict and a list), nested values, non-ASCII,
    empty sections, batches of 2,000 crossed."""
    data = {"producer": "p", "codes": {}, "summaries": [{"case": "Firm C", "stale": False}],
            "judged": [], "memos": []}
    for n in (0, 1, 4321):
        codings = [(f"g{i:05d}", {"origin": "manual"}) for i in range(n // 2)]
        suggestions = [
            {"source": f"s{i % 7}", "start": i, "end": i + 3, "score": i / 7,
             "evidence": {"matches": [{"pattern": "补贴", "span": [i, i + 2]}], "negated": None},
             "coding": None if i % 3 else f"g{i:05d}", "status": "pending"}
            for i in range(n)]
        streamed = extension_chunks(data, {"codings": iter(codings),
                                           "suggestions": iter(suggestions)})
        assert b"".join(streamed) == extension_bytes(
            {**data, "codings": dict(codings), "suggestions": suggestions})
