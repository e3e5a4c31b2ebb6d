"""The bundled codebook on INVENTED sentences (benchmarks/probes/labelling-probes.txt): 240
sentences a team member wrote from LABELLING.md's rules and the codes' definitions alone, labelled
with their dimensions. A development check, not a result: real-text figures come from
`make eval`. Halves: a = odd lines, b = even lines, so rules written from one half's misses are
checked on the other (issue 7: the fourth round was, and not kept; benchmarks/RESULTS.md).

    python benchmarks/probes.py                         # the bundled codebook, both halves
    python benchmarks/probes.py --codebook OTHER.yaml   # another version of it
    python benchmarks/probes.py --half a --misses       # what half a misses or adds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
PROBES = REPO / "benchmarks" / "probes" / "labelling-probes.txt"
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
DIMENSIONS = ("strategy", "organization", "innovation", "market-position", "policy")


def probes(half: str | None) -> list[tuple[set[str], str]]:
    lines = [line.strip() for line in PROBES.read_text(encoding="utf-8").splitlines()]
    rows = [line.split("|", 1) for line in lines if line and not line.startswith("#")]
    if half:
        rows = rows[0::2] if half == "a" else rows[1::2]
    return [(set(labels.split(",")) - {"none"}, text) for labels, text in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", type=Path, default=CODEBOOK)
    parser.add_argument("--half", choices=("a", "b"))
    parser.add_argument("--misses", action="store_true", help="list the sentences it gets wrong")
    args = parser.parse_args()
    from qualcode.domain import TextUnit
    from qualcode.formats.codebook_yaml import load_codebook
    from qualcode.nlp.pipeline import build_pipeline
    from qualcode.nlp.suggester import suggest

    pipe = build_pipeline(load_codebook(args.codebook), lang="en")
    halves = [args.half] if args.half else ["a", "b", None]
    for half in halves:
        rows = []
        for want, text in probes(half):
            hits = suggest(pipe, [TextUnit(document_id=1, start=0, text=text)])
            rows.append((want, {pipe.dimension_of[h.code] for h in hits}, text))
        f1s = []
        print(f"\n## half {half or 'a + b'}: {len(rows)} sentences ({args.codebook.name})")
        print(f"{'':16}   P     R     F1")
        for dim in DIMENSIONS:
            tp = sum(dim in w and dim in g for w, g, _ in rows)
            fp = sum(dim not in w and dim in g for w, g, _ in rows)
            fn = sum(dim in w and dim not in g for w, g, _ in rows)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
            f1s.append(f1)
            print(f"{dim:16} {tp / (tp + fp) if tp + fp else 0:.2f}  "
                  f"{tp / (tp + fn) if tp + fn else 0:.2f}  {f1:.2f}")
        print(f"dimension macro F1: {sum(f1s) / len(f1s):.3f}")
        if args.misses:
            for want, got, text in rows:
                if want != got:
                    print(f"  wanted {sorted(want) or 'none'}, got {sorted(got) or 'none'}: {text}")


if __name__ == "__main__":
    main()
