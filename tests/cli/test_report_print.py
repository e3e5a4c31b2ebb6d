"""The demo report in headless Chromium: a screenshot 1400 px wide with nothing wider than the
window, no console message, and printed to PDF: every page A4 (the wide sections on landscape
pages), the code tags of the documents and the coders counted in the printed text.
Helpers: tests/chromium.py (Debian's chromium, poppler-utils)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chromium import (
    chromium,
    console_messages,
    is_a4,
    need,
    page_sizes,
    page_widths,
    pdf_text,
)
from tests.conftest import DEMO_CODING, Project, build_demo_project

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> tuple[Project, Path]:
    need("chromium", "pdfinfo", "pdftotext")
    project = build_demo_project(tmp_path_factory.mktemp("print") / "proj")
    project.ok("codings", "import", str(DEMO_CODING.parent / "demo-coding-li"))
    project.ok("memo", "add", "Ask about the 2016 subsidy cut.", "--case", "Firm B")
    path = project.folder / "report.html"
    project.ok("report", "-o", str(path))
    return project, path


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_report_fits_1400_px_and_writes_nothing_to_the_console(report_file, tmp_path):
    _, path = report_file
    shot = tmp_path / "report.png"
    result = chromium(tmp_path / "p1", f"--screenshot={shot}", "--window-size=1400,2000",
                      path.as_uri())
    assert _png_size(shot.read_bytes()) == (1400, 2000)
    assert console_messages(result.stderr) == []
    scroll, client = page_widths(path, 1400, tmp_path / "p2", tmp_path)
    assert scroll <= client <= 1400

    # The checks can fail: a page that fetches an image and runs a script under the report's
    # policy leaves console messages; a page wider than the window measures wider.
    bad = tmp_path / "bad.html"
    head = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', path.read_text())
    assert head
    bad.write_text(f"<!DOCTYPE html><html><head>{head.group(0)}</head><body>"
                   '<img src="http://192.0.2.1/x.png"><script>1</script></body></html>')
    assert len(console_messages(chromium(tmp_path / "p3", "--dump-dom",
                                         bad.as_uri()).stderr)) == 2
    wide = tmp_path / "wide.html"
    wide.write_text('<!DOCTYPE html><div style="width: 1600px">x</div>')
    scroll, client = page_widths(wide, 1400, tmp_path / "p4", tmp_path)
    assert scroll > client


def test_the_report_prints_on_a4_with_code_tags_and_the_coders_counted(report_file, tmp_path):
    project, path = report_file
    pdf = tmp_path / "report.pdf"
    result = chromium(tmp_path / "p", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                      path.as_uri())
    assert pdf.exists(), result.stderr[-1000:]
    sizes = page_sizes(pdf)
    assert len(sizes) > 20 and all(is_a4(s) for s in sizes)
    pages = pdf_text(pdf)
    landscape = [i for i, s in enumerate(sizes) if s[0] > s[1]]
    # Page 1 is the title page with the contents, which name every section.
    heat = next(i for i, t in enumerate(pages) if i and "Cases x codes (number of codings)" in t)
    synthesis = next(i for i, t in enumerate(pages) if i and "Synthesis: cases" in t)
    assert heat in landscape and synthesis in landscape
    assert sizes[0][0] < sizes[0][1]  # the title page, and the appendices, are portrait
    flat = " ".join(" ".join(pages).split())
    assert "Coders counted: li, wei, merged." in flat
    assert "Ask about the 2016 subsidy cut." in flat
    # Codes visible in print: a coded passage of the appendix ends in its code's tag.
    documents = next(i for i, t in enumerate(pages) if i and "Appendix: the documents" in t)
    appendix = " ".join(" ".join(pages[documents:]).split())
    quote = "we are tied to this site because of the approvals"  # interview-01, by wei
    assert re.search(re.escape(quote) + r" P6\b", appendix), appendix[:300]
    assert len(re.findall(r"\b[SOIMP]\d+ li/wei\b", appendix)) > 50  # both coders' passages
