"""The pattern constructor: its cover-led working-day count (``demand_days``) and the improving sweeps."""

from __future__ import annotations

import random
import time
from pathlib import Path

from ressursbank.checker.curtois import check_curtois
from ressursbank.formats.curtois import parse_curtois, read_curtois
from ressursbank.solver.curtois.compile import OFF, compile_instance
from ressursbank.solver.curtois.construct import _CoverCost, sweep
from ressursbank.solver.curtois.pattern import pattern_roster

DATA = Path(__file__).parent / "data" / "curtois"

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


def test_sweep_keeps_rosters_lawful_and_its_running_objective_exact() -> None:
    """Sweeps over a pattern roster of instance 3 never raise the objective, stay lawful, and the incremental
    objective they track equals a full recount."""
    instance = read_curtois(DATA / "Instance3.txt")
    compiled = compile_instance(instance)
    rng = random.Random(0)
    start = compiled.empty()
    for e in range(compiled.employees):
        row = pattern_roster(compiled, e, start, rng)
        assert row is not None
        start[e] = row
    swept = sweep(compiled, start, rng=random.Random(1), deadline=time.monotonic() + 5)
    assert check_curtois(instance, compiled.to_roster(swept)).feasible
    assert compiled.objective(swept) <= compiled.objective(start)
    cost = _CoverCost(compiled, start)
    for e in range(compiled.employees):
        cost.replace(e, start[e], swept[e])
    assert cost.total == compiled.objective(swept)
