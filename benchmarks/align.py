"""`import --update` on a 20,000-word interview: the aligner (rapidfuzz Indel over words) beside
difflib's SequenceMatcher (autojunk off) over the same words, and the whole command moving 1,000
codings. Run alone with `python benchmarks/align.py`; `make bench` includes it."""

from __future__ import annotations

import difflib
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import run_command, timed  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PUBLIC = REPO.parent / "shared" / "corpus" / "public-domain"
DEMO = REPO / "transcripts" / "demo"
WORDS = 20_000


def interview(words: int) -> str:
    """Real transcripts (public domain, or the synthetic demo when ../shared is absent) joined
    until `words` words, keeping their lines and paragraphs."""
    files = sorted(PUBLIC.rglob("*.txt")) or sorted(DEMO.glob("*.md"))
    text = "\n\n".join(f.read_text(encoding="utf-8") for f in files)
    while len(text.split()) < words:
        text += "\n\n" + text
    cut = [m.start() for m in re.finditer(r"\S+", text)][words]
    return text[:cut].rstrip() + "\n"


def revised(text: str, seed: int = 7) -> str:
    """A transcriber's revision: a paragraph moved, 40 word-level edits, every line re-wrapped."""
    rng = random.Random(seed)
    paragraphs = text.split("\n\n")
    paragraphs.insert(3, paragraphs.pop(len(paragraphs) // 2))
    tokens = "\n\n".join(paragraphs).split(" ")
    for _ in range(40):
        k = rng.randrange(len(tokens))
        kind = rng.choice("tid")
        if kind == "t":
            tokens[k] = tokens[k][::-1]
        elif kind == "i":
            tokens.insert(k, "(inaudible)")
        else:
            del tokens[k:k + 3]
    return re.sub(r"\n(?!\n)", " ", " ".join(tokens))


def bench_align(work: Path, row) -> list[dict]:
    from qualcode.alignment import Alignment

    old, new = interview(WORDS), revised(interview(WORDS))
    words = len(old.split())
    a, b = re.findall(r"\S+", old), re.findall(r"\S+", new)
    base, _ = timed(lambda: difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    ours, _ = timed(Alignment, old, new)
    size = f"{words:,} words"
    rows = [row("align a revised transcript", size, ours, "difflib SequenceMatcher (words)", base,
                None, lower_is_better=True, words=words)]

    project = work / "align-project"
    if project.exists():
        import shutil

        shutil.rmtree(project)
    source = work / "interview.txt"
    source.write_text(old, encoding="utf-8")
    run_command(["init", str(project)])
    codebook = work / "align-codebook.yaml"
    codebook.write_text("policy:\n  definition: Policy.\n  codes:\n    subsidies:\n"
                        "      definition: Subsidies.\n      examples: [The subsidy.]\n",
                        encoding="utf-8")
    run_command(["-p", str(project), "codebook", "load", str(codebook)])
    imported = run_command(["-p", str(project), "import", str(source)])
    _code_spans(project, old, 1000)
    source.write_text(new, encoding="utf-8")
    update = run_command(["-p", str(project), "import", "--update", str(source)])
    rows.append(row("import --update, 1,000 codings", size, update.seconds,
                    "import of the same file", imported.seconds, update.peak_mb,
                    lower_is_better=True, words=words))
    return rows


def _code_spans(project: Path, text: str, count: int) -> None:
    """`count` codings on random 3-12-word spans, one transaction (as `codings import` would)."""
    from qualcode.services.coding import add_coding
    from qualcode.storage import database

    rng = random.Random(3)
    bounds = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    engine = database.make_engine(f"sqlite:///{project / 'qualcode.db'}")
    with database.session_scope(engine) as session:
        for k in sorted(rng.sample(range(0, len(bounds) - 12, 14), count)):  # no overlaps
            span = (bounds[k][0], bounds[k + rng.randint(2, 11)][1])
            add_coding(session, document="interview", code="policy.subsidies", coder="bench",
                       actor="bench", span=span)
    engine.dispose()


if __name__ == "__main__":
    from benchmarks.run import WORK, render, row

    WORK.mkdir(parents=True, exist_ok=True)
    print(render(bench_align(WORK, row)))
