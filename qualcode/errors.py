"""One error family. Every error a researcher can cause carries what went wrong, where, and a hint.

The CLI turns a QualcodeError into one line on stderr and exit code 1; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import re

# C0 and C1 controls and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


def single_line(text: str) -> str:
    """`text` with control characters and line separators shown escaped."""
    return _CONTROL.sub(_escape, text)


class QualcodeError(Exception):
    """A user-facing error: `message` says what, `where` says where (file:line, code, offset...),
    `hint` says what to do."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def one_line(self) -> str:
        """Always one line: a line break or a terminal escape quoted from a hostile file (a YAML
        key "\\r", a file name with ESC[...) is shown escaped, never acted on."""
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return single_line("".join(parts))

    def __str__(self) -> str:
        return self.one_line()


class ProjectError(QualcodeError):
    """No project, an unreachable database, or a schema that needs `qualcode upgrade`."""


class InputError(QualcodeError):
    """A file the user gave us cannot be read: encoding, empty, binary, malformed."""


class CodebookError(QualcodeError):
    """A codebook that does not validate; `problems` lists every problem, not just the first."""

    def __init__(
        self,
        message: str,
        *,
        problems: list | None = None,
        where: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, where=where, hint=hint)
        self.problems = list(problems or [])


class NotFoundError(QualcodeError):
    """A case, document, code, coder or coding that does not exist."""


class ConflictError(QualcodeError):
    """The request contradicts what is stored (a changed file under an existing name...)."""


class SpanError(QualcodeError):
    """A span that is out of range, empty, or a quote that is missing or ambiguous."""

    def __init__(
        self,
        message: str,
        *,
        candidates: list | None = None,
        where: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, where=where, hint=hint)
        self.candidates = list(candidates or [])
