"""CP-SAT model of a part of the plan: some needs and some people are free, everything else is fixed.

Variables ``x[e, n]`` say that free employee ``e`` works free need ``n``. Each rule type adds its constraints from
its own module in ``ressursbank/solver/rules/`` (named like the record in ``domain/rules.py``); the objective is
the objective of docs/objective.md restricted to what the part can change, so the part's optimum improves the
whole plan. The same builder, with everything free, is the monolithic baseline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ressursbank.solver.compile import Compiled
from ressursbank.solver.objective import per_employee
from ressursbank.solver.params import SolveParams
from ressursbank.solver.rules import (
    cohort,
    daily_rest,
    home_critical_first,
    max_hours_per_day,
    max_hours_per_week,
    max_travel,
    overtime_caps,
    position_norm,
    qualification_valid,
    sunday_alternation,
    weekly_rest,
)


@dataclass
class SubModel:
    """One CP-SAT model over free employees and free needs, with the rest of the plan as constants."""

    c: Compiled
    free_employees: list[int]
    free_needs: list[int]
    by_need: Sequence[Sequence[int]]
    hint: set[tuple[int, int]] | None = None
    pins: set[tuple[int, int]] = field(default_factory=set)
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    candidates: dict[int, list[int]] = field(default_factory=dict)
    fixed: dict[int, list[int]] = field(default_factory=dict)
    fixed_count: dict[int, int] = field(default_factory=dict)
    unmet: dict[int, cp_model.LinearExprT] = field(default_factory=dict)
    objective: list[cp_model.LinearExprT] = field(default_factory=list)
    #: Stop building (``TimeoutError``) after this ``time.perf_counter()`` moment (the monolithic baseline).
    deadline: float | None = None
    #: Stop building (``MemoryError``) beyond this many variables.
    max_variables: int | None = None

    def _check_limits(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise TimeoutError(f"model building exceeded the time budget at {len(self.x)} variables")
        if self.max_variables is not None and len(self.x) > self.max_variables:
            raise MemoryError(f"model exceeds {self.max_variables} variables")

    def build(self) -> None:
        c = self.c
        free_e = set(self.free_employees)
        free_n = set(self.free_needs)
        shifts = per_employee(c, self.by_need)
        self.shifts = shifts
        for n in self.free_needs:
            self.fixed_count[n] = sum(1 for e in self.by_need[n] if e not in free_e or (e, n) in self.pins)
        for e in self.free_employees:
            # checked per employee: on Asker one employee's candidates take a few milliseconds, 50 took seconds
            self._check_limits()
            self.fixed[e] = [n for n in shifts[e] if n not in free_n or (e, n) in self.pins]
            self.candidates[e] = []
            for n in self.free_needs:
                if (e, n) in self.pins:
                    continue
                if qualification_valid.allows(c, e, n) and daily_rest.fits_fixed(c, e, n, self.fixed[e]):
                    self.candidates[e].append(n)
                    self.x[e, n] = self.model.new_bool_var(f"x_{e}_{n}")
        # coverage and unmet
        w = c.weights
        for n in self.free_needs:
            taken = sum(self.x[e, n] for e in self.free_employees if (e, n) in self.x)
            room = int(c.n_count[n]) - self.fixed_count[n]
            self.model.add(taken <= max(0, room))
            missing = max(0, room) - taken
            self.unmet[n] = missing
            self.objective.append((w.unmet_critical if c.n_critical[n] else w.unmet_other) * missing)
        for e in self.free_employees:
            self._check_limits()
            if not self.candidates[e]:
                continue
            daily_rest.constrain(self, e)
            weekly_rest.constrain(self, e)
            max_hours_per_day.constrain(self, e)
            max_hours_per_week.constrain(self, e)
            overtime_caps.constrain(self, e)  # also the overtime term of the objective
            position_norm.constrain(self, e)
            sunday_alternation.constrain(self, e)
            cohort.constrain(self, e)
            max_travel.add_costs(self, e)
            self._employee_objective(e)
        home_critical_first.constrain(self)
        self.model.minimize(sum(self.objective))
        for (e, n), var in self.x.items():
            self.model.add_hint(var, e in self.by_need[n])

    def week_minutes(self, e: int, week: int) -> tuple[int, cp_model.LinearExprT, bool]:
        """(fixed minutes, free expression, any candidate) of employee ``e`` in ``week``."""
        c = self.c
        fixed = sum(int(c.n_minutes[n]) for n in self.fixed[e] if c.n_week[n] == week)
        cands = [n for n in self.candidates[e] if c.n_week[n] == week]
        expr = sum(int(c.n_minutes[n]) * self.x[e, n] for n in cands)
        return fixed, expr, bool(cands)

    def _employee_objective(self, e: int) -> None:
        c, w = self.c, self.c.weights
        home = int(c.e_home[e])
        rs = int(c.e_rule_set[e])
        linear = []
        away_vars = []
        outside_vars = []
        for n in self.candidates[e]:
            u = int(c.n_unit[n])
            coef = (int(c.e_wage[e]) * int(c.n_minutes[n]) * 100 // 60 + int(c.n_supplement[rs, n])) * w.cost_per_ore
            if u != home:
                coef += w.travel_per_km * int(c.unit_km[home, u])
                if c.u_kind[u] not in c.e_willing[e]:
                    coef += w.unwanted_shift
                away_vars.append(self.x[e, n])
            if c.u_sector[u] != c.e_sector[e]:
                outside_vars.append(self.x[e, n])
            if c.n_night[n] and c.e_avoid_nights[e]:
                coef += w.unwanted_shift
            if c.n_weekend[n] and c.e_avoid_weekends[e]:
                coef += w.unwanted_shift
            if self.hint is not None:
                coef += -w.change if (e, n) in self.hint else w.change
            linear.append(coef * self.x[e, n])
        self.objective.extend(linear)
        fixed_away = any(int(c.n_unit[n]) != home for n in self.fixed[e])
        if away_vars and not fixed_away:
            moved = self.model.new_bool_var(f"moved_{e}")
            for v in away_vars:
                self.model.add_implication(v, moved)
            self.objective.append(w.moved_person * moved)
        fixed_outside = any(c.u_sector[int(c.n_unit[n])] != c.e_sector[e] for n in self.fixed[e])
        if outside_vars and not fixed_outside:
            outside = self.model.new_bool_var(f"outside_{e}")
            for v in outside_vars:
                self.model.add_implication(v, outside)
            self.objective.append(w.outside_sector_person * outside)
        unsocial_fixed = sum(1 for n in self.fixed[e] if c.n_unsocial[n])
        unsocial_free = [self.x[e, n] for n in self.candidates[e] if c.n_unsocial[n]]
        if unsocial_free and w.unsocial_squared:
            top = unsocial_fixed + len(unsocial_free)
            count = self.model.new_int_var(unsocial_fixed, top, f"unsocial_{e}")
            self.model.add(count == unsocial_fixed + sum(unsocial_free))
            square = self.model.new_int_var(0, top * top, f"unsocial_sq_{e}")
            self.model.add_multiplication_equality(square, [count, count])
            self.objective.append(w.unsocial_squared * square)

    def solve(
        self, time_limit_s: float, seed: int, workers: int = 1, *, deterministic_s: float = 0.0
    ) -> dict[int, list[int]] | None:
        """Solve; returns the new free employees per free need, or None when no solution was found.

        ``deterministic_s`` > 0 also limits CP-SAT's deterministic time, which makes one worker reproducible.
        """
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
        if deterministic_s > 0:
            solver.parameters.max_deterministic_time = deterministic_s
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # parts are small and re-solved often: probing in presolve costs more than it saves here
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        status = solver.solve(self.model)
        self.status_name = solver.status_name(status)
        self.best_bound = solver.best_objective_bound
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out: dict[int, list[int]] = {n: [] for n in self.free_needs}
        for (e, n), var in self.x.items():
            if solver.boolean_value(var):
                out[n].append(e)
        return out


def apply(by_need: list[list[int]], sub: SubModel, solution: dict[int, list[int]]) -> list[list[int]]:
    """The plan with the part's free employees replaced by the solution's."""
    free_e = set(sub.free_employees)
    new = [list(people) for people in by_need]
    for n in sub.free_needs:
        kept = [e for e in new[n] if e not in free_e or (e, n) in sub.pins]
        new[n] = kept + [e for e in solution[n] if e not in kept]
    return new


def solve_monolithic(
    c: Compiled,
    by_need: list[list[int]],
    params: SolveParams,
    *,
    deadline: float,
    hint: set[tuple[int, int]] | None,
    pins: set[tuple[int, int]],
) -> tuple[list[list[int]], dict[str, float | int | str]]:
    """The baseline: one CP-SAT model with every need and every employee free (hinted with the construction)."""
    t = time.perf_counter()
    sub = SubModel(c, list(range(c.n_employees)), list(range(c.n_needs)), by_need, hint=hint, pins=pins)
    sub.deadline = deadline
    sub.max_variables = 20_000_000
    stats: dict[str, float | int | str] = {}
    try:
        sub.build()
    except (MemoryError, TimeoutError) as stop:
        stats["monolithic"] = f"no model: {stop}"
        stats["monolithic_build_s"] = round(time.perf_counter() - t, 3)
        return by_need, stats
    stats["monolithic_build_s"] = round(time.perf_counter() - t, 3)
    stats["monolithic_variables"] = len(sub.x)
    left = deadline - time.perf_counter()
    if left <= 0:
        stats["monolithic"] = "no time left after building the model"
        return by_need, stats
    solution = sub.solve(left, params.seed, workers=max(1, params.processes))
    stats["monolithic"] = sub.status_name
    if solution is None:
        return by_need, stats
    return apply(by_need, sub, solution), stats
