"""Solve one Curtois & Qu instance file end to end: read, solve, verify with the checker, write the roster."""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ressursbank.checker.curtois import CurtoisReport, check_curtois
from ressursbank.domain.curtois import CurtoisInstance, Roster
from ressursbank.exceptions import RessursbankError
from ressursbank.formats.curtois import read_curtois

Method = Literal["engine", "baseline"]
#: Receives the solver's progress events (phase, objective, bound, elapsed).
ProgressCallback = Callable[[Any], None]
#: The solver is loaded when a solve starts: the import-linter contract keeps OR-Tools (and so every module
#: that imports it) out of the import graph of services and faces.
SOLVER_MODULE = "ressursbank.solver.curtois.search"


class ObjectiveMismatch(RessursbankError):
    """The engine's objective differs from the checker's, or its bound exceeds a lawful roster's objective: a bug."""


@dataclass(frozen=True, slots=True)
class BenchmarkResult:
    """What one solve produced, verified by the checker."""

    instance: CurtoisInstance
    status: str
    objective: int | None
    bound: float | None
    runtime: float
    roster: Roster
    report: CurtoisReport | None

    @property
    def verdict(self) -> str:
        """Return the checker's verdict, or ``"no roster"``."""
        return self.report.verdict if self.report is not None else "no roster"


def write_roster_csv(instance: CurtoisInstance, roster: Roster, out: str | Path) -> None:
    """Write ``roster`` as CSV ``employee,day,shift``: one line per worked shift, file ids, 0-based days.

    Parameters
    ----------
    instance
        Gives the order of the employees (as in the file).
    roster
        Employee id -> day -> shift id.
    out
        The CSV file to write.
    """
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["employee", "day", "shift"])
        for employee in instance.employees:
            days = roster.get(employee.id, {})
            for day in sorted(days):
                writer.writerow([employee.id, day, days[day]])


def solve_instance(
    instance: CurtoisInstance,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    method: Method = "engine",
    out: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> BenchmarkResult:
    """Solve ``instance``, check the roster independently, optionally write it as CSV.

    Parameters
    ----------
    instance
        The benchmark instance.
    time_limit
        Wall-time budget in seconds.
    workers
        CP-SAT workers.
    seed
        Random seed.
    method
        ``"engine"`` or the plain monolithic ``"baseline"``.
    out
        Where to write the roster CSV, if given and a roster was found.
    progress
        Called on each improving solution.

    Returns
    -------
    BenchmarkResult
        Status, objective, bound, runtime, roster and the checker's report.

    Raises
    ------
    ObjectiveMismatch
        If the engine's objective differs from the checker's, or its bound lies above a lawful roster's objective.
    """
    search = importlib.import_module(SOLVER_MODULE)
    params = search.CurtoisParams(time_limit=time_limit, workers=workers, seed=seed, method=method)
    solution = search.solve_curtois(instance, params, progress=progress)
    report = None
    if solution.objective is not None:
        report = check_curtois(instance, solution.roster)
        if report.objective != solution.objective:
            raise ObjectiveMismatch(
                f"{instance.name}: engine objective {solution.objective} != checker objective {report.objective}"
            )
        if report.feasible and solution.bound is not None and solution.bound > report.objective + 1e-6:
            # A lower bound above a lawful roster's objective is a bug in the bound, never a result to report.
            raise ObjectiveMismatch(
                f"{instance.name}: bound {solution.bound} above the checker-verified objective {report.objective}"
            )
        if out is not None:
            write_roster_csv(instance, solution.roster, out)
    return BenchmarkResult(
        instance=instance,
        status=solution.status,
        objective=solution.objective,
        bound=solution.bound,
        runtime=solution.runtime,
        roster=solution.roster,
        report=report,
    )


def solve_instance_file(
    path: str | Path,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    out: str | Path | None = None,
    progress: ProgressCallback | None = None,
    method: Method = "engine",
) -> BenchmarkResult:
    """Read the instance file at ``path`` and :func:`solve_instance` it.

    Raises
    ------
    FormatError
        If the file is malformed (line, section and reason are named).
    ObjectiveMismatch
        If the engine's objective differs from the checker's.
    """
    return solve_instance(
        read_curtois(path),
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        method=method,
        out=out,
        progress=progress,
    )
