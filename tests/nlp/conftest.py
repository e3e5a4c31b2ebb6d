"""Fixtures for the suggestion engine: the bundled codebook, the synthetic demo interviews split
into respondent turns (as the services layer will hand them over), and small codebooks written
as YAML in the test itself."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from qualcode.domain import Codebook, TextUnit
from qualcode.formats.codebook_yaml import parse_codebook
from qualcode.formats.transcripts import read_transcript
from qualcode.nlp.pipeline import SuggestPipeline, build_pipeline

REPO = Path(__file__).resolve().parents[2]
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
DEMO = REPO / "transcripts" / "demo"
DEMO_CODING = REPO / "transcripts" / "demo-coding"


def codebook_from_yaml(text: str, source: str = "small.yaml") -> Codebook:
    codebook, problems = parse_codebook(textwrap.dedent(text), source=source)
    assert not problems, problems
    return codebook


def small_codebook(patterns: dict[str, list[str]], source: str = "small.yaml") -> Codebook:
    """One dimension "strategy" with a code per key; each pattern is one YAML list item such as
    'phrase: cell maker' or 'tokens: [{LOWER: land}]'."""
    lines = ["codebook:", "  name: small", "strategy:", "  definition: root", "  codes:"]
    for key, items in patterns.items():
        lines += [f"    {key}:", "      definition: a test code", "      examples: [x]",
                  "      patterns:"]
        lines += [f"        - {item}" for item in items]
    return codebook_from_yaml("\n".join(lines) + "\n", source)


@dataclass
class DemoDocument:
    document_id: int
    name: str
    text: str
    units: list[TextUnit]  # respondent turns
    codings: list[tuple[str, int, int]]  # (code, start, end) of the hand-made coding's quotes
    language: str = "en"


def load_demo() -> list[DemoDocument]:
    docs = []
    for number, path in enumerate(sorted(DEMO.glob("*.md")), start=1):
        transcript = read_transcript(path)
        text = transcript.text
        units = [TextUnit(number, t.start, text[t.start:t.end], t.number, transcript.language)
                 for t in transcript.turns if t.role == "respondent"]
        coding = yaml.safe_load((DEMO_CODING / f"{path.stem}.yaml").read_text(encoding="utf-8"))
        spans = []
        for item in coding["codings"]:
            start = text.find(item["quote"])
            assert start >= 0, f"{path.name}: quote not found: {item['quote']}"
            spans.append((item["code"], start, start + len(item["quote"])))
        docs.append(DemoDocument(number, path.stem, text, units, spans, transcript.language))
    return docs


@pytest.fixture(scope="session")
def bundled_codebook() -> Codebook:
    codebook, problems = parse_codebook(CODEBOOK.read_text(encoding="utf-8"), source=str(CODEBOOK))
    assert not problems, problems
    return codebook


@pytest.fixture(scope="session")
def bundled_pipe(bundled_codebook: Codebook) -> SuggestPipeline:
    return build_pipeline(bundled_codebook)


@pytest.fixture(scope="session")
def demo() -> list[DemoDocument]:
    return load_demo()


@pytest.fixture(scope="session")
def make_codebook():
    """small_codebook as a fixture: test modules here cannot import conftest by name."""
    return small_codebook


@pytest.fixture(scope="session")
def make_codebook_yaml():
    return codebook_from_yaml
