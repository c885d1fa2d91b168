"""Column generation on the Curtois & Qu instances: the roster-per-employee LP bound and a price-and-branch roster.

Usage (from the repository root)::

    .venv/bin/python bench/curtois_colgen.py [DATA_DIR] --instances 1-12 --time-limit 45 \
        --ip-seconds 5 --dive-seconds 8

For each instance: the Lagrangian/LP lower bound (valid at any time), whether the LP converged, iterations,
columns, seconds spent generating columns, the best roster of the price-and-fix dive and the restricted master
IP (checked by the checker), wall and CPU seconds and the load average. With ``--branch``, branch-and-price
(``ressursbank/solver/curtois/branch.py``) instead: root bound, final bound, whether the roster was proven
optimal, nodes, root seconds and the roster. Writes the table to
``bench/results/curtois_colgen-<timestamp>.md`` and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ressursbank.checker.curtois import check_curtois  # noqa: E402
from ressursbank.domain.curtois import CurtoisInstance  # noqa: E402
from ressursbank.formats.curtois import read_curtois  # noqa: E402
from ressursbank.solver.curtois.branch import branch_and_price  # noqa: E402
from ressursbank.solver.curtois.colgen import column_generation  # noqa: E402
from ressursbank.solver.curtois.compile import Compiled, compile_instance  # noqa: E402

#: Best known objective values (schedulingbenchmarks.org; proven optimal for 1-16 here).
BEST_KNOWN = {1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439, 10: 4631, 11: 3443}
BEST_KNOWN |= {12: 4040, 13: 1348, 14: 1278, 15: 3828, 16: 3225, 18: 4459, 19: 3149}

HEADER = (
    "| instance | size | LP value | bound | best known | bound = best | converged | iterations | columns "
    "| LP s | IP roster | gap % | checker | wall s | CPU s | load |"
)

BRANCH_HEADER = (
    "| instance | size | root bound | bound | best known | bound valid | proven | nodes | columns | root s "
    "| roster | gap % | checker | wall s | CPU s | load |"
)


def parse_instances(text: str) -> list[int]:
    """Parse ``"1-12,14,16"`` into a sorted list of instance numbers."""
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    return sorted(numbers)


def run_one(path: Path, number: int, args: argparse.Namespace) -> str:
    """Run column generation on one instance file and return its table row."""
    instance = read_curtois(path)
    compiled = compile_instance(instance)
    wall, cpu = time.monotonic(), time.process_time()
    if args.branch:
        return run_branch(instance, compiled, number, args)
    result = column_generation(
        compiled,
        deadline=wall + args.time_limit,
        workers=args.workers,
        master_ip_seconds=args.ip_seconds,
        dive_seconds=args.dive_seconds,
    )
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    best = BEST_KNOWN.get(number)
    verdict, gap = "-", "-"
    if result.assignment is not None:
        report = check_curtois(instance, compiled.to_roster(result.assignment))
        verdict = report.verdict if report.objective == result.objective else "objective differs from checker"
        if best:
            gap = f"{100 * (report.objective - best) / best:.2f}"
    proven = "-" if result.lower_bound is None or best is None else ("yes" if result.lower_bound == best else "no")
    if result.lower_bound is not None and best is not None and result.lower_bound > best:
        proven = "INVALID (bound above best known)"
    lp = "-" if result.lp_value is None else f"{result.lp_value:.2f}"
    cells = (
        number,
        instance.size,
        lp,
        "-" if result.lower_bound is None else result.lower_bound,
        best if best is not None else "-",
        proven,
        "yes" if result.converged else "no",
        result.iterations,
        result.columns,
        f"{result.lp_seconds:.1f}",
        "-" if result.objective is None else result.objective,
        gap,
        verdict,
        f"{wall:.1f}",
        f"{cpu:.1f}",
        f"{os.getloadavg()[0]:.1f}",
    )
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def run_branch(instance: CurtoisInstance, compiled: Compiled, number: int, args: argparse.Namespace) -> str:
    """Run branch-and-price on one instance and return its table row."""
    wall, cpu = time.monotonic(), time.process_time()
    result = branch_and_price(
        compiled, deadline=wall + args.time_limit, workers=args.workers, root_ip_seconds=args.ip_seconds
    )
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    best = BEST_KNOWN.get(number)
    verdict, gap = "-", "-"
    if result.assignment is not None:
        report = check_curtois(instance, compiled.to_roster(result.assignment))
        verdict = report.verdict if report.objective == result.objective else "objective differs from checker"
        if best:
            gap = f"{100 * (report.objective - best) / best:.2f}"
    valid = "-" if result.lower_bound is None or best is None else ("yes" if result.lower_bound <= best else "INVALID")
    cells = (
        number,
        instance.size,
        "-" if result.root_bound is None else result.root_bound,
        "-" if result.lower_bound is None else result.lower_bound,
        best if best is not None else "-",
        valid,
        "yes" if result.proven else "no",
        result.nodes,
        result.columns,
        f"{result.root_seconds:.1f}",
        "-" if result.objective is None else result.objective,
        gap,
        verdict,
        f"{wall:.1f}",
        f"{cpu:.1f}",
        f"{os.getloadavg()[0]:.1f}",
    )
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results file; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", default=str(ROOT.parent / "shared" / "benchmarks" / "curtois"))
    parser.add_argument("--instances", default="1-12")
    parser.add_argument("--time-limit", type=float, default=40.0, help="seconds per instance, master IP included")
    parser.add_argument("--ip-seconds", type=float, default=5.0, help="seconds kept for the restricted master IP")
    parser.add_argument("--dive-seconds", type=float, default=5.0, help="seconds kept for the price-and-fix dive")
    parser.add_argument("--workers", type=int, default=1, help="pricing threads")
    parser.add_argument("--branch", action="store_true", help="branch-and-price (branch.py) instead")
    args = parser.parse_args(argv)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        f"# Curtois & Qu: column generation, {stamp}",
        "",
        f"Command: `.venv/bin/python bench/curtois_colgen.py --instances {args.instances} --time-limit "
        f"{args.time_limit:g} --ip-seconds {args.ip_seconds:g} --dive-seconds {args.dive_seconds:g} "
        f"--workers {args.workers}{' --branch' if args.branch else ''}`; {platform.node()}, "
        f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}.",
        "",
        BRANCH_HEADER if args.branch else HEADER,
        "|" + "---|" * (BRANCH_HEADER if args.branch else HEADER).count(" | ") + "---|",
    ]
    print("\n".join(lines), flush=True)
    for number in parse_instances(args.instances):
        path = Path(args.data_dir) / f"Instance{number}.txt"
        if not path.exists():
            print(f"(instance {number}: no file {path})", file=sys.stderr)
            continue
        row = run_one(path, number, args)
        lines.append(row)
        print(row, flush=True)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"curtois_colgen-{stamp}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
