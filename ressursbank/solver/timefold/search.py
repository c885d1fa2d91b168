"""Construction, then CP-SAT large-neighbourhood search over windows of days and groups of employees.

Every neighbourhood frees the shifts of a group of employees that start inside a window of dates (and the
unassigned shifts there) and reassigns them optimally among the group, all other shifts fixed. The balance term
is linearised exactly per employee (tangent cuts of x^2) with a weight of 1 / (2U) per unit of sum x^2 relative
to one minute, the first-order change of U; a candidate roster is accepted only when its exact score (the
checker's unfairness, rounded as Timefold rounds it) is at least as good.
"""

from __future__ import annotations

import decimal
import functools
import logging
import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ressursbank.domain.timefold import TimefoldDataset
from ressursbank.solver.timefold.balance import rebalance
from ressursbank.solver.timefold.compile import DESIRED, UNDESIRED, Compiled, compile_dataset
from ressursbank.solver.timefold.construct import construct
from ressursbank.solver.timefold.model import build_submodel, solve_submodel
from ressursbank.solver.timefold.rules import Weights
from ressursbank.solver.timefold.state import State
from ressursbank.solver.timefold.submodel import SubModel

logger = logging.getLogger(__name__)

#: The best score so far is reported at most this often (seconds), and on every phase change.
PROGRESS_EVERY = 1.0
#: Weight of sum x_i^2 in the neighbourhoods (0: minutes only; :func:`rebalance` handles the balance term).
SQUARE = 0
#: Weight of sum x_i^2 in the "balance" neighbourhoods (busiest and idlest employees): the exact trade-off.
SQUARE_BALANCE = 0
#: Seconds between two rebalancing passes.
BALANCE_EVERY = 2.0


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress event: elapsed seconds, phase, unassigned shifts and the soft score of the best roster."""

    elapsed: float
    phase: str
    unassigned: int
    soft: decimal.Decimal


@dataclass(frozen=True, slots=True)
class SolveOutcome:
    """The best roster found and how the search went.

    Attributes
    ----------
    roster
        Shift id -> employee name (unassigned shifts are absent).
    unassigned
        Shifts without an employee.
    soft
        The solver's own soft score of ``roster`` (its hard score is 0 by construction).
    first_legal
        Seconds from the start of the solve to the first roster with every shift assigned (None: never).
    runtime
        Seconds spent.
    iterations, improvements
        Neighbourhoods solved and accepted with a better score.
    """

    roster: dict[str, str]
    unassigned: int
    soft: decimal.Decimal
    first_legal: float | None
    runtime: float
    iterations: int
    improvements: int


def _weights(u: decimal.Decimal, square: int) -> Weights:
    # One unit of sum x^2 changes U by about 1/(2U); minutes get weight 2U*10 against 10 per unit of sum x^2.
    minute = max(1, round(20 * max(float(u), 0.5)))
    return Weights(minute=minute, square=square, unassigned=minute * 20_000)


class Neighbourhoods:
    """Chooses windows of dates and groups of employees, sized so a subproblem has about ``target`` variables."""

    def __init__(self, compiled: Compiled, rng: random.Random, target: int) -> None:
        self.c = compiled
        self.rng = rng
        self.target = target
        self.by_date: list[list[int]] = [[] for _ in range(compiled.n_dates)]
        for s in range(compiled.n_shifts):
            self.by_date[int(compiled.start_date[s])].append(s)
        used = [d for d in range(compiled.n_dates) if self.by_date[d]]
        self.first, self.last = (min(used), max(used)) if used else (0, 0)
        days = max(1, self.last - self.first + 1)
        self.rate = compiled.n_shifts / max(1, compiled.n_employees * days)
        pools = [len(compiled.eligible[int(k)]) for k in compiled.skill]
        self.share = (sum(pools) / max(1, len(pools))) / max(1, compiled.n_employees)
        self.desired = [
            (e, d)
            for e in range(compiled.n_employees)
            for d in np.flatnonzero(compiled.kind[e] == DESIRED).tolist()
            if self.by_date[d] or (d > 0 and self.by_date[d - 1])
        ]
        self.undesired = [
            (e, d) for e in range(compiled.n_employees) for d in np.flatnonzero(compiled.kind[e] == UNDESIRED).tolist()
        ]
        self.best_on: list[int] = [0] * compiled.n_dates
        for s in range(compiled.n_shifts):
            for d, m in compiled.entries[s]:
                self.best_on[d] = max(self.best_on[d], m)

    def group_size(self, window: int) -> int:
        """Employees per group so that free shifts x eligible employees is about ``target``."""
        g = math.sqrt(self.target / max(1e-9, window * self.rate * self.share))
        return max(2, min(self.c.n_employees, int(g)))

    def window(self, centre: int | None = None, width: int | None = None) -> tuple[int, int]:
        """A window of start dates ``[lo, hi]`` around ``centre`` (random when None)."""
        days = self.last - self.first + 1
        w = width if width is not None else self.rng.choice((2, 3, 4, 5, 7, 7, 10, 14))
        w = max(1, min(w, days))
        if centre is None:
            lo = self.rng.randint(self.first, self.last - w + 1)
        else:
            lo = max(self.first, min(centre - self.rng.randint(0, w - 1), self.last - w + 1))
        return lo, lo + w - 1

    def fill(self, group: list[int], size: int, pool: list[int] | None = None) -> list[int]:
        """Top ``group`` up to ``size`` employees with random ones (from ``pool`` first when given)."""
        chosen = dict.fromkeys(group)
        for source in (pool or [], range(self.c.n_employees)):
            candidates = [e for e in source if e not in chosen]
            need = size - len(chosen)
            if need <= 0:
                break
            for e in self.rng.sample(candidates, min(need, len(candidates))):
                chosen[e] = None
        return list(chosen)[: max(size, len(group))]

    def free_shifts(self, state: State, lo: int, hi: int, group: list[int]) -> list[int]:
        """Shifts starting in ``[lo, hi]`` held by ``group``, and the unassigned ones there."""
        members = set(group)
        return [
            s
            for d in range(lo, hi + 1)
            for s in self.by_date[d]
            if int(state.assign[s]) in members or int(state.assign[s]) < 0
        ]

    def pick(self, state: State) -> tuple[str, int, int, list[int]]:
        """Return ``(kind, lo, hi, group)`` for the next neighbourhood."""
        r = self.rng.random()
        if state.unassigned:
            s = self.rng.choice(sorted(state.unassigned))
            lo, hi = self.window(int(self.c.start_date[s]), self.rng.choice((2, 3, 5)))
            pool = self.c.eligible[int(self.c.skill[s])].tolist()
            return "repair", lo, hi, self.fill([], self.group_size(hi - lo + 1), pool)
        if r < 0.45 and self.desired:
            unmet = [(e, d) for e, d in self.rng.sample(self.desired, min(40, len(self.desired)))]
            unmet = [(e, d) for e, d in unmet if state.date_value(e, d) < self.best_on[d]]
            if unmet:
                e, d = unmet[0]
                return self._around("desired", state, e, d)
        if r < 0.6 and self.undesired:
            met = [(e, d) for e, d in self.rng.sample(self.undesired, min(40, len(self.undesired)))]
            met = [(e, d) for e, d in met if state.date_value(e, d) > 0]
            if met:
                e, d = met[0]
                return self._around("undesired", state, e, d)
        lo, hi = self.window()
        size = self.group_size(hi - lo + 1)
        if r < 0.75:
            order = sorted(range(self.c.n_employees), key=lambda e: (state.counts[e], self.rng.random()))
            k = max(1, size // 4)
            return "balance", lo, hi, self.fill(order[:k] + order[-k:], size)
        return "random", lo, hi, self.fill([], size)

    def _around(self, kind: str, state: State, e: int, d: int) -> tuple[str, int, int, list[int]]:
        lo, hi = self.window(d, self.rng.choice((2, 3, 3, 5, 7)))
        skills = self.c.emp_skills[e]
        holders = [
            int(state.assign[s])
            for s in self.by_date[d] + (self.by_date[d - 1] if d > 0 else [])
            if int(state.assign[s]) >= 0 and int(self.c.skill[s]) in skills
        ]
        self.rng.shuffle(holders)
        return kind, lo, hi, self.fill([e], self.group_size(hi - lo + 1), holders)


def _solve_job(job: tuple[SubModel, int], *, time_limit: float) -> tuple[str, dict[int, int] | None]:
    return solve_submodel(job[0], time_limit=time_limit, workers=1, seed=job[1])


def _batch(state: State, hoods: Neighbourhoods, count: int) -> list[tuple[str, int, int, list[int], list[int]]]:
    """Up to ``count`` neighbourhoods with disjoint groups and disjoint free shifts (solved side by side)."""
    batch: list[tuple[str, int, int, list[int], list[int]]] = []
    taken_employees: set[int] = set()
    taken_shifts: set[int] = set()
    for _ in range(count):
        for _attempt in range(5):
            kind, lo, hi, group = hoods.pick(state)
            group = [e for e in group if e not in taken_employees]
            free = [s for s in hoods.free_shifts(state, lo, hi, group) if s not in taken_shifts]
            if group and free:
                batch.append((kind, lo, hi, group, free))
                taken_employees.update(group)
                taken_shifts.update(free)
                break
    return batch


def solve_timefold(
    dataset: TimefoldDataset,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    progress: Callable[[Progress], None] | None = None,
    target_vars: int = 700,
    sub_time_limit: float = 0.5,
) -> SolveOutcome:
    """Build a legal roster fast, then improve it by CP-SAT LNS until ``time_limit`` seconds have passed.

    Parameters
    ----------
    dataset
        The data set.
    time_limit
        Wall-time budget in seconds, compilation and construction included.
    seed
        Random seed (construction noise, neighbourhoods, CP-SAT).
    workers
        Neighbourhoods solved side by side in threads (each by one CP-SAT worker): small subproblems gain
        nothing from CP-SAT's portfolio, disjoint neighbourhoods in parallel use every core.
    progress
        Called with a :class:`Progress` on phase changes and improvements (at most once a second).
    target_vars
        Approximate number of assignment variables per neighbourhood.
    sub_time_limit
        Seconds per neighbourhood at most.

    Returns
    -------
    SolveOutcome
        The best roster found (never raises on a hard instance: unassigned shifts are reported).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    rng = random.Random(seed)
    compiled = compile_dataset(dataset)
    state = State(compiled, construct(compiled, seed))
    first_legal: float | None = time.perf_counter() - t0 if not state.unassigned else None
    best_key = state.key()
    last_report = -math.inf

    def report(phase: str, force: bool = False) -> None:
        nonlocal last_report
        now = time.perf_counter() - t0
        if progress is not None and (force or now - last_report >= PROGRESS_EVERY):
            last_report = now
            progress(Progress(now, phase, len(state.unassigned), state.soft()))

    report("construction", force=True)
    logger.info("construction: %d unassigned, soft %s", len(state.unassigned), best_key[1])
    hoods = Neighbourhoods(compiled, rng, target_vars)
    iterations = improvements = 0
    # The final rebalancing pass gets a small reserve at the end; intermediate passes run between neighbourhoods.
    reserve = min(2.0, 0.05 * time_limit)
    next_balance = time.perf_counter() + BALANCE_EVERY

    def rebalance_now(until: float) -> None:
        nonlocal best_key, improvements
        if state.unassigned:
            return
        if rebalance(state, rng, until):
            best_key = state.key()
            improvements += 1
            report("balance")

    executor = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        while True:
            now = time.perf_counter()
            if now >= deadline - reserve - 0.05:
                break
            if now >= next_balance:
                rebalance_now(min(deadline - reserve, now + 0.25))
                next_balance = time.perf_counter() + BALANCE_EVERY
            batch = _batch(state, hoods, workers)
            if not batch:
                continue
            subs = []
            for kind, lo, hi, group, free in batch:
                # A repair only has to place unassigned shifts: without soft terms CP-SAT stops once all are
                # placed. Otherwise the minutes are optimised; rebalance() then lowers U without losing minutes.
                if kind == "repair":
                    weights = Weights(0, 0, 1)
                else:
                    weights = _weights(state.unfairness(), SQUARE_BALANCE if kind == "balance" else SQUARE)
                kept = {
                    e: [s for s in state.shifts_of[e] if not lo <= int(compiled.start_date[s]) <= hi] for e in group
                }
                subs.append(build_submodel(compiled, free, group, state.assign, weights, kept=kept))
            remaining = deadline - reserve - time.perf_counter()
            if remaining < 0.05:
                break
            limit = min(sub_time_limit, remaining)
            seeds = [rng.randrange(1 << 30) for _ in subs]
            if executor is None:
                results = [solve_submodel(subs[0], time_limit=limit, workers=1, seed=seeds[0])]
            else:
                solve = functools.partial(_solve_job, time_limit=limit)
                results = list(executor.map(solve, zip(subs, seeds, strict=True)))
            for (kind, lo, hi, group, _), (_, result) in zip(batch, results, strict=True):
                iterations += 1
                if result is None:
                    continue
                old = state.apply(result)
                key = state.key()
                if key < best_key:
                    state.apply(old)
                    continue
                if key > best_key:
                    improvements += 1
                    logger.debug("%s %d-%d |G|=%d: %s", kind, lo, hi, len(group), key)
                best_key = key
                if first_legal is None and not state.unassigned:
                    first_legal = time.perf_counter() - t0
                    report("legal", force=True)
                    next_balance = time.perf_counter()
                report("improve")
    finally:
        if executor is not None:
            executor.shutdown()
    rebalance_now(deadline)
    employees, shifts = dataset.employees, dataset.shifts
    roster = {shifts[s].id: employees[int(e)].name for s, e in enumerate(state.assign) if e >= 0}
    report("done", force=True)
    return SolveOutcome(
        roster=roster,
        unassigned=len(state.unassigned),
        soft=state.soft(),
        first_legal=first_legal,
        runtime=time.perf_counter() - t0,
        iterations=iterations,
        improvements=improvements,
    )
