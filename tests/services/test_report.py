"""The one-file HTML report: self-contained, synthetic notice on top, every quote linked to an
anchor wrapped around its coded span, heatmaps, frequencies, escaping."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from qualcode.formats.report_html import (
    AppendixDocument,
    MarkedSpan,
    ReportPage,
    Scale,
    anchor_id,
    heat_scale,
    marked_text,
    render_report,
)
from qualcode.services.coding import add_coding
from qualcode.services.matrix import build_matrix
from qualcode.services.report import build_report, write_report
from qualcode.storage.database import make_engine, session_scope
from tests.conftest import Project, build_demo_project


class Page(HTMLParser):
    """Collects ids, links, resources, the text inside each element with an id, and the order
    in which text appears."""

    VOID = {"meta", "br", "img", "link", "input", "hr", "col", "source"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: list[str] = []
        self.texts: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self._captured: dict[str, list[str]] = {}
        self.feed(text)
        self.close()
        self.ids = {k: "".join(v) for k, v in self._captured.items()}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        for name in ("src", "srcset", "data", "action"):
            if name in attrs:
                self.srcs.append(attrs[name])
        ident = attrs.get("id")
        if ident is not None:
            assert ident not in self._captured, f"duplicate id {ident}"
            self._captured[ident] = []
        if tag not in self.VOID:
            self._open.append((tag, ident))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        self.texts.append(data)
        for _, ident in self._open:
            if ident is not None:
                self._captured[ident].append(data)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Project:
    """The demo project with the researcher's summaries, one of them made stale."""
    project = build_demo_project(tmp_path_factory.mktemp("report") / "proj")
    with project.session() as s:
        add_coding(s, document="interview-03", code="innovation.cell-design.dependence",
                   coder="ana", actor="ana", quote="we still buy our cell design")
    for target, text in MEMOS.items():
        project.ok("memo", "add", text, *target, "--coder", "wei")
    return project


MEMOS = {  # one memo of each kind the report lists
    (): "Project memo: the cluster story hangs on Official H.",
    ("--case", "Firm C"): "Case memo: Firm C is the anchor firm.",
    ("--document", "interview-05"): "Document memo: the interview was cut short.",
    ("--code", "policy.ecosystem"): "Code memo: ecosystem overlaps cluster-policy.",
}


@pytest.fixture(scope="module")
def report(demo: Project) -> tuple[ReportPage, str]:
    engine = make_engine(demo.url)
    with session_scope(engine) as s:
        page = build_report(s)
    engine.dispose()
    return page, render_report(page)


def test_the_report_is_self_contained(report):
    _, text = report
    page = Page(text)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert page.srcs == []
    assert all(not h.lower().startswith(("http://", "https://", "//")) for h in page.hrefs)
    assert "@import" not in text and "url(" not in text
    assert all(h.startswith("#") for h in page.hrefs)


def test_the_synthetic_notice_comes_first(report):
    _, text = report
    body = Page(text.split("<body>", 1)[1])
    assert next(t for t in body.texts if t.strip()).startswith("SYNTHETIC DATA")
    assert text.index("SYNTHETIC DATA") < text.index("<h1>")


def test_every_quote_links_to_an_anchor_wrapped_around_its_coded_span(report):
    page, text = report
    parsed = Page(text)
    quotes = [q for row in page.synthesis["rows"] for cell in row["cells"].values()
              for q in cell["quotes"]]
    assert len(quotes) >= 9 * 5  # every firm and institution has quotes on most dimensions
    links = {h[1:] for h in parsed.hrefs}
    for quote in quotes:
        anchor = anchor_id(quote["document"], quote["start"], quote["end"])
        assert anchor == f"{quote['document']}:{quote['start']}-{quote['end']}"
        assert anchor in links
        assert parsed.ids[anchor] == quote["text"]  # the element wraps exactly the coded span
    for href in links:
        assert href in parsed.ids, f"dangling link #{href}"


def test_the_report_shows_the_synthesis_heatmaps_and_frequencies(report):
    page, text = report
    assert [h.title for h in page.heatmaps] == [
        "Cases x codes (number of codings)", "Code co-occurrence within speaker turns (Jaccard)"]
    cases_by_code = page.heatmaps[0]
    assert "Firm C" in cases_by_code.row_labels and "policy.ecosystem" in cases_by_code.col_labels
    row = cases_by_code.row_labels.index("Official H")
    col = cases_by_code.col_labels.index("policy.ecosystem")
    assert cases_by_code.cells[row][col] == 13
    co = page.heatmaps[1]
    assert co.col_keys is not None and co.blank_diagonal
    assert co.row_labels == [f"{k} {c}" for k, c in zip(co.col_keys, co.col_labels, strict=True)]
    assert all(0 <= v <= 1 for i, r in enumerate(co.cells) for j, v in enumerate(r) if i != j)
    assert any(v > 0 for i, r in enumerate(co.cells) for j, v in enumerate(r) if i != j)
    bars = {b.label: b.count for b in page.frequencies}
    assert bars["policy.ecosystem"] == sum(
        r[col] for r in cases_by_code.cells)
    assert bars["strategy.niche-focus"] > 0
    parsed = Page(text)
    for section in ("synthesis", "heatmap-1", "heatmap-2", "profiles", "frequencies", "memos",
                    "codebook", "documents"):
        assert section in parsed.ids
    assert "STALE" in parsed.ids["synthesis"]  # Firm C's innovation summary changed under it
    assert len(page.documents) == 12 and all(d.synthetic for d in page.documents)


def test_a_coder_filter_narrows_the_report(demo: Project):
    engine = make_engine(demo.url)
    with session_scope(engine) as s:
        page = build_report(s, coder="ana")
    engine.dispose()
    quotes = [q for row in page.synthesis["rows"] for cell in row["cells"].values()
              for q in cell["quotes"]]
    assert [q["coder"] for q in quotes] == ["ana"]
    assert sum(len(d.spans) for d in page.documents) == 1
    assert "coder ana" in page.subtitle


def test_an_empty_project_gives_an_honest_page(project: Project, tmp_path: Path):
    engine = make_engine(project.url)
    with session_scope(engine) as s:
        page = build_report(s)
    engine.dispose()
    out = tmp_path / "r.html"
    assert write_report(page, out) > 0
    parsed = Page(out.read_text(encoding="utf-8"))
    assert page.synthetic_notice is None and "SYNTHETIC" not in out.read_text(encoding="utf-8")
    assert "no cases yet" in parsed.ids["synthesis"]
    assert "no documents" in parsed.ids["documents"]


def test_every_value_is_escaped():
    evil = '<script>alert("x")</script>'
    page = ReportPage(
        title=evil,
        synthesis={"dimensions": ["policy"], "notes": [evil], "rows": [{
            "name": evil, "attributes": {"origin": evil}, "cells": {"policy": {
                "summary": evil, "summary_stale": True, "codings": 1, "documents": 1,
                "codes": [{"code": evil, "count": 1}],
                "quotes": [{"document": "d 1", "start": 0, "end": 5, "code": evil,
                            "coder": evil, "text": evil, "key": True, "ref": "d 1:0-5"}],
            }}}]},
        documents=[AppendixDocument(name="d 1", case=evil, title=evil, text=evil * 2,
                                    synthetic=True, spans=[MarkedSpan(0, 5, evil)])],
        synthetic_notice=evil,
    )
    text = render_report(page)
    assert "<script" not in text
    parsed = Page(text)
    anchor = anchor_id("d 1", 0, 5)
    assert " " not in anchor and parsed.ids[anchor] == evil[:5]
    assert f"#{anchor}" in parsed.hrefs


def test_crossing_spans_are_closed_and_reopened_and_keep_one_id_each():
    text = "0123456789"
    spans = [MarkedSpan(1, 5, "a"), MarkedSpan(3, 8, "b"), MarkedSpan(1, 3, "c")]
    html = marked_text("doc", text, spans)
    parsed = Page(f"<div>{html}</div>")
    assert parsed.ids == {"doc:1-5": "1234", "doc:1-3": "12", "doc:3-8": "34"}
    assert "".join(parsed.texts) == text  # nothing lost or repeated
    assert html.count("<mark") == html.count("</mark>")


# --- legends, scales, tags, appendices, profiles, coders -----------------------------------


def test_the_scale_is_linear_unless_one_value_is_an_outlier_then_capped():
    assert heat_scale([0, 1, 2, 3, 4, 5], 0) == Scale(top=5, largest=5, capped=False)
    # 17 is more than twice the 95th percentile of the other non-zero values: capped at it.
    assert heat_scale([1, 1, 2, 2, 3, 3, 3, 17], 0) == Scale(top=3, largest=17, capped=True)
    assert heat_scale([0.1, 0.1, 0.2, 0.2, 0.2, 0.6], 2).capped
    assert heat_scale([], 0) == Scale(top=0, largest=0, capped=False)


def test_every_heatmap_has_a_legend_that_says_its_scale_and_a_key_to_its_tags(report):
    page, text = report
    parsed = Page(text)
    for i, heat in enumerate(page.heatmaps, start=1):
        section = parsed.ids[f"heatmap-{i}"]
        assert "Colour scale" in section
        assert heat.col_keys is not None
        for short, full in zip(heat.col_keys, heat.col_labels, strict=True):
            assert short in section and full.split(".")[-1] in section
    counts = parsed.ids["heatmap-1"]
    # Official H's 13 codings of policy.ecosystem stand far above the rest: the scale is capped.
    assert "capped there so that one large value does not wash out the rest" in counts
    assert "the largest is 13" in counts


def test_the_documents_show_each_coded_span_s_code_tag_after_it(report):
    page, text = report
    tags = {e.key: e.tag for e in page.codebook}
    assert tags["strategy.relocation"] == "S1" and tags["policy"] == "P"
    doc = next(d for d in page.documents if d.name == "interview-03")
    assert doc.coders == ["ana", "wei"]
    span = next(s for s in doc.spans if "ana" in s.label)
    assert span.tag == tags["innovation.cell-design.dependence"] + " ana"  # who coded it
    html = marked_text(doc.name, doc.text, doc.spans)
    anchor = anchor_id(doc.name, span.start, span.end)
    after = html[html.index(f'id="{anchor}"'):]
    assert f'<sup class="tag">{span.tag}</sup>' in after[:after.index("</mark>") + 200]


def test_the_codebook_appendix_has_definitions_rules_and_examples(report):
    page, text = report
    section = Page(text).ids["codebook"]
    ecosystem = next(e for e in page.codebook if e.key == "policy.ecosystem")
    assert ecosystem.definition and ecosystem.include and ecosystem.exclude and ecosystem.examples
    for part in (ecosystem.definition, *ecosystem.include, *ecosystem.exclude,
                 *ecosystem.examples):
        assert part in section
    assert all(e.key in section for e in page.codebook if not e.retired)


def test_the_memos_of_every_kind_are_in_the_report(report):
    page, text = report
    section = Page(text).ids["memos"]
    for memo in MEMOS.values():
        assert memo in section
    kinds = {m.kind for m in page.memos}
    assert kinds == {"project", "case", "document", "code", "coding"}
    coding = next(m for m in page.memos if m.kind == "coding")
    assert coding.text in section and coding.target.split(" ")[0] in section


def test_one_profile_per_case_attribute_agrees_with_the_matrix_by_attribute(report, demo):
    page, text = report
    attributes = sorted({k for r in page.synthesis["rows"] for k in r["attributes"]})
    assert [p.attribute for p in page.profiles] == attributes
    segment = next(p for p in page.profiles if p.attribute == "segment")
    with demo.session() as s:
        by_segment = build_matrix(s, rows="attribute:segment", cols="dimension")
    for row in segment.rows:
        expected = by_segment.cells[by_segment.row_labels.index(row.label)]
        assert row.counts == [expected[by_segment.col_labels.index(d)]
                              for d in segment.dimensions]
    employees = next(p for p in page.profiles if p.attribute == "employees")
    assert len(employees.rows) == 4  # three ranges of the numbers, and the case without one
    assert "Dimension profile by segment" in Page(text).ids["profiles"]


def test_the_report_says_which_coders_were_counted(report, demo):
    page, text = report
    assert page.coders_note.startswith("Coders counted: ana, wei, merged.")
    assert Page(text).ids["coders"] == page.coders_note
    with demo.session() as s:
        wei = build_report(s, coder="wei")
    assert wei.coders_note == "Coders counted: wei only (--coder)."


def test_no_script_can_run_and_nothing_can_be_fetched(report):
    _, text = report
    assert ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">") in text


def test_the_streamed_page_is_the_whole_built_page_plain_and_pseudonymised(demo, tmp_path):
    """The CLI writes the documents appendix a document at a time while it reads them; the
    file is byte for byte the page built whole, with and without pseudonymisation."""
    from qualcode.formats.report_html import DocumentStream
    from qualcode.services import pseudonyms

    key = tmp_path / "key.yaml"
    pseudonyms.add(key, "firms", "Firm C", None)
    pseudonyms.add(key, "people", "Mr. Zhou", None)
    p = pseudonyms.load(key)
    engine = make_engine(demo.url)
    with session_scope(engine) as s:
        whole = build_report(s)
        streamed = build_report(s, stream=True)
        assert isinstance(streamed.documents, DocumentStream)
        assert not isinstance(whole.documents, DocumentStream)
        assert len(streamed.documents) == len(whole.documents) == 12
        assert write_report(streamed, tmp_path / "streamed.html") > 0
        # Documents are read as the page is written: nothing of them is held before.
        first = next(iter(streamed.documents))
        assert first == whole.documents[0]
        assert write_report(pseudonyms.report_page(p, build_report(s, stream=True)),
                            tmp_path / "streamed-ps.html") > 0
    engine.dispose()
    assert (tmp_path / "streamed.html").read_text(encoding="utf-8") == render_report(whole)
    hidden = (tmp_path / "streamed-ps.html").read_text(encoding="utf-8")
    assert hidden == render_report(pseudonyms.report_page(p, whole))
    assert "Firm C" in render_report(whole) and "Firm C" not in hidden
    p.check(hidden, where="report")
