"""Property, through the command line: a generated or mutated input is either accepted or refused
with one line on stderr and exit code 1, and a refused input changes nothing in the database
(every table compared before and after)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import SMALL_CODEBOOK, Project
from tests.fuzz_inputs import (
    FUZZ_CLI,
    SRT_SEED,
    TXT_SEED,
    VTT_SEED,
    codebook_text,
    coding_file_text,
    front_matter_text,
    qdpx_bytes,
    transcript_bytes,
)


@pytest.fixture
def small(project: Project, tmp_path: Path) -> Project:
    codebook = tmp_path / "small.yaml"
    codebook.write_text(SMALL_CODEBOOK, encoding="utf-8")
    project.ok("codebook", "load", str(codebook))
    doc = tmp_path / "firm.md"
    doc.write_text(TXT_SEED, encoding="utf-8")
    project.ok("import", str(doc))
    return project


def _refused_changes_nothing(project: Project, *args: str) -> None:
    before = project.snapshot()
    result = project.run(*args)  # any exception other than exit raises here: a failed test
    if result.exit_code == 0:
        return
    assert result.exit_code == 1, (args, result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert project.snapshot() == before


KINDS = st.one_of(
    st.tuples(st.just("t.txt"), transcript_bytes(TXT_SEED.encode(), TXT_SEED)),
    st.tuples(st.just("t.vtt"), transcript_bytes(VTT_SEED.encode(), VTT_SEED)),
    st.tuples(st.just("t.srt"), transcript_bytes(SRT_SEED.encode(), SRT_SEED)),
    st.tuples(st.just("fm.md"), front_matter_text().map(str.encode)),
)


@FUZZ_CLI
@given(kind=KINDS)
def test_import_of_a_hostile_transcript(small: Project, tmp_path: Path, kind):
    name, data = kind
    path = tmp_path / name
    path.write_bytes(data)
    _refused_changes_nothing(small, "import", str(path))


@FUZZ_CLI
@given(text=coding_file_text())
def test_codings_import_of_a_hostile_coding_file(small: Project, tmp_path: Path, text: str):
    path = tmp_path / "coding.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _refused_changes_nothing(small, "codings", "import", str(path))


@FUZZ_CLI
@given(text=codebook_text(SMALL_CODEBOOK))
def test_codebook_load_of_a_hostile_codebook(small: Project, tmp_path: Path, text: str):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _refused_changes_nothing(small, "codebook", "load", str(path))


@FUZZ_CLI
@given(data=qdpx_bytes())
def test_refi_import_of_a_hostile_archive(small: Project, tmp_path: Path, data: bytes):
    path = tmp_path / "project.qdpx"
    path.write_bytes(data)
    _refused_changes_nothing(small, "refi", "import", str(path), "--merge")
