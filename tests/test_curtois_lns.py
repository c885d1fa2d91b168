"""The Curtois LNS: parallel sub-problems, merging a stale improvement, adaptive choice of neighbourhood kinds.

Instances 1-3 and hand-made rosters only; no test asserts wall time.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from ressursbank.checker.curtois import check_curtois
from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.compile import OFF, compile_instance
from ressursbank.solver.curtois.construct import construct, roster_one
from ressursbank.solver.curtois.lns import _draw, _Kind, _kinds, _merge, improve
from ressursbank.solver.curtois.pattern import pattern_roster

DATA = Path(__file__).parent / "data" / "curtois"


@pytest.mark.parametrize(("workers", "parallel"), [(2, True), (1, True), (2, False)])
def test_lns_keeps_rosters_lawful_and_never_worse(workers: int, parallel: bool) -> None:
    """Sequential, parallel and multi-worker LNS return a lawful roster no worse than the start, stats agree."""
    instance = read_curtois(DATA / "Instance3.txt")
    compiled = compile_instance(instance)
    start = construct(compiled, deadline=time.monotonic() + 5, seed=0)
    assert start is not None
    better, stats = improve(
        compiled, start, deadline=time.monotonic() + 2.0, workers=workers, seed=1, parallel=parallel
    )
    report = check_curtois(instance, compiled.to_roster(better))
    assert report.feasible, report.verdict
    assert report.objective == stats.objective <= compiled.objective(start)
    assert stats.iterations >= 1


def test_lns_stops_at_once_at_a_reached_target() -> None:
    """A target at or above the start's objective ends the search before any sub-problem."""
    compiled = compile_instance(read_curtois(DATA / "Instance1.txt"))
    start = construct(compiled, deadline=time.monotonic() + 5, seed=0)
    assert start is not None
    value = compiled.objective(start)
    best, stats = improve(compiled, start, deadline=time.monotonic() + 30, workers=2, seed=0, target=value)
    assert stats.iterations == 0 and best == start


def test_merge_carries_free_cells_over_and_refuses_an_unlawful_row() -> None:
    """A stale candidate's free cells land on the new incumbent only when the changed employees stay lawful."""
    instance = read_curtois(DATA / "Instance1.txt")
    compiled = compile_instance(instance)
    start = construct(compiled, deadline=time.monotonic() + 5, seed=0)
    assert start is not None
    free: list[range | tuple[()]] = [()] * compiled.employees
    free[0] = range(compiled.days)
    # The candidate changes nothing: merging gives the incumbent back.
    assert _merge(compiled, start, [row[:] for row in start], free) == start
    # A candidate that works employee 0 every day breaks the maximum of consecutive shifts: refused.
    shift = next(s for s in range(compiled.shifts) if compiled.caps[0][s] > 0)
    unlawful = [row[:] for row in start]
    unlawful[0] = [shift if compiled.allowed[0][d] else OFF for d in range(compiled.days)]
    assert _merge(compiled, start, unlawful, free) is None
    # Cells outside the free set are never copied.
    other = [row[:] for row in start]
    other[1] = [OFF] * compiled.days
    assert _merge(compiled, start, other, free) == start


def test_draw_tries_every_kind_then_follows_the_gain_rate() -> None:
    """Untried kinds go first; afterwards a kind with all the gain is drawn most of the time."""
    compiled = compile_instance(read_curtois(DATA / "Instance2.txt"))
    kinds = _kinds(compiled)
    rng = random.Random(0)
    seen = []
    for kind in kinds:
        drawn = _draw(kinds, rng)
        seen.append(drawn.name)
        drawn.tries = 1
        assert drawn is kind
    assert len(set(seen)) == len(kinds)
    kinds[1].rate = 50.0
    draws = [_draw(kinds, rng).name for _ in range(400)]
    # each kind keeps an EXPLORATION share of the draws; the rest goes to the one with all the gain
    assert draws.count(kinds[1].name) > 2 * max(draws.count(kind.name) for kind in kinds if kind is not kinds[1])
    assert all(name in draws for name in seen)  # exploration keeps every kind alive


def test_kinds_start_small_and_stay_within_the_instance() -> None:
    """Every kind starts within its bounds: employees, days, or (scatter) a percentage of the cells."""
    compiled = compile_instance(read_curtois(DATA / "Instance1.txt"))
    for kind in _kinds(compiled):
        assert isinstance(kind, _Kind)
        top = 100 if kind.name == "scatter" else max(compiled.employees, compiled.days)
        assert 0 < kind.low <= kind.size <= kind.high <= top


def test_roster_one_starts_from_a_hinted_row_and_never_does_worse() -> None:
    """Given the pattern constructor's row as a hint, the single-employee model returns a row at most as costly."""
    instance = read_curtois(DATA / "Instance2.txt")
    compiled = compile_instance(instance)
    assignment = compiled.empty()
    rng = random.Random(0)
    for e in range(compiled.employees):
        row = pattern_roster(compiled, e, assignment, rng)
        assert row is not None
        hinted = [r[:] for r in assignment]
        hinted[e] = row
        result = roster_one(compiled, assignment, e, time_limit=2.0, seed=0, hint_row=row)
        assert result is not None
        assert compiled.objective(result) <= compiled.objective(hinted)
        assignment = result
    report = check_curtois(instance, compiled.to_roster(assignment))
    assert report.feasible, report.verdict


@pytest.mark.parametrize("exact", [True, False])
def test_construction_is_lawful_in_both_modes(exact: bool) -> None:
    """Pattern-hinted CP-SAT construction (exact) and pattern-first construction both give a lawful roster."""
    instance = read_curtois(DATA / "Instance3.txt")
    compiled = compile_instance(instance)
    roster = construct(compiled, deadline=time.monotonic() + 5, seed=0, exact=exact)
    assert roster is not None
    assert check_curtois(instance, compiled.to_roster(roster)).feasible


def test_respond_kind_improves_a_poor_roster_and_keeps_it_lawful(monkeypatch: pytest.MonkeyPatch) -> None:
    """The "respond" kind alone (best responses by the dynamic programme) lowers a pattern-built roster and
    every row it leaves stays lawful."""
    from ressursbank.solver.curtois import lns

    instance = read_curtois(DATA / "Instance3.txt")
    compiled = compile_instance(instance)
    assert "respond" in [kind.name for kind in _kinds(compiled)]
    start = compiled.empty()
    rng = random.Random(0)
    for e in range(compiled.employees):  # the pattern constructor's rows, without any improving sweep
        row = pattern_roster(compiled, e, start, rng, demand_days=True)
        assert row is not None
        start[e] = row
    only_respond = [kind for kind in _kinds(compiled) if kind.name == "respond"]
    monkeypatch.setattr(lns, "_kinds", lambda _compiled: only_respond)
    best, stats = improve(compiled, start, deadline=time.monotonic() + 2.0, workers=1, seed=0, sub_time_limit=0.5)
    report = check_curtois(instance, compiled.to_roster(best))
    assert report.feasible, report.verdict
    assert report.objective == compiled.objective(best) < compiled.objective(start)
    assert stats.improvements >= 1 and only_respond[0].wins >= 1
