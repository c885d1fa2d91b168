"""QualificationValid: only people holding a qualification that fills the need (and the unit's politiattest).

Decided once in ``compile.py`` with ``Problem.qualification_for``; no variable exists for an unqualified person.
The same row also carries Availability, RestrictionRespected and the hard MaxTravel limit.
"""

from __future__ import annotations

from ressursbank.solver.compile import Compiled


def allows(c: Compiled, e: int, n: int) -> bool:
    """May employee ``e`` fill need ``n`` at all (qualification, absences, restrictions, hard travel limit)?"""
    return c.is_eligible(e, n)
