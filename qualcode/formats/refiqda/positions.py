"""Selection positions: which convention a producer used, and mapping its positions to qualcode's
offsets.

qualcode's offsets (and what it exports): Unicode code points from 0 into the stored text, start
inclusive, end exclusive; the stored text has its line endings normalised to LF once, at import.

The REFI spec says code points from 0 (its example "granola" at 62-69 shows the end is
exclusive), but real producers differ: NVivo for Windows counts UTF-16 code units and a CRLF as 2,
ATLAS.ti counts a CRLF as 1 although its text files hold CRLF, and some count a UTF-8 BOM. Only a
text with CRLF, a BOM or characters beyond the Basic Multilingual Plane (emoji, rare CJK) tells
the conventions apart. For such a text every candidate reading is scored on the selections
themselves: a selection whose `name` holds its text (ATLAS.ti, qualcode) must match it, and
boundaries should fall between words rather than inside them. The best reading wins; ties go to
the spec's reading.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field

ELLIPSES = ("…", "...")


@dataclass(frozen=True)
class Convention:
    key: str
    utf16: bool  # UTF-16 code units instead of code points
    crlf: int  # how many units a CRLF counts for
    bom: bool  # whether a leading BOM counts as one unit

    @property
    def label(self) -> str:
        units = "UTF-16 code units" if self.utf16 else "Unicode code points"
        text = f"{units}, CRLF counted as {self.crlf}"
        if self.bom:
            text += ", the BOM counted as 1"
        who = {
            "codepoints": " (the REFI spec)",
            "codepoints-crlf1": " (as ATLAS.ti writes)",
            "utf16": " (as NVivo for Windows writes)",
        }
        return text + who.get(self.key, "")


SPEC = Convention("codepoints", utf16=False, crlf=2, bom=False)
CANDIDATES = (
    SPEC,
    Convention("codepoints-crlf1", utf16=False, crlf=1, bom=False),
    Convention("utf16", utf16=True, crlf=2, bom=False),
    Convention("utf16-crlf1", utf16=True, crlf=1, bom=False),
)
WITH_BOM = tuple(
    Convention(c.key + "+bom", utf16=c.utf16, crlf=c.crlf, bom=True) for c in CANDIDATES
)

EXPORT_CONVENTION = (
    "Unicode code points from 0, start inclusive, end exclusive, over UTF-8 text without BOM "
    "with LF line endings"
)


@dataclass
class Evidence:
    selections: int = 0
    edges_on_word_boundaries: int = 0
    names_with_text: int = 0  # selections whose name holds the selected text under this reading
    names_checked: int = 0  # selections whose name looked like text under some reading
    inside_units: int = 0  # positions inside a CRLF or a surrogate pair
    out_of_range: int = 0

    def score(self) -> int:
        return (
            5 * self.names_with_text
            + self.edges_on_word_boundaries
            - 3 * self.inside_units
            - 1000 * self.out_of_range
        )


@dataclass
class Detection:
    convention: Convention
    distinguishable: bool  # False when every convention reads this text the same way
    spans: list[tuple[int, int] | None]  # per selection, in qualcode offsets; None: outside
    evidence: Evidence
    runner_up: Convention | None = None
    tied: list[str] = field(default_factory=list)

    def short(self) -> str:
        if not self.distinguishable:
            return "code points (every convention agrees on this text)"
        return self.convention.label

    def describe(self) -> str:
        if not self.distinguishable:
            return (
                "Unicode code points (no CRLF, BOM or character beyond the BMP in this text, "
                "so every convention agrees)"
            )
        ev = self.evidence
        parts = [self.convention.label]
        if ev.selections:
            parts.append(
                f"{ev.edges_on_word_boundaries}/{2 * ev.selections} selection edges on word "
                f"boundaries"
            )
        if ev.names_checked:
            parts.append(f"{ev.names_with_text}/{ev.names_checked} names match their text")
        if self.tied:
            parts.append("equally good: " + ", ".join(self.tied) + "; the first was used")
        if not ev.selections:
            parts.append("no selections to check it against")
        return "; ".join(parts)


def normalise_newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _distinguishable(raw: str, had_bom: bool) -> bool:
    return had_bom or "\r" in raw or any(ord(ch) > 0xFFFF for ch in raw)


def unit_table(raw: str, convention: Convention) -> array:
    """table[n] = how many of the convention's units come before character n of the normalised
    text; one entry more than the normalised text has characters."""
    table = array("q", [0])
    count = 1 if convention.bom else 0
    table[0] = count
    i, size = 0, len(raw)
    while i < size:
        ch = raw[i]
        if ch == "\r" and i + 1 < size and raw[i + 1] == "\n":
            count += convention.crlf
            i += 2
        else:
            count += 2 if convention.utf16 and ord(ch) > 0xFFFF else 1
            i += 1
        table.append(count)
    return table


def _map(table: array, pos: int) -> tuple[int, bool] | None:
    """(character index in the normalised text, exact?) for a position; None if outside."""
    if pos < 0 or pos > table[-1]:
        return None
    if pos < table[0]:
        return 0, False
    n = bisect.bisect_right(table, pos) - 1
    return n, table[n] == pos


def _word_char(ch: str) -> bool:
    return ch.isalnum()


def _on_boundary(text: str, pos: int) -> bool:
    if pos <= 0 or pos >= len(text):
        return True
    return not (_word_char(text[pos - 1]) and _word_char(text[pos]))


def _squash(text: str) -> str:
    return " ".join(text.split())


def name_matches(name: str | None, selected: str) -> bool:
    """Does a selection's name hold its text (whole, or cut short with an ellipsis)?"""
    if not name:
        return False
    wanted, got = _squash(name), _squash(selected)
    if not wanted or not got:
        return False
    if wanted == got:
        return True
    for ellipsis in ELLIPSES:
        if wanted.endswith(ellipsis):
            stem = wanted[: -len(ellipsis)].rstrip()
            return len(stem) >= 3 and got.startswith(stem)
    return False


def _evaluate(
    text: str, table: array | None, selections: list[tuple[int, int, str | None]]
) -> tuple[Evidence, list[tuple[int, int] | None], set[int]]:
    evidence = Evidence(selections=len(selections))
    spans: list[tuple[int, int] | None] = []
    matched: set[int] = set()
    for index, (start, end, name) in enumerate(selections):
        if table is None:
            s = (start, True) if 0 <= start <= len(text) else None
            e = (end, True) if 0 <= end <= len(text) else None
        else:
            s, e = _map(table, start), _map(table, end)
        if s is None or e is None:
            evidence.out_of_range += 1
            spans.append(None)
            continue
        evidence.inside_units += (not s[1]) + (not e[1])
        a, b = s[0], e[0]
        spans.append((a, b))
        evidence.edges_on_word_boundaries += _on_boundary(text, a) + _on_boundary(text, b)
        if name_matches(name, text[a:b]):
            evidence.names_with_text += 1
            matched.add(index)
    return evidence, spans, matched


def detect(
    raw: str, selections: list[tuple[int, int, str | None]], *, had_bom: bool = False
) -> Detection:
    """Choose the reading of `selections` (start, end, name) that fits `raw` best. `raw` is the
    decoded text exactly as in the file (CRLF kept, BOM removed)."""
    text = normalise_newlines(raw)
    if not _distinguishable(raw, had_bom):
        evidence, spans, matched = _evaluate(text, None, selections)
        evidence.names_checked = len(matched)
        return Detection(SPEC, False, spans, evidence)
    candidates = CANDIDATES + (WITH_BOM if had_bom else ())
    results = []
    seen_tables: list[array] = []
    named: set[int] = set()
    for convention in candidates:
        table = unit_table(raw, convention)
        if any(table == other for other in seen_tables):
            continue  # reads this text exactly like an earlier candidate
        seen_tables.append(table)
        evidence, spans, matched = _evaluate(text, table, selections)
        named |= matched
        results.append((convention, evidence, spans))
    for _, evidence, _ in results:
        evidence.names_checked = len(named)
    best = max(results, key=lambda r: r[1].score())  # max keeps the first of equals
    tied = [c.label for c, ev, _ in results if ev.score() == best[1].score() and c != best[0]]
    others = [r for r in results if r[0] != best[0]]
    runner = max(others, key=lambda r: r[1].score())[0] if others else None
    return Detection(
        best[0],
        True,
        best[2],
        best[1],
        runner_up=runner,
        tied=tied if selections else [],
    )
