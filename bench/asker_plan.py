"""Benchmark (not a test): plan covid-2020-03 for 4 weeks on the Asker preset (and optionally Oslo-like).

Prints one table: wall time, peak memory, critical and total coverage against the upper bound, objective, bound,
gap, people moved, overtime hours, checker violations; for the engine and for two baselines with the same budget
(the greedy construction alone, one monolithic CP-SAT model). Each run is a separate process, so peak memory is
per run. Usage: ``python bench/asker_plan.py [--budget 60] [--presets asker,oslo]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import resource
import signal
import time
from typing import Any


def one_run(preset: str, mode: str, budget: float, queue: Any) -> None:
    # a process group of its own, so a run killed at 3x the budget takes its forked workers with it
    os.setpgid(0, 0)
    from ressursbank.checker import check_plan
    from ressursbank.demo import demo_scenarios, generate_organisation
    from ressursbank.domain.problem import build_problem
    from ressursbank.solve import SolveParams, solve
    from ressursbank.solver.bound import coverage_upper_bounds
    from ressursbank.solver.compile import compile_problem

    started = time.perf_counter()
    org = generate_organisation(preset)
    problem = build_problem(org, demo_scenarios(org)["covid-2020-03"], days=28)
    built = time.perf_counter() - started
    params = SolveParams.preset(
        "default",
        time_limit_s=budget - built - 2,
        construction_only=mode == "greedy",
        monolithic=mode == "monolithic",
    )
    result = solve(problem, params)
    wall = time.perf_counter() - started
    report = check_plan(problem, result.plan)
    total_ub, critical_ub = coverage_upper_bounds(compile_problem(problem))
    queue.put(
        {
            "preset": preset,
            "mode": mode,
            "wall_s": round(wall, 1),
            # CPU seconds of this run and its workers: comparable when other work shares the machine
            "cpu_s": round(
                sum(
                    getattr(resource.getrusage(who), field)
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                    for field in ("ru_utime", "ru_stime")
                ),
                1,
            ),
            # the engine forks workers (bound, parts): report the larger of this process and its children
            "peak_mib": max(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            )
            // 1024,
            "critical": f"{report.covered_critical}/{critical_ub}/{report.demand_critical}",
            "total": f"{report.covered}/{min(total_ub, report.demand)}/{report.demand}",
            "objective": result.objective,
            "bound": result.bound,
            "gap": round(result.gap, 4),
            "moved": report.people_moved,
            "overtime_h": round(report.overtime_minutes / 60, 1),
            "violations": len(report.hard_violations),
            "checker_equal": report.objective == result.objective,
            "stats": result.statistics,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--presets", default="asker")
    parser.add_argument("--modes", default="engine,greedy,monolithic")
    parser.add_argument("--out", default="", help="results file name in bench/results (default from the presets)")
    args = parser.parse_args()
    rows = []
    for preset in args.presets.split(","):
        for mode in args.modes.split(","):
            queue: Any = mp.Queue()
            proc = mp.Process(target=one_run, args=(preset, mode, args.budget, queue))
            proc.start()
            try:
                proc.join(timeout=args.budget * 3 + 120)
            except KeyboardInterrupt:
                # the run has its own process group, which Ctrl-C does not reach: stop it and its workers
                os.killpg(proc.pid, signal.SIGKILL)
                raise
            if proc.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.join()
                rows.append({"preset": preset, "mode": mode, "wall_s": "killed (3x budget)"})
            elif queue.empty():
                rows.append({"preset": preset, "mode": mode, "wall_s": f"failed (exit {proc.exitcode})"})
            else:
                rows.append(queue.get())
            print(json.dumps({k: v for k, v in rows[-1].items()}, default=str), flush=True)
    header = [
        "preset",
        "mode",
        "wall_s",
        "cpu_s",
        "peak_mib",
        "critical",
        "total",
        "objective",
        "bound",
        "gap",
        "moved",
        "overtime_h",
        "violations",
        "checker_equal",
    ]
    print("coverage columns: covered / upper bound / demand")
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row.get(h, "")) for h in header))
    name = args.out or ("asker_plan" if args.presets == "asker" else "plan_" + args.presets.replace(",", "_"))
    with open(f"bench/results/{name}.json", "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=2, default=str)


if __name__ == "__main__":
    main()
