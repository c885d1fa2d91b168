"""Candidates for one open shift: the people who can lawfully take it now, ranked, with reason, cost and what moves.

Lawful by construction: each person is tested with :func:`ressursbank.explain.blocking_rule` (the checker's rules
applied to their current roster plus this shift), and the ranking is the change of the plan's objective computed
per person with the checker's own pricing helpers, so "cheapest" means what the objective means. A person whose
only obstacle is one other shift (same time, too little rest, too many hours that day) is offered too, with that
shift as what it would *displace* — never a pinned one, and never one whose loss would make someone else's loan
break "own critical service first".

Built once per plan (:class:`CandidateFinder`): rosters per employee, people per qualification code, distances per
unit pair; one query then looks at the qualified people only.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ressursbank.checker.roster import (
    contract_minutes,
    full_time_minutes,
    need_is_night,
    need_is_unsocial,
    overtime_ore_per_minute,
    shift_wage_ore,
    supplements_ore,
    travel_km,
    week_count,
    week_days,
)
from ressursbank.domain.needs import Need
from ressursbank.domain.organisation import Criticality
from ressursbank.domain.people import Employee
from ressursbank.domain.plan import Assignment, Pin, Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.qualifications import TrainableSkill
from ressursbank.domain.rules import ObjectiveWeights, PositionNorm, SundayAlternation
from ressursbank.explain import AssignmentExplanation, RosterIndex, blocking_rule, explain_assignment

__all__ = ["Candidate", "CandidateFinder", "employee_terms", "find_need"]

#: Obstacles that disappear when the person gives up one conflicting shift.
_DISPLACEABLE = frozenset({"one-shift", "daily-rest", "max-day", "max-week", "weekly-rest", "overtime"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person who can lawfully take the shift.

    Attributes
    ----------
    employee_id, name
        Who.
    need_id
        The need the shift fills.
    cost_ore
        Added wages, KS supplements and overtime pay, in øre.
    overtime_minutes
        Added overtime minutes (above the full-time norm in the week).
    objective_delta
        Change of the plan objective if this person takes the shift (negative is better), displacement included.
    displaces
        Need ids the person would leave (empty when they are simply free).
    reason
        Why this person (qualification, home unit or loan, volunteer, distance, hours).
    """

    employee_id: str
    name: str
    need_id: str
    cost_ore: int
    overtime_minutes: int
    objective_delta: int
    displaces: tuple[str, ...]
    reason: AssignmentExplanation

    def to_dict(self) -> dict[str, object]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "need_id": self.need_id,
            "cost_nok": round(self.cost_ore / 100, 2),
            "overtime_minutes": self.overtime_minutes,
            "objective_delta": self.objective_delta,
            "displaces": list(self.displaces),
            "reason_nb": self.reason.text("nb"),
            "reason_en": self.reason.text("en"),
        }


def employee_terms(problem: Problem, employee: Employee, needs: Iterable[Need], w: ObjectiveWeights) -> int:
    """One person's share of the objective (all terms but unmet and changes), exactly as the checker prices it."""
    return _roster_terms(problem, employee, list(needs), w, {})[0]


_NeedFacts = tuple[int, bool, bool]


def _facts(problem: Problem, employee: Employee, n: Need, cache: dict[tuple[str, str], _NeedFacts]) -> _NeedFacts:
    """KS supplements (øre), night, unsocial of one shift for one rule set (cached: the same for everyone)."""
    key = (n.id, employee.rule_set_id)
    found = cache.get(key)
    if found is None:
        found = (
            supplements_ore(problem.rule_set_of(employee), n),
            need_is_night(problem, n),
            need_is_unsocial(problem, n),
        )
        cache[key] = found
    return found


def _roster_terms(
    problem: Problem,
    employee: Employee,
    shifts: list[Need],
    w: ObjectiveWeights,
    cache: dict[tuple[str, str], _NeedFacts],
) -> tuple[int, int, int]:
    """``(objective share, pay in øre, overtime minutes)`` of one person's roster, priced like the checker."""
    if not shifts:
        return 0, 0, 0
    rule_set = problem.rule_set_of(employee)
    weeks = week_count(problem)
    per_week = [0] * weeks
    for n in shifts:
        per_week[(n.start.date() - problem.horizon_start).days // 7] += n.minutes
    overtime = [max(0, per_week[b] - full_time_minutes(employee, week_days(problem, b))) for b in range(weeks)]
    overtime_minutes = sum(overtime)
    total = w.overtime_per_minute * overtime_minutes
    units = problem.unit_by_id
    home = units[employee.home_unit_id]
    prefs = employee.preferences
    moved = outside = False
    unwanted = unsocial = cost = 0
    for n in shifts:
        supplements, night, unsocial_shift = _facts(problem, employee, n, cache)
        if n.unit_id != employee.home_unit_id:
            moved = True
            host = units[n.unit_id]
            outside = outside or host.sector_id != home.sector_id
            total += w.travel_per_km * travel_km(problem.distance_km(employee.home_unit_id, n.unit_id))
            if host.kind.value not in prefs.willing_unit_kinds:
                unwanted += 1
        if prefs.avoid_nights and night:
            unwanted += 1
        if prefs.avoid_weekends and n.start.weekday() >= 5:
            unwanted += 1
        unsocial += unsocial_shift
        cost += shift_wage_ore(employee, n.minutes) + supplements
    cost += overtime_minutes * overtime_ore_per_minute(rule_set, employee)
    total += w.moved_person * moved + w.outside_sector_person * outside
    total += w.unwanted_shift * unwanted + w.unsocial_squared * unsocial * unsocial + w.cost_per_ore * cost
    last = problem.horizon_end - dt.timedelta(days=1)
    for rule in rule_set.rules:
        applies = rule.valid_from <= last and (rule.valid_to is None or rule.valid_to >= problem.horizon_start)
        if rule.is_hard or not applies:
            continue
        if isinstance(rule, PositionNorm):
            if prefs.wants_more_hours and rule.allow_extra_for_volunteers:
                continue
            for b in range(weeks):
                days = week_days(problem, b)
                extra = max(0, min(per_week[b], full_time_minutes(employee, days)) - contract_minutes(employee, days))
                if extra > 0:
                    total += rule.cost * extra // 60
        elif isinstance(rule, SundayAlternation):
            worked = {n.start.date() for n in shifts}
            for day in worked:
                following = day + dt.timedelta(days=7)
                if day.weekday() == 6 and following in worked and following < problem.horizon_end:
                    total += rule.cost
    return total, cost, overtime_minutes


def find_need(problem: Problem, unit_id: str, start: dt.datetime, end: dt.datetime, qualification: str = "") -> Need:
    """The need at ``unit_id`` with exactly this start and end whose requirement names ``qualification``.

    Raises
    ------
    LookupError
        When no need matches.
    """

    def fills(need: Need) -> bool:
        return not qualification or any(
            qualification == code or qualification in problem.satisfiers.get(code, ())
            for code in need.requirement.codes
        )

    matching = [n for n in problem.needs if n.unit_id == unit_id and n.start == start and n.end == end and fills(n)]
    if matching:
        return matching[0]
    raise LookupError(f"no need at {unit_id} {start:%Y-%m-%d %H:%M}-{end:%H:%M} for {qualification or 'any'}")


class CandidateFinder:
    """Ranked lawful candidates for open shifts of one plan; build once, ask many times.

    Parameters
    ----------
    problem
        The planning problem.
    plan
        The current plan.
    weights
        The objective weights the ranking uses.
    pins
        Confirmed assignments: never displaced.
    """

    def __init__(
        self,
        problem: Problem,
        plan: Plan,
        *,
        weights: ObjectiveWeights | None = None,
        pins: Iterable[Pin] = (),
    ) -> None:
        self.problem = problem
        self.weights = weights or ObjectiveWeights()
        self.index = RosterIndex(problem, plan)
        self.pinned = {(p.employee_id, p.need_id) for p in pins}
        self.by_code: dict[str, list[Employee]] = defaultdict(list)
        for e in problem.employees:
            for q in e.qualifications:
                self.by_code[q.code].append(e)
        self.by_home: dict[str, list[Employee]] = defaultdict(list)
        for e in problem.employees:
            self.by_home[e.home_unit_id].append(e)
        self._terms: dict[str, tuple[int, int, int]] = {}
        self._facts: dict[tuple[str, str], _NeedFacts] = {}
        self._distances: dict[tuple[str, str], float] = {}
        #: need id -> leaving it open breaks someone's "own critical service first" (cleared on every change)
        self._breaks: dict[str, bool] = {}

    # --- incremental updates (re-planning applies its choices here) ---
    def assign(self, employee_id: str, need: Need) -> None:
        self.index.add(employee_id, need)
        self._terms.pop(employee_id, None)
        self._breaks.clear()

    def unassign(self, employee_id: str, need_id: str) -> None:
        self.index.remove(employee_id, need_id)
        self._terms.pop(employee_id, None)
        self._breaks.clear()

    def roster_needs(self, employee_id: str) -> list[Need]:
        needs = self.problem.need_by_id
        return [needs[s.need_id] for s in self.index.roster(employee_id)]

    def _before(self, employee: Employee) -> tuple[int, int, int]:
        if employee.id not in self._terms:
            self._terms[employee.id] = _roster_terms(
                self.problem, employee, self.roster_needs(employee.id), self.weights, self._facts
            )
        return self._terms[employee.id]

    def pool(self, need: Need) -> list[Employee]:
        """Everyone who holds (in some period) a code that fills ``need``; the rules sort out validity."""
        problem = self.problem
        codes = need.requirement.any_of or need.requirement.all_of[:1]
        if not codes:
            return list(problem.employees)
        seen: dict[str, Employee] = {}
        for code in codes:
            for held in problem.satisfiers.get(code, frozenset((code,))):
                for e in self.by_code.get(held, ()):
                    seen[e.id] = e
        return list(seen.values())

    def _km(self, unit_a: str, unit_b: str) -> float:
        """Distance between two units (cached per pair)."""
        key = (unit_a, unit_b)
        found = self._distances.get(key)
        if found is None:
            found = self._distances[key] = self.problem.distance_km(unit_a, unit_b)
        return found

    def pool_for_course(self, skill: TrainableSkill) -> list[Employee]:
        """Everyone who meets a prerequisite of ``skill``'s course (everyone when it has none)."""
        if not skill.prerequisites_any_of:
            return list(self.problem.employees)
        seen: dict[str, Employee] = {}
        for code in skill.prerequisites_any_of:
            for held in self.problem.satisfiers.get(code, frozenset((code,))):
                for e in self.by_code.get(held, ()):
                    seen[e.id] = e
        return list(seen.values())

    def delta(self, employee: Employee, need: Need, displaces: tuple[str, ...] = ()) -> int:
        """Change of the plan objective if ``employee`` takes ``need`` (leaving ``displaces``)."""
        return self._delta(employee, need, displaces)[0]

    def _unmet_weight(self, need: Need) -> int:
        w = self.weights
        return w.unmet_critical if need.criticality is Criticality.CRITICAL else w.unmet_other

    def _breaks_home_first(self, lost: Need) -> bool:
        """Leaving ``lost`` open would make another person's loan break "own critical service first"."""
        if lost.criticality is not Criticality.CRITICAL or self.index.missing(lost) > 0:
            return False
        problem = self.problem
        for e in self.by_home.get(lost.unit_id, ()):
            for s in self.index.roster(e.id):
                if s.unit_id == e.home_unit_id:
                    continue
                n = problem.need_by_id[s.need_id]
                overlap = (min(n.end, lost.end) - max(n.start, lost.start)).total_seconds() // 60
                if (
                    overlap * 2 > lost.minutes
                    and problem.qualification_for(e, lost) is not None
                    and problem.restriction_blocks(e, lost) is None
                    and not e.absent(lost.start, lost.end)
                ):
                    return True
        return False

    def _conflicts(self, employee_id: str, need: Need) -> list[str]:
        """The person's shifts on the same or neighbouring day: what taking ``need`` could push out."""
        day = need.start.date()
        return [
            s.need_id
            for s in self.index.roster(employee_id)
            if abs((s.day - day).days) <= 1 and (employee_id, s.need_id) not in self.pinned
        ]

    def _delta(self, employee: Employee, need: Need, displaces: tuple[str, ...]) -> tuple[int, int, int]:
        """Objective change, pay change (øre) and overtime change (minutes) of ``employee`` taking ``need``."""
        problem = self.problem
        before = self.roster_needs(employee.id)
        after = [n for n in before if n.id not in displaces] + [need]
        objective_before, pay_before, ot_before = self._before(employee)
        objective_after, pay_after, ot_after = _roster_terms(problem, employee, after, self.weights, self._facts)
        delta = objective_after - objective_before
        delta -= self._unmet_weight(need) if self.index.missing(need) > 0 else 0
        delta += self.weights.change * (1 + len(displaces))
        for lost_id in displaces:  # each place left is one more missing (plans never over-cover)
            delta += self._unmet_weight(problem.need_by_id[lost_id])
        return delta, pay_after - pay_before, ot_after - ot_before

    def candidate(self, employee: Employee, need: Need, displaces: tuple[str, ...] = ()) -> Candidate:
        """``employee`` taking ``need`` (leaving ``displaces``), priced and explained."""
        delta, pay, overtime = self._delta(employee, need, displaces)
        problem = self.problem
        trained = self.index.trained_codes(employee.id, need.day)
        used = problem.qualification_for(employee, need, trained) or ""
        reason = explain_assignment(
            problem, Assignment(employee.id, need.id, need.unit_id, need.start, need.end, used), trained
        )
        return Candidate(employee.id, employee.name, need.id, pay, overtime, delta, displaces, reason)

    def find(
        self, need: Need, *, limit: int = 20, displace: bool = True, exclude: Iterable[str] = ()
    ) -> list[Candidate]:
        """Lawful candidates for ``need``, best (lowest objective change) first.

        Parameters
        ----------
        need
            The open shift.
        limit
            At most this many.
        displace
            Also offer people who would leave one other (unpinned) shift, when the free people are fewer than
            ``limit`` (the nearest ones first; see the comment in the code).
        exclude
            Employee ids never to propose (e.g. who declined this shift).
        """
        excluded = set(exclude)
        problem = self.problem
        w = self.weights
        # A lower bound of each person's objective change (unmet need filled, one change, travel, the shift's
        # wage; every other term can only grow): people are tested cheapest bound first, and the search stops
        # when the bound passes the ``limit``-th best exact price. The ranking stays exact.
        base = w.change - (self._unmet_weight(need) if self.index.missing(need) > 0 else 0)

        def lower(e: Employee) -> int:
            bound = base + w.cost_per_ore * shift_wage_ore(e, need.minutes)
            if e.home_unit_id != need.unit_id:
                bound += w.travel_per_km * travel_km(self._km(e.home_unit_id, need.unit_id))
            return bound

        ordered = sorted(((lower(e), e.id, e) for e in self.pool(need) if e.id not in excluded), key=lambda t: t[:2])
        priced: list[tuple[int, int, str, tuple[str, ...]]] = []
        best: list[int] = []  # max-heap (negated) of the ``limit`` best exact prices so far
        displaceable: list[Employee] = []
        for bound, _, e in ordered:
            if len(best) >= limit and bound > -best[0]:
                break
            block = blocking_rule(self.index, e, need)
            if block is None:
                delta, pay, _ot = self._delta(e, need, ())
                priced.append((delta, pay, e.id, ()))
                heapq.heappush(best, -delta)
                if len(best) > limit:
                    heapq.heappop(best)
            elif displace and block.kind in _DISPLACEABLE:
                displaceable.append(e)
        # Displacing someone is the fallback, only when the free people are not enough for the list. The people
        # nearest the unit are tried first (moves and travel dominate the price), and the search stops once it has
        # twice as many as the list still needs: the ranking among displacements is over those.
        wanted = limit - len(priced)
        if wanted > 0:
            displaceable.sort(key=lambda e: (self._km(e.home_unit_id, need.unit_id), e.id))
            displacing = 0
            for e in displaceable:
                if displacing >= 2 * wanted:
                    break
                for other in self._conflicts(e.id, need):
                    if blocking_rule(self.index, e, need, without=frozenset((other,)), static_ok=True) is None:
                        if other not in self._breaks:
                            self._breaks[other] = self._breaks_home_first(problem.need_by_id[other])
                        if not self._breaks[other]:
                            priced.append((*self._delta(e, need, (other,))[:2], e.id, (other,)))
                            displacing += 1
                        break
        priced.sort()
        employees = self.problem.employee_by_id
        return [self.candidate(employees[e], need, d) for _, _, e, d in priced[:limit]]
