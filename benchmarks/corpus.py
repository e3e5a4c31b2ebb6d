"""Deterministic synthetic corpora for benchmarks, built by reshuffling the sentences of the
(synthetic) demo interviews with a fixed seed. Same seed, same corpus, on every machine."""

from __future__ import annotations

import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "transcripts" / "demo"
SEGMENTS = ["cells", "materials", "pack and BMS", "equipment", "recycling"]
QUESTIONS = [
    "How did that come about?", "Can you say more about that?", "And the customers?",
    "What about the local government?", "How do you compare with Shenzhen?",
    "What is the hardest part today?", "Who designs the cells?", "And your workers?",
]


def _demo_bodies(language: str) -> list[str]:
    """The bodies of the demo interviews in one language (decoded as the importer would)."""
    from qualcode.formats.transcripts import read_transcript

    return [t.text for t in map(read_transcript, sorted(DEMO.glob("*.md")))
            if t.language == language]


def demo_sentences() -> list[str]:
    sentences: list[str] = []
    for body in _demo_bodies("en"):
        for line in body.splitlines():
            speaker, sep, said = line.partition(": ")
            if not sep or speaker == "Interviewer":
                continue
            sentences.extend(s for s in re.split(r"(?<=[.?!])\s+", said) if len(s.split()) > 3)
    return sentences


def write_corpus(folder: Path, *, interviews: int, words_each: int, seed: int = 7) -> int:
    """Write `interviews` Markdown transcripts of about `words_each` words; return total words."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = demo_sentences()
    total = 0
    for i in range(interviews):
        lines = ["---", "synthetic: true",
                 "notice: SYNTHETIC benchmark text, reshuffled from the synthetic demo corpus.",
                 f"case: Bench Firm {i // 5:03d}", "case_attributes:",
                 f"  segment: {SEGMENTS[(i // 5) % len(SEGMENTS)]}",
                 "language: en", "interviewer_labels: [Interviewer]", "---"]
        words = 0
        while words < words_each:
            lines.append(f"Interviewer: {rng.choice(QUESTIONS)}\n")
            turn = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 9)))
            lines.append(f"Mr. Bench: {turn}\n")
            words += len(turn.split()) + 6
        total += words
        (folder / f"bench-{i:04d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return total


def chinese_sentences() -> list[str]:
    """Respondent sentences of the Chinese demo interviews, cut after 。！？."""
    sentences: list[str] = []
    for body in _demo_bodies("zh"):
        for line in body.splitlines():
            speaker, sep, said = line.partition("：")
            if not sep or speaker in ("访谈者", "采访者"):
                continue
            sentences.extend(s for s in re.split(r"(?<=[。！？])", said) if len(s) > 6)
    return sentences


def write_chinese_corpus(folder: Path, *, interviews: int, chars_each: int, seed: int = 7) -> int:
    """Chinese transcripts of about `chars_each` characters; returns total characters."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = chinese_sentences()
    total = 0
    for i in range(interviews):
        lines = ["---", "synthetic: true",
                 "notice: SYNTHETIC benchmark text, reshuffled from the synthetic demo corpus.",
                 f"case: Bench Chinese Firm {i // 5:03d}", "language: zh", "---"]
        chars = 0
        while chars < chars_each:
            lines.append("访谈者：后来呢？\n")
            turn = "".join(rng.choice(pool) for _ in range(rng.randint(3, 9)))
            lines.append(f"受访者：{turn}\n")
            chars += len(turn) + 5
        total += chars
        (folder / f"bench-zh-{i:04d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return total
