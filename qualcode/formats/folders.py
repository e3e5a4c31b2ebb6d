"""Listing the files of a folder given for import without following links out of it.

A transcript or coding folder may come from someone else (a shared drive, an unpacked archive): a
symbolic link in it to `~/.ssh/id_rsa` or another project's files must not be read as if it were
part of the folder. Links that stay inside the folder are fine; a file named explicitly on the
command line is the user's own choice and is read as given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SkippedLink:
    path: str
    target: str
    reason: str

    def describe(self) -> str:
        return f"{self.path} -> {self.target} ({self.reason})"


def folder_files(folder: Path, suffixes: Iterable[str]) -> tuple[list[Path], list[SkippedLink]]:
    """The folder's files with one of `suffixes` (not recursive, hidden files left out, sorted),
    and the links that were not followed because they lead outside the folder or nowhere."""
    wanted = {s.lower() for s in suffixes}
    root = folder.resolve()
    files: list[Path] = []
    skipped: list[SkippedLink] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in wanted:
            continue
        if path.is_symlink():
            target = path.resolve()
            if not target.exists():
                skipped.append(SkippedLink(str(path), str(target), "a broken link"))
                continue
            if not target.is_relative_to(root):
                skipped.append(SkippedLink(str(path), str(target),
                                           "a link to a file outside the folder, not followed"))
                continue
        if path.is_file():
            files.append(path)
    return files, skipped
