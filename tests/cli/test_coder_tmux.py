"""The full-screen coder in a real tmux pane of 80x24: the real `qualcode code DOC` process, keys
sent by tmux, the screen read back from the pane, the coding read back from the database. The
headless tests (test_coder_app.py) drive the same app without a terminal; this one checks that it
draws and takes keys in the multiplexer researchers often code in."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import Project

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (.ci/run installs it from Debian's packages)")

BOOK = """\
codebook: {name: mini, version: "1", language: en}
policy:
  definition: Policy.
  codes:
    subsidies:
      definition: Money from government tied to vehicles.
      examples: ["We got a subsidy."]
"""

TRANSCRIPT = """\
Interviewer: Tell me about subsidies.

Mr. Li: The subsidies mattered a lot. We left Shenzhen in 2012.
"""


class Pane:
    def __init__(self, session: str):
        self.session = session

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.session, *args], capture_output=True,
                              text=True, check=True).stdout

    def screen(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", self.session).splitlines()

    def wait_for(self, text: str, seconds: float = 60) -> list[str]:
        """The screen once `text` is on it (a generous wait: the first draw loads spaCy)."""
        deadline = time.monotonic() + seconds
        while True:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the pane shows:\n"
                                     + "\n".join(lines))
            time.sleep(0.2)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)


@pytest.fixture
def pane(project: Project, tmp_path: Path):
    project.load_codebook_and_import(tmp_path / "book.yaml", BOOK,
                                     (tmp_path / "li.txt", TRANSCRIPT))
    name = f"qc-{uuid.uuid4().hex[:8]}"  # its own tmux server: nothing shared with the user's
    command = (f"{sys.executable} -m qualcode -p {project.folder} code li --coder tm; "
               "echo CODER-EXITED; sleep 60")
    pane = Pane(name)
    subprocess.run(["tmux", "-L", name, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                    command], check=True)
    try:
        yield pane
    finally:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True)


def test_the_coder_draws_at_80x24_in_tmux_and_codes_with_keys(pane: Pane, project: Project):
    first = pane.wait_for("sentence 1/3")
    assert len(first) == 24 and all(len(line) <= 80 for line in first)
    assert any("The subsidies mattered a lot. We left Shenzhen" in line for line in first)
    assert any("q" in line and "a code" in line for line in first[-2:])  # the key line

    pane.keys("j")
    pane.wait_for("sentence 2/3")
    pane.keys("a")
    pane.wait_for("Code: “The subsidies mattered a lot.”")
    pane.keys("subsid", literal=True)
    picker = pane.wait_for("Money from government tied to vehicles.")
    assert any("policy.subsidies" in line for line in picker)
    pane.keys("Enter")
    coded = pane.wait_for("▸ ■ policy.subsidies")
    assert any("tm" in line for line in coded)
    pane.keys("q")
    pane.wait_for("CODER-EXITED")

    rows = json.loads(project.ok("codings", "list", "--json"))
    assert [(r["code"], r["coder"], r["quote"]) for r in rows] == [
        ("policy.subsidies", "tm", "The subsidies mattered a lot.")]
