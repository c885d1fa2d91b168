"""Summaries of an organisation in a scenario, for the CLI, the web overview and reports."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from ressursbank.domain import Criticality, OpeningStatus, Problem


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    """What the first command prints: units open/closed, employees by sector, needs by criticality."""

    scenario_id: str
    horizon: str
    units_by_status: dict[str, int]
    employees_by_sector: dict[str, int]
    needs_by_criticality: dict[str, int]
    person_shifts_by_criticality: dict[str, int]
    released_employees: int
    absences: int


def summarise_problem(problem: Problem) -> ProblemSummary:
    """Count units by status on the first day, employees by sector, and needs (and person-shifts) by criticality.

    ``released_employees`` are people whose home unit is closed on the first day: the pool for redeployment.
    """
    first = problem.horizon_start
    status = Counter(u.status_on(first).status.value for u in problem.units)
    closed = {u.id for u in problem.units if u.status_on(first).status is OpeningStatus.CLOSED}
    sectors = {s.id: s.name_nb for s in problem.organisation.sectors}
    by_sector = Counter(sectors.get(e.sector_id, e.sector_id or "-") for e in problem.employees)
    needs = Counter(Criticality(n.criticality).name.lower() for n in problem.needs)
    shifts: Counter[str] = Counter()
    for n in problem.needs:
        shifts[Criticality(n.criticality).name.lower()] += n.count
    end = problem.horizon_end
    return ProblemSummary(
        scenario_id=problem.scenario_id or "-",
        horizon=f"{first.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()} ({problem.horizon_days} d)",
        units_by_status={k: status.get(k, 0) for k in ("open", "reduced", "closed")},
        employees_by_sector=dict(by_sector.most_common()),
        needs_by_criticality={k: needs.get(k, 0) for k in ("critical", "important", "normal")},
        person_shifts_by_criticality={k: shifts.get(k, 0) for k in ("critical", "important", "normal")},
        released_employees=sum(e.home_unit_id in closed for e in problem.employees),
        absences=sum(len(e.absences) for e in problem.employees),
    )
