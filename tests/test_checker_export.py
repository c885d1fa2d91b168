"""Plan export for audit and payroll: the five files, their columns, local times with offset, unmet reasons."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ressursbank.formats.plan_export import ROSTER_COLUMNS, UNMET_COLUMNS, write_plan
from tests.helpers_engine import employee, need, plan_of, problem


def test_export_writes_five_files(tmp_path: Path) -> None:
    """roster.csv has ISO 8601 Oslo times; unmet.csv explains an unfillable need; rule_sets.json has citations."""
    p = problem([employee("a")], [need("n"), need("x", codes=("aut.lege",))])
    written = write_plan(tmp_path, p, plan_of(p, ("a", "n")))
    assert sorted(f.name for f in written) == [
        "employees.csv",
        "needs.csv",
        "roster.csv",
        "rule_sets.json",
        "unmet.csv",
    ]
    roster = list(csv.DictReader((tmp_path / "roster.csv").open(encoding="utf-8")))
    assert tuple(roster[0]) == ROSTER_COLUMNS
    assert roster[0]["start"] == "2020-03-16T07:00:00+01:00"
    unmet = list(csv.DictReader((tmp_path / "unmet.csv").open(encoding="utf-8")))
    assert tuple(unmet[0]) == UNMET_COLUMNS
    assert unmet == [{"need_id": "x", "missing": "1", "reason": "no_eligible_person"}]
    rules = json.loads((tmp_path / "rule_sets.json").read_text(encoding="utf-8"))
    assert all(r["citation"] for r in rules[0]["rules"])
