"""Read-side views for the API and the pages: coverage, gaps, units, people, rosters, plan differences.

Everything here is computed from domain objects (a :class:`~ressursbank.domain.Problem` and the current
:class:`~ressursbank.domain.Plan`) held in a :class:`Snapshot`; a snapshot computes each view once (they are
immutable), so list pages and the overview of a 6,700-person municipality answer quickly.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ressursbank.domain import (
    Assignment,
    Criticality,
    Employee,
    Need,
    OpeningStatus,
    Organisation,
    Plan,
    Problem,
    Scenario,
    Unit,
)

DEFAULT_WEEKS = 4
#: How many searches, sorted lists and rendered fragments one snapshot keeps (least recently used go first).
SEARCH_MEMO_ENTRIES = 128


@dataclass(frozen=True, slots=True)
class StatusSpan:
    """One stretch of a unit's opening status inside the horizon."""

    start: dt.date
    end: dt.date
    status: str
    capacity_pct: int


@dataclass(frozen=True, slots=True)
class NeedView:
    """A need with how many are assigned."""

    need: Need
    filled: int

    @property
    def missing(self) -> int:
        return max(0, self.need.count - self.filled)


@dataclass(frozen=True, slots=True)
class HeatCell:
    """Coverage of one row on one day: filled and needed person-shifts."""

    day: dt.date
    needed: int
    filled: int

    @property
    def pct(self) -> float | None:
        return None if self.needed == 0 else 100.0 * min(self.filled, self.needed) / self.needed


@dataclass(frozen=True, slots=True)
class HeatRow:
    """A row of the coverage heatmap (a sector or a unit)."""

    key: str
    label: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True, slots=True)
class GapLine:
    """Open person-shifts for one requirement in one area."""

    requirement: str
    area_id: str
    area_name: str
    missing: int
    critical_missing: int


@dataclass(frozen=True, slots=True)
class OverviewFigures:
    """The headline numbers of the overview."""

    critical_coverage_today: float | None
    critical_coverage_horizon: float | None
    coverage_horizon: float | None
    open_person_shifts: int
    open_critical_person_shifts: int
    people_redeployed: int
    hours_moved: float
    jobs_kept: int
    released: int
    units_closed_today: int
    units_reduced_today: int
    units_opened: int


@dataclass(frozen=True, slots=True)
class RosterCell:
    """What one person does on one day (empty when free)."""

    day: dt.date
    shifts: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One person's days across the horizon."""

    employee: Employee
    cells: tuple[RosterCell, ...]
    lent_in: bool


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """What changed between two plans."""

    added: tuple[Assignment, ...]
    removed: tuple[Assignment, ...]
    people_changed: int


class Snapshot:
    """One scenario's problem and its current plan, with every view computed once."""

    def __init__(
        self,
        problem: Problem,
        plan: Plan | None,
        *,
        plan_id: str | None = None,
        scenario: Scenario | None = None,
        today: dt.date | None = None,
        base: Organisation | None = None,
    ) -> None:
        self.problem = problem
        #: The organisation before the scenario (what a changed scenario is applied to again).
        self.base = base or problem.organisation
        self.plan = plan or Plan()
        self.plan_id = plan_id
        self.scenario = scenario
        start, end = problem.horizon_start, problem.horizon_end
        real_today = today or dt.date.today()
        #: "Today" of the scenario: the real date inside the horizon, else the horizon's first day.
        self.today = real_today if start <= real_today < end else start
        self._lock = threading.Lock()
        self._memo: dict[Any, Any] = {}
        self._lru: OrderedDict[Any, Any] = OrderedDict()

    # --- basic lookups -------------------------------------------------------------------------------------------
    @property
    def organisation(self) -> Organisation:
        return self.problem.organisation

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        start = self.problem.horizon_start
        return tuple(start + dt.timedelta(days=i) for i in range(self.problem.horizon_days))

    @cached_property
    def area_name(self) -> dict[str, str]:
        return {a.id: a.name for a in self.organisation.areas}

    @cached_property
    def sector_name(self) -> dict[str, tuple[str, str]]:
        return {s.id: (s.name_nb, s.name_en) for s in self.organisation.sectors}

    @cached_property
    def qualification_label(self) -> dict[str, tuple[str, str]]:
        return {q.code: (q.label_nb, q.label_en) for q in self.organisation.catalogue}

    @cached_property
    def shift_label(self) -> dict[str, tuple[str, str]]:
        return {s.id: (s.label_nb, s.label_en) for s in self.organisation.shift_types}

    @cached_property
    def filled(self) -> dict[str, int]:
        """Assigned people per need id."""
        return Counter(a.need_id for a in self.plan.assignments)

    @cached_property
    def by_employee(self) -> dict[str, list[Assignment]]:
        return self.plan.by_employee()

    @cached_property
    def by_unit(self) -> dict[str, list[Assignment]]:
        out: dict[str, list[Assignment]] = defaultdict(list)
        for a in self.plan.assignments:
            out[a.unit_id].append(a)
        return dict(out)

    @cached_property
    def needs_by_unit(self) -> dict[str, list[Need]]:
        out: dict[str, list[Need]] = defaultdict(list)
        for n in self.problem.needs:
            out[n.unit_id].append(n)
        return dict(out)

    @cached_property
    def employees_by_unit(self) -> dict[str, list[Employee]]:
        out: dict[str, list[Employee]] = defaultdict(list)
        for e in self.problem.employees:
            out[e.home_unit_id].append(e)
        return dict(out)

    @cached_property
    def redeployed_ids(self) -> frozenset[str]:
        """People with at least one shift away from their home unit."""
        home = self.problem.home_unit_of
        return frozenset(a.employee_id for a in self.plan.assignments if home.get(a.employee_id) != a.unit_id)

    @cached_property
    def closed_units_in_horizon(self) -> frozenset[str]:
        """Units closed on at least one day of the horizon (their staff are released for those days)."""
        out = set()
        for u in self.problem.units:
            if u.opens_on is not None and u.opens_on >= self.problem.horizon_start:
                continue  # a unit that has not opened yet releases nobody
            if any(u.status_on(d).status is OpeningStatus.CLOSED for d in self.days):
                out.add(u.id)
        return frozenset(out)

    @cached_property
    def opened_unit_ids(self) -> frozenset[str]:
        return frozenset(u.id for u in self.problem.units if u.opens_on is not None)

    def unit(self, unit_id: str) -> Unit | None:
        return self.problem.unit_by_id.get(unit_id)

    def employee(self, employee_id: str) -> Employee | None:
        return self.problem.employee_by_id.get(employee_id)

    def label(self, pair: tuple[str, str] | None, lang: str, fallback: str = "") -> str:
        if pair is None:
            return fallback
        return pair[0] if lang == "nb" else pair[1]

    def requirement_label(self, need: Need, lang: str) -> str:
        """The requirement in words (labels of the codes, or the task when no qualification is required)."""
        req = need.requirement
        names = [self.label(self.qualification_label.get(c), lang, c) for c in req.any_of]
        text = " / ".join(names)
        if req.all_of:
            alls = " + ".join(self.label(self.qualification_label.get(c), lang, c) for c in req.all_of)
            text = f"{text} + {alls}" if text else alls
        if not text:
            text = "ingen faglige krav" if lang == "nb" else "no professional requirement"
        return text

    # --- overview ------------------------------------------------------------------------------------------------
    def heatmap(
        self, *, group_by: str = "sector", critical_only: bool = True, weeks: int = DEFAULT_WEEKS
    ) -> list[HeatRow]:
        """Coverage per sector (or unit) and day for the first ``weeks`` weeks of the horizon (computed once)."""
        rows: list[HeatRow] = self.memo(
            ("heatmap", group_by, critical_only, weeks),
            lambda: self._heatmap(group_by=group_by, critical_only=critical_only, weeks=weeks),
        )
        return list(rows)

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """A value computed once per snapshot (rendered charts and the like)."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = build()
        with self._lock:
            self._memo[key] = value
        return value

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """A value computed once per snapshot, for keys that hold user input (searches, sorted lists, rendered
        fragments): at most :data:`SEARCH_MEMO_ENTRIES` are kept, the least recently used dropped first.

        The snapshot is immutable, so a cached value is right for as long as the snapshot is current; a write
        that changes the scenario, the plan or the organisation makes a new snapshot (new key in the cache).
        """
        with self._lock:
            if key in self._lru:
                self._lru.move_to_end(key)
                return self._lru[key]
        value = build()
        with self._lock:
            self._lru[key] = value
            while len(self._lru) > SEARCH_MEMO_ENTRIES:
                self._lru.popitem(last=False)
        return value

    def _heatmap(self, *, group_by: str, critical_only: bool, weeks: int) -> list[HeatRow]:
        days = self.days[: max(1, weeks) * 7]
        first, last = days[0], days[-1]
        needed: dict[tuple[str, dt.date], int] = Counter()
        got: dict[tuple[str, dt.date], int] = Counter()
        units = self.problem.unit_by_id
        keys: set[str] = set()
        for n in self.problem.needs:
            if critical_only and n.criticality < Criticality.CRITICAL:
                continue
            if not first <= n.day <= last:
                continue
            unit = units[n.unit_id]
            key = unit.sector_id if group_by == "sector" else unit.id
            keys.add(key)
            needed[key, n.day] += n.count
            got[key, n.day] += min(n.count, self.filled.get(n.id, 0))
        rows = []
        for key in sorted(keys, key=lambda k: self._row_label(k, group_by, "nb")):
            cells = tuple(HeatCell(d, needed.get((key, d), 0), got.get((key, d), 0)) for d in days)
            rows.append(HeatRow(key, self._row_label(key, group_by, "nb"), cells))
        return rows

    def _row_label(self, key: str, group_by: str, lang: str) -> str:
        if group_by == "sector":
            return self.label(self.sector_name.get(key), lang, key)
        unit = self.problem.unit_by_id.get(key)
        return unit.name if unit else key

    def row_label(self, key: str, group_by: str, lang: str) -> str:
        """The row's name in ``lang``."""
        return self._row_label(key, group_by, lang)

    @cached_property
    def gaps(self) -> list[GapLine]:
        """Open person-shifts by requirement and area, largest first."""
        missing: Counter[tuple[str, str]] = Counter()
        critical: Counter[tuple[str, str]] = Counter()
        units = self.problem.unit_by_id
        for n in self.problem.needs:
            gap = n.count - min(n.count, self.filled.get(n.id, 0))
            if gap <= 0:
                continue
            key = (self.requirement_label(n, "nb"), units[n.unit_id].area_id)
            missing[key] += gap
            if n.criticality >= Criticality.CRITICAL:
                critical[key] += gap
        lines = [
            GapLine(req, area, self.area_name.get(area, area), count, critical.get((req, area), 0))
            for (req, area), count in missing.items()
        ]
        lines.sort(key=lambda g: (-g.critical_missing, -g.missing, g.requirement, g.area_id))
        return lines

    @cached_property
    def figures(self) -> OverviewFigures:
        """Headline numbers for the overview and the situation report."""
        crit_today = [0, 0]
        crit_all = [0, 0]
        everything = [0, 0]
        for n in self.problem.needs:
            got = min(n.count, self.filled.get(n.id, 0))
            everything[0] += n.count
            everything[1] += got
            if n.criticality >= Criticality.CRITICAL:
                crit_all[0] += n.count
                crit_all[1] += got
                if n.day == self.today:
                    crit_today[0] += n.count
                    crit_today[1] += got

        def pct(pair: list[int]) -> float | None:
            return None if pair[0] == 0 else 100.0 * pair[1] / pair[0]

        home = self.problem.home_unit_of
        moved_minutes = sum(a.minutes for a in self.plan.assignments if home.get(a.employee_id) != a.unit_id)
        released = [e for e in self.problem.employees if e.home_unit_id in self.closed_units_in_horizon]
        kept = sum(1 for e in released if e.id in self.by_employee)
        statuses = Counter(u.status_on(self.today).status for u in self.problem.units if u.opens_on is None)
        return OverviewFigures(
            critical_coverage_today=pct(crit_today),
            critical_coverage_horizon=pct(crit_all),
            coverage_horizon=pct(everything),
            open_person_shifts=everything[0] - everything[1],
            open_critical_person_shifts=crit_all[0] - crit_all[1],
            people_redeployed=len(self.redeployed_ids),
            hours_moved=moved_minutes / 60,
            jobs_kept=kept,
            released=len(released),
            units_closed_today=statuses.get(OpeningStatus.CLOSED, 0),
            units_reduced_today=statuses.get(OpeningStatus.REDUCED, 0),
            units_opened=len(self.opened_unit_ids),
        )

    @cached_property
    def _coverage_by_unit(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for unit_id, needs in self.needs_by_unit.items():
            needed = sum(n.count for n in needs)
            got = sum(min(n.count, self.filled.get(n.id, 0)) for n in needs)
            out[unit_id] = None if needed == 0 else 100.0 * got / needed
        return out

    def unit_coverage(self, unit_id: str) -> float | None:
        """Share of the unit's person-shifts in the horizon that are assigned (percent); None without needs."""
        return self._coverage_by_unit.get(unit_id)

    @cached_property
    def _status_today(self) -> dict[str, str]:
        return {u.id: u.status_on(self.today).status.value for u in self.problem.units}

    # --- units ---------------------------------------------------------------------------------------------------
    def status_timeline(self, unit: Unit) -> list[StatusSpan]:
        """The unit's status as consecutive spans over the horizon."""
        spans: list[StatusSpan] = []
        for d in self.days:
            s = unit.status_on(d)
            status, cap = s.status.value, s.capacity_pct
            if spans and spans[-1].status == status and spans[-1].capacity_pct == cap:
                spans[-1] = StatusSpan(spans[-1].start, d, status, cap)
            else:
                spans.append(StatusSpan(d, d, status, cap))
        return spans

    def unit_status_today(self, unit: Unit) -> str:
        return self._status_today.get(unit.id) or unit.status_on(self.today).status.value

    def unit_needs(self, unit_id: str) -> list[NeedView]:
        return [
            NeedView(n, self.filled.get(n.id, 0))
            for n in sorted(self.needs_by_unit.get(unit_id, []), key=lambda n: (n.start, n.id))
        ]

    def lent_in(self, unit_id: str) -> list[tuple[Employee, int]]:
        """People from other units who work here, with their number of shifts here."""
        home = self.problem.home_unit_of
        counts = Counter(a.employee_id for a in self.by_unit.get(unit_id, []) if home.get(a.employee_id) != unit_id)
        emps = self.problem.employee_by_id
        return sorted(((emps[i], c) for i, c in counts.items() if i in emps), key=lambda x: x[0].name)

    def lent_out(self, unit_id: str) -> list[tuple[Employee, str, int]]:
        """People of this unit who work elsewhere: (person, host unit id, shifts there)."""
        out: Counter[tuple[str, str]] = Counter()
        for e in self.employees_by_unit.get(unit_id, []):
            for a in self.by_employee.get(e.id, []):
                if a.unit_id != unit_id:
                    out[e.id, a.unit_id] += 1
        emps = self.problem.employee_by_id
        return sorted(((emps[e], host, c) for (e, host), c in out.items()), key=lambda x: (x[0].name, x[1]))

    def roster(self, unit_id: str, *, days: int = 14) -> list[RosterRow]:
        """The unit's calendar grid: its own staff and everyone lent in, one row each."""
        shown = self.days[:days]
        by_day: dict[tuple[str, dt.date], list[Assignment]] = defaultdict(list)
        for a in self.by_unit.get(unit_id, []):
            by_day[a.employee_id, a.start.date()].append(a)
        people: dict[str, bool] = {e.id: False for e in self.employees_by_unit.get(unit_id, [])}
        for a in self.by_unit.get(unit_id, []):
            people.setdefault(a.employee_id, True)
        emps = self.problem.employee_by_id
        rows = []
        for emp_id, lent in people.items():
            if emp_id not in emps:
                continue
            cells = tuple(RosterCell(d, tuple(by_day.get((emp_id, d), ()))) for d in shown)
            rows.append(RosterRow(emps[emp_id], cells, lent))
        rows.sort(key=lambda r: (r.lent_in, r.employee.name))
        return rows

    def open_needs(self, unit_id: str | None = None) -> list[NeedView]:
        """Needs with fewer people than asked, soonest and most critical first."""
        needs = self.needs_by_unit.get(unit_id, []) if unit_id else self.problem.needs
        views = [NeedView(n, self.filled.get(n.id, 0)) for n in needs]
        return sorted((v for v in views if v.missing > 0), key=lambda v: (v.need.start, -v.need.criticality))

    # --- people --------------------------------------------------------------------------------------------------
    @cached_property
    def _person_statuses(self) -> dict[str, str]:
        return {e.id: self._person_status(e) for e in self.problem.employees}

    def person_status(self, employee: Employee) -> str:
        """``redeployed``, ``released`` (home closed, no shifts), ``absent`` (today) or ``home``."""
        known = self._person_statuses.get(employee.id)
        return known if known is not None else self._person_status(employee)

    def _person_status(self, employee: Employee) -> str:
        if employee.id in self.redeployed_ids:
            return "redeployed"
        if employee.home_unit_id in self.closed_units_in_horizon and employee.id not in self.by_employee:
            return "released"
        start = dt.datetime.combine(self.today, dt.time())
        if employee.absent(start, start + dt.timedelta(days=1)):
            return "absent"
        return "home"

    def search_people(
        self,
        *,
        q: str = "",
        qualification: str = "",
        area: str = "",
        unit: str = "",
        status: str = "",
        available_on: dt.date | None = None,
        restrict_to: Callable[[Employee], bool] | None = None,
    ) -> list[Employee]:
        """People matching every given filter (empty filters match all).

        Unrestricted searches are remembered per snapshot (:meth:`cached`); the caller gets its own list.
        """
        if restrict_to is None:
            key = ("search_people", q.strip().lower(), qualification, area, unit, status, available_on)
            found: tuple[Employee, ...] = self.cached(
                key,
                lambda: tuple(
                    self._search_people(
                        q=q, qualification=qualification, area=area, unit=unit, status=status, available_on=available_on
                    )
                ),
            )
            return list(found)
        return self._search_people(
            q=q,
            qualification=qualification,
            area=area,
            unit=unit,
            status=status,
            available_on=available_on,
            restrict_to=restrict_to,
        )

    def _search_people(
        self,
        *,
        q: str,
        qualification: str,
        area: str,
        unit: str,
        status: str,
        available_on: dt.date | None,
        restrict_to: Callable[[Employee], bool] | None = None,
    ) -> list[Employee]:
        units = self.problem.unit_by_id
        needle = q.strip().lower()
        out = []
        for e in self.problem.employees:
            if restrict_to is not None and not restrict_to(e):
                continue
            if needle and needle not in e.name.lower() and needle not in e.id.lower():
                continue
            if qualification:
                day = available_on or self.today
                if self.problem.holds_on(e, qualification, day) is None:
                    continue
            if area and units[e.home_unit_id].area_id != area:
                continue
            if unit and e.home_unit_id != unit:
                continue
            if status and self.person_status(e) != status:
                continue
            if available_on is not None:
                start = dt.datetime.combine(available_on, dt.time())
                if e.absent(start, start + dt.timedelta(days=1)):
                    continue
            out.append(e)
        return out

    def person_roster(self, employee_id: str) -> list[Assignment]:
        return list(self.by_employee.get(employee_id, []))

    def hosts_of(self, employee_id: str) -> set[str]:
        """Units other than home where the person is planned to work (for the manager's lent-in scope)."""
        emp = self.employee(employee_id)
        home = emp.home_unit_id if emp else None
        return {a.unit_id for a in self.by_employee.get(employee_id, []) if a.unit_id != home}

    # --- explanations --------------------------------------------------------------------------------------------
    def why(self, assignment: Assignment, lang: str) -> list[str]:
        """Plain reasons this person fits this shift (the engine's explanation; never a restriction)."""
        key = ("why", assignment.key, lang)
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None:
            return list(hit)
        try:
            from ressursbank.explain import explain_assignment

            explained = explain_assignment(self.problem, assignment)
            index = 0 if lang == "nb" else 1
            reasons = [pair[index] for pair in explained.reasons]
        except (KeyError, LookupError, ValueError):  # an assignment outside this problem: say what we can
            reasons = self._why_fallback(assignment, lang)
        with self._lock:
            self._memo[key] = reasons
        return list(reasons)

    def _why_fallback(self, assignment: Assignment, lang: str) -> list[str]:
        emp = self.employee(assignment.employee_id)
        need = self.problem.need_by_id.get(assignment.need_id)
        if emp is None or need is None:
            return []
        nb = lang == "nb"
        reasons = []
        used = self.problem.qualification_for(emp, need)
        if used and used != "-":
            label = self.label(self.qualification_label.get(used), lang, used)
            reasons.append(f"Har kvalifikasjonen: {label}" if nb else f"Holds the qualification: {label}")
        elif need.requirement.codes == ():
            reasons.append("Oppgaven krever ingen fagutdanning" if nb else "The task needs no professional training")
        home = self.unit(emp.home_unit_id)
        if home is not None and home.status_on(need.day).status is not OpeningStatus.OPEN:
            state = home.status_on(need.day).status.value
            if nb:
                reasons.append(
                    f"Egen enhet ({home.name}) er {'stengt' if state == 'closed' else 'redusert'} denne dagen"
                )
            else:
                reasons.append(f"Home unit ({home.name}) is {state} that day")
        if emp.home_unit_id != need.unit_id:
            km = self.problem.distance_km(emp.home_unit_id, need.unit_id)
            reasons.append(f"{km:.1f} km fra egen enhet" if nb else f"{km:.1f} km from the home unit")
        else:
            reasons.append("Jobber på egen enhet" if nb else "Works at the home unit")
        unit = self.unit(need.unit_id)
        if unit is not None and unit.kind.value in emp.preferences.willing_unit_kinds:
            reasons.append(
                "Har meldt seg frivillig til denne typen enhet" if nb else "Volunteered for this kind of unit"
            )
        if emp.preferences.wants_more_hours and emp.position_pct < 100:
            reasons.append(
                f"Deltid ({emp.position_pct} %) og ønsker flere timer"
                if nb
                else f"Part-time ({emp.position_pct} %) and wants more hours"
            )
        return reasons

    # --- differences ---------------------------------------------------------------------------------------------
    @staticmethod
    def diff(previous: Plan | None, current: Plan) -> PlanDiff:
        """Assignments added and removed going from ``previous`` to ``current``."""
        old = {a.key: a for a in (previous.assignments if previous else ())}
        new = {a.key: a for a in current.assignments}
        added = tuple(a for k, a in new.items() if k not in old)
        removed = tuple(a for k, a in old.items() if k not in new)
        people = {a.employee_id for a in added} | {a.employee_id for a in removed}
        return PlanDiff(added, removed, len(people))


@dataclass
class SnapshotCache:
    """Snapshots keyed by (scenario, scenario content, plan id); immutable inputs make the key sufficient."""

    max_entries: int = 8
    _entries: dict[Any, Snapshot] = field(default_factory=dict)
    _other: dict[Any, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def peek(self, key: Any) -> Any:
        """Any other cached value (the organisation), or None."""
        with self._lock:
            return self._other.get(key)

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._other[key] = value

    def get(self, key: Any, build: Callable[[], Snapshot]) -> Snapshot:
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None:
            return hit
        snap = build()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = snap
        return snap

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._other.clear()


def effect_on_needs(before: Problem, after: Problem) -> list[tuple[str, int, int]]:
    """Person-shifts per unit before and after a scenario change, for units that changed: (unit id, before, after)."""

    def totals(p: Problem) -> Counter[str]:
        c: Counter[str] = Counter()
        for n in p.needs:
            c[n.unit_id] += n.count
        return c

    a, b = totals(before), totals(after)
    return sorted(
        ((u, a.get(u, 0), b.get(u, 0)) for u in set(a) | set(b) if a.get(u, 0) != b.get(u, 0)), key=lambda x: x[0]
    )


def person_shifts(needs: Iterable[Need]) -> int:
    return sum(n.count for n in needs)


# --- loading from the database ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """A scenario as listed (without building its problem)."""

    id: str
    name_nb: str
    name_en: str
    start: dt.date
    events: int
    description: str


def _repository() -> Any:
    from ressursbank.db import repository

    return repository


def load_plan(session: Any, plan_id: str) -> Plan:
    """A stored plan by id (:class:`~ressursbank.exceptions.NotFound` if unknown)."""
    return _repository().load_plan(session=session, plan_id=plan_id).plan  # type: ignore[no-any-return]


def plan_runs(session: Any, scenario_id: str, limit: int = 20) -> list[Any]:
    """Stored plan runs of a scenario, newest first."""
    return list(_repository().list_plans(session=session, scenario_id=scenario_id, limit=limit))


def save_scenario(session: Any, scenario: Scenario) -> None:
    """Store (replace) a scenario."""
    _repository().save_scenario(session=session, scenario=scenario)


def load_scenario(session: Any, scenario_id: str) -> Scenario:
    """A stored scenario (:class:`~ressursbank.exceptions.NotFound` if unknown)."""
    return _repository().load_scenario(session=session, scenario_id=scenario_id)  # type: ignore[no-any-return]


def list_scenarios(session: Any) -> list[Scenario]:
    """Every stored scenario, by start date."""
    return sorted(_repository().list_scenarios(session=session), key=lambda s: (s.start, s.id))


def load_organisation_cached(session: Any, cache: SnapshotCache) -> Organisation:
    """The stored organisation, read once per app (it changes only by import, which clears the cache)."""
    key = ("organisation",)
    hit = cache.peek(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    org = _repository().load_organisation(session=session)
    cache.put(key, org)
    return org  # type: ignore[no-any-return]


def load_snapshot(
    session: Any,
    cache: SnapshotCache,
    *,
    scenario_id: str | None = None,
    plan_id: str | None = None,
    weeks: int = DEFAULT_WEEKS,
) -> Snapshot:
    """The snapshot for a scenario (default: the first stored) and its latest plan (or ``plan_id``)."""
    from ressursbank.domain import build_problem

    repo = _repository()
    scenario: Scenario | None
    if scenario_id is None:
        scenarios = list_scenarios(session)
        scenario = scenarios[0] if scenarios else None
    else:
        scenario = repo.load_scenario(session=session, scenario_id=scenario_id)
    if plan_id is None and scenario is not None:
        runs = repo.list_plans(session=session, scenario_id=scenario.id, limit=1)
        plan_id = runs[0].id if runs else None
    key = ("snapshot", scenario, plan_id, weeks)

    def build() -> Snapshot:
        org = load_organisation_cached(session, cache)
        problem = build_problem(org, scenario, start=scenario.start if scenario else None, days=weeks * 7)
        plan = repo.load_plan(session=session, plan_id=plan_id).plan if plan_id else None
        return Snapshot(problem, plan, plan_id=plan_id, scenario=scenario, base=org)

    return cache.get(key, build)
