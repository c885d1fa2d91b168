"""Training as a decision: teach a course to a person exactly when that beats leaving a need unmet.

Runs after (or between) solves on a plan. For each unmet need whose requirement a trainable skill fills, in order
of criticality and time:

1. a person who may lawfully take it already (for example someone trained earlier in this pass) is assigned when
   that lowers the objective;
2. otherwise every person who meets a prerequisite and would be lawful *with* the skill is priced: the course
   (``cost_nok`` in objective points, ``ObjectiveWeights.cost_per_ore`` per øre) plus the change of the objective
   of assigning them (wages, supplements, travel, moves, ... and the unmet need it removes, see
   :mod:`ressursbank.solver.candidates`). The cheapest is chosen **exactly when that sum is negative**, that is
   when the course and the assignment cost less than the unmet need's weight.

A chosen course is scheduled on the latest free day before the need with a free place (capacity per day); the
person is unavailable that day (an absence in the derived problem) and holds the skill from the next day for its
validity period (a :class:`~ressursbank.domain.people.HeldQualification` in the derived problem). The returned
plan lists the courses in ``Plan.trainings``; the returned problem is what the checker and the engine must read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ressursbank.domain.organisation import Criticality
from ressursbank.domain.plan import Assignment, Pin, Plan, Training
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.explain import blocking_rule, course_day, trained_problem
from ressursbank.solver.candidates import CandidateFinder

__all__ = ["TrainingDecision", "TrainingOutcome", "plan_training"]


@dataclass(frozen=True, slots=True)
class TrainingDecision:
    """One course taught: to whom, when, for which need, what it cost and what it saved (objective points)."""

    training: Training
    need_id: str
    course_cost: int
    assignment_delta: int

    @property
    def net(self) -> int:
        """Course plus the change of the objective of the assignment (negative: the course pays off)."""
        return self.course_cost + self.assignment_delta


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    """The derived problem (courses applied), the plan with its trainings, and the decisions taken."""

    problem: Problem
    plan: Plan
    decisions: tuple[TrainingDecision, ...]
    filled: tuple[tuple[str, str], ...]

    @property
    def trainings(self) -> tuple[Training, ...]:
        return self.plan.trainings


def plan_training(
    problem: Problem,
    plan: Plan,
    *,
    weights: ObjectiveWeights | None = None,
    pins: Iterable[Pin] = (),
    max_courses: int | None = None,
) -> TrainingOutcome:
    """Schedule courses where teaching beats an unmet need (see the module docstring).

    Parameters
    ----------
    problem
        The planning problem (trainable skills in ``problem.organisation.trainable``).
    plan
        The plan to improve (its trainings are kept).
    weights
        Objective weights: the unmet need's weight is what a course must beat.
    pins
        Confirmed assignments (never displaced; this pass only adds).
    max_courses
        At most this many new courses.

    Returns
    -------
    TrainingOutcome
        The derived problem, the new plan and the decisions.
    """
    w = weights or ObjectiveWeights()
    finder = CandidateFinder(problem, plan, weights=w, pins=pins)
    index = finder.index
    skills = problem.organisation.trainable
    taken: dict[tuple[str, dt.date], int] = defaultdict(int)
    for t in plan.trainings:
        taken[(t.skill_code, t.day)] += 1
    decisions: list[TrainingDecision] = []
    filled: list[tuple[str, str]] = []
    open_needs = sorted(
        (n for n in problem.needs if index.missing(n) > 0),
        key=lambda n: (n.criticality is not Criticality.CRITICAL, n.start, n.id),
    )
    for need in open_needs:
        useful = [s for s in skills if any(s.code in problem.satisfiers.get(c, ()) for c in need.requirement.codes)]
        if not useful:
            continue
        while index.missing(need) > 0:
            ready = finder.find(need, limit=1, displace=False)
            if ready and ready[0].objective_delta < 0:
                finder.assign(ready[0].employee_id, need)
                filled.append((ready[0].employee_id, need.id))
                continue
            if max_courses is not None and len(decisions) >= max_courses:
                break
            options: list[tuple[int, str, str, dt.date, int, int]] = []
            for skill in useful:
                course = skill.cost_nok * 100 * w.cost_per_ore
                for e in finder.pool_for_course(skill):
                    block = blocking_rule(index, e, need)
                    if block is None or block.kind not in ("qualification", "politiattest"):
                        continue
                    if blocking_rule(index, e, need, extra=frozenset((skill.code,))) is not None:
                        continue
                    day = course_day(index, e, skill, need.day, taken)
                    if day is not None:
                        delta = finder.delta(e, need)
                        options.append((course + delta, e.id, skill.code, day, course, delta))
            best = min(options, default=None)
            if best is None or best[0] >= 0:
                break  # no course possible, or a course would cost more than leaving the need open
            _, employee_id, code, day, course, delta = best
            training = Training(employee_id, code, day)
            index.trainings[employee_id].append(training)
            taken[(code, day)] += 1
            finder.assign(employee_id, need)
            decisions.append(TrainingDecision(training, need.id, course, delta))
            filled.append((employee_id, need.id))
    trainings = [*plan.trainings, *(d.training for d in decisions)]
    derived = trained_problem(problem, (d.training for d in decisions))
    needs = problem.need_by_id
    added = []
    for employee_id, need_id in filled:
        n = needs[need_id]
        used = derived.qualification_for(derived.employee_by_id[employee_id], n) or ""
        added.append(Assignment(employee_id, need_id, n.unit_id, n.start, n.end, used))
    return TrainingOutcome(
        problem=derived,
        plan=Plan.of([*plan.assignments, *added], trainings),
        decisions=tuple(decisions),
        filled=tuple(filled),
    )
