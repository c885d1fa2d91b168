"""Shared by the Curtois solver tests: the shipped instances 1-3 (copies in tests/data/curtois) and their optima."""

from __future__ import annotations

from pathlib import Path

from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.compile import Compiled, compile_instance

DATA = Path(__file__).parent / "data" / "curtois"
#: Proven optima of the shipped instances (schedulingbenchmarks.org).
OPTIMUM = {1: 607, 2: 828, 3: 1001}


def compiled_instance(number: int) -> Compiled:
    """The compiled shipped instance ``number`` (1-3)."""
    return compile_instance(read_curtois(DATA / f"Instance{number}.txt"))
