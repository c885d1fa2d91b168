"""Small validation helpers shared by the domain records (raise DomainError with a precise message)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ressursbank.exceptions import DomainError


def require(condition: bool, message: str) -> None:
    """Raise :class:`DomainError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise DomainError(message)


def require_id(value: str, what: str) -> None:
    """Ids are non-empty strings without surrounding whitespace."""
    require(
        isinstance(value, str) and value != "" and value == value.strip(),
        f"{what}: id must be a non-empty string",
    )


def require_range(start: dt.date, end: dt.date, what: str) -> None:
    """A date or date-time range must not end before it starts."""
    require(end >= start, f"{what}: end {end} is before start {start}")


def require_unique(ids: Iterable[str], what: str) -> None:
    """No id may occur twice."""
    seen: set[str] = set()
    for value in ids:
        require(value not in seen, f"{what}: duplicate id {value!r}")
        seen.add(value)
