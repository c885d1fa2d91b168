"""Re-planning with minimal disruption, candidates for one open shift, what-if comparisons and sweeps.

Re-planning (:func:`replan`) reads the scenario's newest plan (the *hint*), applies one event to the problem — a
new absence, a new or changed need, a declined offer, a unit reopening —, removes exactly the assignments the
event makes impossible (never a pinned one unless the person can no longer work it), and refills the freed and
new places with the cheapest lawful candidate (:mod:`ressursbank.solver.candidates`), up to a cap on changed
assignments. With ``use_engine`` the engine then improves the repaired plan (``solve`` with the repaired plan as
hint, confirmed assignments as pins, each change costed by ``ObjectiveWeights.change``); its plan is kept only if
it is better by the checker and within the cap. The diff says who, what and why; the new plan is stored with
:func:`ressursbank.db.repository.save_plan` in one transaction, the event in the run's parameters.

What-if (:func:`whatif`, :func:`sweep`): copy a scenario with :func:`dataclasses.replace`, change it, plan it, and
compare coverage, cost and people moved side by side. A sweep maps picklable :class:`WhatIfTask` values through a
:class:`Runner` — a local process pool by default; any object with the same ``map`` (for example one built on Ray)
can run it instead. See docs/whatif.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from ressursbank.checker.roster import check_plan
from ressursbank.db import repository
from ressursbank.domain import Plan, Problem, build_problem
from ressursbank.domain.needs import Need
from ressursbank.domain.organisation import Unit, UnitKind
from ressursbank.domain.people import Absence, AbsenceKind
from ressursbank.domain.plan import Assignment, Pin
from ressursbank.domain.problem import Organisation
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.domain.scenario import AbsenceWave, CloseUnits, Scenario, Surge
from ressursbank.explain import explain_assignment, trained_problem
from ressursbank.services import workflow
from ressursbank.services.planning import load_problem
from ressursbank.solve import SolveParams, solve
from ressursbank.solver.candidates import Candidate, CandidateFinder, find_need
from ressursbank.solver.training import TrainingOutcome, plan_training

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]
T = TypeVar("T")
R = TypeVar("R")


# --- events ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NewAbsence:
    """``employee_id`` cannot work from ``start`` to ``end`` (sick, quarantine, ...)."""

    employee_id: str
    start: dt.datetime
    end: dt.datetime
    kind: AbsenceKind = AbsenceKind.SICK


@dataclass(frozen=True, slots=True)
class NeedChange:
    """A new need, or a changed one (same id): more or fewer people, other times or qualifications."""

    need: Need


@dataclass(frozen=True, slots=True)
class DeclinedOffer:
    """``employee_id`` declined the offer of ``need_ids``: they leave those shifts and are not asked again."""

    employee_id: str
    need_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitReopening:
    """``unit_id`` opens again on ``day``: its people come home from their loans and its needs return."""

    unit_id: str
    day: dt.date


Event = NewAbsence | NeedChange | DeclinedOffer | UnitReopening


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event as JSON-friendly data (stored with the plan run)."""
    if isinstance(event, NewAbsence):
        return {
            "kind": "absence",
            "employee_id": event.employee_id,
            "start": event.start.isoformat(),
            "end": event.end.isoformat(),
            "absence": event.kind.value,
        }
    if isinstance(event, NeedChange):
        return {"kind": "need", "need_id": event.need.id, "count": event.need.count}
    if isinstance(event, DeclinedOffer):
        return {"kind": "declined", "employee_id": event.employee_id, "need_ids": list(event.need_ids)}
    return {"kind": "reopening", "unit_id": event.unit_id, "day": event.day.isoformat()}


# --- the diff -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Change:
    """One line of the diff: an assignment ``removed`` or ``added``, and why (bokmål and English)."""

    action: str
    employee_id: str
    need_id: str
    unit_id: str
    start: dt.datetime
    end: dt.datetime
    why_nb: str
    why_en: str

    def to_dict(self) -> dict[str, str]:
        return {
            "action": self.action,
            "employee_id": self.employee_id,
            "need_id": self.need_id,
            "unit_id": self.unit_id,
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
            "why_nb": self.why_nb,
            "why_en": self.why_en,
        }


@dataclass(frozen=True)
class Replanned:
    """The outcome of re-planning in memory (before it is stored)."""

    problem: Problem
    plan: Plan
    changes: tuple[Change, ...]
    changed_assignments: int
    minimum_changes: int
    unmet_before: int
    unmet_after: int
    method: str
    runtime_s: float


@dataclass(frozen=True)
class ReplanResult:
    """A stored re-plan: the new plan's id, the previous one's, and the diff with its figures."""

    plan_id: str
    previous_plan_id: str | None
    scenario_id: str
    changes: tuple[Change, ...]
    changed_assignments: int
    minimum_changes: int
    unmet_before: int
    unmet_after: int
    method: str
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "previous_plan_id": self.previous_plan_id,
            "scenario_id": self.scenario_id,
            "changed_assignments": self.changed_assignments,
            "minimum_changes": self.minimum_changes,
            "unmet_before": self.unmet_before,
            "unmet_after": self.unmet_after,
            "method": self.method,
            "runtime_s": round(self.runtime_s, 3),
            "changes": [c.to_dict() for c in self.changes],
        }


def changed_assignments(before: Plan, after: Plan) -> int:
    """Places whose occupant changed: per need, the larger of assignments removed and added, summed."""
    old = {a.key for a in before.assignments}
    new = {a.key for a in after.assignments}
    removed: dict[str, int] = defaultdict(int)
    added: dict[str, int] = defaultdict(int)
    for _, need_id in old - new:
        removed[need_id] += 1
    for _, need_id in new - old:
        added[need_id] += 1
    return sum(max(removed[n], added[n]) for n in set(removed) | set(added))


# --- applying an event ------------------------------------------------------------------------------------------------
def _with_absence(problem: Problem, event: NewAbsence) -> Problem:
    employees = tuple(
        replace(e, absences=(*e.absences, Absence(event.start, event.end, event.kind)))
        if e.id == event.employee_id
        else e
        for e in problem.organisation.employees
    )
    return replace(problem, organisation=replace(problem.organisation, employees=employees))


def reopened_scenario(scenario: Scenario, unit: Unit, day: dt.date) -> Scenario:
    """``scenario`` with ``unit`` open from ``day``: each closing event that covers it keeps it open, and a
    closing of that unit alone until the day before takes its place."""
    events: list[Any] = []
    for e in scenario.events:
        selects = isinstance(e, CloseUnits) and (
            unit.id in e.unit_ids or (unit.kind in e.kinds and (not e.area_ids or unit.area_id in e.area_ids))
        )
        if isinstance(e, CloseUnits) and selects and e.end >= day and unit.id not in e.keep_open:
            events.append(replace(e, keep_open=(*e.keep_open, unit.id)))
            if e.start < day:
                events.append(CloseUnits(start=e.start, end=day - dt.timedelta(days=1), unit_ids=(unit.id,)))
        else:
            events.append(e)
    return replace(scenario, events=tuple(events))


def _reopened_problem(
    problem: Problem, organisation: Organisation, scenario: Scenario, event: UnitReopening
) -> Problem:
    rebuilt = build_problem(
        organisation,
        reopened_scenario(scenario, problem.unit_by_id[event.unit_id], event.day),
        start=problem.horizon_start,
        days=problem.horizon_days,
    )
    # Keep this problem's people (absences added by earlier events) and its imported needs.
    needs = {n.id: n for n in problem.needs}
    needs.update({n.id: n for n in rebuilt.needs if n.unit_id == event.unit_id})
    units = tuple(rebuilt.unit_by_id[u.id] if u.id == event.unit_id else u for u in problem.units)
    return replace(
        problem,
        organisation=replace(problem.organisation, units=units),
        needs=tuple(needs.values()),
    )


def apply_event(
    problem: Problem,
    plan: Plan,
    event: Event,
    *,
    organisation: Organisation | None = None,
    scenario: Scenario | None = None,
) -> tuple[Problem, dict[tuple[str, str], tuple[str, str]], set[tuple[str, str]], list[str]]:
    """The problem after ``event``, the assignments it forces out (with why), pairs never to propose again, and
    the needs to fill first.

    ``organisation`` and ``scenario`` (the stored ones) are needed for a unit reopening only.
    """
    removals: dict[tuple[str, str], tuple[str, str]] = {}
    forbidden: set[tuple[str, str]] = set()
    focus: list[str] = []
    if isinstance(event, NewAbsence):
        problem = _with_absence(problem, event)
        when = f"{event.start:%d.%m %H:%M}-{event.end:%d.%m %H:%M}"
        for a in plan.assignments:
            if a.employee_id == event.employee_id and a.start < event.end and event.start < a.end:
                removals[a.key] = (f"fravær {when}", f"absent {when}")
                focus.append(a.need_id)
    elif isinstance(event, DeclinedOffer):
        for need_id in event.need_ids:
            forbidden.add((event.employee_id, need_id))
            removals[(event.employee_id, need_id)] = ("takket nei til tilbudet", "declined the offer")
            focus.append(need_id)
    elif isinstance(event, NeedChange):
        new = event.need
        old = problem.need_by_id.get(new.id)
        problem = replace(problem, needs=(*[n for n in problem.needs if n.id != new.id], new))
        focus.append(new.id)
        if old is not None:
            kept = [a for a in plan.assignments if a.need_id == new.id]
            moved = (old.unit_id, old.start, old.end) != (new.unit_id, new.start, new.end)
            employees = problem.employee_by_id
            for a in kept:
                if moved or problem.qualification_for(employees[a.employee_id], new) is None:
                    removals[a.key] = ("behovet er endret", "the need changed")
            still = [a for a in kept if a.key not in removals]
            # fewer people needed: those furthest from home leave first
            still.sort(key=lambda a: -problem.distance_km(employees[a.employee_id].home_unit_id, a.unit_id))
            for a in still[: max(0, len(still) - new.count)]:
                removals[a.key] = ("behovet er redusert", "fewer people needed")
    elif isinstance(event, UnitReopening):
        if organisation is None or scenario is None:
            raise ValueError("a unit reopening needs the stored organisation and scenario")
        problem = _reopened_problem(problem, organisation, scenario, event)
        first = dt.datetime.combine(event.day, dt.time())
        for a in plan.assignments:
            home = problem.home_unit_of.get(a.employee_id)
            if home == event.unit_id and a.unit_id != home and a.start >= first:
                removals[a.key] = ("egen enhet åpner igjen: tilbake", "home unit reopens: back home")
                focus.append(a.need_id)
        focus[:0] = [n.id for n in problem.needs if n.unit_id == event.unit_id and n.start >= first]
    return problem, removals, forbidden, focus


def _unmet(problem: Problem, plan: Plan) -> int:
    counts: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        counts[a.need_id] += 1
    return sum(max(0, n.count - counts.get(n.id, 0)) for n in problem.needs)


def replan_plan(
    problem: Problem,
    plan: Plan,
    event: Event,
    *,
    pins: Iterable[Pin] = (),
    max_changes: int | None = None,
    weights: ObjectiveWeights | None = None,
    organisation: Organisation | None = None,
    scenario: Scenario | None = None,
    use_engine: bool = False,
    params: SolveParams | None = None,
) -> Replanned:
    """Re-plan ``plan`` after ``event`` with as few changes as possible (see the module docstring); no database.

    Parameters
    ----------
    problem, plan
        The current problem and plan.
    event
        What happened.
    pins
        Confirmed assignments: kept unless the event makes them impossible for the person.
    max_changes
        Cap on changed assignments (places whose occupant changes); forced removals always count and happen.
    weights
        Objective weights for ranking replacements.
    organisation, scenario
        The stored organisation and scenario (for a unit reopening).
    use_engine
        Let the engine improve the repaired plan (kept only if better and within the cap).
    params
        Engine parameters when ``use_engine``.
    """
    started = time.perf_counter()
    w = weights or (params.weights if params else ObjectiveWeights())
    pin_list = list(pins)
    derived, removals, forbidden, focus = apply_event(
        problem, plan, event, organisation=organisation, scenario=scenario
    )
    # A pin stays unless the person can no longer work it (absent, declined, need changed).
    pin_list = [p for p in pin_list if (p.employee_id, p.need_id) not in removals]
    needs = derived.need_by_id
    kept = [a for a in plan.assignments if a.key not in removals and a.need_id in needs]
    repaired = Plan(tuple(kept), plan.trainings)  # the index needs no order; sorting 60 000 rows costs
    minimum = len(removals)
    finder = CandidateFinder(derived, repaired, weights=w, pins=pin_list)
    changes = [
        Change("removed", a.employee_id, a.need_id, a.unit_id, a.start, a.end, *removals[a.key])
        for a in plan.assignments
        if a.key in removals
    ]
    freed_by: dict[str, list[str]] = defaultdict(list)
    for e, n in removals:
        freed_by[n].append(e)
    budget = None if max_changes is None else max(0, max_changes - minimum)
    # People of a reopened unit work at home from the reopening day: never refill other units with them.
    returners: frozenset[str] = frozenset()
    back_from = dt.datetime.max
    if isinstance(event, UnitReopening):
        returners = frozenset(e.id for e in derived.employees if e.home_unit_id == event.unit_id)
        back_from = dt.datetime.combine(event.day, dt.time())

    def stays_home(a: Assignment) -> bool:
        return a.employee_id in returners and a.unit_id != derived.home_unit_of[a.employee_id] and a.start >= back_from

    added: list[Assignment] = []
    seen: set[str] = set()
    for need_id in focus:
        if need_id in seen or need_id not in needs:
            continue
        seen.add(need_id)
        need = needs[need_id]
        refills = len(freed_by.get(need_id, ()))
        while finder.index.missing(need) > 0:
            # refilling a freed place does not add a change (the place changed already); a new place does
            if refills == 0 and budget is not None and budget <= 0:
                break
            exclude = [e for e, n in forbidden if n == need_id]
            if returners and need.start >= back_from:
                exclude.extend(e for e in returners if derived.home_unit_of[e] != need.unit_id)
            found = finder.find(need, limit=1, displace=False, exclude=exclude)
            if not found or found[0].objective_delta >= 0:
                break
            best = found[0]
            finder.assign(best.employee_id, need)
            used = derived.qualification_for(derived.employee_by_id[best.employee_id], need) or ""
            added.append(Assignment(best.employee_id, need.id, need.unit_id, need.start, need.end, used))
            instead = freed_by.get(need_id, [])
            nb, en = best.reason.text("nb"), best.reason.text("en")
            if refills > 0:
                refills -= 1
                who = instead[refills] if refills < len(instead) else instead[0]
                nb, en = f"erstatter {who}: {nb}", f"replaces {who}: {en}"
            elif budget is not None:
                budget -= 1
            changes.append(Change("added", best.employee_id, need.id, need.unit_id, need.start, need.end, nb, en))
    new_plan = Plan.of([*kept, *added], plan.trainings)
    method = "local"
    if use_engine:
        engine_params = params or SolveParams.preset("fast", processes=1)
        result = solve(derived, engine_params, hint=new_plan, pins=pin_list)
        candidate = Plan.of(
            (a for a in result.plan.assignments if a.key not in forbidden and not stays_home(a)), result.plan.trainings
        )
        within = max_changes is None or changed_assignments(plan, candidate) <= max_changes
        better = (
            check_plan(derived, candidate, weights=w).objective < check_plan(derived, new_plan, weights=w).objective
        )
        if within and better and result.hard_violations == 0:
            method = "engine"
            changes = _diff(derived, plan, candidate, removals)
            new_plan = candidate
    return Replanned(
        problem=derived,
        plan=new_plan,
        changes=tuple(changes),
        changed_assignments=changed_assignments(plan, new_plan),
        minimum_changes=minimum,
        unmet_before=_unmet(problem, plan),
        unmet_after=_unmet(derived, new_plan),
        method=method,
        runtime_s=time.perf_counter() - started,
    )


def _diff(problem: Problem, before: Plan, after: Plan, why: dict[tuple[str, str], tuple[str, str]]) -> list[Change]:
    old = {a.key: a for a in before.assignments}
    new = {a.key: a for a in after.assignments}
    out = []
    for key in sorted(old.keys() - new.keys()):
        a = old[key]
        nb, en = why.get(key, ("bedre plan fra optimeringen", "a better plan from the optimizer"))
        out.append(Change("removed", a.employee_id, a.need_id, a.unit_id, a.start, a.end, nb, en))
    for key in sorted(new.keys() - old.keys()):
        a = new[key]
        reason = explain_assignment(problem, a)
        out.append(
            Change("added", a.employee_id, a.need_id, a.unit_id, a.start, a.end, reason.text("nb"), reason.text("en"))
        )
    return out


def plan_with_training(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    hint: Plan | None = None,
    pins: Sequence[Pin] = (),
    resolve: bool = False,
) -> TrainingOutcome:
    """Solve, then teach courses where that beats an unmet need (``solver.training``); optionally solve again on
    the trained problem with the trained plan as hint (its courses are kept).

    Returns
    -------
    TrainingOutcome
        The trained problem (what the checker must read), the plan with ``Plan.trainings``, the decisions.
    """
    chosen = params or SolveParams.preset("fast", processes=1)
    result = solve(problem, chosen, hint=hint, pins=pins)
    outcome = plan_training(problem, result.plan, weights=chosen.weights, pins=pins)
    if resolve and outcome.decisions:
        again = solve(outcome.problem, chosen, hint=outcome.plan, pins=pins)
        better = (
            check_plan(outcome.problem, again.plan, weights=chosen.weights).objective
            < check_plan(outcome.problem, outcome.plan, weights=chosen.weights).objective
        )
        if better:
            outcome = replace(outcome, plan=Plan.of(again.plan.assignments, outcome.plan.trainings))
    return outcome


# --- the database face --------------------------------------------------------------------------------------------
def _load(session: Session, scenario_id: str, weeks: int) -> tuple[Problem, Organisation, Scenario]:
    """The stored scenario's problem (as ``services.planning.load_problem`` builds it) plus the absences that
    earlier re-plans recorded, the organisation and the scenario."""
    problem = load_problem(session, scenario_id=scenario_id, weeks=weeks)
    for run in reversed(repository.list_plans(session=session, scenario_id=scenario_id)):
        recorded = run.params.get("event") if isinstance(run.params, dict) else None
        if isinstance(recorded, dict) and recorded.get("kind") == "absence":
            event = NewAbsence(
                str(recorded["employee_id"]),
                dt.datetime.fromisoformat(str(recorded["start"])),
                dt.datetime.fromisoformat(str(recorded["end"])),
                AbsenceKind(str(recorded.get("absence", "sick"))),
            )
            if event.employee_id in problem.employee_by_id:
                problem = _with_absence(problem, event)
    organisation = repository.load_organisation(session=session)
    scenario = repository.load_scenario(session=session, scenario_id=scenario_id)
    return problem, organisation, scenario


def _pins(session: Session, problem: Problem) -> tuple[Pin, ...]:
    """Accepted and active offers' shifts (the workflow's confirmed assignments), when the workflow is installed."""
    pins = workflow.accepted_pins(session)
    return tuple(p for p in pins if p.need_id in problem.need_by_id and p.employee_id in problem.employee_by_id)


def replan(
    session_factory: SessionFactory,
    *,
    scenario_id: str,
    event: Event,
    weeks: int = 4,
    max_changes: int | None = None,
    use_engine: bool = False,
    time_limit: float = 10.0,
    pins: Sequence[Pin] | None = None,
) -> ReplanResult:
    """Re-plan the newest plan of ``scenario_id`` after ``event`` and store the new plan in one transaction.

    Parameters
    ----------
    session_factory
        Opens database sessions.
    scenario_id
        The scenario whose newest plan is the current plan.
    event
        What happened (:class:`NewAbsence`, :class:`NeedChange`, :class:`DeclinedOffer`, :class:`UnitReopening`).
    weeks
        The horizon the plan was made for.
    max_changes
        Cap on changed assignments (places whose occupant changes).
    use_engine
        Let the engine improve the repaired plan within ``time_limit`` seconds.
    pins
        Confirmed assignments; by default the accepted and active offers' shifts.

    Raises
    ------
    LookupError
        When the scenario has no plan to re-plan.
    """
    with session_factory() as session:
        problem, organisation, scenario = _load(session, scenario_id, weeks)
        latest = repository.latest_plan(session=session, scenario_id=scenario_id)
        if latest is None:
            raise LookupError(f"scenario {scenario_id!r} has no plan yet / scenariet har ingen plan ennå")
        confirmed = tuple(pins) if pins is not None else _pins(session, problem)
    # courses in the plan: their days are absences and their skills are held afterwards
    problem = trained_problem(problem, latest.plan.trainings)
    outcome = replan_plan(
        problem,
        latest.plan,
        event,
        pins=confirmed,
        max_changes=max_changes,
        organisation=organisation,
        scenario=scenario,
        use_engine=use_engine,
        params=SolveParams.preset("fast", time_limit_s=time_limit, processes=1),
    )
    report = check_plan(outcome.problem, outcome.plan)
    recorded = event_to_dict(event)
    with session_factory() as session, session.begin():
        if isinstance(event, NeedChange):
            repository.save_needs(session=session, needs=[event.need])
        if isinstance(event, UnitReopening):
            repository.save_scenario(
                session=session,
                scenario=reopened_scenario(scenario, outcome.problem.unit_by_id[event.unit_id], event.day),
            )
        run = repository.save_plan(
            session=session,
            scenario_id=scenario_id,
            plan=outcome.plan,
            status="feasible" if report.is_lawful else "infeasible",
            objective=float(report.objective),
            params={
                "replan": True,
                "event": recorded,
                "hint": latest.run.id,
                "max_changes": max_changes,
                "method": outcome.method,
                "weeks": weeks,
            },
            statistics={
                "changed_assignments": outcome.changed_assignments,
                "minimum_changes": outcome.minimum_changes,
                "unmet_before": outcome.unmet_before,
                "unmet_after": outcome.unmet_after,
                "covered": report.covered,
                "demand": report.demand,
                "covered_critical": report.covered_critical,
                "demand_critical": report.demand_critical,
                "people_moved": report.people_moved,
                "overtime_minutes": report.overtime_minutes,
                "hard_violations": len(report.hard_violations),
                "runtime_s": round(outcome.runtime_s, 3),
            },
        )
    return ReplanResult(
        plan_id=run.id,
        previous_plan_id=latest.run.id,
        scenario_id=scenario_id,
        changes=outcome.changes,
        changed_assignments=outcome.changed_assignments,
        minimum_changes=outcome.minimum_changes,
        unmet_before=outcome.unmet_before,
        unmet_after=outcome.unmet_after,
        method=outcome.method,
        runtime_s=outcome.runtime_s,
    )


def candidates(
    session: Session,
    *,
    scenario_id: str,
    unit_id: str,
    start: dt.datetime,
    end: dt.datetime,
    qualification: str = "",
    weeks: int = 4,
    limit: int = 20,
) -> tuple[Need, list[Candidate]]:
    """Ranked lawful candidates for the shift at ``unit_id`` from ``start`` to ``end`` in the newest plan.

    Raises
    ------
    LookupError
        When no need matches the shift or the scenario has no plan.
    """
    problem, _, _ = _load(session, scenario_id, weeks)
    latest = repository.latest_plan(session=session, scenario_id=scenario_id)
    if latest is None:
        raise LookupError(f"scenario {scenario_id!r} has no plan yet / scenariet har ingen plan ennå")
    problem = trained_problem(problem, latest.plan.trainings)
    need = find_need(problem, unit_id, start, end, qualification)
    finder = CandidateFinder(problem, latest.plan, pins=_pins(session, problem))
    return need, finder.find(need, limit=limit)


# --- what-if --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WhatIfTask:
    """One variant to plan: picklable, self-contained (organisation, scenario, horizon, solve parameters)."""

    name: str
    organisation: Organisation
    scenario: Scenario
    weeks: int = 4
    params: SolveParams = field(default_factory=lambda: SolveParams.preset("fast", processes=1))


@dataclass(frozen=True)
class WhatIfOutcome:
    """The figures of one planned variant, for a side-by-side comparison."""

    name: str
    coverage: float
    critical_coverage: float
    unmet: int
    unmet_critical: int
    cost_nok: float
    people_moved: int
    overtime_hours: float
    objective: int
    hard_violations: int
    runtime_s: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_variant(task: WhatIfTask) -> WhatIfOutcome:
    """Plan one variant and measure it with the independent checker (top-level: runs in worker processes)."""
    started = time.perf_counter()
    problem = build_problem(task.organisation, task.scenario, days=7 * task.weeks)
    result = solve(problem, task.params)
    report = check_plan(problem, result.plan, weights=task.params.weights)
    cost_per_ore = task.params.weights.cost_per_ore or 1
    return WhatIfOutcome(
        name=task.name,
        coverage=round(report.covered / report.demand, 4) if report.demand else 1.0,
        critical_coverage=round(report.covered_critical / report.demand_critical, 4) if report.demand_critical else 1.0,
        unmet=sum(u.missing for u in report.unmet),
        unmet_critical=sum(u.missing for u in report.unmet if u.critical),
        cost_nok=round(report.terms["cost"] / cost_per_ore / 100, 2),
        people_moved=report.people_moved,
        overtime_hours=round(report.overtime_minutes / 60, 1),
        objective=report.objective,
        hard_violations=len(report.hard_violations),
        runtime_s=round(time.perf_counter() - started, 2),
    )


class Runner(Protocol):
    """Runs one function over many picklable tasks and returns the results in order.

    A local process pool is the default (:class:`LocalProcessPoolRunner`); a distributed engine fits the same
    shape, e.g. with Ray: ``ray.get([ray.remote(fn).remote(t) for t in tasks])``.
    """

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]: ...


class SerialRunner:
    """Runs the tasks one after another in this process (tests, debugging)."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        return [fn(t) for t in tasks]


@dataclass(frozen=True)
class LocalProcessPoolRunner:
    """Runs the tasks in ``processes`` worker processes (started with ``spawn``: safe with OR-Tools' threads)."""

    processes: int = 2
    start_method: str = "spawn"

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        if not tasks:
            return []
        context = multiprocessing.get_context(self.start_method)
        with ProcessPoolExecutor(max_workers=min(self.processes, len(tasks)), mp_context=context) as pool:
            return list(pool.map(fn, tasks))


def sweep(variants: Sequence[WhatIfTask], *, runner: Runner | None = None) -> list[WhatIfOutcome]:
    """Plan every variant (in parallel with the default :class:`LocalProcessPoolRunner`) and return their figures."""
    return (runner or LocalProcessPoolRunner()).map(run_variant, list(variants))


@dataclass(frozen=True)
class WhatIfComparison:
    """The base scenario and its variants, side by side."""

    base: WhatIfOutcome
    variants: tuple[WhatIfOutcome, ...]

    def rows(self) -> list[WhatIfOutcome]:
        return [self.base, *self.variants]

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base.to_dict(), "variants": [v.to_dict() for v in self.variants]}


def whatif(
    session: Session,
    *,
    scenario_id: str,
    changes: Sequence[tuple[str, Callable[[Scenario], Scenario]]],
    weeks: int = 4,
    params: SolveParams | None = None,
    runner: Runner | None = None,
) -> WhatIfComparison:
    """Plan the stored scenario and each changed copy of it, and compare them.

    Parameters
    ----------
    session
        A database session (read only).
    scenario_id
        The stored scenario.
    changes
        ``(name, change)`` pairs; ``change`` returns a changed copy (``dataclasses.replace``) of the scenario.
    weeks
        Horizon.
    params
        Solve parameters of every variant (``fast`` on one process by default).
    runner
        Where the variants run (a local process pool by default).
    """
    organisation = repository.load_organisation(session=session)
    scenario = repository.load_scenario(session=session, scenario_id=scenario_id)
    chosen = params or SolveParams.preset("fast", processes=1)
    tasks = [WhatIfTask(scenario_id, organisation, scenario, weeks, chosen)]
    tasks += [WhatIfTask(name, organisation, change(scenario), weeks, chosen) for name, change in changes]
    outcomes = sweep(tasks, runner=runner)
    return WhatIfComparison(outcomes[0], tuple(outcomes[1:]))


# --- ready-made scenario changes for what-if ------------------------------------------------------------------------
def with_absence_rate(scenario: Scenario, rate_pct: int) -> Scenario:
    """A copy of ``scenario`` whose absence waves hit ``rate_pct`` % of the staff (0: no waves)."""
    events = tuple(
        replace(e, rate_pct=rate_pct) if isinstance(e, AbsenceWave) else e
        for e in scenario.events
        if rate_pct > 0 or not isinstance(e, AbsenceWave)
    )
    return replace(scenario, events=events)


def with_surge(scenario: Scenario, factor_pct: int) -> Scenario:
    """A copy of ``scenario`` whose surges scale needs by ``factor_pct`` % (100 or less: no surges)."""
    events = tuple(
        replace(e, factor_pct=factor_pct) if isinstance(e, Surge) else e
        for e in scenario.events
        if factor_pct > 100 or not isinstance(e, Surge)
    )
    return replace(scenario, events=events)


def with_open_kinds(scenario: Scenario, kinds: Iterable[str]) -> Scenario:
    """A copy of ``scenario`` where closings no longer close units of ``kinds`` (e.g. keep kindergartens open)."""
    keep = {UnitKind(k) for k in kinds}
    events: list[Any] = []
    for e in scenario.events:
        if isinstance(e, CloseUnits) and e.kinds:
            remaining = tuple(k for k in e.kinds if k not in keep)
            if not remaining and not e.unit_ids:
                continue
            e = replace(e, kinds=remaining)
        events.append(e)
    return replace(scenario, events=tuple(events))
