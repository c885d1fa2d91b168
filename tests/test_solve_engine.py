"""The solve door: never raises, deterministic on one process, objective equal to the checker's, plans lawful."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ressursbank.checker import check_plan
from ressursbank.domain.problem import Problem
from ressursbank.result import SolveStatus
from ressursbank.solve import SolveParams, solve
from tests.helpers_engine import employee, need, problem, run


def test_infeasible_needs_do_not_raise() -> None:
    """Nobody qualified: solve returns a plan with the need unmet and a lawful status, never an exception."""
    p = problem([employee("a", codes=("pa.helse",))], [need("n")])
    result = run(p, seconds=0.3)
    assert result.plan.assignments == ()
    assert result.terms["unmet_critical"] > 0
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def test_deterministic_with_one_process() -> None:
    """The same seed on one process gives the same plan."""
    people = [employee(f"e{i}", position_pct=50 + 10 * (i % 5)) for i in range(6)]
    needs = [need(f"n{d}{s}", d, s, count=2) for d in range(4) for s in ("day", "evening", "night")]
    p = problem(people, needs)
    params = SolveParams.preset("fast", time_limit_s=0.5, processes=1, construction_only=True)
    assert solve(p, params).plan == solve(p, params).plan


def test_deterministic_search_with_a_part_limit(tiny_covid: Problem) -> None:
    """One process, a seed and a part limit: the large-neighbourhood search gives the same plan twice."""
    params = SolveParams.preset("fast", time_limit_s=60.0, processes=1, max_parts=2, sub_time_limit_s=0.2)
    first, second = solve(tiny_covid, params), solve(tiny_covid, params)
    assert first.statistics["lns_parts"] == 2
    assert first.plan == second.plan


def test_tiny_demo_objective_equals_checker(tiny_covid: Problem) -> None:
    """On the tiny demo municipality the engine's objective equals the checker's, term by term, with no hard
    violation and a bound not above the objective."""
    result = solve(tiny_covid, SolveParams.preset("fast", time_limit_s=3.0, processes=1))
    report = check_plan(tiny_covid, result.plan)
    assert report.terms == result.terms
    assert not report.hard_violations
    assert 0 <= result.bound <= result.objective


def test_two_processes_stay_lawful(tiny_covid: Problem) -> None:
    """With two worker processes (bound and parts in parallel) the plan is lawful and its objective the checker's."""
    result = solve(tiny_covid, SolveParams.preset("fast", time_limit_s=4.0, processes=2))
    report = check_plan(tiny_covid, result.plan)
    assert not report.hard_violations
    assert report.objective == result.objective
    assert result.bound <= result.objective


def test_progress_is_reported() -> None:
    """The progress callback sees the phases with objective, bound, gap and fraction."""
    seen: list[tuple[str, float]] = []
    p = problem([employee("a")], [need("n")])
    solve(
        p,
        SolveParams.preset("fast", time_limit_s=0.3, processes=1),
        progress=lambda ph, o, b, g, f: seen.append((ph, f)),
    )
    assert seen[0][0] == "compile" and seen[-1] == ("done", 1.0)


def test_presets_load() -> None:
    """The three presets are TOML files with known settings."""
    assert SolveParams.preset("thorough").time_limit_s > SolveParams.preset("fast").time_limit_s


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    positions=st.lists(st.sampled_from([20, 50, 80, 100]), min_size=1, max_size=5),
    shifts=st.lists(
        st.tuples(st.integers(0, 6), st.sampled_from(["day", "evening", "night"]), st.integers(1, 3), st.booleans()),
        min_size=1,
        max_size=10,
        unique_by=lambda t: (t[0], t[1]),
    ),
)
def test_every_plan_passes_the_checker(positions: list[int], shifts: list[tuple[int, str, int, bool]]) -> None:
    """Every plan solve() returns has no hard violation, only qualified and restriction-safe assignments, and
    the engine's objective equals the checker's."""
    people = [employee(f"e{i}", position_pct=p, wants_more_hours=i % 2 == 0) for i, p in enumerate(positions)]
    needs = [need(f"n{d}{s}", d, s, count=c, critical=k, unit="home" if d % 2 else "host") for d, s, c, k in shifts]
    p = problem(people, needs)
    result = run(p, seconds=0.3)
    report = check_plan(p, result.plan)
    assert not report.hard_violations
    assert report.objective == result.objective
    for a in result.plan.assignments:
        e, n = p.employee_by_id[a.employee_id], p.need_by_id[a.need_id]
        assert p.qualification_for(e, n) is not None and p.restriction_blocks(e, n) is None


def test_pins_are_kept_and_hint_changes_counted() -> None:
    """A pinned assignment stays even when someone else is cheaper; re-solving with the plan as hint changes
    nothing, and the checker counts the same changes as the engine."""
    from ressursbank.domain.plan import Pin

    cheap, dear = employee("cheap", wage=250), employee("dear", wage=400)
    p = problem([cheap, dear], [need("n0", 0), need("n1", 1)])
    params = SolveParams.preset("fast", time_limit_s=0.5, processes=1)
    first = solve(p, params, pins=[Pin("dear", "n0")])
    assert ("dear", "n0") in {a.key for a in first.plan.assignments}
    again = solve(p, params, hint=first.plan, pins=[Pin("dear", "n0")])
    assert again.terms["changes"] == 0
    assert check_plan(p, again.plan, hint=first.plan).terms == again.terms


def test_released_person_with_spare_hours_beats_overtime() -> None:
    """A unit whose own nurse would go into overtime gets the last shift from a nearby released nurse instead."""
    own = employee("own")
    released = employee("released", home="host")  # the corona clinic has no needs: its nurse is free
    p = problem([own, released], [need(f"d{day}", day) for day in range(5)])
    for overrides in ({"construction_only": True}, {}):
        result = run(p, **overrides)
        report = check_plan(p, result.plan)
        assert not report.hard_violations
        assert report.covered == 5
        assert report.overtime_minutes == 0
        assert "released" in {a.employee_id for a in result.plan.assignments}
        assert report.objective == result.objective
