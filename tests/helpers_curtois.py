"""Shared by the Curtois solver tests: the shipped instances 1-3 (copies in tests/data/curtois) and their optima."""

from __future__ import annotations

import random
from pathlib import Path

from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.colgen import Fixing
from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled, compile_instance
from ressursbank.solver.curtois.pattern import pattern_roster

DATA = Path(__file__).parent / "data" / "curtois"
#: Proven optima of the shipped instances (schedulingbenchmarks.org).
OPTIMUM = {1: 607, 2: 828, 3: 1001}


def compiled_instance(number: int) -> Compiled:
    """The compiled shipped instance ``number`` (1-3)."""
    return compile_instance(read_curtois(DATA / f"Instance{number}.txt"))


def pattern_start(compiled: Compiled, rng: random.Random) -> Assignment:
    """A lawful but poor roster: the pattern constructor's row for each employee in turn."""
    roster = compiled.empty()
    for e in range(compiled.employees):
        row = pattern_roster(compiled, e, roster, rng, demand_days=True)
        assert row is not None
        roster[e] = row
    return roster


#: (id, minutes, forbidden successors): E, D and M share a class (nothing forbidden after them).
SHIFTS = [("E", 480, ""), ("D", 600, ""), ("M", 360, ""), ("L", 480, "E|D|M"), ("N", 720, "E|D|M|L")]


def made_up_instance_text(rng: random.Random, days: int, staff: int) -> str:
    """A random instance in the Curtois format over :data:`SHIFTS` (caps, minutes, runs, requests, cover)."""
    lines = ["SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    lines += [f"{sid},{minutes},{forbidden}" for sid, minutes, forbidden in SHIFTS]
    lines += ["", "SECTION_STAFF"]
    for e in range(staff):
        caps = "|".join(f"{sid}={rng.choice([0, 2, 4, days])}" for sid, _, _ in SHIFTS)
        maximum = rng.choice([3000, 4800, 7200])
        minimum = rng.choice([0, maximum // 3, maximum * 2 // 3])
        longest = rng.randint(3, 6)
        shortest = rng.randint(1, min(3, longest))
        lines.append(
            f"P{e},{caps},{maximum},{minimum},{longest},{shortest},{rng.randint(1, 3)},{rng.randint(0, days // 7)}"
        )
    lines += ["", "SECTION_DAYS_OFF"]
    lines += [f"P{e},{rng.randrange(days)}" for e in range(staff) if rng.random() < 0.5]
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    for e in range(staff):
        for d in rng.sample(range(days), 3):
            lines.append(f"P{e},{d},{rng.choice(SHIFTS)[0]},{rng.randint(1, 3)}")
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    for e in range(staff):
        for d in rng.sample(range(days), 3):
            lines.append(f"P{e},{d},{rng.choice(SHIFTS)[0]},{rng.randint(1, 3)}")
    lines += ["", "SECTION_COVER"]
    for d in range(days):
        for sid, _, _ in SHIFTS:
            lines.append(f"{d},{sid},{rng.randint(0, 3)},100,1")
    return "\n".join(lines) + "\n"


def reduced_cost(compiled: Compiled, e: int, duals: list[list[float]], row: tuple[int, ...]) -> float:
    """The row's request cost less the duals of its cells: what the pricers minimise."""
    return sum(compiled.request_cost[e][d].get(s, 0) - duals[d][s] for d, s in enumerate(row) if s != OFF)


def random_duals_and_fixings(
    rng: random.Random, compiled: Compiled, *, with_fixings: bool
) -> tuple[list[list[float]], list[Fixing]]:
    """Duals that favour some shift types strongly (so caps and minutes bind) and, optionally, 3 random fixings."""
    duals = [[rng.uniform(-20, 60) * rng.random() for _ in SHIFTS] for _ in range(compiled.days)]
    fixings: list[Fixing] = []
    if with_fixings:
        for d in rng.sample(range(compiled.days), 3):
            fixings.append((d, rng.choice([OFF, *range(compiled.shifts)]), rng.random() < 0.5))
    return duals, fixings
