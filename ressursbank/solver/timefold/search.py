"""Construction, then CP-SAT large-neighbourhood search over windows of days and groups of employees.

Every neighbourhood frees the shifts of a group of employees that start inside a window of dates (and the
unassigned shifts there) and reassigns them optimally among the group, all other shifts fixed. The balance term
is linearised exactly per employee (tangent cuts of x^2) with a weight of 1 / (2U) per unit of sum x^2 relative
to one minute, the first-order change of U; a candidate roster is accepted only when its exact score (the
checker's unfairness, rounded as Timefold rounds it) is at least as good.
"""

from __future__ import annotations

import decimal
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ressursbank.checker.timefold import unfairness
from ressursbank.domain.timefold import TimefoldDataset
from ressursbank.solver.timefold.compile import DESIRED, UNDESIRED, Compiled, compile_dataset
from ressursbank.solver.timefold.construct import construct
from ressursbank.solver.timefold.model import build_submodel, solve_submodel
from ressursbank.solver.timefold.rules import Weights

logger = logging.getLogger(__name__)

#: The best score so far is reported at most this often (seconds), and on every phase change.
PROGRESS_EVERY = 1.0


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


class State:
    """The current roster with incrementally maintained counts and minutes (S2 - S1)."""

    def __init__(self, compiled: Compiled, assign: npt.NDArray[np.int64]) -> None:
        self.compiled = compiled
        self.assign = assign.copy()
        self.counts = [0] * compiled.n_employees
        self.shifts_of: list[set[int]] = [set() for _ in range(compiled.n_employees)]
        self.minutes = 0
        self.unassigned: set[int] = set()
        for s in range(compiled.n_shifts):
            e = int(self.assign[s])
            if e < 0:
                self.unassigned.add(s)
            else:
                self._add(s, e)

    def _add(self, s: int, e: int) -> None:
        self.counts[e] += 1
        self.shifts_of[e].add(s)
        self.minutes += self.compiled.reward(s, e)

    def _remove(self, s: int, e: int) -> None:
        self.counts[e] -= 1
        self.shifts_of[e].discard(s)
        self.minutes -= self.compiled.reward(s, e)

    def apply(self, changes: dict[int, int]) -> dict[int, int]:
        """Give each shift in ``changes`` its new holder (-1: unassigned); return the old holders."""
        old: dict[int, int] = {}
        for s, e in changes.items():
            before = int(self.assign[s])
            old[s] = before
            if before == e:
                continue
            if before >= 0:
                self._remove(s, before)
            else:
                self.unassigned.discard(s)
            if e >= 0:
                self._add(s, e)
            else:
                self.unassigned.add(s)
            self.assign[s] = e
        return old

    def unfairness(self) -> decimal.Decimal:
        """The S3 term of the current roster."""
        return unfairness(self.counts)

    def soft(self) -> decimal.Decimal:
        """The soft score of the current roster."""
        return decimal.Decimal(self.minutes) - self.unfairness()

    def key(self) -> tuple[int, decimal.Decimal]:
        """Sort key, higher is better: fewer unassigned shifts first, then soft."""
        return (-len(self.unassigned), self.soft())

    def date_value(self, e: int, date: int) -> int:
        """Minutes employee ``e`` works on date index ``date``."""
        total = 0
        for s in self.shifts_of[e]:
            for d, m in self.compiled.entries[s]:
                if d == date:
                    total += m
        return total


def _weights(u: decimal.Decimal) -> Weights:
    # One unit of sum x^2 changes U by about 1/(2U); minutes get weight 2U*10 against 10 per unit of sum x^2.
    minute = max(1, round(20 * max(float(u), 0.5)))
    return Weights(minute=minute, square=10, unassigned=minute * 20_000)


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
        if state.unassigned and r < 0.6:
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


def solve_timefold(
    dataset: TimefoldDataset,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    progress: Callable[[Progress], None] | None = None,
    target_vars: int = 6000,
    sub_time_limit: float = 1.0,
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
        CP-SAT search workers per subproblem.
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
    while True:
        remaining = deadline - time.perf_counter()
        if remaining < 0.05:
            break
        kind, lo, hi, group = hoods.pick(state)
        free = hoods.free_shifts(state, lo, hi, group)
        if not free:
            continue
        weights = _weights(state.unfairness())
        kept = {e: [s for s in state.shifts_of[e] if not lo <= int(compiled.start_date[s]) <= hi] for e in group}
        sub = build_submodel(compiled, free, group, state.assign, weights, kept=kept)
        remaining = deadline - time.perf_counter()
        if remaining < 0.05:
            break
        _, result = solve_submodel(
            sub, time_limit=min(sub_time_limit, remaining), workers=workers, seed=rng.randrange(1 << 30)
        )
        iterations += 1
        if result is None:
            continue
        old = state.apply(result)
        key = state.key()
        if key >= best_key:
            if key > best_key:
                improvements += 1
                logger.debug("%s %d-%d |G|=%d: %s", kind, lo, hi, len(group), key)
            best_key = key
            if first_legal is None and not state.unassigned:
                first_legal = time.perf_counter() - t0
                report("legal", force=True)
            report("improve")
        else:
            state.apply(old)
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
