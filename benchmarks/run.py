"""`make bench-hot` (the first part of `make bench`): qualcode's hot paths, each beside a
baseline measured in the same run, so the ratio means something on a noisy machine. Results
are printed and written to RESULTS.md.

  import      `qualcode import` of the corpus   vs  reading and decoding the same files
  suggest     `qualcode suggest` end to end     vs  spaCy's bare tokenizer (nlp.pipe of
              (database writes included)            spacy.blank) over the same respondent text
  re-suggest  after a codebook change               (doc cache: see RESULTS.md)
  suggest zh  `qualcode suggest` on Chinese text    vs  jieba's bare segmentation (nlp.pipe of
                                                        spacy.blank("zh") with jieba)
  matrix, cooccur, synthesize, export over 200 firms / 1,000 interviews / 200,000 codings
              vs  the bare SQL aggregate (GROUP BY over the codings)
  daily commands (stats, show, cases list, code add, search, codings list...) on that project
              vs  `python -c "import sqlalchemy.orm"` (targets: 2x, listings 3x), run in
              alternation with it; wall and CPU time. Listings piped (stdout a file), as
              --json, and on a terminal: a pseudo-terminal of 50 x 200 with
              PAGER="cat > /dev/null", a pager that reads every line it is given (as `less`
              does when asked for the end) without drawing them (`--only daily` runs this part
              alone and replaces only its table in RESULTS.md)
  refi import `qualcode refi import` of a .qdpx of    vs  qc's `qc init --import` of the same file
              50,000 codings                          (qc in its own venv, benchmarks/refi.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import write_chinese_corpus, write_corpus  # noqa: E402
from benchmarks.measure import (  # noqa: E402
    Run,
    run_command,
    run_in_terminal,
    run_process,
    timed,
)

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "_work"
CODEBOOK = REPO / "codebooks" / "nev_battery_value_chain.yaml"
RESULTS = REPO / "benchmarks" / "RESULTS.md"


def fresh_project(name: str) -> Path:
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    run_command(["init", str(folder)])
    run_command(["-p", str(folder), "codebook", "load", str(CODEBOOK)])
    return folder


def respondent_texts(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT substr(d.text, t.start_offset + 1, t.end_offset - t.start_offset) "
            "FROM turns t JOIN documents d ON d.id = t.document_id WHERE t.role = 'respondent'")
        return [r[0] for r in rows]


def bare_read(folder: Path) -> int:
    n = 0
    for path in sorted(folder.glob("*.md")):
        n += len(path.read_bytes().decode("utf-8").splitlines())
    return n


def bare_tokenizer(texts: list[str]) -> float:
    """Seconds for spaCy's bare tokenizer (nlp.pipe of spacy.blank) over the texts; building the
    pipeline is not counted."""
    import spacy

    nlp = spacy.blank("en")
    seconds, _ = timed(lambda: sum(len(doc) for doc in nlp.pipe(texts, batch_size=64)))
    return seconds


def bare_textcat(db: Path) -> float:
    """Seconds for spaCy alone to fit the same textcat_multilabel (TextCatBOW) on the same texts
    and labels for 10 epochs: the codebook's texts from qualcode's own reader, words as written
    (no lemmas), building the examples and the loop counted, loading Python and spaCy not."""

    import spacy
    from spacy.training import Example
    from spacy.util import minibatch

    from qualcode.services.codebook import live_codebook
    from qualcode.services.learning import codebook_examples
    from qualcode.storage import database

    engine = database.make_engine(f"sqlite:///{db}")
    with database.session_scope(engine) as session:
        rows = codebook_examples(live_codebook(session))
    engine.dispose()

    def fit() -> None:
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat_multilabel", config={"model": {
            "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
            "ngram_size": 1, "no_output_layer": False, "length": 2**16}})
        for label in sorted({k for _, cats in rows for k in cats}):
            textcat.add_label(label)
        examples = [Example.from_dict(nlp.make_doc(t or "-"), {"cats": c}) for t, c in rows]
        nlp.initialize(lambda: examples)
        order = random.Random(0)
        for _ in range(10):
            order.shuffle(examples)
            for batch in minibatch(examples, size=64):
                nlp.update(batch)

    seconds, _ = timed(fit)
    return seconds


def bench_suggest(rows: list[dict], interviews: int, words_each: int) -> None:
    corpus = WORK / "corpus-suggest"
    shutil.rmtree(corpus, ignore_errors=True)
    words = write_corpus(corpus, interviews=interviews, words_each=words_each)
    project = fresh_project("suggest")
    imp = run_command(["-p", str(project), "import", str(corpus)])
    base_read, _ = timed(bare_read, corpus)
    rows.append(row("import (files -> database)", f"{interviews} files, {words:,} words",
                    imp.seconds, "read + decode the files", base_read, imp.peak_mb,
                    lower_is_better=True))
    texts = respondent_texts(project / "qualcode.db")
    resp_words = sum(len(t.split()) for t in texts)
    base_tok = bare_tokenizer(texts)
    sug = run_command(["-p", str(project), "suggest", "--json"])
    rows.append(row("suggest (end to end, writes)", f"{resp_words:,} respondent words",
                    sug.seconds, "spacy.blank tokenizer nlp.pipe", base_tok, sug.peak_mb,
                    lower_is_better=True, words=resp_words))
    # train on a project nobody has coded: the codebook's own words only.
    trained = run_command(["-p", str(project), "train", "--only-codebook", "--json"])
    examples = json.loads(trained.stdout)["examples"]
    rows.append(row("train (codebook only, 10 epochs)", f"{examples:,} codebook texts",
                    trained.seconds, "spacy.blank + textcat_multilabel, 10 epochs",
                    bare_textcat(project / "qualcode.db"), trained.peak_mb,
                    lower_is_better=True))
    # A codebook change: every pending suggestion is recomputed under the new codebook.
    changed = WORK / "codebook-changed.yaml"
    changed.write_text(CODEBOOK.read_text(encoding="utf-8").replace(
        "name: Relocation", "name: Relocation of production"), encoding="utf-8")
    run_command(["-p", str(project), "codebook", "load", str(changed)])
    again = run_command(["-p", str(project), "suggest", "--json"])
    rows.append(row("re-suggest after a codebook change", f"{resp_words:,} respondent words",
                    again.seconds, "spacy.blank tokenizer nlp.pipe", base_tok, again.peak_mb,
                    lower_is_better=True, words=resp_words))
    rows.extend(bench_cache_bound(texts))


def bare_jieba(texts: list[str]) -> tuple[float, int]:
    """Seconds for spaCy's zh tokenizer with jieba alone over the texts, and the words it
    finds; building the pipeline (and jieba's dictionary) is not counted."""
    from qualcode.nlp.languages import blank_pipeline

    nlp = blank_pipeline("zh")
    nlp("预热")  # jieba loads its dictionary on first use
    seconds, words = timed(lambda: sum(1 for doc in nlp.pipe(texts, batch_size=64)
                                       for t in doc if not (t.is_punct or t.is_space)))
    return seconds, words


def bench_suggest_chinese(rows: list[dict], interviews: int, chars_each: int) -> None:
    corpus = WORK / "corpus-suggest-zh"
    shutil.rmtree(corpus, ignore_errors=True)
    write_chinese_corpus(corpus, interviews=interviews, chars_each=chars_each)
    project = fresh_project("suggest-zh")
    run_command(["-p", str(project), "import", str(corpus)])
    texts = respondent_texts(project / "qualcode.db")
    base, words = bare_jieba(texts)
    sug = run_command(["-p", str(project), "suggest", "--json"])
    rows.append(row("suggest, Chinese (end to end, writes)",
                    f"{sum(map(len, texts)):,} respondent characters, {words:,} words",
                    sug.seconds, "jieba segmentation (spacy.blank zh) nlp.pipe", base,
                    sug.peak_mb, lower_is_better=True, words=words))


def bench_cache_bound(texts: list[str]) -> list[dict]:
    """Would caching parsed docs make a re-run faster? A cache would replace tokenising by
    restoring a DocBin; both runs then apply the same rules. Measured in-process."""
    from spacy.tokens import DocBin

    from qualcode.domain import TextUnit
    from qualcode.formats.codebook_yaml import load_codebook
    from qualcode.nlp.pipeline import RULER, build_pipeline
    from qualcode.nlp.rules import TOKEN_RULES
    from qualcode.nlp.suggester import _SPACES, hits_from_doc, suggest

    pipe = build_pipeline(load_codebook(CODEBOOK))
    units = [TextUnit(document_id=1, start=0, text=t) for t in texts]
    sum(1 for _ in suggest(pipe, units))  # warm up: matchers built, both paths alike
    fresh, _ = timed(lambda: sum(1 for _ in suggest(pipe, units)))
    stored = DocBin(attrs=["ORTH"], store_user_data=False)
    for unit in units:
        stored.add(pipe.nlp.make_doc(unit.text.translate(_SPACES)))
    data = stored.to_bytes()
    ruler, rules = pipe.nlp.get_pipe(RULER), pipe.nlp.get_pipe(TOKEN_RULES)

    def from_cache() -> int:
        docs = DocBin().from_bytes(data).get_docs(pipe.nlp.vocab)
        return sum(len(hits_from_doc(pipe, u, rules(ruler(d)), unit="sentence"))
                   for u, d in zip(units, docs, strict=True))

    cached, _ = timed(from_cache)
    words = sum(len(u.text.split()) for u in units)
    return [row("suggest from cached docs (DocBin restore + rules)", f"{words:,} words", cached,
                "suggest from text (in-process)", fresh, None, lower_is_better=True, words=words)]


def build_analysis_project(firms: int, interviews: int, codings: int) -> Path:
    corpus = WORK / "corpus-analysis"
    shutil.rmtree(corpus, ignore_errors=True)
    write_corpus(corpus, interviews=interviews, words_each=1000, seed=11)
    project = fresh_project("analysis")
    run_command(["-p", str(project), "import", str(corpus)])
    db = project / "qualcode.db"
    rng = random.Random(3)
    with sqlite3.connect(db) as conn:
        # Spread the interviews over `firms` cases (the corpus has 5 interviews per case).
        codes = [r[0] for r in conn.execute("SELECT id FROM codes WHERE is_dimension = 0")]
        turns = conn.execute("SELECT document_id, start_offset, end_offset FROM turns "
                             "WHERE role = 'respondent'").fetchall()
        for name in ("wei", "li", "auto"):
            conn.execute("INSERT INTO coders (name, created_at) VALUES (?, ?)",
                         (name, dt.datetime.now(dt.UTC).isoformat()))
        coders = [r[0] for r in conn.execute("SELECT id FROM coders")]
        texts = dict(conn.execute("SELECT id, text FROM documents"))
        batch = []
        seen = set()
        while len(seen) < codings:
            doc, start, end = rng.choice(turns)
            if end - start < 40:
                continue
            s = rng.randrange(start, end - 30)
            e = min(end, s + rng.randint(30, 300))
            key = (doc, rng.choice(codes), rng.choice(coders), s, e)
            if key in seen:
                continue
            seen.add(key)
            batch.append((*key, rng.choice(["manual", "imported", "suggested"]),
                          texts[doc][s:e], int(rng.random() < 0.05)))
        conn.executemany(
            "INSERT INTO codings (document_id, code_id, coder_id, start_offset, end_offset, "
            "origin, quote, key_quote, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "'2026-01-01T00:00:00')", batch)
        n_cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert n_cases == firms, n_cases
    return project


def bare_group_by(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT d.case_id, c.code_id, count(*) FROM codings c "
            "JOIN documents d ON d.id = c.document_id GROUP BY d.case_id, c.code_id").fetchall()
    return len(rows)


def bench_analysis(rows: list[dict], firms: int, interviews: int, codings: int,
                   daily: list[dict]) -> None:
    project = build_analysis_project(firms, interviews, codings)
    daily.extend(bench_daily(project))
    db = project / "qualcode.db"
    base, _ = timed(bare_group_by, db)
    label = f"{firms} firms, {interviews} interviews, {codings:,} codings"
    out = WORK / "out"
    out.mkdir(exist_ok=True)
    for name, args in (
        ("matrix case x dimension (count)", ["matrix", "--rows", "case", "--cols", "dimension",
                                             "--json"]),
        ("matrix case x code (coverage)", ["matrix", "--rows", "case", "--cols", "code",
                                           "--value", "coverage", "--json"]),
        ("cooccur (turn, jaccard)", ["cooccur", "--unit", "turn", "--measure", "jaccard",
                                     "--json"]),
        ("synthesize (json)", ["synthesize", "--json"]),
        ("export: synthesize -> xlsx", ["synthesize", "--format", "xlsx", "-o",
                                        str(out / "firms.xlsx")]),
        ("export: matrix -> csv (long)", ["matrix", "--rows", "document", "--cols", "code",
                                          "--long", "--format", "csv", "-o",
                                          str(out / "m.csv")]),
    ):
        result = run_command(["-p", str(project), *args])
        rows.append(row(name, label, result.seconds, "SQL GROUP BY over codings", base,
                        result.peak_mb, lower_is_better=True))


def baseline_import() -> Run:
    """`python -c "import sqlalchemy.orm"` as its own process: the floor of any command that
    opens the database, measured interleaved with the commands it is compared with."""
    return run_process([sys.executable, "-c", "import sqlalchemy.orm"])


# On a terminal the listings go to a pager that reads all its input and draws nothing: what
# `less` costs the command when the reader asks for the end, without a terminal's own work of
# drawing 200,000 lines (which, through a pseudo-terminal, the kernel charges to the writer).
PAGER = "cat > /dev/null"
DAILY = (  # (label, arguments, allowed multiple of the baseline, on a terminal?)
    ("stats", ["stats"], 2, False),
    ("show DOC", ["show", "bench-0003"], 2, False),
    ("cases list", ["cases", "list"], 2, False),
    ("codebook show", ["codebook", "show"], 2, False),
    ("code add", ["code", "add", "bench-0003", "innovation.cell-design", "--turn", "{turn}"], 2,
     False),
    ("memo add", ["memo", "add", "a note"], 2, False),
    ("search WORD (piped)", ["search", "battery"], 3, False),
    ("search WORD (terminal, pager)", ["search", "battery"], 3, True),
    ("codings list --case (piped, ~1,000 rows)", ["codings", "list", "--case",
                                                  "Bench Firm 003"], 3, False),
    ("codings list --case (terminal, pager, ~1,000 rows)", ["codings", "list", "--case",
                                                            "Bench Firm 003"], 3, True),
    ("codings list (piped, all 200,000 rows)", ["codings", "list"], 3, False),
    ("codings list --json (all 200,000 rows)", ["codings", "list", "--json"], 3, False),
    ("codings list (terminal, pager, all 200,000 rows)", ["codings", "list"], 3, True),
)


def bench_daily(project: Path, repeat: int = 5) -> list[dict]:
    """The commands a researcher runs hundreds of times a day, each as its own process, each run
    right after a run of the baseline (so both see the same load on a shared machine); medians
    of `repeat` pairs, of wall time and of CPU time (user + system, which load barely
    inflates). Terminal rows run on a pseudo-terminal with PAGER (see above); a run whose
    terminal did not get the pager's output (a table drawn instead) is refused, so a row
    labelled "pager" measures the pager path."""
    out = []
    turn = 2
    for label, args, allowed, terminal in DAILY:
        base, ours = [], []
        for _ in range(repeat):
            base.append(baseline_import())
            if "{turn}" in args:  # a fresh span each time: a coding cannot be added twice
                turn += 2
            argv = ["-p", str(project), *[str(turn) if a == "{turn}" else a for a in args]]
            if terminal:
                run = run_in_terminal(argv, pager=PAGER)
                if run.stdout.strip():
                    raise SystemExit(f"{label}: printed on the terminal, not through the pager: "
                                     f"{run.stdout[:300]!r}")
                ours.append(run)
            else:
                ours.append(run_command(argv))

        def median(runs, attr):
            return sorted(getattr(r, attr) for r in runs)[repeat // 2]

        out.append({"name": label, "allowed": allowed,
                    "seconds": median(ours, "seconds"), "baseline": median(base, "seconds"),
                    "cpu": median(ours, "cpu"), "baseline_cpu": median(base, "cpu")})
    return out


def render_daily(rows: list[dict]) -> str:
    lines = ["| command (whole process, median of 5) | wall (s) | baseline wall (s) | x | "
             "CPU (s) | baseline CPU (s) | x | target | met (CPU) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        wall, cpu = r["seconds"] / r["baseline"], r["cpu"] / r["baseline_cpu"]
        lines.append(f"| {r['name']} | {r['seconds']:.2f} | {r['baseline']:.2f} | {wall:.1f} | "
                     f"{r['cpu']:.2f} | {r['baseline_cpu']:.2f} | {cpu:.1f} | "
                     f"<= {r['allowed']} | {'yes' if cpu <= r['allowed'] else 'NO'} |")
    return "\n".join(lines)


def row(name, size, seconds, baseline_name, baseline_seconds, peak_mb, *, lower_is_better,
        words=None) -> dict:
    return {"name": name, "size": size, "seconds": seconds, "baseline": baseline_name,
            "baseline_seconds": baseline_seconds, "peak_mb": peak_mb, "words": words,
            # baseline time / our time: 1.0 = as fast as the baseline, 0.3 = 30% of its speed
            "ratio": baseline_seconds / seconds if seconds else float("nan")}


def render(rows: list[dict]) -> str:
    lines = ["| hot path | size | time (s) | words/s | baseline | baseline (s) | ratio | peak MB |",
             "|---|---|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        wps = f"{r['words'] / r['seconds']:,.0f}" if r["words"] else ""
        peak = f"{r['peak_mb']:.0f}" if r["peak_mb"] else ""
        lines.append(f"| {r['name']} | {r['size']} | {r['seconds']:.2f} | {wps} | "
                     f"{r['baseline']} | {r['baseline_seconds']:.2f} | {r['ratio']:.3f} | {peak} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run to check the harness")
    parser.add_argument("--only", choices=["suggest", "analysis", "align", "daily", "refi"])
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    daily: list[dict] = []
    scale = 0.05 if args.quick else 1.0
    started = time.perf_counter()
    if args.only in (None, "suggest"):
        bench_suggest(rows, interviews=max(10, int(200 * scale)), words_each=5200)
        bench_suggest_chinese(rows, interviews=max(10, int(100 * scale)), chars_each=8000)
    if args.only in (None, "analysis"):
        bench_analysis(rows, firms=max(10, int(200 * scale)),
                       interviews=max(50, int(1000 * scale)), codings=int(200_000 * scale),
                       daily=daily)
    if args.only in (None, "align"):
        from benchmarks.align import bench_align

        rows += bench_align(WORK, row)
    if args.only in (None, "refi"):
        from benchmarks.refi import bench_refi

        refi_rows, qc_note = bench_refi(WORK, row, codings=int(50_000 * scale),
                                        interviews=max(10, int(200 * scale)))
        rows += refi_rows
        print(f"qc: {qc_note}")
    if args.only == "daily":  # the daily commands alone, on the analysis project
        daily.extend(bench_daily(build_analysis_project(
            max(10, int(200 * scale)), max(50, int(1000 * scale)), int(200_000 * scale))))
    import spacy
    import sqlalchemy

    header = (f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
              f"Python {platform.python_version()}, spaCy {spacy.__version__}, SQLAlchemy "
              f"{sqlalchemy.__version__}{' (quick)' if args.quick else ''}; "
              f"{time.perf_counter() - started:.0f} s in all.")
    table = render(rows) if rows else ""
    daily_part = ""
    if daily:
        daily_part = (f"{DAILY_TITLE}, on the same 200 firms / 1,000 interviews (1 M words) / "
                      "200,000 codings:\n\n" + render_daily(daily))
        table += "\n\n" + daily_part
    print(header)
    print(table)
    if not args.quick and not args.no_write:
        previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        marker = "<!-- results -->"
        head, _, last = previous.partition(marker)
        if args.only == "daily" and DAILY_TITLE in last:
            # Only the daily table is new: the rest of the last run stays as it was.
            kept = last[:last.index(DAILY_TITLE)]
            RESULTS.write_text(head + marker + kept + daily_part.replace(
                ", on the same", f" ({header[4:].split(';')[0]}, `run.py --only daily`), on the "
                "same", 1) + "\n", encoding="utf-8")
            return
        RESULTS.write_text((head or "# Benchmark results\n\n") + marker + "\n\n" + header +
                           "\n\n" + table + "\n", encoding="utf-8")


DAILY_TITLE = "Commands a researcher runs all day"


if __name__ == "__main__":
    main()
