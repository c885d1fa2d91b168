"""The code base stays clean: ruff (lint and format) and mypy --strict on the package, as `make lint` runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint_and_format() -> None:
    """ruff finds nothing to fix and nothing to reformat."""
    lint = _run("ruff", "check", "ressursbank", "tests", "bench", "scripts")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", "ressursbank", "tests", "bench", "scripts")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
def test_mypy_strict_on_the_package() -> None:
    """mypy in strict mode reports no errors in ressursbank/."""
    done = _run("mypy")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
