"""Exceptions raised across ressursbank; each carries a short, precise message for people."""

from __future__ import annotations


class RessursbankError(Exception):
    """Base of every error ressursbank raises on purpose."""


class DomainError(RessursbankError, ValueError):
    """A domain record is invalid (raised on construction)."""


class ImportProblem(RessursbankError):
    """One problem in an imported file: where it is and why."""

    def __init__(self, file: str, row: int | None, column: str | None, value: str | None, reason: str) -> None:
        self.file, self.row, self.column, self.value, self.reason = file, row, column, value, reason
        where = file + (f", row {row}" if row is not None else "") + (f", column {column!r}" if column else "")
        shown = f" (value {value!r})" if value not in (None, "") else ""
        super().__init__(f"{where}: {reason}{shown}")


class ImportRejected(RessursbankError):
    """An import was rejected as a whole; ``problems`` lists every broken row, not only the first."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"import rejected, nothing was stored: {len(problems)} problem(s)\n{lines}{more}")


class FormatError(RessursbankError, ValueError):
    """A benchmark or data file is malformed; the message names line, section and reason."""


class NotFound(RessursbankError, LookupError):
    """A requested record does not exist."""


class Conflict(RessursbankError):
    """A change conflicts with the current state (double booking, stale version, withdrawn offer)."""


class PermissionDenied(RessursbankError):
    """The current user's role does not allow this."""
