"""Pseudonymisation: the key (formats/pseudonym_key.py), candidates for it, replacing every key
entry in what an export holds, and the leak check on what it would write.

Replacement works on the export's data, never on the project: the data an export renders (tables,
the synthesis, the report, coding rows, the REFI-QDA model) is copied with every name replaced,
longest first, typography-loose and ignoring case, inside Chinese text too, and Latin names only
as whole words. Where a text carries offsets (the report's documents, REFI-QDA sources) they are
moved with it. The leak check then reads the bytes about to be written (every member of an
archive, with entities and escapes resolved) and refuses if any original name is still there.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.formats.pseudonym_key import KINDS, KeyEntry, read_key, write_key
from qualcode.formats.transcripts.labels import is_role_word, label_key
from qualcode.typography import fold, name_key, names_pattern

_KIND_OF_FOUND = {"firm": "firms", "person": "people", "place": "places", "name": None}
_PSEUDONYM_STEM = {"firms": "Firm", "people": "Person", "places": "Place"}


class LeakError(QualcodeError):
    """An export would still hold a name from the pseudonym key."""


@dataclass
class Pseudonymiser:
    entries: list[KeyEntry]
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.entries:
            raise QualcodeError("the pseudonym key has no names",
                                hint="add them with `qualcode pseudonyms add` "
                                     "(candidates: `qualcode pseudonyms propose`)")
        # Longest first, so 德赛电池有限公司 is replaced whole before 德赛电池 could be.
        self._ordered = sorted(self.entries, key=lambda e: (-len(fold(e.original)), e.original))
        self._pattern = names_pattern([e.original for e in self._ordered])
        self._by_key = {name_key(e.original): e for e in self._ordered}

    def _entry(self, match: re.Match[str]) -> KeyEntry:
        entry = self._by_key.get(name_key(match.group()))
        if entry is None:  # a character whose case folding the classes see otherwise
            entry = next(e for e in self._ordered
                         if names_pattern([e.original]).fullmatch(match.group()))
        return entry

    def _replacement(self, match: re.Match[str]) -> str:
        return self._entry(match).pseudonym

    def text(self, text: str) -> str:
        return self._pattern.sub(self._replacement, text)

    def text_with_offsets(self, text: str) -> tuple[str, Callable[[int, bool], int]]:
        """The replaced text and a function mapping an offset of the old text to the new one
        (`end=True` for an end offset: a span ending inside a name ends after its pseudonym)."""
        pieces: list[str] = []
        old_starts: list[int] = []
        old_ends: list[int] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        last = 0
        length = 0
        for m in self._pattern.finditer(text):
            pieces.append(text[last:m.start()])
            length += m.start() - last
            new = self._replacement(m)
            old_starts.append(m.start())
            old_ends.append(m.end())
            new_starts.append(length)
            pieces.append(new)
            length += len(new)
            new_ends.append(length)
            last = m.end()
        pieces.append(text[last:])

        def move(offset: int, end: bool = False) -> int:
            i = bisect_right(old_starts, offset - 1 if end else offset) - 1
            if i < 0:
                return offset
            if offset < old_ends[i] or (end and offset == old_ends[i]):
                return new_ends[i] if end else new_starts[i]
            return new_ends[i] + (offset - old_ends[i])

        return "".join(pieces), move

    def deep(self, value: Any) -> Any:
        """A copy of `value` with every string replaced: strings, lists, tuples, sets, dict keys
        and values, and dataclass fields (copied, never changed in place). Other objects are
        returned as they are (the leak check catches anything that escapes)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self.deep(v) for v in value)
        if isinstance(value, tuple):  # a named tuple
            return type(value)(*(self.deep(v) for v in value))
        if isinstance(value, (set, frozenset)):
            return type(value)(self.deep(v) for v in value)
        if isinstance(value, dict):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out = copy.copy(value)
            for f in dataclasses.fields(value):
                object.__setattr__(out, f.name, self.deep(getattr(value, f.name)))
            return out
        return value

    def leaks(self, text: str) -> list[KeyEntry]:
        """The key entries whose name is in the text, longest first."""
        found = {name_key(m.group()) for m in self._pattern.finditer(text)}
        return [e for e in self._ordered if name_key(e.original) in found]

    def check(self, data: bytes | str, *, where: str) -> None:
        """Refuse (LeakError) if any original name is in what is about to be written."""
        from qualcode.formats.output_text import texts_of

        raw = data.encode("utf-8") if isinstance(data, str) else data
        for part, text in texts_of(raw):
            leaked = self.leaks(text)
            if leaked:
                entry = leaked[0]
                inside = f" (in {part})" if part else ""
                more = f" and {len(leaked) - 1} more name(s)" if len(leaked) > 1 else ""
                raise LeakError(
                    f"the pseudonymised export would still show {entry.original!r} (key line "
                    f"{entry.line}, {entry.kind}){more}{inside}; nothing was written",
                    where=where,
                    hint="add the form the name takes there to the key (`qualcode pseudonyms "
                         "add`), or leave that part out of the export")


def load(path: Path) -> Pseudonymiser:
    return Pseudonymiser(read_key(path))


# --------------------------------------------------------------------------- documents with offsets


def document_text(p: Pseudonymiser, text: str, spans: list[Any]) -> str:
    """Replace names in a document's text and move each span (objects with start/end) with it."""
    new, move = p.text_with_offsets(text)
    for span in spans:
        start, end = move(span.start), move(span.end, True)
        object.__setattr__(span, "start", start)
        object.__setattr__(span, "end", end)
    return new


def report_page(p: Pseudonymiser, page: Any) -> Any:
    """The report page with names replaced, each appendix document's marked spans moved (a
    streamed appendix one document at a time, as it is written)."""
    from qualcode.formats.report_html import DocumentStream

    def moved(doc: Any) -> Any:
        spans = [copy.copy(s) for s in doc.spans]
        text = document_text(p, doc.text, spans)
        out = p.deep(dataclasses.replace(doc, text="", spans=spans))
        out.text = text
        return out

    out = p.deep(dataclasses.replace(page, documents=[]))
    if isinstance(page.documents, DocumentStream):  # replaced as the page is written
        source = page.documents
        out.documents = DocumentStream(len(source), lambda: (moved(d) for d in source))
    else:
        out.documents = [moved(d) for d in page.documents]
    return out


# --------------------------------------------------------------------------- the key file


def add(path: Path, kind: str, original: str, pseudonym: str | None) -> KeyEntry:
    """Add one name to the key (its pseudonym the next free "Firm N" etc. when not given)."""
    if kind not in KINDS:
        raise QualcodeError(f"unknown kind {kind!r}", hint="one of " + ", ".join(KINDS))
    original = original.strip()
    if not original:
        raise QualcodeError("the name is empty")
    entries = read_key(path)
    if pseudonym is None:
        used = {e.pseudonym for e in entries}
        n = 1
        while f"{_PSEUDONYM_STEM[kind]} {n}" in used:
            n += 1
        pseudonym = f"{_PSEUDONYM_STEM[kind]} {n}"
    entry = KeyEntry(kind, original, pseudonym.strip())
    if not entry.pseudonym:
        raise QualcodeError("the pseudonym is empty")
    canonical = fold(original).casefold()
    clash = next((e for e in entries if fold(e.original).casefold() == canonical), None)
    if clash is not None:
        raise QualcodeError(f"{clash.original!r} is in the key already (line {clash.line}, "
                            f"{clash.kind}: {clash.pseudonym!r})", where=str(path),
                            hint="edit the key file to change it")
    from qualcode.formats.pseudonym_key import check_pseudonyms

    together = [*entries, entry]
    check_pseudonyms(together, str(path))
    write_key(path, together)
    return entry


# --------------------------------------------------------------------------- candidates


@dataclass
class Candidate:
    name: str
    kind: str | None  # firms | people | places, or None when the rules cannot tell
    count: int = 0
    sources: list[str] = field(default_factory=list)


def propose(session: Session, entries: list[KeyEntry]) -> list[Candidate]:
    """Names that may identify someone and are not in the key yet: case names, front matter
    (place, interviewer, title, attributes), speaker labels and the name finder's hits in the
    texts. Most frequent first within each kind."""
    from qualcode.name_finder import find_names
    from qualcode.storage.models import (
        Attribute,
        Case,
        CaseValue,
        Document,
        DocumentValue,
    )

    found: dict[str, Candidate] = {}

    def note(name: str, kind: str | None, source: str, count: int = 1) -> None:
        name = re.sub(r"\s*[(（][^)）]*[)）]?\s*$", "", " ".join(name.split()))  # "(fictional)"
        name = name.strip(" ,;:()（）")
        if len(name) < 2:
            return
        cand = found.setdefault(fold(name).casefold(), Candidate(name, kind))
        cand.count += count
        if cand.kind is None:
            cand.kind = kind
        if source not in cand.sources:
            cand.sources.append(source)

    def scan(text: str | None, source: str) -> None:
        for hit, n in find_names(text or "").items():
            # a speaker's label was counted as a speaker already
            if source != "text" or fold(hit.name).casefold() not in speakers:
                note(hit.name, _KIND_OF_FOUND[hit.kind], source, n)

    for (name,) in session.execute(select(Case.name)):
        note(name, "firms", "case")
    speakers = set()
    for speaker, n in _speaker_counts(session):
        # a label that names a role (Interviewer, Q, 采访人, 受访者), not a person
        if not is_role_word(label_key(speaker.strip().rstrip("."))):
            note(speaker, "people", "speaker", n)
            speakers.add(fold(speaker).casefold())
    docs = session.execute(select(Document.id, Document.name, Document.text, Document.title,
                                  Document.place, Document.interviewer)).all()
    for d in docs:
        for part in re.split(r"[,;/，；、(（]", d.place or ""):
            if part.strip()[:1].isupper() or re.match(r"[\u4e00-\u9fff]", part.strip()):
                note(part, "places", "front matter: place")
        if d.interviewer:
            note(d.interviewer, "people", "front matter: interviewer")
        scan(d.title, "front matter: title")
        scan(d.text, "text")
    for value, type_ in [*session.execute(select(CaseValue.value, Attribute.type)
                                          .join(Attribute)).all(),
                         *session.execute(select(DocumentValue.value, Attribute.type)
                                          .join(Attribute)).all()]:
        if type_ == "text":
            scan(value, "attribute")
    if entries:
        known = Pseudonymiser(entries)
        pseudonyms = {fold(e.pseudonym).casefold() for e in entries}
        found = {k: c for k, c in found.items()
                 if not known.leaks(c.name) and k not in pseudonyms}
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found.values(), key=lambda c: (order.get(c.kind or "", len(KINDS)), -c.count,
                                                 c.name))


def _speaker_counts(session: Session) -> list[tuple[str, int]]:
    from sqlalchemy import func

    from qualcode.storage.models import Turn

    rows: dict[str, int] = defaultdict(int)
    for speaker, n in session.execute(select(Turn.speaker, func.count(Turn.id))
                                      .where(Turn.speaker.is_not(None)).group_by(Turn.speaker)):
        rows[speaker] += n
    return sorted(rows.items())
