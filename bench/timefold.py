"""Run the Timefold employee-scheduling peer benchmark: one table over data sets and time limits.

Usage (from the repository root)::

    .venv/bin/python bench/timefold.py [DATA_DIR] --sets small,large,x5,x20 --limits 10,30,120 --workers 2

``DATA_DIR`` defaults to ``../shared/benchmarks/timefold`` relative to the repository root. Every run is a fresh
subprocess (so peak memory, read from ``/proc/self/status`` VmHWM, is that run's own). The score is the checker's,
which the service has already compared with the solver's own. Writes ``bench/results/timefold-<timestamp>.md``.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Timefold's own solver on these data (benchmark README, section 7: TF 1.15.0b0, 1 thread, CEO's machine).
TIMEFOLD_README = {
    ("small", 30): "0hard/2878.28730soft",
    ("small", 120): "0hard/2878.28730soft",
    ("large", 30): "-4hard/36068.40260soft",
    ("large", 120): "-4hard/36068.40260soft",
    ("x5", 30): "-1005init/0hard/177583.27498soft",
    ("x5", 120): "0hard/207742.7489soft",
}


def peak_memory_mib() -> float:
    """Peak resident memory of this process in MiB (VmHWM), or -1 where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1.0


def child(path: str, limit: float, seed: int, workers: int) -> None:
    """Solve one data set and print one JSON line (runs in a fresh interpreter)."""
    sys.path.insert(0, str(ROOT))
    from ressursbank.services.benchmark_timefold import solve_dataset_file

    result = solve_dataset_file(path, time_limit=limit, seed=seed, workers=workers)
    print(
        json.dumps(
            {
                "hard": result.hard,
                "soft": str(result.soft),
                "unassigned": result.unassigned,
                "score": result.score,
                "first_legal": result.first_legal,
                "runtime": result.runtime,
                "peak_mib": peak_memory_mib(),
            }
        )
    )


def timefold_child(path: str, limit: float) -> None:
    """Solve with Timefold's own solver (run by the Timefold venv's interpreter) and print the roster as JSON.

    The model is written here from Timefold's documentation and the benchmark README's rules: the quickstart's
    domain (employees with skills and date sets; shifts with one planning variable ``employee``), its eight
    constraints with the same names and weights, ``HardSoftDecimalScore``, default phases (construction
    heuristic, then local search), terminated by ``spent_limit``. Dates and times are pre-computed as whole
    minutes and day numbers, which keeps the Python-to-Java translation of the constraint lambdas simple. This
    module must not use ``from __future__ import annotations``: Timefold reads the real annotations.
    """
    # This script is itself named timefold.py: keep its folder off the path so `import timefold` finds the package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import datetime as dt
    from dataclasses import dataclass, field
    from typing import Annotated

    from timefold.solver import SolverFactory
    from timefold.solver.config import Duration, ScoreDirectorFactoryConfig, SolverConfig, TerminationConfig
    from timefold.solver.domain import (
        PlanningEntityCollectionProperty,
        PlanningId,
        PlanningScore,
        PlanningVariable,
        ProblemFactCollectionProperty,
        ValueRangeProvider,
        planning_entity,
        planning_solution,
    )
    from timefold.solver.score import (
        ConstraintCollectors,
        ConstraintFactory,
        HardSoftDecimalScore,
        Joiners,
        constraint_provider,
    )

    @dataclass
    class Employee:
        name: Annotated[str, PlanningId]
        skills: set[str] = field(default_factory=set)
        unavailable_days: set[int] = field(default_factory=set)
        undesired_days: set[int] = field(default_factory=set)
        desired_days: set[int] = field(default_factory=set)

    @planning_entity
    @dataclass
    class Shift:
        id: Annotated[str, PlanningId]
        start: int  # minutes from the epoch of the data set (whole-minute data)
        end: int
        start_day: int
        end_day: int
        start_day_minutes: int  # day minutes on the start date (the whole shift when it ends that date)
        end_day_minutes: int  # day minutes on the end date (0 when it ends on its start date)
        required_skill: str
        employee: Annotated[Employee | None, PlanningVariable] = field(default=None)

    @planning_solution
    @dataclass
    class Schedule:
        employees: Annotated[list[Employee], ProblemFactCollectionProperty, ValueRangeProvider]
        shifts: Annotated[list[Shift], PlanningEntityCollectionProperty]
        score: Annotated[HardSoftDecimalScore | None, PlanningScore] = field(default=None)

    def touches(shift: Shift, day: int) -> bool:
        return shift.start_day == day or shift.end_day == day

    def day_minutes(shift: Shift, day: int) -> int:
        return shift.start_day_minutes if day == shift.start_day else shift.end_day_minutes

    @constraint_provider
    def constraints(cf: ConstraintFactory):
        return [
            cf.for_each(Shift)
            .filter(lambda s: s.required_skill not in s.employee.skills)
            .penalize(HardSoftDecimalScore.ONE_HARD)
            .as_constraint("Missing required skill"),
            cf.for_each_unique_pair(
                Shift, Joiners.equal(lambda s: s.employee.name), Joiners.overlapping(lambda s: s.start, lambda s: s.end)
            )
            .penalize(HardSoftDecimalScore.ONE_HARD, lambda a, b: min(a.end, b.end) - max(a.start, b.start))
            .as_constraint("Overlapping shift"),
            cf.for_each(Shift)
            .join(
                Shift,
                Joiners.equal(lambda s: s.employee.name),
                Joiners.less_than_or_equal(lambda s: s.end, lambda s: s.start),
            )
            .filter(lambda a, b: b.start - a.end < 600)
            .penalize(HardSoftDecimalScore.ONE_HARD, lambda a, b: 600 - (b.start - a.end))
            .as_constraint("At least 10 hours between 2 shifts"),
            cf.for_each_unique_pair(
                Shift, Joiners.equal(lambda s: s.employee.name), Joiners.equal(lambda s: s.start_day)
            )
            .penalize(HardSoftDecimalScore.ONE_HARD)
            .as_constraint("Max one shift per day"),
            cf.for_each(Shift)
            .join(Employee, Joiners.equal(lambda s: s.employee.name, lambda e: e.name))
            .flatten_last(lambda e: e.unavailable_days)
            .filter(touches)
            .penalize(HardSoftDecimalScore.ONE_HARD, day_minutes)
            .as_constraint("Unavailable employee"),
            cf.for_each(Shift)
            .join(Employee, Joiners.equal(lambda s: s.employee.name, lambda e: e.name))
            .flatten_last(lambda e: e.undesired_days)
            .filter(touches)
            .penalize(HardSoftDecimalScore.ONE_SOFT, day_minutes)
            .as_constraint("Undesired day for employee"),
            cf.for_each(Shift)
            .join(Employee, Joiners.equal(lambda s: s.employee.name, lambda e: e.name))
            .flatten_last(lambda e: e.desired_days)
            .filter(touches)
            .reward(HardSoftDecimalScore.ONE_SOFT, day_minutes)
            .as_constraint("Desired day for employee"),
            cf.for_each(Shift)
            .group_by(lambda s: s.employee, ConstraintCollectors.count())
            .complement(Employee, lambda e: 0)
            .group_by(ConstraintCollectors.load_balance(lambda e, n: e, lambda e, n: n))
            .penalize_decimal(HardSoftDecimalScore.ONE_SOFT, lambda balance: balance.unfairness())
            .as_constraint("Balance employee shift assignments"),
        ]

    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    origin = dt.datetime.fromisoformat(raw["horizon_start"])
    minute = dt.timedelta(minutes=1)

    def day(text: str) -> int:
        return (dt.date.fromisoformat(text) - origin.date()).days

    def minutes_on(start: dt.datetime, end: dt.datetime, date: dt.date) -> int:
        lo = max(start, dt.datetime.combine(date, dt.time.min))
        hi = min(end, dt.datetime.combine(date, dt.time.max))
        return (hi - lo) // minute if hi > lo else 0

    employees = [
        Employee(
            e["name"],
            set(e["skills"]),
            {day(d) for d in e["unavailable_dates"]},
            {day(d) for d in e["undesired_dates"]},
            {day(d) for d in e["desired_dates"]},
        )
        for e in raw["employees"]
    ]
    shifts = []
    for s in raw["shifts"]:
        a, b = dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"])
        same = a.date() == b.date()
        shifts.append(
            Shift(
                s["id"],
                (a - origin) // minute,
                (b - origin) // minute,
                (a.date() - origin.date()).days,
                (b.date() - origin.date()).days,
                minutes_on(a, b, a.date()),
                0 if same else minutes_on(a, b, b.date()),
                s["required_skill"],
            )
        )
    config = SolverConfig(
        solution_class=Schedule,
        entity_class_list=[Shift],
        score_director_factory_config=ScoreDirectorFactoryConfig(constraint_provider_function=constraints),
        termination_config=TerminationConfig(spent_limit=Duration(milliseconds=int(limit * 1000))),
    )
    solver = SolverFactory.create(config).build_solver()
    first_legal = []

    def listener(event):
        if event.is_new_best_solution_initialized and event.new_best_score.is_feasible and not first_legal:
            first_legal.append(event.time_spent.total_seconds())

    solver.add_event_listener(listener)
    t = time.perf_counter()
    best = solver.solve(Schedule(employees, shifts))
    runtime = time.perf_counter() - t
    roster = {s.id: s.employee.name for s in best.shifts if s.employee is not None}
    legal = first_legal[0] if first_legal else None
    out = {"timefold_score": str(best.score), "roster": roster, "first_legal": legal, "runtime": runtime}
    out["peak_mib"] = peak_memory_mib()
    print(json.dumps(out))


def run_one(path: Path, limit: float, seed: int, workers: int) -> dict[str, Any]:
    """Run :func:`child` in a subprocess and return its JSON result (or an error)."""
    command = [sys.executable, __file__, "--child", str(path), "--limits", str(limit)]
    command += ["--seed", str(seed), "--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def run_timefold(python: str, path: Path, limit: float) -> dict[str, Any]:
    """Run :func:`timefold_child` with the Timefold venv's ``python``; score its roster with our checker."""
    sys.path.insert(0, str(ROOT))
    from ressursbank.checker.timefold import check_timefold
    from ressursbank.formats.timefold import read_timefold

    command = [python, __file__, "--timefold-child", str(path), "--limits", str(limit)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report = check_timefold(read_timefold(path), data["roster"])
    data["score"] = report.score
    data["unassigned"] = report.unassigned
    data["wall"] = wall
    return data


def main() -> None:
    """Parse arguments, run every (set, limit) pair, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", default=str(ROOT.parent / "shared" / "benchmarks" / "timefold"))
    parser.add_argument("--sets", default="small,large,x5,x20", help="Comma-separated data set names.")
    parser.add_argument("--limits", default="10,30,120", help="Comma-separated time limits in seconds.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--timefold-python",
        help="Python of a separate venv with timefold installed: also run Timefold's solver, same budget.",
    )
    parser.add_argument("--timefold-sets", help="Data sets for Timefold (default: --sets).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--timefold-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, float(args.limits), args.seed, args.workers)
        return
    if args.timefold_child:
        timefold_child(args.timefold_child, float(args.limits))
        return
    data_dir = Path(args.data_dir)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    limits = [float(x) for x in args.limits.split(",") if x.strip()]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    tf_sets = set(args.timefold_sets.split(",")) if args.timefold_sets else set(sets)
    lines = [
        f"# Timefold employee-scheduling benchmark, {stamp}",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"seed {args.seed}, workers {args.workers}; one fresh process per run, one run at a time. "
        "Score: the independent checker's (hard/soft, higher is better); `-Ninit` = N shifts unassigned. "
        "Time to legal: seconds from the start of the solve to the first roster with hard 0 and every shift "
        "assigned. Peak: VmHWM of the run's process. Timefold: its own solver as measured in the benchmark "
        "README, section 7 (TF 1.15.0b0, one thread; not re-run here).",
        "",
        "| data set | limit (s) | score (ours) | unassigned | time to legal (s) | runtime (s) | peak (MiB) "
        "| Timefold (README §7) |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    print("\n".join(lines), flush=True)
    for name in sets:
        path = data_dir / f"{name}.json"
        for limit in limits:
            r = run_one(path, limit, args.seed, args.workers)
            tf = TIMEFOLD_README.get((name, int(limit)), "-")
            if "error" in r:
                row = f"| {name} | {limit:g} | error: {r['error']} | | | | | {tf} |"
            else:
                legal = "-" if r["first_legal"] is None else f"{r['first_legal']:.2f}"
                row = (
                    f"| {name} | {limit:g} | {r['score']} | {r['unassigned']} | {legal} | {r['runtime']:.1f} "
                    f"| {r['peak_mib']:.0f} | {tf} |"
                )
            lines.append(row)
            print(row, flush=True)
            if args.timefold_python and name in tf_sets:
                t = run_timefold(args.timefold_python, path, limit)
                if "error" in t:
                    row = f"| {name} | {limit:g} | Timefold here: error {t['error']} | | | | | |"
                else:
                    legal = "-" if t["first_legal"] is None else f"{t['first_legal']:.2f}"
                    row = (
                        f"| {name} | {limit:g} | Timefold here: {t['score']} (its own: {t['timefold_score']}) "
                        f"| {t['unassigned']} | {legal} | {t['runtime']:.1f} (+{t['wall'] - t['runtime']:.0f} JVM) "
                        f"| {t['peak_mib']:.0f} | |"
                    )
                lines.append(row)
                print(row, flush=True)
    out = ROOT / "bench" / "results" / f"timefold-{stamp}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
