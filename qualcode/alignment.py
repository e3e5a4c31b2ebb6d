"""Aligning an old and a revised text, to carry spans (codings, suggestions) from one to the other.

The texts are compared as sequences of words (runs of non-space characters) with rapidfuzz's Indel
alignment (a longest common subsequence, computed bit-parallel in C++): whitespace never counts,
so re-wrapped lines and changed blank lines move nothing; a corrected word is a small local
difference; and, having no substitutions, it never pairs the words of two different turns that
swapped places (an edit distance with substitutions would map one turn's words onto the other's).
On a 20,000-word interview it takes ~0.4 s; difflib's SequenceMatcher (autojunk off) takes ~2.6 s
on the same words and minutes on characters (benchmarks/RESULTS.md, `make bench`).

A span whose words survive is mapped word by word (offsets inside a kept word are kept). A span
whose boundary words were replaced reaches over the replacement; one whose words were all removed
(or moved elsewhere: a reordered turn) has no place by alignment, and the caller looks for its
quote instead (find_quote, then a fuzzy match).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

_WORD = re.compile(r"\S+")
SMALL_SUBSTITUTION = 3  # up to this many words replaced by as many: paired word by word


@dataclass
class _Words:
    starts: list[int]
    ends: list[int]
    words: list[str]


def _words(text: str) -> _Words:
    starts, ends, words = [], [], []
    for match in _WORD.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
        words.append(match.group())
    return _Words(starts, ends, words)


def normalise(text: str) -> str:
    """A quote compared without regard to whitespace (line wrapping)."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Placement:
    start: int
    end: int
    kept: float  # share of the span's old words found unchanged at the new place (0..1)


class Alignment:
    """Maps offsets of `old` to offsets of `new`."""

    def __init__(self, old: str, new: str):
        self.old_text, self.new_text = old, new
        self.old, self.new = _words(old), _words(new)
        n = len(self.old.words)
        self.pair = [-1] * n  # old word -> new word (kept, or one of a small substitution)
        self.same = [False] * n  # the old word is kept unchanged
        self.region = [(0, 0, 0, 0)] * n  # for unpaired words: the changed region around them
        self._align()

    def _align(self) -> None:
        changed: list[tuple[int, int, int, int]] = []  # consecutive non-equal ops, merged
        for op in Indel.opcodes(self.old.words, self.new.words):
            if op.tag == "equal":
                for k in range(op.src_end - op.src_start):
                    self.pair[op.src_start + k] = op.dest_start + k
                    self.same[op.src_start + k] = True
                continue
            if changed and changed[-1][1] == op.src_start and changed[-1][3] == op.dest_start:
                i1, _, j1, _ = changed[-1]
                changed[-1] = (i1, op.src_end, j1, op.dest_end)
            else:
                changed.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
        for i1, i2, j1, j2 in changed:
            small = i2 - i1 == j2 - j1 <= SMALL_SUBSTITUTION
            for k in range(i1, i2):
                self.region[k] = (i1, i2, j1, j2)
                if small:
                    self.pair[k] = j1 + (k - i1)

    def _new_start_of(self, j: int) -> int:
        return self.new.starts[j] if j < len(self.new.starts) else len(self.new_text)

    def map_start(self, x: int) -> int:
        old = self.old
        k = bisect_right(old.ends, x)  # the first word ending after x
        if k == len(old.words):
            return len(self.new_text)
        offset = max(0, x - old.starts[k])  # a start in the space before a word snaps to it
        m = self.pair[k]
        if m >= 0:
            return self.new.starts[m] + min(offset, len(self.new.words[m]))
        _, _, j1, _ = self.region[k]
        return self._new_start_of(j1)

    def map_end(self, x: int) -> int:
        old = self.old
        k = bisect_left(old.starts, x) - 1  # the last word starting before x
        if k < 0:
            return 0
        m = self.pair[k]
        if m >= 0:
            if x >= old.ends[k]:  # an end in the space after a word snaps to the word's end
                return self.new.ends[m]
            return self.new.starts[m] + min(x - old.starts[k], len(self.new.words[m]))
        _, _, j1, j2 = self.region[k]
        if j2 > j1:
            return self.new.ends[j2 - 1]  # over the whole replacement
        return self.new.ends[j1 - 1] if j1 > 0 else 0  # deleted: up to the word before

    def place(self, start: int, end: int) -> Placement:
        """Where the span [start, end) of the old text is in the new one (start >= end: nowhere)."""
        first = bisect_right(self.old.ends, start)
        last = bisect_left(self.old.starts, end)
        total = last - first
        kept = sum(self.same[first:last]) / total if total > 0 else 0.0
        return Placement(self.map_start(start), self.map_end(end), kept)

    def words_in(self, start: int, end: int, *, new: bool) -> int:
        words = self.new if new else self.old
        return bisect_left(words.starts, end) - bisect_right(words.ends, start)

    def word_at(self, x: int) -> tuple[int, int]:
        """The new text's word at or after offset x (or the last word): a one-word span."""
        words = self.new
        if not words.words:
            return 0, max(1, len(self.new_text))
        k = min(bisect_right(words.ends, x), len(words.words) - 1)
        return words.starts[k], words.ends[k]

    def word_before(self, x: int) -> tuple[int, int]:
        """The new text's last word ending at or before offset x (or the first word)."""
        words = self.new
        if not words.words:
            return 0, max(1, len(self.new_text))
        k = max(bisect_right(words.ends, x) - 1, 0)
        return words.starts[k], words.ends[k]

    def fuzzy_find(self, quote: str, *, min_score: float = 90.0) -> tuple[int, int] | None:
        """The best approximate occurrence of `quote` in the new text, snapped to whole words, if
        it scores at least `min_score` (0-100, rapidfuzz partial_ratio)."""
        needle = quote.strip()
        if len(needle) < 12:  # short quotes match too many places by chance
            return None
        found = fuzz.partial_ratio_alignment(needle, self.new_text, score_cutoff=min_score)
        if found is None:
            return None
        start = self.map_word_start(found.dest_start)
        end = self.map_word_end(found.dest_end)
        return (start, end) if start < end else None

    def map_word_start(self, x: int) -> int:
        words = self.new
        k = bisect_right(words.ends, x)
        return words.starts[k] if k < len(words.words) else len(self.new_text)

    def map_word_end(self, x: int) -> int:
        words = self.new
        k = bisect_left(words.starts, x) - 1
        return words.ends[k] if k >= 0 else 0
