"""What every export shares: --pseudonymise (with --key) and --manifest.

With --pseudonymise the export's data is copied with every name of the pseudonym key replaced
(services/pseudonyms.py), and what would be written, to a file or to standard output, is
checked for any name left; if one is, nothing is written and the command fails. Files are
written beside the target and renamed, so a refused or failed export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode import config
from qualcode.cli.common import state

PseudonymiseOpt = Annotated[bool, typer.Option(
    "--pseudonymise", help="Replace every name in the pseudonym key (`qualcode pseudonyms`) and "
                           "refuse to write if one is still in the output.")]
KeyOpt = Annotated[Path | None, typer.Option(
    "--key", help="The pseudonym key (default: pseudonym_key in qualcode.toml, else "
                  "pseudonyms.yaml in the project folder).")]
ManifestOpt = Annotated[Path | None, typer.Option(
    "--manifest", help="Also write the run manifest (JSON, see `qualcode manifest`) to this "
                       "file.")]


class Export:
    def __init__(self, ctx: typer.Context, *, pseudonymise: bool = False,
                 key: Path | None = None, manifest: Path | None = None) -> None:
        self.pseudonymiser = None
        self.manifest_path = manifest
        if key is not None and not pseudonymise:
            from qualcode.errors import QualcodeError

            raise QualcodeError("--key is the key of --pseudonymise", hint="add --pseudonymise")
        if pseudonymise:
            from qualcode.services import pseudonyms

            path = config.pseudonym_key_path(state(ctx).location().folder, key)
            if not path.is_file():
                from qualcode.errors import QualcodeError

                raise QualcodeError("there is no pseudonym key", where=str(path),
                                    hint="add names with `qualcode pseudonyms add KIND NAME`")
            self.pseudonymiser = pseudonyms.load(path)

    @classmethod
    def plain(cls) -> Export:
        """An export with neither option: writes and prints as it is."""
        out = cls.__new__(cls)
        out.pseudonymiser = None
        out.manifest_path = None
        return out

    @property
    def active(self) -> bool:
        return self.pseudonymiser is not None

    def data(self, value: Any) -> Any:
        return self.pseudonymiser.deep(value) if self.pseudonymiser is not None else value

    def check(self, data: bytes | str, where: str) -> None:
        if self.pseudonymiser is not None:
            self.pseudonymiser.check(data, where=where)

    @contextlib.contextmanager
    def file(self, output: Path) -> Iterator[Path]:
        """Yields a path to write instead of `output` (same suffix); then checks what was
        written and renames it to `output`, or removes it and fails."""
        if self.pseudonymiser is None:
            yield output
            return
        tmp = output.with_name(f".{output.stem}.qualcode-tmp{output.suffix}")
        try:
            yield tmp
            self.check(tmp.read_bytes(), str(output))
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def stdout(self) -> Iterator[None]:
        """Whatever the block prints goes out only after the leak check."""
        if self.pseudonymiser is None:
            yield
            return
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            yield
        text = buffer.getvalue()
        self.check(text, "standard output")
        sys.stdout.write(text)

    def prepare_manifest(self, session) -> None:
        """Build the run manifest (if --manifest asked for it) while the session is open; it is
        written by finish(), after the export itself."""
        self._manifest = None
        if self.manifest_path is None:
            return
        from qualcode.formats.manifest_json import manifest_text
        from qualcode.services.manifest import build_manifest

        self._manifest = manifest_text(self.data(build_manifest(session)))
        self.check(self._manifest, str(self.manifest_path))

    def finish(self) -> None:
        if getattr(self, "_manifest", None) is None or self.manifest_path is None:
            return
        from qualcode.formats.manifest_json import write_text_atomically

        write_text_atomically(self.manifest_path, self._manifest)
