"""Docs cannot drift: the CLI reference is regenerated from --help, and every doc the README names exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cli_reference_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    """docs/cli-reference.md equals what `python scripts/cli_reference.py` writes (run it after changing the CLI)."""
    assert (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8") == _cli_reference_module().render()


def test_every_doc_the_readme_names_exists() -> None:
    """Each docs/*.md path mentioned in the README is a file in the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"docs/[\w.-]+\.md", readme))
    assert named, "the README names its docs"
    missing = sorted(p for p in named if not (ROOT / p).is_file())
    assert missing == []


def test_readme_quick_start_is_two_make_commands() -> None:
    """The quick start has exactly the two commands CI and users run, and .ci/run calls the test one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
