"""Run the Timefold employee-scheduling peer benchmark: one table over data sets and time limits.

Usage (from the repository root)::

    .venv/bin/python bench/timefold.py [DATA_DIR] --sets small,large,x5,x20 --limits 10,30,120 --workers 2

``DATA_DIR`` defaults to ``../shared/benchmarks/timefold`` relative to the repository root. Every run is a fresh
subprocess (so peak memory, read from ``/proc/self/status`` VmHWM, is that run's own). The score is the checker's,
which the service has already compared with the solver's own. Writes ``bench/results/timefold-<timestamp>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
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


def run_one(path: Path, limit: float, seed: int, workers: int) -> dict[str, Any]:
    """Run :func:`child` in a subprocess and return its JSON result (or an error)."""
    command = [sys.executable, __file__, "--child", str(path), "--limits", str(limit)]
    command += ["--seed", str(seed), "--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    """Parse arguments, run every (set, limit) pair, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", default=str(ROOT.parent / "shared" / "benchmarks" / "timefold"))
    parser.add_argument("--sets", default="small,large,x5,x20", help="Comma-separated data set names.")
    parser.add_argument("--limits", default="10,30,120", help="Comma-separated time limits in seconds.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, float(args.limits), args.seed, args.workers)
        return
    data_dir = Path(args.data_dir)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    limits = [float(x) for x in args.limits.split(",") if x.strip()]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
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
    out = ROOT / "bench" / "results" / f"timefold-{stamp}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
