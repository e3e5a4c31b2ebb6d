"""`codebook mine`: the words and phrases that mark a code in the project's human coding, and
writing the chosen ones into the codebook file as lemma rules (the file stays the source of truth,
every other line kept), then loading it. The statistic is documented in nlp/mining.py."""

from __future__ import annotations

import codecs
import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import CodebookError, QualcodeError
from qualcode.services import lookup
from qualcode.services.codebook import SyncResult, live_codebook, load_codebook
from qualcode.services.learning import human_codings, respondent_sentences
from qualcode.storage.models import Code


@dataclass
class Term:
    rank: int
    text: str  # space-separated lemmas: the value of a lemma rule
    words: int
    coded: int  # occurrences in the coded sentences
    other: int  # occurrences in the other respondent sentences
    log_odds: float
    z: float
    in_codebook: bool  # the code already has this lemma or phrase as a rule
    example: str


@dataclass
class MineReport:
    code: str
    coded_sentences: int
    other_sentences: int
    documents: int
    statistic: str
    terms: list[Term] = field(default_factory=list)


@dataclass
class PatternPlan:
    code: str
    path: str
    values: list[str]
    old_text: str
    new_text: str
    diff: str
    sync: SyncResult | None = None


STATISTIC = ("weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and "
             "Quinn 2008), as a z-score; prior: all respondent sentences")


def mine(
    session: Session,
    code: str,
    *,
    coder: str | None = None,
    documents: Sequence[str] | None = None,
    limit: int = 30,
    min_count: int = 2,
    min_z: float | None = None,
) -> MineReport:
    """Terms that distinguish the respondent sentences coded with `code` (or a code below it)
    from the other respondent sentences of the documents someone coded (`coder`'s coding only,
    and only `documents`, when given)."""
    from qualcode.nlp.mining import MIN_Z, lemma_text, mine_terms

    row = lookup.code(session, code)
    if limit < 1 or min_count < 1:
        raise QualcodeError("--top and --min-count must be 1 or more")
    scope = {lookup.document(session, d).id for d in documents} if documents else None
    spans = human_codings(session, coder, scope, include_dimensions=True)
    keys = {k for k in session.scalars(select(Code.key))
            if k == row.key or k.startswith(row.key + ".")}
    mine_spans = {d: [s for s in items if s[2] in keys] for d, items in spans.items()}
    if not any(mine_spans.values()):
        who = f" by {coder}" if coder else ""
        where = " in those documents" if documents else ""
        raise QualcodeError(f"no passages are coded {row.key}{who}{where}: nothing to mine",
                            hint="code some passages with it first (or import a coding)")
    sents = respondent_sentences(session, set(spans))
    coded, other = [], []
    for s in sents:
        hit = any(a < s.end and b > s.start for a, b, _ in mine_spans.get(s.document_id, ()))
        (coded if hit else other).append(s.text)
    if not coded:
        raise QualcodeError(f"the passages coded {row.key} lie in no respondent sentence",
                            hint="mining reads respondents' turns only")
    book = live_codebook(session)
    lang = book.language
    known = {lemma_text(lang, v) for p in book.by_key()[row.key].patterns
             if p.kind in ("lemma", "phrase") and p.language == lang
             and getattr(p, "role", "suggest") == "suggest"
             for v in (p.value if isinstance(p.value, list) else [p.value])}
    terms = mine_terms(lang, coded, other, min_count=min_count, limit=limit,
                       min_z=MIN_Z if min_z is None else min_z)
    return MineReport(
        code=row.key, coded_sentences=len(coded), other_sentences=len(other),
        documents=len(spans), statistic=STATISTIC,
        terms=[Term(rank=i, text=t.text, words=t.words, coded=t.coded, other=t.other,
                    log_odds=t.log_odds, z=t.z, in_codebook=t.text in known, example=t.example)
               for i, t in enumerate(terms, 1)])


def choose(report: MineReport, add: int | None, picks: Sequence[str] = ()) -> list[str]:
    """The terms to add: the first `add` not yet in the codebook, and/or the picked ones (by
    rank number or text)."""
    chosen: list[str] = []
    if add is not None:
        if add < 1:
            raise QualcodeError("--add must be 1 or more")
        chosen = [t.text for t in report.terms if not t.in_codebook][:add]
    by_rank = {str(t.rank): t for t in report.terms}
    by_text = {t.text: t for t in report.terms}
    for pick in picks:
        term = by_rank.get(pick.strip()) or by_text.get(" ".join(pick.split()).lower())
        if term is None:
            raise QualcodeError(f"{pick!r} is not in the mined list of {report.code}",
                                hint="give a rank number or a term as listed")
        if term.text not in chosen:
            chosen.append(term.text)
    if not chosen:
        raise QualcodeError(f"no new terms to add to {report.code}",
                            hint="all the listed terms are in the codebook already")
    return chosen


def plan_patterns(session: Session, code: str, values: list[str], path: Path | None,
                  project_folder: Path | None) -> PatternPlan:
    """The codebook file with one new lemma rule for `code`, and its diff; nothing written.
    Refused if the file cannot be found, read or written, or would not validate."""
    from qualcode.formats.codebook_insert import insert_patterns
    from qualcode.formats.codebook_yaml import parse_codebook, read_codebook_text
    from qualcode.services.coder_view import codebook_file

    if path is None:
        path = codebook_file(session, project_folder)
        if path is None:
            raise QualcodeError("the codebook file this project loaded cannot be found",
                                hint="pass it with --codebook FILE")
    if not path.is_file():
        raise QualcodeError("no such codebook file", where=str(path),
                            hint="pass the codebook file with --codebook FILE")
    # A file without write permission bits is refused even for root: someone protected it.
    if not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222:
        raise QualcodeError("the codebook file is not writable", where=str(path),
                            hint="make it writable (chmod u+w) or copy it and pass --codebook")
    text = read_codebook_text(path)
    new_text = insert_patterns(text, code, "lemma", values)
    codebook, problems = parse_codebook(new_text, source=str(path))
    if problems or codebook is None or code not in codebook.by_key():
        first = problems[0].one_line(str(path)) if problems else f"{code} was not read back"
        raise CodebookError(f"the codebook would not validate with the new rule: {first}",
                            hint="nothing was written")
    diff = "".join(difflib.unified_diff(text.splitlines(True), new_text.splitlines(True),
                                        fromfile=str(path), tofile=str(path)))
    return PatternPlan(code=code, path=str(path), values=values, old_text=text,
                       new_text=new_text, diff=diff)


def apply_patterns(session: Session, plan: PatternPlan, *, actor: str) -> PatternPlan:
    """Write the planned file (its byte-order mark kept) and load it; put back on failure."""
    path = Path(plan.path)
    raw = path.read_bytes()
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    try:
        path.write_bytes(bom + plan.new_text.encode("utf-8"))
    except OSError as exc:
        raise QualcodeError(f"cannot write the codebook file: {exc.strerror}", where=str(path),
                            hint="make it writable, or copy it and pass --codebook") from None
    try:
        plan.sync = load_codebook(session, path, actor=actor)
    except BaseException:
        path.write_bytes(raw)
        raise
    return plan
