"""Benchmark: generate a demo municipality and store it in a fresh SQLite file; time and peak memory per preset.

Each preset runs in a fresh subprocess so its peak resident memory (``ru_maxrss``) is its own. Targets (issue 2):
Asker-size generate + store <= 20 s, Oslo-size <= 3 min, peak memory <= 2 GiB. Also reports the time to load the
organisation back (what every plan and page pays). The table is printed and written to
``bench/results/store_demo-<timestamp>.md``.

Usage::

    .venv/bin/python bench/store_demo.py                  # asker and oslo
    .venv/bin/python bench/store_demo.py --presets small asker
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_S = {"asker": 20.0, "oslo": 180.0}
TARGET_PEAK_MIB = 2048.0


def run_child(preset: str, seed: int, directory: Path) -> dict[str, object]:
    """Generate, migrate, store and load back one preset in this process; return the measurements."""
    sys.path.insert(0, str(ROOT))
    from ressursbank.db.engine import create_engine_for, transaction
    from ressursbank.db.migrations import upgrade_to_head
    from ressursbank.db.repository import load_organisation, save_organisation, save_scenario
    from ressursbank.demo import demo_scenarios, generate_organisation

    path = directory / f"{preset}.sqlite"
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    org = generate_organisation(preset, seed=seed)
    scenarios = demo_scenarios(org)
    generated = time.perf_counter()
    upgrade_to_head(url)
    migrated = time.perf_counter()
    engine = create_engine_for(url)
    with transaction(engine) as session:
        save_organisation(session=session, organisation=org)
        for scenario in scenarios.values():
            save_scenario(session=session, scenario=scenario)
    stored = time.perf_counter()
    with transaction(engine) as session:
        loaded = load_organisation(session=session)
    done = time.perf_counter()
    engine.dispose()
    assert loaded == org, "the organisation did not load back equal"
    return {
        "preset": preset,
        "employees": len(org.employees),
        "units": len(org.units),
        "qualifications": sum(len(e.qualifications) for e in org.employees),
        "staffing_rules": len(org.staffing),
        "generate_s": generated - started,
        "migrate_s": migrated - generated,
        "store_s": stored - migrated,
        "generate_and_store_s": stored - started,
        "load_s": done - stored,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "file_mib": sum(p.stat().st_size for p in directory.glob(f"{preset}.sqlite*")) / 2**20,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["asker", "oslo"])
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.seed, Path(args.directory))))
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="store_demo-") as tmp:
        for preset in args.presets:
            command = [sys.executable, __file__, "--child", preset, "--seed", str(args.seed), "--directory", tmp]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                print(done.stdout + done.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    header = (
        "| preset | employees | units | held quals | generate s | migrate s | store s | generate+store s | "
        "load s | peak MiB | file MiB | target |"
    )
    lines = [header, "|" + "---|" * 12]
    for r in results:
        target = TARGET_S.get(str(r["preset"]))
        ok = target is None or (float(r["generate_and_store_s"]) <= target and float(r["peak_mib"]) <= TARGET_PEAK_MIB)
        verdict = "-" if target is None else f"{'met' if ok else 'MISSED'} (<= {target:.0f} s, <= 2 GiB)"
        lines.append(
            f"| {r['preset']} | {r['employees']:,} | {r['units']:,} | {r['qualifications']:,} | "
            f"{r['generate_s']:.2f} | {r['migrate_s']:.2f} | {r['store_s']:.2f} | {r['generate_and_store_s']:.2f} | "
            f"{r['load_s']:.2f} | {r['peak_mib']:.0f} | {r['file_mib']:.1f} | {verdict} |"
        )
    table = "\n".join(lines)
    print(table)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = HERE / "results" / f"store_demo-{stamp}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
    out.write_text(
        f"# store_demo {stamp} UTC\n\nGenerate a demo municipality and store it in a fresh SQLite file (WAL), one "
        f"fresh process per preset; peak = ru_maxrss of that process. {machine}, seed {args.seed}.\n"
        f"Command: `.venv/bin/python bench/store_demo.py --presets {' '.join(args.presets)}`\n\n{table}\n",
        encoding="utf-8",
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
