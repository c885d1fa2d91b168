"""Run the Curtois & Qu benchmark: the engine and the plain monolithic CP-SAT baseline, same budget, one table.

Usage (from the repository root)::

    .venv/bin/python bench/curtois.py [DATA_DIR] --instances 1-12 --time-limit 60 --workers 2

Writes the table to ``bench/results/curtois-<timestamp>.md`` and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ressursbank.formats.curtois import read_curtois  # noqa: E402
from ressursbank.services.benchmark_curtois import BenchmarkResult, solve_instance  # noqa: E402

#: Best known objective values (schedulingbenchmarks.org; all proven optimal except where a range is known).
BEST_KNOWN = {
    1: 607,
    2: 828,
    3: 1001,
    4: 1716,
    5: 1143,
    6: 1950,
    7: 1056,
    8: 1300,
    9: 439,
    10: 4631,
    11: 3443,
    12: 4040,
    13: 1348,
    14: 1278,
    15: 3828,
    16: 3225,
    17: 5746,
    18: 4459,
    19: 3149,
    20: 4769,
    21: 21133,
    22: 30241,
    23: 3794,
    24: 40439,
}


def parse_instances(text: str) -> list[int]:
    """Parse ``"1-12,14,20"`` into a sorted list of instance numbers."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    return sorted(numbers)


def _row(number: int, method: str, result: BenchmarkResult) -> list[str]:
    best = BEST_KNOWN.get(number)
    objective = result.objective
    gap = "-" if objective is None or best is None else f"{100.0 * (objective - best) / best:.2f}"
    return [
        str(number),
        method,
        result.instance.size,
        result.status,
        "-" if objective is None else str(objective),
        "-" if best is None else str(best),
        "-" if result.bound is None else f"{result.bound:.0f}",
        gap,
        f"{result.runtime:.1f}",
        result.verdict,
    ]


HEADER = ["instance", "method", "size", "status", "objective", "best known", "bound", "gap %", "time s", "checker"]


def _markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _summary(rows: list[list[str]], method: str, upto: int) -> str:
    gaps = [float(r[7]) for r in rows if r[1] == method and r[7] != "-" and int(r[0]) <= upto]
    optimal = [r[0] for r in rows if r[1] == method and r[3] == "OPTIMAL"]
    feasible = sum(1 for r in rows if r[1] == method and r[9] == "feasible")
    total = sum(1 for r in rows if r[1] == method)
    mean = f"{sum(gaps) / len(gaps):.2f} %" if gaps else "-"
    return (
        f"- {method}: feasible {feasible}/{total}; proven optimal: {', '.join(optimal) or 'none'}; "
        f"mean gap to best known over instances <= {upto} with a roster: {mean} ({len(gaps)} instances)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results file; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", default=str(ROOT.parent / "shared" / "benchmarks" / "curtois"))
    parser.add_argument("--instances", default="1-24", help="e.g. 1-12,14 (missing files are skipped)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance and method")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="engine,baseline", help="comma-separated: engine, baseline")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    rows: list[list[str]] = []
    for number in parse_instances(args.instances):
        path = data_dir / f"Instance{number}.txt"
        if not path.exists():
            continue
        instance = read_curtois(path)
        for method in methods:
            result = solve_instance(
                instance,
                time_limit=args.time_limit,
                workers=args.workers,
                seed=args.seed,
                method="baseline" if method == "baseline" else "engine",
            )
            rows.append(_row(number, method, result))
            print(" | ".join(rows[-1]), flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    command = "python bench/curtois.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join(
        [
            f"# Curtois & Qu benchmark, {stamp}",
            "",
            f"Command: `{command}`  ",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"time limit {args.time_limit:g} s per instance and method, {args.workers} CP-SAT workers, "
            f"seed {args.seed}.",
            "",
            _markdown(rows),
            "",
            *(_summary(rows, method, 19) for method in methods),
            "",
        ]
    )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"curtois-{stamp}.md"
    out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
