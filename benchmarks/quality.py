"""`make eval`: how good the suggestions are on REAL interviews, measured against the hand-made
gold standard in transcripts/public-domain-gold/ (coder `gold`), on the split fixed in its
split.yaml. Held-out figures come only from files nobody tuned on; `--part tune` is for tuning.

    python benchmarks/quality.py                 # held-out files (what the README reports)
    python benchmarks/quality.py --part tune     # the tuning files, while tuning
    python benchmarks/quality.py --demo          # also the synthetic demo against coder wei

Every figure is computed by `qualcode evaluate` itself on a project built from the repo's files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import run_command  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work"
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
REAL = REPO / "transcripts" / "public-domain"
GOLD = REPO / "transcripts" / "public-domain-gold"
METHODS = ("lexicon",)


def qc(*args: str) -> str:
    return run_command(list(args)).stdout  # exits with qualcode's error if it fails


def build_real_project() -> Path:
    folder = WORK / "eval-real"
    shutil.rmtree(folder, ignore_errors=True)
    qc("init", str(folder))
    qc("-p", str(folder), "codebook", "load", str(CODEBOOK))
    qc("-p", str(folder), "import", str(REAL))
    gold_files = sorted(GOLD.glob("*.yaml"))
    gold_files = [p for p in gold_files if p.name != "split.yaml"]
    if not gold_files:
        sys.exit(f"no gold files in {GOLD}")
    qc("-p", str(folder), "codings", "import", *map(str, gold_files), "--coder", "eval")
    return folder


def build_demo_project() -> Path:
    folder = WORK / "eval-demo"
    shutil.rmtree(folder, ignore_errors=True)
    qc("init", str(folder))
    qc("-p", str(folder), "codebook", "load", str(CODEBOOK))
    qc("-p", str(folder), "import", str(REPO / "transcripts" / "demo"))
    qc("-p", str(folder), "codings", "import", str(REPO / "transcripts" / "demo-coding"))
    return folder


def evaluate(folder: Path, against: str, documents: list[str], method: str) -> dict:
    args = ["-p", str(folder), "evaluate", "--against", against, "--method", method, "--json"]
    for doc in documents:
        args += ["-d", doc]
    return json.loads(qc(*args))


def fmt(x) -> str:
    return "   -" if x is None else f"{x:.2f}"


def print_report(title: str, report: dict) -> None:
    print(f"\n## {title}: {report['method']}, {report['sentences']} sentences, "
          f"{report['documents']} documents")
    print(f"{'':34} {'gold':>5} {'sugg':>5} {'both':>5}   P     R     F1   kappa")
    rows = [*report["dimensions"], report["overall"], None, *report["codes"]]
    for s in rows:
        if s is None:
            print()
            continue
        print(f"{s['name'][:34]:34} {s['gold']:5} {s['predicted']:5} {s['true_positive']:5}  "
              f"{fmt(s['precision'])}  {fmt(s['recall'])}  {fmt(s['f1'])}  {fmt(s['kappa'])}")
    print(f"dimension-level macro F1: {fmt(report.get('dimension_macro_f1'))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--demo", action="store_true", help="also the synthetic demo vs wei")
    args = parser.parse_args()
    split = yaml.safe_load((GOLD / "split.yaml").read_text(encoding="utf-8"))
    documents = split[args.part]
    missing = [d for d in documents if not (GOLD / f"{d}.yaml").exists()]
    if missing:
        sys.exit(f"the {args.part} part has no gold file yet for: {', '.join(missing)}")
    folder = build_real_project()
    for method in METHODS:
        print_report(f"Real transcripts, {args.part} files", evaluate(folder, "gold", documents,
                                                                    method))
    if args.demo:
        demo = build_demo_project()
        for method in METHODS:
            print_report("Synthetic demo vs wei", evaluate(demo, "wei", [], method))


if __name__ == "__main__":
    main()
