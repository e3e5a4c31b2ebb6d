"""`make eval`: how good the suggestions are on REAL interviews, measured against the hand-made
gold standard in transcripts/public-domain-gold/ (coder `gold`), on the split fixed in its
split.yaml. Held-out figures come only from files nobody tuned on; `--part tune` is for tuning.

    python benchmarks/quality.py                 # held-out files (what the README reports)
    python benchmarks/quality.py --part tune     # the tuning files, while tuning
    python benchmarks/quality.py --demo          # also the synthetic demo against coder wei

Every figure is computed by `qualcode evaluate` itself on a project built from the repo's files.

The learning curve: how much the learned model gains as a project is coded. For k = 0, 1, 2, 4
coded tuning files (the first k in split.yaml's order; 0 = the codebook's own words alone),
`qualcode train --by gold -d ...` learns from those files only and `evaluate --trained` scores
lexicon, learned and both on the held-out files. With `--part tune` (for whoever tunes the
learner) every tuning file in turn is the test file and the model learns from k of the others;
the figures are the means over those five folds, and no held-out file is read.

Two views of the same labels. The gold files list EVERY sentence of the respondents' turns (bar
pure formalities), so most carry no dimension, as in real talk: that is `all sentences`. The
labelling rules (shared/corpus/public-domain/dev/LABELLING.md) ask for a sample in which about a
third carry no dimension, hard negatives included: that is `sample` — every sentence with a
label, every hard negative (a note starting "hard negative"), and a seeded random draw of the
other unlabelled sentences up to a third of the whole. The draw is fixed by SAMPLE_SEED.

How sure the figures are: each F1 comes with a 95% bootstrap interval (`evaluate --ci`, 1,000
resamples of sentences, seed 0), the macro F1 also resampling whole documents (wider: sentences
of one speech are alike), and the learning curve's `both - lexicon` on the held-out files with
a paired interval (`evaluate --compare lexicon`).
"""

from __future__ import annotations

import argparse
import json
import random
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
SECOND = GOLD / "second"
FIRST = GOLD / "first"  # the first labeller's labels of the double-coded files, before adjudication
METHODS = ("lexicon",)
CURVE_METHODS = ("lexicon", "learned", "both")
CURVE_STEPS = (0, 1, 2, 4)
SAMPLE_SEED = 20261202
NONE_SHARE = 1 / 3


def qc(*args: str) -> str:
    return run_command(list(args)).stdout  # exits with qualcode's error if it fails


def build_real_project() -> Path:
    folder = WORK / "eval-real"
    shutil.rmtree(folder, ignore_errors=True)
    qc("init", str(folder))
    qc("-p", str(folder), "codebook", "load", str(CODEBOOK))
    qc("-p", str(folder), "import", *map(str, sorted(REAL.glob("*.txt"))))  # not the README
    gold_files = sorted(GOLD.glob("*.yaml"))
    gold_files = [p for p in gold_files if p.name != "split.yaml"]
    if not gold_files:
        sys.exit(f"no gold files in {GOLD}")
    qc("-p", str(folder), "codings", "import", *map(str, gold_files), "--coder", "eval")
    sample_dir = WORK / "gold-sample"
    shutil.rmtree(sample_dir, ignore_errors=True)
    sample_dir.mkdir(parents=True)
    for path in gold_files:
        (sample_dir / path.name).write_text(
            yaml.safe_dump(labelling_sample(path), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    qc("-p", str(folder), "codings", "import", str(sample_dir), "--coder", "eval")
    # the double-coded tuning files: the second labeller's labels (coder `second`) and the first
    # labeller's as they were before adjudication (coder `first`)
    double = sorted(SECOND.glob("*.yaml")) + sorted(FIRST.glob("*.yaml"))
    if double:
        qc("-p", str(folder), "codings", "import", *map(str, double), "--coder", "eval")
    return folder


def labelling_sample(path: Path) -> dict:
    """One gold file as coder `sample`: labelled sentences, hard negatives, and a seeded draw of
    the other unlabelled sentences so that about a third of the sample carries no label."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sents = data["sentences"]
    labelled = [s for s in sents if s["codes"]]
    hard = [s for s in sents if not s["codes"] and _hard_negative(s)]
    rest = [s for s in sents if not s["codes"] and not _hard_negative(s)]
    wanted = round(len(labelled) * NONE_SHARE / (1 - NONE_SHARE)) - len(hard)
    rng = random.Random(f"{SAMPLE_SEED}:{data['document']}")
    drawn = rng.sample(rest, max(0, min(wanted, len(rest))))
    keep = {id(s) for s in [*labelled, *hard, *drawn]}
    return {
        "document": data["document"],
        "coder": "sample",
        "sentences": [s for s in sents if id(s) in keep],
    }


def _hard_negative(sentence: dict) -> bool:
    return str(sentence.get("note") or "").lower().startswith("hard negative")


def build_demo_project() -> Path:
    folder = WORK / "eval-demo"
    shutil.rmtree(folder, ignore_errors=True)
    qc("init", str(folder))
    qc("-p", str(folder), "codebook", "load", str(CODEBOOK))
    qc("-p", str(folder), "import", str(REPO / "transcripts" / "demo"))
    qc("-p", str(folder), "codings", "import", str(REPO / "transcripts" / "demo-coding"))
    return folder


def evaluate(folder: Path, against: str, documents: list[str], method: str,
             trained: bool = False, ci_by: str | None = "sentence") -> dict:
    """`qualcode evaluate --json`, with 95% bootstrap intervals (resampling `ci_by`) unless
    `ci_by` is None."""
    args = ["-p", str(folder), "evaluate", "--against", against, "--method", method, "--json"]
    if trained:
        args.append("--trained")  # the stored model, not cross-validation over `against`
    if ci_by:
        args += ["--ci", "--ci-by", ci_by]
    for doc in documents:
        args += ["-d", doc]
    return json.loads(qc(*args))


def qc_fast(*args: str) -> str:
    """`qualcode ARGS` run in this process (the same CLI code, without a fresh spaCy per call):
    the learning curve makes dozens of calls."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    res = CliRunner().invoke(app, list(args))
    if res.exit_code != 0:
        sys.exit(f"qualcode {' '.join(args)} failed: {res.stderr or res.stdout}"[:800])
    return res.stdout


def curve_point(folder: Path, views: list[str], train_on: list[str], test: list[str]) -> dict:
    """{view: {method: evaluate report}} after training on the gold coding of `train_on` alone."""
    args = ["-p", str(folder), "train", "--by", "gold", "--force", "--json"]
    if train_on:
        for doc in train_on:
            args += ["-d", doc]
    else:
        args.append("--only-codebook")
    qc_fast(*args)
    out: dict[str, dict] = {}
    for view in views:
        for method in CURVE_METHODS:
            cmd = ["-p", str(folder), "evaluate", "--against", view, "--method", method,
                   "--trained", "--json"]
            if method == "both":  # the paired interval of both - lexicon
                cmd += ["--compare", "lexicon"]
            for doc in test:
                cmd += ["-d", doc]
            out.setdefault(view, {})[method] = json.loads(qc_fast(*cmd))
    return out


def learning_curve(folder: Path, part: str, split: dict, views: list[str]) -> dict:
    """{view: {k: {method: [dimension macro F1, code micro F1]}}}, means over the folds; with one
    fold (held-out), also {view: {k: {"interval": paired 95% interval of both - lexicon}}}."""
    tune = split["tune"]
    if part == "heldout":
        folds = [(split["heldout"], tune)]
    else:
        folds = [([t], [d for d in tune if d != t]) for t in tune]
    sums: dict[str, dict[int, dict[str, list[float]]]] = {}
    for test, pool in folds:
        for k in CURVE_STEPS:
            for view, reports in curve_point(folder, views, pool[:k], test).items():
                for method, rep in reports.items():
                    row = sums.setdefault(view, {}).setdefault(k, {}).setdefault(method, [0, 0])
                    row[0] += (rep["dimension_macro_f1"] or 0.0) / len(folds)
                    row[1] += (rep["overall"]["f1"] or 0.0) / len(folds)
                    if method == "both" and len(folds) == 1:
                        sums[view][k]["interval"] = rep["comparison"]["difference_interval"]
    return sums


def print_curve(title: str, curve: dict) -> None:
    print(f"\n## Learning curve, {title}")
    print("dimension-level macro F1 (code-level micro F1) after coding k tuning files")
    print(f"{'k':>3}  " + "  ".join(f"{m:>15}" for m in CURVE_METHODS) + "  both - lexicon"
          "  (paired 95% CI, sentences)")
    for k, row in sorted(curve.items()):
        cells = "  ".join(f"{row[m][0]:6.3f} ({row[m][1]:5.3f})" for m in CURVE_METHODS)
        span = row.get("interval")
        ci = f"  ({span['low']:+.3f} to {span['high']:+.3f})" if span else ""
        print(f"{k:>3}  {cells}  {row['both'][0] - row['lexicon'][0]:+.3f}{ci}")


def human_agreement(folder: Path, split: dict, part: str) -> None:
    """The labelling's own ceiling: on the files of `part` a second person labelled independently
    (transcripts/public-domain-gold/second/), how far the two labellers agree per dimension
    (`agreement`'s positive agreement, which for two coders is one's F1 against the other, and
    kappa), beside the lexicon's F1 against gold on the same files and sentences. Files
    that were adjudicated after double coding (the tuning files 03, 07, 12 and, since the evening
    of 2026-12-03, all four held-out files) compare the first labeller's labels as they were
    before (first/), so that two independent labellings are compared."""
    docs = [d for d in (yaml.safe_load(p.read_text(encoding="utf-8"))["document"]
                        for p in sorted(SECOND.glob("*.yaml"))) if d in split[part]]
    if not docs:
        return
    adjudicated = {yaml.safe_load(p.read_text(encoding="utf-8"))["document"]
                   for p in FIRST.glob("*.yaml")}
    kinds = {d in adjudicated for d in docs}
    if len(kinds) > 1:
        sys.exit(f"the double-coded {part} files are adjudicated only in part")
    first = "first" if kinds == {True} else "gold"
    args = ["-p", str(folder), "agreement", first, "second", "--json"]
    for doc in docs:
        args += ["--document", doc]
    pair = json.loads(qc(*args))
    lexicon = evaluate(folder, "gold", docs, "lexicon", ci_by=None)
    lex = {d["name"]: d for d in lexicon["dimensions"]}
    print(f"\n## Two labellers against each other: {first} vs second on {len(docs)} {part} "
          f"files ({pair['dimensions'][0]['units']} sentences), beside the lexicon vs gold")
    print(f"{'':17} {first:>5} {'second':>6} {'both':>5}  labellers F1  kappa   lexicon F1")
    rows = {r["name"]: r for r in pair["dimensions"]}
    human = []  # over the dimensions either person marked, as evaluate's macro F1 counts
    for name in sorted(set(rows) | set(lex)):
        row = rows.get(name)
        f1 = lex.get(name, {}).get("f1")
        if row is None:
            print(f"{name:17} {0:5} {0:6} {0:5}  {fmt(None):>12}  {fmt(None):>5}   {fmt(f1):>10}")
            continue
        human.append(row["positive"] or 0.0)
        print(f"{name:17} {row['coded'][first]:5} {row['coded']['second']:6} "
              f"{row['all_coded']:5}  {fmt(row['positive']):>12}  {fmt(row['kappa']):>5}   "
              f"{fmt(f1):>10}")
    print(f"{'macro F1':17} {'':5} {'':6} {'':5}  {sum(human) / len(human):12.2f}  {'':5}   "
          f"{fmt(lexicon['dimension_macro_f1']):>10}")
    print(f"labellers F1: positive agreement 2a/(2a+b+c), the second's F1 against {first} "
          f"(symmetric); lexicon F1: against gold{' (adjudicated)' if first == 'first' else ''}")
    args = ["-p", str(folder), "evaluate", "--against", first, "--beside", "second", "--ci",
            "--json"]
    for doc in docs:
        args += ["-d", doc]
    side = json.loads(qc(*args))["beside"]
    print(f"95% CI (1,000 resamples of sentences): labellers' macro F1 "
          f"{fmt_ci(side['coder_macro_f1_interval'])}", end="")
    if first == "gold":  # the lexicon against the same coder: the gap is meaningful
        span = side["difference_interval"]
        print(f"; lexicon minus second {side['difference']:+.2f} (paired, {span['low']:+.2f} "
              f"to {span['high']:+.2f})")
    else:
        print()


def fmt(x) -> str:
    return "   -" if x is None else f"{x:.2f}"


def fmt_ci(span) -> str:
    return "         -" if not span else f"{span['low']:.2f}-{span['high']:.2f}"


def print_report(title: str, report: dict, by_document: dict | None = None) -> None:
    print(f"\n## {title}: {report['method']}, {report['sentences']} sentences, "
          f"{report['documents']} documents")
    print(f"{'':34} {'gold':>5} {'sugg':>5} {'both':>5}   P     R     F1   kappa   F1 95% CI")
    rows = [*report["dimensions"], report["overall"], None, *report["codes"]]
    for s in rows:
        if s is None:
            print()
            continue
        print(f"{s['name'][:34]:34} {s['gold']:5} {s['predicted']:5} {s['true_positive']:5}  "
              f"{fmt(s['precision'])}  {fmt(s['recall'])}  {fmt(s['f1'])}  {fmt(s['kappa'])}"
              + (f"   {fmt_ci(s.get('f1_interval'))}" if s.get("f1_interval") else ""))
    line = f"dimension-level macro F1: {fmt(report.get('dimension_macro_f1'))}"
    if report.get("intervals"):
        info = report["intervals"]
        line += (f" (95% CI {fmt_ci(report['dimension_macro_f1_interval'])}, "
                 f"{info['resamples']} resamples of {info['by']}s)")
    print(line)
    if by_document:
        print(f"  the same, resampling whole documents: 95% CI "
              f"{fmt_ci(by_document['dimension_macro_f1_interval'])}")
    rows = report.get("by_min_score") or []
    if rows:
        print(f"\nlexicon by --min-score (used above: {report.get('min_score')}):")
        print(f"{'min-score':>9}  dimP  dimR  macroF1  codeP  codeR")
        for r in rows:
            print(f"{r['min_score']:9.2f}  {fmt(r['dimension_precision'])}  "
                  f"{fmt(r['dimension_recall'])}  {fmt(r['dimension_macro_f1'])}     "
                  f"{fmt(r['code_precision'])}  {fmt(r['code_recall'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--demo", action="store_true", help="also the synthetic demo vs wei")
    parser.add_argument("--curve-only", action="store_true", help="only the learning curve")
    parser.add_argument("--no-curve", action="store_true", help="no learning curve")
    parser.add_argument("--labellers-only", action="store_true",
                        help="only how far the two labellers agree (double-coded tuning files)")
    args = parser.parse_args()
    split = yaml.safe_load((GOLD / "split.yaml").read_text(encoding="utf-8"))
    documents = split[args.part]
    missing = [d for d in documents if not (GOLD / f"{d}.yaml").exists()]
    if missing:
        sys.exit(f"the {args.part} part has no gold file yet for: {', '.join(missing)}")
    folder = build_real_project()
    if args.labellers_only:
        human_agreement(folder, split, args.part)
        return
    for method in () if args.curve_only else METHODS:
        for coder, view in (("sample", "the labelling sample"), ("gold", "all sentences")):
            report = evaluate(folder, coder, documents, method)
            print_report(f"Real transcripts, {args.part} files, {view}", report,
                         evaluate(folder, coder, documents, method, ci_by="document"))
    if args.part == "heldout" and not args.curve_only:
        # learned and both in full, the model trained on every tuning file's gold coding
        curve_point(folder, [], split["tune"], [])
        for method in ("learned", "both"):
            for coder, view in (("sample", "the labelling sample"), ("gold", "all sentences")):
                report = evaluate(folder, coder, documents, method, trained=True)
                print_report(f"Real transcripts, {args.part} files, {view}, trained on the "
                             "tuning files", report)
    if not args.no_curve:
        views = {"sample": "the labelling sample", "gold": "all sentences"}
        where = ("held-out files" if args.part == "heldout"
                 else "each tuning file in turn, learned from k of the other four")
        for coder, curve in learning_curve(folder, args.part, split, list(views)).items():
            print_curve(f"{where}, {views[coder]}", curve)
    if not args.curve_only:
        human_agreement(folder, split, args.part)
    if args.demo and not args.curve_only:
        demo = build_demo_project()
        for method in METHODS:
            print_report("Synthetic demo vs wei", evaluate(demo, "wei", [], method))


if __name__ == "__main__":
    main()
