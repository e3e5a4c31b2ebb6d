"""qualcode manifest: versions, pipelines per language, codebook, transcripts' hashes, coders with
their counts, suggestion settings and the model; equal apart from the timestamp when nothing
changed, and a revised transcript changes its hash."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, DEMO, DEMO_CODING, Project


@pytest.fixture
def mixed(project: Project, tmp_path: Path) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    for name in ("interview-03.md", "interview-12.md"):  # English, and Chinese in GB18030
        shutil.copy(DEMO / name, tmp_path / name)
        project.ok("import", str(tmp_path / name))
    project.ok("codings", "import", str(DEMO_CODING / "interview-03.yaml"))
    return project


def _manifest(project: Project) -> dict:
    return json.loads(project.ok("manifest"))


def test_the_manifest_says_what_produced_the_tables(mixed):
    m = _manifest(mixed)
    assert m["tool"]["spacy"] == metadata.version("spacy")
    assert m["tool"]["jieba"] == metadata.version("jieba")
    assert set(m["pipelines"]) == {"en", "zh"}
    assert "jieba" in m["pipelines"]["zh"]["description"]
    assert "jieba" not in m["pipelines"]["en"]["description"]
    assert m["codebook"]["file_sha256"] == hashlib.sha256(CODEBOOK.read_bytes()).hexdigest()
    assert m["codebook"]["name"] and m["codebook"]["version"]
    by_name = {t["name"]: t for t in m["transcripts"]}
    assert set(by_name) == {"interview-03", "interview-12"}
    assert by_name["interview-12"]["file_sha256"] == hashlib.sha256(
        (DEMO / "interview-12.md").read_bytes()).hexdigest()
    assert (by_name["interview-12"]["language"], by_name["interview-12"]["encoding"]) == (
        "zh", "gb18030")
    listed = json.loads(mixed.ok("codings", "list", "--json"))
    counts = {c["name"]: c["codings"] for c in m["coders"]}
    assert counts and counts == {name: sum(r["coder"] == name for r in listed)
                                 for name in {r["coder"] for r in listed}}
    assert m["suggestions"] == [] and m["suggest_runs"] == [] and m["model"] is None


def test_two_manifests_of_the_same_project_differ_only_in_their_timestamp(mixed, tmp_path):
    out = tmp_path / "manifest.json"
    mixed.ok("manifest", "-o", str(out))
    first = json.loads(out.read_text(encoding="utf-8"))
    second = _manifest(mixed)
    assert "created_at" in first and "created_at" in second
    first.pop("created_at")
    second.pop("created_at")
    assert first == second


def test_suggestions_and_a_revised_transcript_show_in_the_manifest(mixed, tmp_path):
    before = _manifest(mixed)
    mixed.ok("suggest", "--document", "interview-12")
    path = tmp_path / "interview-03.md"
    path.write_text(path.read_text(encoding="utf-8").replace("partner", "supplier", 1),
                    encoding="utf-8")
    mixed.ok("import", "--update", str(path))
    after = _manifest(mixed)
    old = {t["name"]: t["sha256"] for t in before["transcripts"]}
    new = {t["name"]: t["sha256"] for t in after["transcripts"]}
    assert new["interview-03"] != old["interview-03"]
    assert new["interview-12"] == old["interview-12"]
    (setting,) = after["suggestions"]
    assert (setting["method"], setting["unit"]) == ("lexicon", "sentence")
    assert "jieba" in setting["pipeline"] and setting["by_status"]["pending"] > 0


def test_the_manifest_says_with_which_settings_suggest_ran(mixed):
    from qualcode.nlp.learned import default_threshold

    mixed.ok("suggest", "--document", "interview-12")
    mixed.ok("suggest", "--include-interviewer", "--unit", "turn")
    mixed.ok("suggest", "--include-interviewer", "--unit", "turn")
    mixed.ok("train")
    mixed.ok("suggest", "--method", "both")
    runs = _manifest(mixed)["suggest_runs"]
    settings = [{k: r[k] for k in ("method", "unit", "include_interviewer", "threshold",
                                   "only_documents", "runs")} for r in runs]
    assert settings == [
        {"method": "lexicon", "unit": "sentence", "include_interviewer": False,
         "threshold": None, "only_documents": ["interview-12"], "runs": 1},
        {"method": "lexicon", "unit": "turn", "include_interviewer": True,
         "threshold": None, "only_documents": None, "runs": 2},
        {"method": "both", "unit": "sentence", "include_interviewer": False,
         "threshold": default_threshold("both"), "only_documents": None, "runs": 1}]
    assert all(r["model"] is None and r["last_run"].endswith("Z") for r in runs)
    assert runs == _manifest(mixed)["suggest_runs"]  # read from the log: the same each time
