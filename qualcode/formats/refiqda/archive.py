"""Reading a .qdpx (a zip archive) as untrusted input.

Nothing is ever extracted to disk. Before any member is read, every entry is checked: the count
(from the end-of-central-directory record, before zipfile parses the whole directory), names with
`..` or an absolute path, symbolic links, encrypted entries, names that differ only in case, and
the compression ratio the headers declare. Members are then read in memory in chunks, with the
uncompressed bytes counted as they arrive (headers can lie) against a per-member cap, a total cap
and a ratio cap.
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputError

_EOCD = b"PK\x05\x06"
_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    max_members: int = 10_000
    max_member_bytes: int = 256 * 2**20
    max_total_bytes: int = 512 * 2**20
    max_ratio: int = 100  # uncompressed / compressed
    ratio_floor: int = 2**20  # tiny members compress absurdly well; judge the ratio past this
    max_xml_bytes: int = 256 * 2**20  # a bare .qde or .qdc file


DEFAULT_LIMITS = Limits()


def declared_entries(path: Path) -> int | None:
    """The entry count the end-of-central-directory record declares (None for ZIP64 or when the
    record is not found; zipfile then has the last word)."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65_557))
        tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return None
    (total,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return None if total == 0xFFFF else total


def unsafe_name(name: str) -> str | None:
    """Why a member name must not be trusted, or None."""
    if "\x00" in name:
        return "a NUL character in the name"
    clean = name.replace("\\", "/")
    if clean.startswith("/") or _DRIVE.match(clean):
        return "an absolute path"
    if ".." in clean.split("/"):
        return "a '..' component (path traversal)"
    return None


class SafeArchive:
    """A checked zip archive whose members are read in memory, within limits."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS):
        self.path = Path(path)
        self.limits = limits
        self._read_total = 0
        declared = declared_entries(self.path)
        if declared is not None and declared > limits.max_members:
            self._refuse(
                f"the archive has {declared} members, more than the {limits.max_members} allowed",
                hint="a REFI-QDA project has a project.qde and one file per source",
            )
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            self._refuse(f"not a readable zip archive ({exc})", hint="is it really a .qdpx?")
        try:
            self._check_entries()
        except BaseException:
            self._zip.close()
            raise

    def _refuse(self, message: str, *, member: str | None = None, hint: str | None = None):
        where = f"{self.path}:{member}" if member else str(self.path)
        raise InputError(message, where=where, hint=hint or "nothing was imported")

    def _check_entries(self) -> None:
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_members:
            self._refuse(f"the archive has {len(infos)} members, more than {limits.max_members}")
        seen: dict[str, str] = {}
        self._by_lower: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            reason = unsafe_name(name)
            if reason:
                self._refuse(f"member name {name!r} has {reason}", member=name,
                             hint="a hostile or broken archive; nothing was imported")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                self._refuse("the member is a symbolic link", member=name,
                             hint="links may point outside the archive; nothing was imported")
            if info.flag_bits & 0x1:
                self._refuse("the member is encrypted", member=name,
                             hint="export the project again without a password")
            lower = name.replace("\\", "/").lower()
            if lower in seen:
                self._refuse(f"two members differ only in case: {seen[lower]!r} and {name!r}",
                             member=name)
            seen[lower] = name
            if info.is_dir():
                continue
            if info.file_size > limits.max_member_bytes:
                self._refuse(f"the member declares {info.file_size:,} bytes, more than "
                             f"{limits.max_member_bytes:,}", member=name)
            self._check_ratio(info, info.file_size)
            self._by_lower[lower] = info

    def _check_ratio(self, info: zipfile.ZipInfo, produced: int) -> None:
        limits = self.limits
        if produced > limits.ratio_floor and produced > limits.max_ratio * max(
            info.compress_size, 1
        ):
            self._refuse(
                f"the member expands more than {limits.max_ratio} times "
                f"({info.compress_size:,} compressed bytes -> over {produced:,}): a zip bomb",
                member=info.filename,
                hint="a hostile archive; nothing was imported",
            )

    def names(self) -> list[str]:
        return [info.filename for info in self._by_lower.values()]

    def find(self, name: str) -> zipfile.ZipInfo | None:
        """A member by name, case-insensitively (tools write `sources/` or `Sources/`)."""
        return self._by_lower.get(name.replace("\\", "/").lower())

    def read(self, info: zipfile.ZipInfo) -> bytes:
        limits = self.limits
        chunks: list[bytes] = []
        produced = 0
        try:
            with self._zip.open(info) as handle:
                while True:
                    chunk = handle.read(_CHUNK)
                    if not chunk:
                        break
                    produced += len(chunk)
                    self._read_total += len(chunk)
                    if produced > limits.max_member_bytes:
                        self._refuse(f"the member holds more than {limits.max_member_bytes:,} "
                                     "bytes", member=info.filename)
                    if self._read_total > limits.max_total_bytes:
                        self._refuse(f"the members read hold more than "
                                     f"{limits.max_total_bytes:,} bytes in all",
                                     member=info.filename)
                    self._check_ratio(info, produced)
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                OSError, ValueError) as exc:  # OSError: a header offset before the file's start
            self._refuse(f"the member cannot be read ({exc})", member=info.filename)
        return b"".join(chunks)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def read_small_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """A bare .qde/.qdc file, refused when larger than the XML cap (read with the cap, not stat)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.max_xml_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", where=str(path)) from None
    if len(data) > limits.max_xml_bytes:
        raise InputError(f"the file is larger than {limits.max_xml_bytes:,} bytes",
                         where=str(path), hint="nothing was imported")
    return data
