"""RestrictionRespected: restriction flags (no COVID contact, no nights, no redeployment) remove candidates.

Decided once in ``compile.py`` with ``Problem.restriction_blocks``, so the reason is never needed.
"""

from __future__ import annotations

from ressursbank.solver.compile import Compiled


def allows(c: Compiled, e: int, n: int) -> bool:
    """False when a restriction flag of employee ``e`` forbids need ``n`` (part of the eligibility row)."""
    return bool(c.class_mask[c.n_class[n], e])
