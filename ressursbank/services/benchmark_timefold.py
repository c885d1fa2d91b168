"""Solve one Timefold employee-scheduling data set end to end: read, solve, score with the checker, write the roster."""

from __future__ import annotations

import csv
import decimal
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ressursbank.checker.timefold import TimefoldReport, check_timefold
from ressursbank.domain.timefold import Roster, TimefoldDataset
from ressursbank.exceptions import RessursbankError
from ressursbank.formats.timefold import read_timefold

#: Receives the solver's progress events (elapsed, phase, unassigned, soft).
ProgressCallback = Callable[[Any], None]
#: Loaded when a solve starts, so that OR-Tools stays out of the import graph of services and faces.
SOLVER_MODULE = "ressursbank.solver.timefold"


class ScoreMismatch(RessursbankError):
    """The solver's own score differs from the checker's: a bug, never a result to report."""


@dataclass(frozen=True, slots=True)
class TimefoldResult:
    """What one solve produced, scored by the checker.

    Attributes
    ----------
    dataset
        The data set solved.
    report
        The checker's report on ``roster``.
    first_legal
        Seconds from the start of the solve to the first roster with hard 0 and every shift assigned.
    runtime
        Seconds spent solving (reading and checking not included).
    roster
        Shift id -> employee name.
    """

    dataset: TimefoldDataset
    report: TimefoldReport
    first_legal: float | None
    runtime: float
    roster: dict[str, str]

    @property
    def hard(self) -> int:
        """Hard score (0 or negative)."""
        return self.report.hard

    @property
    def soft(self) -> decimal.Decimal:
        """Soft score (higher is better)."""
        return self.report.soft

    @property
    def unassigned(self) -> int:
        """Shifts without an employee."""
        return self.report.unassigned

    @property
    def feasible(self) -> bool:
        """Hard 0 and every shift assigned."""
        return self.report.feasible

    @property
    def score(self) -> str:
        """The score as Timefold prints it."""
        return self.report.score


def write_roster_csv(dataset: TimefoldDataset, roster: Roster, out: str | Path) -> None:
    """Write ``roster`` as CSV ``shift_id,employee``, one line per assigned shift in the data set's order.

    Parameters
    ----------
    dataset
        Gives the order of the shifts.
    roster
        Shift id -> employee name.
    out
        The CSV file to write.
    """
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["shift_id", "employee"])
        for shift in dataset.shifts:
            if shift.id in roster:
                writer.writerow([shift.id, roster[shift.id]])


def solve_dataset(
    dataset: TimefoldDataset,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    out: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> TimefoldResult:
    """Solve ``dataset``, score the roster with the checker, optionally write it as CSV.

    Parameters
    ----------
    dataset
        The data set.
    time_limit
        Wall-time budget of the solve, in seconds.
    seed
        Random seed.
    workers
        CP-SAT workers.
    out
        Where to write the roster CSV (``shift_id,employee``), if anywhere.
    progress
        Receives the solver's progress events.

    Returns
    -------
    TimefoldResult
        Checker-verified score, time to the first legal roster, runtime and the roster.

    Raises
    ------
    ScoreMismatch
        When the solver's own score is not the checker's.
    """
    solver = importlib.import_module(SOLVER_MODULE)
    start = time.perf_counter()
    outcome = solver.solve_timefold(dataset, time_limit=time_limit, seed=seed, workers=workers, progress=progress)
    runtime = time.perf_counter() - start
    report = check_timefold(dataset, outcome.roster)
    if report.hard != 0 or report.unassigned != outcome.unassigned or report.soft != outcome.soft:
        raise ScoreMismatch(
            f"{dataset.name}: solver says 0hard/{outcome.soft}soft with {outcome.unassigned} unassigned, "
            f"checker says {report.score} with {report.unassigned} unassigned"
        )
    if out is not None:
        write_roster_csv(dataset, outcome.roster, out)
    return TimefoldResult(
        dataset=dataset,
        report=report,
        first_legal=outcome.first_legal,
        runtime=runtime,
        roster=dict(outcome.roster),
    )


def solve_dataset_file(
    path: str | Path,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 2,
    out: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> TimefoldResult:
    """Read a ``timefold-employee-scheduling-v1`` JSON file and solve it (see :func:`solve_dataset`).

    Raises
    ------
    FormatError
        When the file is malformed.
    """
    return solve_dataset(
        read_timefold(path), time_limit=time_limit, seed=seed, workers=workers, out=out, progress=progress
    )
