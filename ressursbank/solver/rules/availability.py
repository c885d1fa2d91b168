"""Availability: nobody works during an absence; the absent people of each need are removed in ``compile.py``."""

from __future__ import annotations

from ressursbank.solver.compile import Compiled


def allows(c: Compiled, e: int, n: int) -> bool:
    """False when employee ``e`` is absent during need ``n``."""
    absent = c.need_absent.get(n)
    return absent is None or e not in set(absent.tolist())
