"""`make bench-scale`: qualcode at three sizes, 1 M, 3 M and 10 M words (100, 300 and 1,000
interviews of ~10,000 words, 100,000 / 300,000 / 1,000,000 codings), so that how each command
grows can be read off: import, suggest, matrix, cooccur, synthesize, report and REFI export, each
as its own process, with wall time, CPU time and peak memory (wait4, through benchmarks/peak.py).
The corpus is the demo interviews' sentences reshuffled with a fixed seed (benchmarks/corpus.py)
and the codings are random but seeded (benchmarks/projects.py): same sizes, same project. Nothing
of it is committed; it is built under benchmarks/_work. Long: run it with `nice`, once.

  python benchmarks/scale.py                 # 1 M, 3 M, 10 M words; writes RESULTS.md
  python benchmarks/scale.py --sizes 0.1 0.3 # a small check of the harness (M words)
  python benchmarks/scale.py --steps report refi   # again on the projects built before
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import write_corpus  # noqa: E402
from benchmarks.measure import run_command  # noqa: E402
from benchmarks.projects import add_codings, fresh_project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work" / "scale"
RESULTS = REPO / "benchmarks" / "RESULTS.md"
MARKER = "<!-- scale -->"
WORDS_EACH = 10_000
CODINGS_PER_WORD = 0.1
LIMIT_MB = 2048

STEPS = (  # (label, arguments after -p PROJECT; {out} is the output folder)
    ("import", None),  # special: the corpus folder
    ("suggest", ["suggest", "--json"]),
    ("matrix case x code (coverage)", ["matrix", "--rows", "case", "--cols", "code", "--value",
                                       "coverage", "--json"]),
    ("cooccur (turn, jaccard)", ["cooccur", "--unit", "turn", "--measure", "jaccard", "--json"]),
    ("synthesize (json)", ["synthesize", "--json"]),
    ("report (HTML)", ["report", "-o", "{out}/report.html"]),
    ("refi export (.qdpx)", ["refi", "export", "-o", "{out}/project.qdpx", "--force"]),
)


def step_name(label: str) -> str:
    """The word --steps uses for a step: its label's first word (import, suggest, refi...)."""
    return label.split()[0]


def run_size(million_words: float, steps: set[str] | None = None) -> dict:
    """Build the project of this size and measure each step; with `steps` without "import",
    only those steps, on the project an earlier run built (its other figures are kept)."""
    interviews = max(5, round(million_words * 1_000_000 / WORDS_EACH))
    codings = round(interviews * WORDS_EACH * CODINGS_PER_WORD)
    tag = f"{million_words:g}M"
    corpus, project, out = WORK / f"corpus-{tag}", WORK / f"project-{tag}", WORK / f"out-{tag}"
    rebuild = steps is None or "import" in steps
    if rebuild:
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        words = write_corpus(corpus, interviews=interviews, words_each=WORDS_EACH, seed=13)
        fresh_project(project)
        measured = {}
    else:
        earlier = WORK / f"result-{tag}.json"
        if not (project / "qualcode.db").exists() or not earlier.exists():
            raise SystemExit(f"no {tag} project measured before: run with import first")
        before = json.loads(earlier.read_text(encoding="utf-8"))
        words, measured = before["words"], before["steps"]
        out.mkdir(parents=True, exist_ok=True)
    for label, args in STEPS:
        if steps is not None and step_name(label) not in steps:
            continue
        if args is None:
            run = run_command(["-p", str(project), "import", str(corpus), "--json"])
            # Codings as months of hand coding would leave them, before the analyses.
            add_codings(project / "qualcode.db", codings, seed=5)
        else:
            run = run_command(["-p", str(project), *[a.replace("{out}", str(out))
                                                     for a in args]])
        measured[label] = {"seconds": run.seconds, "cpu": run.cpu, "peak_mb": run.peak_mb}
        print(f"  {tag} {label}: {run.seconds:.1f} s wall, {run.cpu:.1f} s CPU, "
              f"{run.peak_mb:.0f} MB", flush=True)
    if rebuild:
        shutil.rmtree(corpus, ignore_errors=True)
    return {"million_words": million_words, "interviews": interviews, "words": words,
            "codings": codings, "steps": measured}


def growth(first: dict, last: dict, step: str, attr: str = "cpu") -> float:
    """The exponent k in time (or peak memory) ~ size^k between the smallest and the largest
    size (1 = linear)."""
    a, b = first["steps"][step][attr], last["steps"][step][attr]
    if a <= 0 or b <= 0 or last["words"] == first["words"]:
        return float("nan")
    return math.log(b / a) / math.log(last["words"] / first["words"])


def render(results: list[dict], seconds: float | None) -> str:
    when = (f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC" if seconds is not None else
            f"Table made {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from the sizes measured "
            "before")
    part = f" (this run's part: {seconds:.0f} s)" if seconds is not None else ""
    lines = [
        f"{when} on {platform.machine()}, Python {platform.python_version()}{part}. Sizes: "
        + "; ".join(
            f"{r['interviews']:,} interviews / {r['words']:,} words / {r['codings']:,} codings"
            for r in results) + ". Cells: wall s / CPU s / peak MB.",
        "",
        "| command | " + " | ".join(f"{r['million_words']:g} M words" for r in results)
        + f" | growth of CPU time (1 = linear) | growth of peak memory | peak under "
          f"{LIMIT_MB // 1024} GB |",
        "|---|" + "---:|" * len(results) + "---:|---:|---|",
    ]
    for step, _args in STEPS:
        cells = []
        for r in results:
            m = r["steps"].get(step)
            cells.append(f"{m['seconds']:.1f} / {m['cpu']:.1f} / {m['peak_mb']:.0f}" if m
                         else "not measured")
        have = [r for r in results if step in r["steps"]]
        k = growth(have[0], have[-1], step) if len(have) > 1 else float("nan")
        k_mem = growth(have[0], have[-1], step, "peak_mb") if len(have) > 1 else float("nan")
        if not have:
            lines.append(f"| {step} | " + " | ".join(cells) + " | | | not measured |")
            continue
        peak = max(r["steps"][step]["peak_mb"] for r in have)
        partial = ", not every size" if len(have) < len(results) else ""
        lines.append(f"| {step} | " + " | ".join(cells) + f" | {k:.2f} | {k_mem:.2f} | "
                     f"{'yes' if peak < LIMIT_MB else 'NO'} ({peak:.0f} MB{partial}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 3, 10],
                        help="corpus sizes in millions of words")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--steps", nargs="+", choices=[step_name(label) for label, _ in STEPS],
                        help="only these steps; without import, on the projects built before")
    parser.add_argument("--table-only", action="store_true",
                        help="run nothing: the table from the sizes measured so far")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for size in [] if args.table_only else args.sizes:
        result = run_size(size, set(args.steps) if args.steps else None)
        # Each size is kept on its own (sizes may run in separate processes); the table is
        # made from every size measured so far, so a long run keeps what it finished.
        (WORK / f"result-{size:g}M.json").write_text(json.dumps(result), encoding="utf-8")
        results = sorted((json.loads(f.read_text(encoding="utf-8"))
                          for f in WORK.glob("result-*M.json")),
                         key=lambda r: r["million_words"])
        table = render(results, time.perf_counter() - started)
        print(table, flush=True)
        if not args.no_write:
            write_results(table)
    if args.table_only:
        results = sorted((json.loads(f.read_text(encoding="utf-8"))
                          for f in WORK.glob("result-*M.json")),
                         key=lambda r: r["million_words"])
        table = render(results, None)
        print(table)
        if not args.no_write:
            write_results(table)


def write_results(table: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    head, found, rest = text.partition(MARKER)
    if not found:
        raise SystemExit(f"RESULTS.md has no {MARKER} line to put the table under")
    _old, _sep, after = rest.partition("<!-- /scale -->")
    RESULTS.write_text(head + MARKER + "\n\n" + table + "\n\n<!-- /scale -->" + after,
                       encoding="utf-8")

if __name__ == "__main__":
    main()
