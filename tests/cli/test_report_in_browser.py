"""The HTML report of a project with Chinese interviews, opened in headless Chromium: the browser
reads the Chinese text (DOM) and draws it with real glyphs, not empty boxes (pixels).

Needs Debian's `chromium` and a CJK font (`fonts-noto-cjk`); .ci/run installs both, so in CI
(CI=true) their absence fails the test instead of skipping it."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, new_project

QUOTE = "一条新线从开机到稳定，我们预计是半年，实际上用了十个月。"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True,
                           check=False).stdout if shutil.which("fc-list") else ""
    missing = [what for what, ok in (("chromium", path), ("a CJK font (fonts-noto-cjk)", fonts))
               if not ok]
    if missing:
        reason = f"needs {' and '.join(missing)}: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI"):
            pytest.fail(reason + " (.ci/run installs them)")
        pytest.skip(reason)
    return path


def _run(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    # The flags of a sandbox without network: no first-run, no background connections.
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "proj"
    project = new_project(folder)
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", str(DEMO / "interview-10.md"), str(DEMO / "interview-12.md"))
    project.ok("codings", "import", str(DEMO_CODING / "interview-10.yaml"),
               str(DEMO_CODING / "interview-12.yaml"))
    path = folder / "report.html"
    project.ok("report", "-o", str(path))
    return path


def test_chromium_reads_the_chinese_text_of_the_report(report_file, tmp_path):
    chromium = _chromium()
    result = _run(chromium, tmp_path, "--dump-dom", report_file.as_uri())
    dom = html.unescape(result.stdout)
    assert QUOTE in dom  # decoded as UTF-8 by the browser, not as mojibake
    assert "周经理" in dom  # from the GB18030 interview, stored as text
    assert 'lang="zh"' in dom


def _screenshot(chromium: str, tmp: Path, text: str, name: str) -> bytes:
    """A small page in the report's own fonts with one line of text, as PNG bytes."""
    style = report_css()
    page = tmp / f"{name}.html"
    page.write_text(f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
                    f"<style>{style}</style></head><body><p>{text}</p>"
                    f'<div class="doc">{text}</div></body></html>', encoding="utf-8")
    png = tmp / f"{name}.png"
    _run(chromium, tmp, f"--screenshot={png}", "--window-size=400,160", page.as_uri())
    return png.read_bytes()


def report_css() -> str:
    from qualcode.formats.report_html import _STYLE

    return _STYLE


def test_chromium_draws_chinese_characters_with_glyphs_not_boxes(tmp_path):
    """Without a CJK font every Chinese character is the same empty box, so two different
    sentences would give identical screenshots; with one, they differ."""
    chromium = _chromium()
    first = _screenshot(chromium, tmp_path, "补贴退坡以后利润很薄", "a")
    second = _screenshot(chromium, tmp_path, "环评做了将近一年时间", "b")
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and second[:8] == b"\x89PNG\r\n\x1a\n"
    assert first != second
