"""The organisation aggregate, scenario application, and the :class:`Problem` the optimizer reads.

``Problem`` cross-validates every reference once and builds its lookup tables once, so the solver and the checker
read plain dictionaries and share one definition of "qualified" and "allowed".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass, field, replace
from functools import cached_property

from ressursbank.domain._validate import require, require_unique
from ressursbank.domain.needs import Need, ShiftType, StaffingRule
from ressursbank.domain.organisation import (
    Area,
    Criticality,
    OpeningStatus,
    Sector,
    StatusPeriod,
    Unit,
    UnitKind,
)
from ressursbank.domain.people import Absence, AbsenceKind, Employee, RestrictionFlag
from ressursbank.domain.qualifications import (
    STANDARD_CATALOGUE,
    STANDARD_TRAINABLE,
    QualificationType,
    TrainableSkill,
)
from ressursbank.domain.rules import RuleSet, standard_rule_sets
from ressursbank.domain.scenario import (
    AbsenceWave,
    CloseUnits,
    OpenUnit,
    ReduceUnits,
    Scenario,
    Surge,
    UnitTemplate,
)


@dataclass(frozen=True, slots=True)
class Organisation:
    """Everything stored about the municipality before a scenario: the normal state."""

    areas: tuple[Area, ...]
    sectors: tuple[Sector, ...]
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]
    shift_types: tuple[ShiftType, ...]
    staffing: tuple[StaffingRule, ...] = ()
    catalogue: tuple[QualificationType, ...] = STANDARD_CATALOGUE
    trainable: tuple[TrainableSkill, ...] = STANDARD_TRAINABLE
    templates: tuple[UnitTemplate, ...] = ()
    rule_sets: tuple[RuleSet, ...] = field(default_factory=standard_rule_sets)

    def __post_init__(self) -> None:
        for what, ids in (
            ("areas", [a.id for a in self.areas]),
            ("sectors", [s.id for s in self.sectors]),
            ("units", [u.id for u in self.units]),
            ("employees", [e.id for e in self.employees]),
            ("shift types", [s.id for s in self.shift_types]),
            ("qualification catalogue", [q.code for q in self.catalogue]),
            ("unit templates", [t.id for t in self.templates]),
            ("rule sets", [r.id for r in self.rule_sets]),
        ):
            require_unique(ids, what)
        area_ids = {a.id for a in self.areas}
        sector_ids = {s.id for s in self.sectors}
        unit_ids = {u.id for u in self.units}
        shift_ids = {s.id for s in self.shift_types}
        codes = {q.code for q in self.catalogue}
        rule_set_ids = {r.id for r in self.rule_sets}
        for u in self.units:
            require(u.area_id in area_ids, f"unit {u.id}: unknown area {u.area_id!r}")
            require(u.sector_id in sector_ids, f"unit {u.id}: unknown sector {u.sector_id!r}")
        for e in self.employees:
            require(e.home_unit_id in unit_ids, f"employee {e.id}: unknown home unit {e.home_unit_id!r}")
            require(e.rule_set_id in rule_set_ids, f"employee {e.id}: unknown rule set {e.rule_set_id!r}")
            for q in e.qualifications:
                require(q.code in codes, f"employee {e.id}: unknown qualification {q.code!r}")
        for s in self.staffing:
            require(s.unit_id in unit_ids, f"staffing: unknown unit {s.unit_id!r}")
            require(s.shift_type_id in shift_ids, f"staffing {s.unit_id}: unknown shift type {s.shift_type_id!r}")
            for code in s.requirement.codes:
                require(code in codes, f"staffing {s.unit_id}: unknown qualification {code!r}")
        for t in self.templates:
            require(t.sector_id in sector_ids, f"template {t.id}: unknown sector {t.sector_id!r}")
            for line in t.staffing:
                require(
                    line.shift_type_id in shift_ids,
                    f"template {t.id}: unknown shift type {line.shift_type_id!r}",
                )
                for code in line.requirement.codes:
                    require(code in codes, f"template {t.id}: unknown qualification {code!r}")


@dataclass(frozen=True)
class Problem:
    """One planning problem: the organisation in a scenario over a horizon, with its needs."""

    organisation: Organisation
    horizon_start: dt.date
    horizon_days: int
    needs: tuple[Need, ...]
    scenario_id: str = ""

    def __post_init__(self) -> None:
        require(1 <= self.horizon_days <= 366, f"problem: horizon_days {self.horizon_days} not in 1..366")
        require_unique((n.id for n in self.needs), "needs")
        units = self.unit_by_id
        shift_ids = {s.id for s in self.organisation.shift_types}
        codes = {q.code for q in self.organisation.catalogue}
        for n in self.needs:
            require(n.unit_id in units, f"need {n.id}: unknown unit {n.unit_id!r}")
            require(n.shift_type_id in shift_ids, f"need {n.id}: unknown shift type {n.shift_type_id!r}")
            require(
                self.horizon_start <= n.day < self.horizon_end,
                f"need {n.id}: day {n.day} outside the horizon",
            )
            for code in n.requirement.codes:
                require(code in codes, f"need {n.id}: unknown qualification {code!r}")

    # --- lookups built once -------------------------------------------------------------------------------------
    @property
    def horizon_end(self) -> dt.date:
        """First day after the horizon."""
        return self.horizon_start + dt.timedelta(days=self.horizon_days)

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.organisation.units

    @property
    def employees(self) -> tuple[Employee, ...]:
        return self.organisation.employees

    @cached_property
    def unit_by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.organisation.units}

    @cached_property
    def employee_by_id(self) -> dict[str, Employee]:
        return {e.id: e for e in self.organisation.employees}

    @cached_property
    def need_by_id(self) -> dict[str, Need]:
        return {n.id: n for n in self.needs}

    @cached_property
    def shift_type_by_id(self) -> dict[str, ShiftType]:
        return {s.id: s for s in self.organisation.shift_types}

    @cached_property
    def rule_set_by_id(self) -> dict[str, RuleSet]:
        return {r.id: r for r in self.organisation.rule_sets}

    @cached_property
    def qualification_by_code(self) -> dict[str, QualificationType]:
        return {q.code: q for q in self.organisation.catalogue}

    @cached_property
    def satisfiers(self) -> dict[str, frozenset[str]]:
        """For each code, the codes whose holder satisfies it (itself and, transitively, those that imply it)."""
        direct = {q.code: set(q.implied_by) for q in self.organisation.catalogue}
        out: dict[str, frozenset[str]] = {}
        for code in direct:
            seen, stack = {code}, [code]
            while stack:
                for higher in direct.get(stack.pop(), ()):
                    if higher not in seen:
                        seen.add(higher)
                        stack.append(higher)
            out[code] = frozenset(seen)
        return out

    @cached_property
    def home_unit_of(self) -> dict[str, str]:
        return {e.id: e.home_unit_id for e in self.organisation.employees}

    def rule_set_of(self, employee: Employee) -> RuleSet:
        return self.rule_set_by_id[employee.rule_set_id]

    def distance_km(self, unit_a: str, unit_b: str) -> float:
        """Travel distance between two units: 1.3 times the great-circle distance (a road-distance proxy)."""
        if unit_a == unit_b:
            return 0.0
        units = self.unit_by_id
        return 1.3 * units[unit_a].location.km_to(units[unit_b].location)

    # --- the shared definition of "may this person fill this need" ---------------------------------------------
    def holds_on(self, employee: Employee, code: str, day: dt.date, extra: frozenset[str] = frozenset()) -> str | None:
        """The code the employee holds on ``day`` that satisfies ``code`` (``extra``: codes gained by training)."""
        for held in self.satisfiers.get(code, frozenset((code,))):
            if held in extra or employee.holds(held, day):
                return held
        return None

    def qualification_for(self, employee: Employee, need: Need, extra: frozenset[str] = frozenset()) -> str | None:
        """The qualification used if ``employee`` may fill ``need`` by qualification and politiattest, else None."""
        day = need.day
        used = ""
        if need.requirement.any_of:
            found = None
            for code in need.requirement.any_of:
                found = self.holds_on(employee, code, day, extra)
                if found is not None:
                    used = code
                    break
            if found is None:
                return None
        for code in need.requirement.all_of:
            if self.holds_on(employee, code, day, extra) is None:
                return None
            used = used or code
        attest = self.unit_by_id[need.unit_id].kind.required_politiattest
        if attest is not None and self.holds_on(employee, attest, day, extra) is None:
            return None
        return used or "-"

    def restriction_blocks(self, employee: Employee, need: Need) -> RestrictionFlag | None:
        """The restriction flag that forbids this need for this employee, if any (never shown with a reason)."""
        day = need.day
        if need.covid_contact and employee.restricted(RestrictionFlag.NO_COVID_CONTACT, day):
            return RestrictionFlag.NO_COVID_CONTACT
        if employee.restricted(RestrictionFlag.NO_NIGHTS, day) and self.shift_type_by_id[need.shift_type_id].is_night:
            return RestrictionFlag.NO_NIGHTS
        if need.unit_id != employee.home_unit_id and employee.restricted(RestrictionFlag.NO_REDEPLOYMENT, day):
            return RestrictionFlag.NO_REDEPLOYMENT
        return None


# --- applying a scenario ------------------------------------------------------------------------------------------
def _selects(
    unit: Unit, unit_ids: tuple[str, ...], kinds: tuple[UnitKind, ...], area_ids: tuple[str, ...] = ()
) -> bool:
    if unit.id in unit_ids:
        return True
    return unit.kind in kinds and (not area_ids or unit.area_id in area_ids)


def _stable_random(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def build_problem(
    org: Organisation,
    scenario: Scenario | None,
    *,
    start: dt.date | None = None,
    days: int = 28,
) -> Problem:
    """Apply ``scenario`` to the organisation and generate the needs for ``days`` days from ``start``.

    Closed units have no needs; reduced units need ``ceil(count * capacity)``; surges scale counts up; new units
    get their template's needs; absence waves add absences to the staff of the affected unit kinds.
    """
    start = start or (scenario.start if scenario else dt.date.today())
    events = scenario.events if scenario else ()
    units = {u.id: u for u in org.units}
    templates = {t.id: t for t in org.templates}
    staffing = list(org.staffing)
    surges: list[Surge] = [e for e in events if isinstance(e, Surge)]

    periods: dict[str, list[StatusPeriod]] = {uid: list(u.status_periods) for uid, u in units.items()}
    for event in events:
        if isinstance(event, CloseUnits):
            for u in org.units:
                if _selects(u, event.unit_ids, event.kinds, event.area_ids) and u.id not in event.keep_open:
                    periods[u.id].append(StatusPeriod(event.start, event.end, OpeningStatus.CLOSED, 0))
        elif isinstance(event, ReduceUnits):
            for u in org.units:
                if _selects(u, event.unit_ids, event.kinds):
                    periods[u.id].append(
                        StatusPeriod(event.start, event.end, OpeningStatus.REDUCED, event.capacity_pct)
                    )
        elif isinstance(event, OpenUnit):
            require(
                event.template_id in templates,
                f"open unit {event.unit_id}: unknown template {event.template_id!r}",
            )
            template = templates[event.template_id]
            require(event.unit_id not in units, f"open unit {event.unit_id}: a unit with this id exists")
            require(
                event.area_id in {a.id for a in org.areas},
                f"open unit {event.unit_id}: unknown area {event.area_id!r}",
            )
            units[event.unit_id] = Unit(
                id=event.unit_id,
                name=event.name,
                kind=template.kind,
                sector_id=template.sector_id,
                area_id=event.area_id,
                location=event.location,
                criticality=template.criticality,
                opens_on=event.start,
            )
            periods[event.unit_id] = [
                StatusPeriod(event.end + dt.timedelta(days=1), dt.date(9999, 12, 30), OpeningStatus.CLOSED, 0)
            ]
            for line in template.staffing:
                staffing.append(
                    StaffingRule(
                        unit_id=event.unit_id,
                        shift_type_id=line.shift_type_id,
                        requirement=line.requirement,
                        count=max(1, math.ceil(line.count * event.scale_pct / 100)),
                        criticality=line.criticality,
                        weekdays=line.weekdays,
                        covid_contact=line.covid_contact,
                        task=line.task,
                    )
                )
    for uid, unit_periods in periods.items():
        units[uid] = replace(units[uid], status_periods=_merge_periods(unit_periods))

    shift_types = {s.id: s for s in org.shift_types}
    needs: list[Need] = []
    for rule_index, rule in enumerate(staffing):
        unit = units[rule.unit_id]
        shift = shift_types[rule.shift_type_id]
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            if day.weekday() not in rule.weekdays:
                continue
            capacity = unit.capacity_on(day)
            if capacity == 0:
                continue
            count = math.ceil(rule.count * capacity / 100 - 1e-9)
            surge = 1.0
            for event in surges:
                if event.start <= day <= event.end and _selects(unit, event.unit_ids, event.kinds):
                    surge *= event.factor_pct / 100
            if surge > 1.0:
                # Spread the extra people evenly over the days (a 15 % surge on one person is not one more each day).
                extra = count * (surge - 1.0)
                count += math.floor((offset + 1) * extra + 1e-9) - math.floor(offset * extra + 1e-9)
            if count < 1:
                continue
            begin, finish = shift.interval_on(day)
            needs.append(
                Need(
                    id=f"{unit.id}:{day.isoformat()}:{shift.id}:{rule_index}",
                    unit_id=unit.id,
                    day=day,
                    shift_type_id=shift.id,
                    start=begin,
                    end=finish,
                    requirement=rule.requirement,
                    count=count,
                    criticality=rule.criticality if capacity == 100 else min(rule.criticality, Criticality.IMPORTANT),
                    covid_contact=rule.covid_contact,
                    task=rule.task,
                )
            )

    employees = list(org.employees)
    for wave_index, wave in enumerate(e for e in events if isinstance(e, AbsenceWave)):
        span = (wave.end - wave.start).days + 1
        for i, emp in enumerate(employees):
            if units[emp.home_unit_id].kind not in wave.kinds:
                continue
            rng = _stable_random(wave.seed, wave_index, emp.id)
            if rng.random() * 100 >= wave.rate_pct:
                continue
            first = wave.start + dt.timedelta(days=rng.randrange(span))
            absence = Absence(
                dt.datetime.combine(first, dt.time(0, 0)),
                dt.datetime.combine(first + dt.timedelta(days=wave.days), dt.time(0, 0)),
                AbsenceKind.SICK,
            )
            employees[i] = replace(emp, absences=(*emp.absences, absence))

    org_in_scenario = replace(org, units=tuple(units.values()), employees=tuple(employees), staffing=tuple(staffing))
    return Problem(
        organisation=org_in_scenario,
        horizon_start=start,
        horizon_days=days,
        needs=tuple(needs),
        scenario_id=scenario.id if scenario else "",
    )


def _merge_periods(periods: list[StatusPeriod]) -> tuple[StatusPeriod, ...]:
    """Later events win where periods overlap: cut earlier periods around later ones."""
    result: list[StatusPeriod] = []
    for period in periods:
        trimmed: list[StatusPeriod] = []
        for old in result:
            if old.end < period.start or old.start > period.end:
                trimmed.append(old)
                continue
            if old.start < period.start:
                trimmed.append(replace(old, end=period.start - dt.timedelta(days=1)))
            if old.end > period.end:
                trimmed.append(replace(old, start=period.end + dt.timedelta(days=1)))
        result = [*trimmed, period]
    return tuple(sorted(result, key=lambda p: p.start))
