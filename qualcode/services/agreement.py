"""Intercoder agreement among two or more coders, per code, per dimension and pooled.

Units, because each answers a different question:
- sentence (default): each respondent sentence is coded with a code or not by each coder (a
  coding marks every sentence it touches); turn and document work the same on respondent turns
  and whole documents. Percent agreement (pairwise), Cohen's kappa (two coders) or Fleiss'
  kappa (three or more), and Krippendorff's alpha (nominal, missing values allowed).
- character: NVivo's coding comparison generalised: every character coded or not by each coder.
  Kappa is inflated by long uncoded stretches; given because NVivo users compare with it.
- span: Krippendorff's unitizing alpha (qualcode/unitizing.py) on the characters of the texts,
  where coders' own span boundaries matter: |u-alpha, u-alpha and cu-alpha.

Which documents: those every coder coded (has at least one coding in). With `partial`, those at
least two of them coded; a coder's values on a document they did not code are missing, which
alpha allows, while kappa uses only the units every coder coded. Every document left out is
reported with the reason. Disagreements (the passages where the coders' codes differ) are
computed from the same units: services/disagreements.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode import reliability, unitizing
from qualcode.errors import QualcodeError
from qualcode.services import lookup
from qualcode.services.learning import judged_spans
from qualcode.services.suggest import text_units
from qualcode.storage.models import Code, Coding, Document

UNITS = ("sentence", "turn", "document", "character", "span")
POOLED = "all (pooled)"


@dataclass
class LeftOut:
    document: str
    coded_by: list[str]
    reason: str


@dataclass
class Agreement:
    """One code (or dimension, or all codes pooled) on sentence, turn, document or character
    units. Counts are units (characters for the character unit)."""

    name: str
    units: int  # units at least two coders coded the document of
    coded: dict[str, int]  # units each coder marked
    all_coded: int  # units every coder marked
    percent_agreement: float | None  # mean share of agreeing coder pairs
    kappa: float | None  # Cohen's (2 coders) or Fleiss' (3+), on units every coder coded
    alpha: float | None  # Krippendorff's alpha, nominal
    # Specific positive agreement (two coders: 2a / (2a + b + c), either coder's F1 against the
    # other): comparable with a suggester's F1 against one coder, blind to joint absences.
    positive: float | None = None


@dataclass
class SpanAgreement:
    """Unitizing agreement on one code, dimension or all codes, over the documents' characters."""

    name: str
    characters: int
    coded: dict[str, int]  # characters each coder coded
    segments: dict[str, int]  # units (merged spans) each coder marked
    binary_u_alpha: float | None  # |u-alpha: the same passages found, whatever the code
    u_alpha: float | None  # passages and codes together
    cu_alpha: float | None  # codes, where the coders' units overlap
    combined: int = 0  # stretches one coder gave several codes (their value: the set of codes)


@dataclass
class AgreementReport:
    coders: list[str]
    unit: str
    kappa: str  # which kappa the kappa column holds
    documents: list[str]
    left_out: list[LeftOut]
    codes: list
    dimensions: list
    overall: Agreement | SpanAgreement
    notes: list[str] = field(default_factory=list)


def _f(x: Fraction | None) -> float | None:
    return None if x is None else round(float(x), 4)


# --------------------------------------------------------------------------- what is compared


@dataclass
class Comparison:
    """The coders, the documents compared and every coder's codings in them."""

    coders: list[str]
    docs: dict[int, Document]  # compared documents
    coded: dict[int, set[int]]  # document id -> indexes of the coders who coded it
    spans: list[dict[int, list[tuple[int, int, str]]]]  # per coder: doc id -> (start, end, code)
    dims: dict[str, str]  # code key -> dimension
    codes: list[str]  # codes any coder used in the compared documents
    left_out: list[LeftOut]
    # per coder: doc id -> the stretches they recorded as read and labelled (judged spans);
    # where a coder has some in a document, the rest of it is missing for them, not "no code"
    judged: list[dict[int, list[tuple[int, int]]]] = field(default_factory=list)

    def missing(self, doc_id: int) -> list[bool]:
        return [i not in self.coded[doc_id] for i in range(len(self.coders))]

    def value(self, i: int, doc_id: int, start: int, end: int) -> set[str] | None:
        """Coder i's codes on [start, end): None when they did not code the document, or
        recorded what they judged in it and this stretch is not mostly in it (nor coded)."""
        if i not in self.coded[doc_id]:
            return None
        codes = {k for s, e, k in self.spans[i].get(doc_id, ()) if s < end and e > start}
        judged = self.judged[i].get(doc_id) if self.judged else None
        if judged is not None and not codes:
            inside = sum(max(0, min(e, end) - max(s, start)) for s, e in judged)
            if 2 * inside < end - start:
                return None
        return codes


def compare(
    session: Session,
    coders: list[str],
    *,
    documents: list[str] | None = None,
    partial: bool = False,
) -> Comparison:
    names = [c.strip() for c in coders if c.strip()]
    if len(names) < 2:
        raise QualcodeError("agreement needs at least two coders", hint="e.g. `agreement wei li`")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise QualcodeError(f"a coder is named twice: {', '.join(twice)}",
                            hint="compare different coders")
    rows = [lookup.coder(session, n, create=False) for n in names]
    judged = [judged_spans(session, coder.id) for coder in rows]
    by_doc: dict[int, set[int]] = {}
    for i, coder in enumerate(rows):
        for doc_id in set(session.scalars(select(Coding.document_id).where(
                Coding.coder_id == coder.id))) | set(judged[i]):
            by_doc.setdefault(doc_id, set()).add(i)
    wanted = None
    if documents:
        wanted = {lookup.document(session, d).id for d in documents}
    doc_names = dict(session.execute(select(Document.id, Document.name)).all())
    need = 2 if partial else len(rows)
    keep, left_out = [], []
    for doc_id, who in sorted(by_doc.items(), key=lambda kv: doc_names[kv[0]]):
        if wanted is not None and doc_id not in wanted:
            continue
        if len(who) >= need:
            keep.append(doc_id)
            continue
        coded_by = [names[i] for i in sorted(who)]
        absent = [n for i, n in enumerate(names) if i not in who]
        reason = f"not coded by {', '.join(absent)}"
        if not partial and len(who) >= 2:
            reason += " (--partial compares it with their values missing)"
        left_out.append(LeftOut(doc_names[doc_id], coded_by, reason))
    if wanted is not None:
        for doc_id in sorted(wanted - set(by_doc), key=doc_names.get):
            left_out.append(LeftOut(doc_names[doc_id], [], "coded by none of them"))
    if not keep:
        together = "all of them" if len(rows) > 2 else "both"
        raise QualcodeError(
            f"{' and '.join(names)} have coded no document in common",
            hint="a document is compared when "
            + ("at least two of them coded it" if partial else f"{together} coded it"),
        )
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(keep)))}
    spans: list[dict[int, list[tuple[int, int, str]]]] = [{} for _ in rows]
    index = {c.id: i for i, c in enumerate(rows)}
    for coder_id, doc_id, start, end, key in session.execute(
        select(Coding.coder_id, Coding.document_id, Coding.start, Coding.end, Code.key)
        .join(Code, Coding.code_id == Code.id)
        .where(Coding.coder_id.in_(list(index)), Coding.document_id.in_(keep))
        .order_by(Coding.start, Coding.end)
    ):
        spans[index[coder_id]].setdefault(doc_id, []).append((start, end, key))
    used = {k for per in spans for items in per.values() for *_se, k in items}
    order = dict(session.execute(select(Code.key, Code.sort_order)).all())
    dims = dict(session.execute(select(Code.key, Code.dimension)).all())
    return Comparison(
        coders=names,
        docs=docs,
        coded={d: by_doc[d] for d in keep},
        spans=spans,
        dims=dims,
        # under their dimensions in the codebook's order (strategy first), as other tables are
        codes=sorted(used, key=lambda k: (order.get(dims.get(k, k), 0), dims.get(k, k),
                                          order.get(k, 0), k)),
        left_out=left_out,
        judged=[{d: spans for d, spans in per.items() if d in docs} for per in judged],
    )


# --------------------------------------------------------------------------- units


@dataclass
class Unit:
    """A sentence, turn or document with each coder's codes on it (None: coder did not code
    the document)."""

    document_id: int
    start: int
    end: int
    codes: list[set[str] | None]


def units(session: Session, comp: Comparison, unit: str) -> tuple[list[Unit], str]:
    """The units of the compared documents with every coder's codes, and a note saying what
    they are."""
    if unit == "document":
        bounds = [(d, 0, len(doc.text)) for d, doc in comp.docs.items()]
        what = f"{len(bounds)} documents"
    elif unit == "turn":
        turns, _docs = text_units(session, documents=[d.name for d in comp.docs.values()])
        bounds = [(t.document_id, t.start, t.start + len(t.text)) for t in turns]
        what = f"{len(bounds)} respondent turns; codings in interviewer turns are not compared"
    else:
        from qualcode.services.learning import respondent_sentences

        sents = respondent_sentences(session, set(comp.docs))
        bounds = [(s.document_id, s.start, s.end) for s in sents]
        what = (f"{len(bounds)} respondent sentences; a coding marks every sentence it touches; "
                "codings in interviewer turns are not compared")
    out = [
        Unit(doc_id, start, end, [comp.value(i, doc_id, start, end)
                                  for i in range(len(comp.coders))])
        for doc_id, start, end in sorted(bounds)
    ]
    return out, what


def character_runs(comp: Comparison, select_codes: set[str] | None = None
                   ) -> Iterable[tuple[int, int, int, list[set[str] | None]]]:
    """(doc id, start, end, each coder's codes) for every stretch of text where no coder's
    coding starts or ends: the characters of a run all carry the same codes."""
    for doc_id, doc in comp.docs.items():
        cuts = {0, len(doc.text)}
        for i, per in enumerate(comp.spans):
            for s, e, _k in per.get(doc_id, ()):
                cuts.update((s, e))
            for s, e in comp.judged[i].get(doc_id, ()) if comp.judged else ():
                cuts.update((s, e))
        bounds = sorted(cuts)
        for a, b in zip(bounds, bounds[1:], strict=False):
            values = [comp.value(i, doc_id, a, b) for i in range(len(comp.coders))]
            if select_codes is not None:
                values = [None if v is None else v & select_codes for v in values]
            yield doc_id, a, b, values


# --------------------------------------------------------------------------- statistics


def _statistics(name: str, coders: list[str], patterns: Counter) -> Agreement:
    """The statistics for binary ratings grouped by pattern: (True/False/None per coder) -> how
    many units have it."""
    m = len(coders)
    pairable = {p: w for p, w in patterns.items() if sum(v is not None for v in p) >= 2}
    total = sum(pairable.values())
    coded = {c: sum(w for p, w in pairable.items() if p[i]) for i, c in enumerate(coders)}
    complete = {p: w for p, w in pairable.items() if None not in p}
    all_coded = sum(w for p, w in complete.items() if all(p))
    agreement = None
    if total:
        share = Fraction(0)
        for p, w in pairable.items():
            values = [v for v in p if v is not None]
            yes = sum(values)
            n = len(values)
            share += w * Fraction(yes * (yes - 1) + (n - yes) * (n - yes - 1), n * (n - 1))
        agreement = share / total
    kappa = None
    if complete:
        try:
            if m == 2:
                cell = Counter()
                for (a, b), w in complete.items():
                    cell[(a, b)] += w
                kappa = reliability.cohen_kappa_table(
                    [[cell[(True, True)], cell[(True, False)]],
                     [cell[(False, True)], cell[(False, False)]]]
                )
            else:
                rows = [[sum(p), m - sum(p)] for p in complete]
                kappa = reliability.fleiss_kappa(rows, list(complete.values()))
        except reliability.UndefinedStatistic:
            kappa = None
    alpha = None
    if pairable:
        columns = list(pairable)
        data = [[None if p[i] is None else int(p[i]) for p in columns] for i in range(m)]
        try:
            alpha = reliability.krippendorff_alpha(data, weights=list(pairable.values()))
        except reliability.UndefinedStatistic:
            alpha = None
    positive = None
    if pairable:
        ratings = [(sum(v for v in p if v), sum(v is not None for v in p)) for p in pairable]
        try:
            positive = reliability.positive_agreement(ratings, list(pairable.values()))
        except reliability.UndefinedStatistic:
            positive = None
    return Agreement(
        name=name,
        units=total,
        coded=coded,
        all_coded=all_coded,
        percent_agreement=_f(agreement),
        kappa=_f(kappa),
        alpha=_f(alpha),
        positive=_f(positive),
    )


def _pattern(codes: list[set[str] | None], has: Callable[[set[str]], bool]) -> tuple:
    return tuple(None if c is None else has(c) for c in codes)


def _by_units(comp: Comparison, items: list[tuple[int, list[set[str] | None]]]):
    """Per code, per dimension and pooled statistics from (weight, each coder's codes) items."""
    per_code: dict[str, Counter] = {c: Counter() for c in comp.codes}
    dim_names = list(dict.fromkeys(comp.dims.get(c, c) for c in comp.codes))  # codebook order
    per_dim: dict[str, Counter] = {d: Counter() for d in dim_names}
    for weight, codes in items:
        for code, counter in per_code.items():
            counter[_pattern(codes, lambda s, code=code: code in s)] += weight
        for dim, counter in per_dim.items():
            counter[_pattern(codes, lambda s, dim=dim: any(
                comp.dims.get(k, k) == dim for k in s))] += weight
    pooled: Counter = Counter()
    for counter in per_code.values():
        pooled.update(counter)
    return (
        [_statistics(c, comp.coders, per_code[c]) for c in comp.codes],
        [_statistics(d, comp.coders, per_dim[d]) for d in dim_names],
        _statistics(POOLED, comp.coders, pooled),
    )


def _by_span(comp: Comparison):
    """Unitizing alpha per code, per dimension and over all codes."""

    def one(name: str, select_codes: set[str]) -> SpanAgreement:
        continua, binary_continua, combined = [], [], 0
        coded = dict.fromkeys(comp.coders, 0)
        segments = dict.fromkeys(comp.coders, 0)
        for doc_id, doc in comp.docs.items():
            valued, binary = [], []
            for i, per in enumerate(comp.spans):
                mine = [(s, e, k) for s, e, k in per.get(doc_id, ()) if k in select_codes]
                merged = unitizing.merge_spans([(s, e) for s, e, _k in mine])
                binary.append([(s, e, True) for s, e in merged])
                coded[comp.coders[i]] += sum(e - s for s, e in merged)
                segments[comp.coders[i]] += len(merged)
                pieces = unitizing.one_value_each(mine)
                combined += sum(1 for *_se, v in pieces if len(v) > 1)
                valued.append(pieces)
            binary_continua.append((len(doc.text), binary))
            continua.append((len(doc.text), valued))
        binary_u = unitizing.unitizing_alpha(binary_continua).binary_u_alpha
        if len(select_codes) > 1:
            result = unitizing.unitizing_alpha(continua)
            u, cu = result.u_alpha, result.cu_alpha
        else:
            u, cu = binary_u, None  # one code: telling its units from gaps is all there is
        return SpanAgreement(
            name=name,
            characters=sum(len(d.text) for d in comp.docs.values()),
            coded=coded,
            segments=segments,
            binary_u_alpha=_f(binary_u),
            u_alpha=_f(u),
            cu_alpha=_f(cu),
            combined=combined,
        )

    dim_names = list(dict.fromkeys(comp.dims.get(c, c) for c in comp.codes))  # codebook order
    return (
        [one(c, {c}) for c in comp.codes],
        [one(d, {c for c in comp.codes if comp.dims.get(c, c) == d}) for d in dim_names],
        one("all codes", set(comp.codes)),
    )


def agreement(
    session: Session,
    coders: list[str],
    *,
    unit: str = "sentence",
    documents: list[str] | None = None,
    partial: bool = False,
) -> AgreementReport:
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}", hint=", ".join(UNITS))
    if unit == "span" and partial:
        raise QualcodeError(
            "--partial does not apply to --unit span",
            hint="unitizing alpha compares every coder on every document",
        )
    comp = compare(session, coders, documents=documents, partial=partial)
    notes = []
    if unit == "span":
        codes, dims, overall = _by_span(comp)
        notes.append(
            "unitizing alpha over the documents' characters (Krippendorff 2019, 12.6): |u-alpha "
            "= the same passages found, u-alpha = passages and codes, cu-alpha = the codes where "
            "units overlap"
        )
        if overall.combined:
            notes.append(
                f"{overall.combined} stretch(es) carry several codes from one coder: there the "
                "value compared is the set of codes"
            )
    elif unit == "character":
        items = [(b - a, codes) for _d, a, b, codes in character_runs(comp)]
        codes, dims, overall = _by_units(comp, items)
        notes.append("every character of the documents, coded or not by each coder (NVivo's "
                     "comparison); long uncoded stretches inflate kappa")
    else:
        found, what = units(session, comp, unit)
        codes, dims, overall = _by_units(comp, [(1, u.codes) for u in found])
        notes.append(what)
    judging = [c for c, per in zip(comp.coders, comp.judged, strict=True) if per]
    if judging and unit != "span":
        notes.append(f"{', '.join(judging)} recorded the sentences they judged: elsewhere in "
                     "those documents their values are missing, not \"no code\"")
    if partial or (judging and unit != "span"):
        notes.append("missing values: alpha uses every unit two or more coders coded, kappa "
                     "only the units every coder coded")
    if judging and unit == "span":
        notes.append("unitizing alpha takes every character as read: the judged sentences "
                     f"recorded by {', '.join(judging)} are not used")
    return AgreementReport(
        coders=comp.coders,
        unit=unit,
        kappa="Cohen's kappa" if len(comp.coders) == 2 else "Fleiss' kappa",
        documents=sorted(d.name for d in comp.docs.values()),
        left_out=comp.left_out,
        codes=codes,
        dimensions=dims,
        overall=overall,
        notes=notes,
    )
