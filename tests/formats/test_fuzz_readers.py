"""Property: every reader, fed generated or mutated input, either succeeds or raises the project's
own error (QualcodeError) with a one-line message. No other exception escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.formats.codebook_yaml import load_codebook
from qualcode.formats.codings_yaml import read_coding_file
from qualcode.formats.refiqda import read_refi
from qualcode.formats.transcripts import read_transcript
from tests.conftest import CODEBOOK
from tests.fuzz_inputs import (
    FUZZ,
    SRT_SEED,
    TXT_SEED,
    VTT_SEED,
    codebook_text,
    coding_file_text,
    docx_seed,
    front_matter_text,
    qdpx_bytes,
    transcript_bytes,
)

DOCX_SEED = docx_seed()
SEEDS = {
    ".txt": TXT_SEED.encode(),
    ".md": TXT_SEED.encode(),
    ".vtt": VTT_SEED.encode(),
    ".srt": SRT_SEED.encode(),
    ".docx": DOCX_SEED,
}


def _one_line(exc: QualcodeError, path: Path) -> None:
    message = exc.one_line()
    assert "\n" not in message and "\r" not in message, message
    assert str(path) in message or str(path.name) in message, message


def _call(reader, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        reader(path)
    except QualcodeError as exc:
        _one_line(exc, path)


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


@pytest.mark.parametrize("suffix", list(SEEDS))
def test_transcript_readers(folder: Path, suffix: str):
    seed = SEEDS[suffix]
    text = TXT_SEED if suffix in (".txt", ".md", ".docx") else seed.decode()

    @FUZZ
    @given(data=transcript_bytes(seed, text))
    def check(data: bytes) -> None:
        _call(read_transcript, folder / f"t{suffix}", data)

    check()


@FUZZ
@given(text=front_matter_text())
def test_front_matter(folder: Path, text: str):
    _call(read_transcript, folder / "fm.md", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=codebook_text(CODEBOOK.read_text(encoding="utf-8")))
def test_codebook_loader(folder: Path, text: str):
    _call(load_codebook, folder / "codebook.yaml", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=coding_file_text())
def test_coding_files(folder: Path, text: str):
    _call(read_coding_file, folder / "coding.yaml", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(data=qdpx_bytes())
def test_refi_reader(folder: Path, data: bytes):
    _call(read_refi, folder / "project.qdpx", data)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_as_every_kind_of_file(folder: Path, data: bytes):
    for reader, name in ((read_transcript, "r.txt"), (read_transcript, "r.docx"),
                         (load_codebook, "r.yaml"), (read_coding_file, "c.yaml"),
                         (read_refi, "r.qdpx")):
        _call(reader, folder / name, data)
