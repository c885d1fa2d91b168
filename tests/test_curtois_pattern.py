"""The pattern constructor's cover-led working-day count (``demand_days``) on a tight minutes window."""

from __future__ import annotations

import random

from ressursbank.checker.curtois import check_curtois
from ressursbank.formats.curtois import parse_curtois
from ressursbank.solver.curtois.compile import OFF, compile_instance
from ressursbank.solver.curtois.pattern import pattern_roster

#: One employee, a 480- and a 720-minute shift, a minutes window of 4,320-4,800 (nine or ten short shifts, six
#: long ones); the cover asks for the short shift only, every day.
TEXT = """SECTION_HORIZON
14
SECTION_SHIFTS
S,480,
L,720,
SECTION_STAFF
A,S=14|L=14,4800,4320,5,1,1,2
SECTION_DAYS_OFF
SECTION_SHIFT_ON_REQUESTS
SECTION_SHIFT_OFF_REQUESTS
SECTION_COVER
""" + "".join(f"{d},S,1,100,1\n{d},L,0,100,1\n" for d in range(14))


def test_demand_days_aims_at_the_length_the_cover_needs() -> None:
    """Aimed at the median length (720) the row works six long shifts; aimed at the cover's 480 it works the
    short shift on nine or ten days and leaves less cover missing. Both rows are lawful."""
    instance = parse_curtois(TEXT)
    compiled = compile_instance(instance)
    empty = compiled.empty()
    median = pattern_roster(compiled, 0, empty, random.Random(0))
    demand = pattern_roster(compiled, 0, empty, random.Random(0), demand_days=True)
    assert median is not None and demand is not None
    for row in (median, demand):
        assert check_curtois(instance, compiled.to_roster([row])).feasible
    assert sum(s != OFF for s in demand) > sum(s != OFF for s in median)
    assert compiled.objective([demand]) < compiled.objective([median])
