"""LNS started from the root LP: column generation to (near) convergence, then the LNS from the LP's roster.

On instances whose root LP bound is (nearly) the optimum (12: 4040, 13: 1348, 15: 3824 against 3828), the converged
LP is close to an optimal roster in aggregate, yet its heaviest column per employee is a poor roster by itself (12:
~11,000, 13: ~18,000: cover is missed or doubled where the LP mixes columns). The LNS repairs such a roster quickly
and ends far lower than from the constructed roster. Session 15, measured under load 3.6-6 (other helpers running):

- one LNS thread, equal wall time, from a pickled root LP: 12, 15 s: 4,665 and 4,563 against 5,798 and 5,406 from the
  construction; 13, 30 s: 2,785 against 3,913; 13, 120 s (63 CPU s each): 2,418 against 3,251;
- the whole search against the engine (``solve_curtois``), 60 s, 2 workers, back to back: 12 4,271 / bound 4,040
  against 5,138 / 6 (load 5.4), 4,260 / 4,040 against 5,240 / 6 (load 6); 15 with ``colgen_deadline`` at half the
  budget 4,608 / 3,706 against 5,867 / 127 (load 5.6), without it the root used the whole minute (5,801 / 3,822);
- not at 60 s on 13 and 19, whose roots need 50-150 CPU s (half the minute, load 5.8): 13 5,708 (the engine reached
  4,740 at 150 s under the same load), 19 6,460 against the engine's 5,594 at 60 s. 13 at 300 s (root until 60 %,
  not converged: LP bound 846): 2,754 in 171 CPU s (load 5.8) against the engine's 2,757 in 252 CPU s (load 3.9).

Session 16 (nice 10, other helpers and a 600 s benchmark running), through ``solve_curtois`` with the root until half
the budget, back to back against the route before: 60 s, load 5.5-7.2: 15 4,594 and 4,587 / 3,714 against 5,568 and
5,576 / 127 (full model + LNS); 18 4,966 and 4,964 / 4,418 against 6,100 and 6,284 / 4,418 (full model beside the
background column generation); 12 at half the budget 4,252 against 4,269 until convergence (load 11-13). 150 s, load
3.6-5.6: 13 2,716 against 3,695, 19 3,804 against 4,321 (both roots unconverged at 75 s: LP 1,968 and 4,768). At 60 s
13 (5,415 against 5,029) and 19 (6,739 against 5,330) still lose, so the route scales with the budget
(``CurtoisParams.lp_guided_var_days_per_second``). Once the CP-SAT pricing models are built only on demand, 13's
root converges alone to LP 1,348 = bound 1,348 in 44 rounds and 58.5 CPU s, 41 of them in GLOP (CLP instead: no warm
start, 23 rounds in 129 s; GLOP without presolve: 36 CPU s of LP, not kept).

A restricted master IP over the columns (SCIP 10 s on 12: 7,596; CP-SAT: none), CP-SAT on the cells the LP leaves
fractional (12: 771 of 1,680 cells, 11,314 in 10 s) and best responses before the LNS (12: 5,053 against 4,665)
gave less.

API::

    lp_guided_search(compiled, start, *, deadline, workers=2, seed=0, colgen_deadline=None,
                     sub_time_limit=2.0) -> LpGuidedResult

While the column generation runs (one core), an LNS from ``start`` uses the other core when ``workers >= 2``;
then every worker runs the LNS from the LP's roster until ``deadline``. The result is the best roster of both.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from ressursbank.solver.curtois.colgen import column_generation
from ressursbank.solver.curtois.compile import Assignment, Compiled
from ressursbank.solver.curtois.lns import improve

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LpGuidedResult:
    """The best roster found (never worse than ``start``), its objective, the root's lower bound (``None`` when
    the column generation gave none), whether the root converged, and the objective the LNS from the LP's roster
    reached by itself (``None`` when it did not run)."""

    assignment: Assignment
    objective: int
    lower_bound: int | None
    converged: bool
    from_lp: int | None


def lp_guided_search(
    compiled: Compiled,
    start: Assignment,
    *,
    deadline: float,
    workers: int = 2,
    seed: int = 0,
    colgen_deadline: float | None = None,
    sub_time_limit: float = 2.0,
) -> LpGuidedResult:
    """Run the root column generation (until convergence or ``colgen_deadline``, by default ``deadline``), then
    the LNS from the LP's heaviest columns until ``deadline``; see the module docstring.

    Parameters
    ----------
    compiled
        The compiled instance.
    start
        A lawful roster (e.g. the construction's): it seeds the master and the LNS beside the column generation.
    deadline
        A ``time.monotonic()`` value by which to return.
    workers
        Threads of the LNS after the column generation; with 2 or more, one LNS thread runs beside it.
    seed
        Seed of the LNS.
    colgen_deadline
        When to stop the column generation if it has not converged.
    sub_time_limit
        Seconds per LNS sub-problem.
    """
    best = [row[:] for row in start]
    best_value = compiled.objective(best)
    target: int | None = None
    done = threading.Event()
    beside: list[tuple[Assignment, int]] = []

    def lns_beside() -> None:
        found, _ = improve(
            compiled,
            best,
            deadline=deadline,
            workers=1,
            seed=seed + 1,
            sub_time_limit=sub_time_limit,
            stop=done.is_set,
            parallel=False,
        )
        beside.append((found, compiled.objective(found)))

    thread = threading.Thread(target=lns_beside, daemon=True) if workers >= 2 else None
    if thread is not None:
        thread.start()
    try:
        root = column_generation(
            compiled,
            deadline=min(deadline, colgen_deadline or deadline),
            workers=1,
            initial_rosters=start,
            master_ip_seconds=0.0,
            dive_seconds=0.0,
        )
    finally:
        done.set()
        if thread is not None:
            thread.join()
    if beside and beside[0][1] < best_value:
        best, best_value = beside[0]
    target = root.lower_bound
    logger.info(
        "lp-guided: root bound %s, converged %s, LP %s in %.1f s; incumbent %d",
        root.lower_bound,
        root.converged,
        root.lp_value,
        root.lp_seconds,
        best_value,
    )
    from_lp: int | None = None
    if root.lp_roster is not None and time.monotonic() < deadline and (target is None or best_value > target):
        found, _ = improve(
            compiled,
            root.lp_roster,
            deadline=deadline,
            workers=workers,
            seed=seed,
            sub_time_limit=sub_time_limit,
            target=target,
        )
        from_lp = compiled.objective(found)
        logger.info("lp-guided: LNS from the LP's roster %d, incumbent %d", from_lp, best_value)
        if from_lp < best_value:
            best, best_value = found, from_lp
    return LpGuidedResult(best, best_value, target, root.converged, from_lp)
