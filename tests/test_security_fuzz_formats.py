"""Fuzzing the file readers: any input ends in a parsed record or a clear validation error, never a crash.

Inputs are hypothesis-generated: free text, and mutations of real files (lines deleted, duplicated, swapped,
tokens replaced by random text or extreme numbers, truncation, CRLF and stray bytes). The count of inputs tried is
printed per reader. The HR importer (CSV/XLSX) is fuzzed once ``ressursbank.formats.hr_import`` exists.
"""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ressursbank.exceptions import DomainError, FormatError, ImportRejected
from ressursbank.formats.curtois import parse_curtois

DATA = Path(__file__).resolve().parent / "data"
CURTOIS_FILES = sorted((DATA / "curtois").glob("Instance*.txt"))
FUZZ = settings(
    max_examples=2000, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

#: Exceptions that are clear validation errors (anything else is a crash).
CLEAR = (FormatError, ImportRejected, DomainError)

TOKENS = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", ",", ",,", "-1", "0", "1e309", "nan", "SECTION_SHIFTS", "SECTION_X", "#", "é", "\x00", "∞"]),
)


@st.composite
def mutated(draw: st.DrawFn, original: str) -> str:
    """A real file with a few random edits."""
    lines = original.splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not lines:
            break
        where = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "swap", "token", "truncate", "junk"]))
        if edit == "delete":
            del lines[where]
        elif edit == "duplicate":
            lines.insert(where, lines[where])
        elif edit == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[where], lines[other] = lines[other], lines[where]
        elif edit == "token":
            parts = lines[where].split(",")
            index = draw(st.integers(min_value=0, max_value=max(0, len(parts) - 1)))
            parts[index] = draw(TOKENS)
            lines[where] = ",".join(parts)
        elif edit == "truncate":
            lines = lines[:where]
        else:
            lines.insert(where, draw(st.text(max_size=40)))
    separator = draw(st.sampled_from(["\n", "\r\n"]))
    return separator.join(lines)


def _run(reader: Any, text: str, outcomes: Counter[str]) -> None:
    try:
        reader(text)
    except CLEAR as exc:
        assert str(exc), "a validation error must say what is wrong"
        outcomes["rejected"] += 1
    else:
        outcomes["parsed"] += 1


@pytest.mark.skipif(not CURTOIS_FILES, reason="no Curtois instances in tests/data")
def test_curtois_reader_never_crashes() -> None:
    """Mutated and random Curtois files parse or raise FormatError; nothing else escapes."""
    outcomes: Counter[str] = Counter()
    originals = [p.read_text() for p in CURTOIS_FILES]

    @FUZZ
    @given(st.one_of(st.sampled_from(originals).flatmap(mutated), st.text(max_size=400)))
    def fuzz(text: str) -> None:
        _run(lambda t: parse_curtois(t, source="fuzz"), text, outcomes)

    fuzz()
    tried = sum(outcomes.values())
    print(
        f"\nCurtois reader: {tried} inputs tried, {outcomes['parsed']} parsed, "
        f"{outcomes['rejected']} rejected, 0 crashes"
    )
    assert tried >= 100 and outcomes["rejected"] > 0


def _hr_import() -> Any:
    try:
        return importlib.import_module("ressursbank.formats.hr_import")
    except ModuleNotFoundError:
        pytest.skip("ressursbank.formats.hr_import is not there yet")
