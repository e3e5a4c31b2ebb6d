"""Headless Chromium (Debian's `chromium`) and poppler's pdfinfo/pdftotext for tests that look at
the HTML report as a browser and a printer do. Missing tools skip the test on a developer's
machine and fail it in CI (CI=true), where .ci/run installs them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# The flags that work here as root without network: no sandbox, no GPU, no first run, no
# background connections, and a fresh profile each time.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--hide-scrollbars")
A4_POINTS = (595.0, 842.0)


def need(*tools: str) -> dict[str, str]:
    """The paths of the tools, or skip (fail in CI) naming the Debian packages to install."""
    found = {t: shutil.which(t) for t in tools}
    missing = [t for t, path in found.items() if not path]
    if missing:
        reason = (f"needs {', '.join(missing)}: apt-get install chromium poppler-utils")
        if os.environ.get("CI"):
            pytest.fail(reason + " (.ci/run installs them)")
        pytest.skip(reason)
    return {t: p for t, p in found.items() if p}


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium once; stderr carries the page's console messages (--enable-logging)."""
    path = need("chromium")["chromium"]
    return subprocess.run(
        [path, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=180, check=False)


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to the console (errors, CSP violations, failed loads)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def page_widths(page: Path, width: int, profile: Path, work: Path) -> tuple[int, int]:
    """(scrollWidth, clientWidth) of `page` laid out `width` px wide: a test-only harness page
    frames it and measures it (the report itself has no script)."""
    harness = work / "measure.html"
    harness.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" src="{page.as_uri()}" style="width:{width}px;height:900px;border:0">'
        '</iframe><pre id="out">pending</pre><script>'
        'document.getElementById("f").addEventListener("load", () => {'
        ' const d = document.getElementById("f").contentDocument.documentElement;'
        ' document.getElementById("out").textContent = "widths " + d.scrollWidth + " " +'
        ' d.clientWidth; });</script></body></html>', encoding="utf-8")
    result = chromium(profile, "--allow-file-access-from-files", "--virtual-time-budget=15000",
                      "--dump-dom", harness.as_uri())
    found = re.search(r"widths (\d+) (\d+)", result.stdout)
    assert found, result.stdout[-500:] + result.stderr[-500:]
    return int(found.group(1)), int(found.group(2))


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    out = subprocess.run([need("pdfinfo")["pdfinfo"], "-f", "1", "-l", "100000", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out, flags=re.M)]


def is_a4(size: tuple[float, float]) -> bool:
    """Portrait or landscape A4, within a point."""
    return any(abs(size[0] - w) < 1.5 and abs(size[1] - h) < 1.5
               for w, h in (A4_POINTS, A4_POINTS[::-1]))


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    out = subprocess.run([need("pdftotext")["pdftotext"], "-layout", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return out.split("\f")
