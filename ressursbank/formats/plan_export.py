"""Export a plan for audit and payroll: roster.csv, needs.csv, unmet.csv, employees.csv and rule_sets.json.

Columns
-------
roster.csv
    ``employee_id, unit_id, start, end, qualification_used, need_id`` — one row per assignment; ``start`` and
    ``end`` are ISO 8601 local time with the Europe/Oslo offset (``2020-03-16T07:00:00+01:00``).
needs.csv
    ``need_id, unit_id, start, end, qualifications_any_of, qualifications_all_of, count, criticality,
    covid_contact`` — qualification codes are ``;``-separated; criticality is ``normal|important|critical``.
unmet.csv
    ``need_id, missing, reason`` — ``reason`` is ``no_eligible_person`` (nobody holds the qualification, or all who
    do are absent or restricted) or ``shortage`` (people exist, but working-time rules or other needs took them).
employees.csv
    ``employee_id, home_unit_id, position_pct, weekly_hours_norm, qualifications, restrictions, rule_set`` —
    qualifications and restriction flags (never their reasons) ``;``-separated.
rule_sets.json
    Each rule set with its rules: type, id, labels, citation, severity, cost, validity, agreement and parameters.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from ressursbank.checker.roster import check_plan, eligible
from ressursbank.constants import TIMEZONE
from ressursbank.domain.plan import Plan
from ressursbank.domain.problem import Problem

ROSTER_COLUMNS = ("employee_id", "unit_id", "start", "end", "qualification_used", "need_id")
NEEDS_COLUMNS = (
    "need_id",
    "unit_id",
    "start",
    "end",
    "qualifications_any_of",
    "qualifications_all_of",
    "count",
    "criticality",
    "covid_contact",
)
UNMET_COLUMNS = ("need_id", "missing", "reason")
EMPLOYEES_COLUMNS = (
    "employee_id",
    "home_unit_id",
    "position_pct",
    "weekly_hours_norm",
    "qualifications",
    "restrictions",
    "rule_set",
)


def local_iso(moment: dt.datetime) -> str:
    """A naive local date-time as ISO 8601 with the Europe/Oslo offset of that moment."""
    return moment.replace(tzinfo=TIMEZONE).isoformat()


def roster_rows(problem: Problem, plan: Plan) -> list[dict[str, str]]:
    return [
        {
            "employee_id": a.employee_id,
            "unit_id": a.unit_id,
            "start": local_iso(a.start),
            "end": local_iso(a.end),
            "qualification_used": a.qualification_used,
            "need_id": a.need_id,
        }
        for a in plan.assignments
    ]


def needs_rows(problem: Problem) -> list[dict[str, str]]:
    return [
        {
            "need_id": n.id,
            "unit_id": n.unit_id,
            "start": local_iso(n.start),
            "end": local_iso(n.end),
            "qualifications_any_of": ";".join(n.requirement.any_of),
            "qualifications_all_of": ";".join(n.requirement.all_of),
            "count": str(n.count),
            "criticality": n.criticality.name.lower(),
            "covid_contact": "true" if n.covid_contact else "false",
        }
        for n in sorted(problem.needs, key=lambda n: (n.start, n.unit_id, n.id))
    ]


def unmet_rows(problem: Problem, plan: Plan) -> list[dict[str, str]]:
    report = check_plan(problem, plan)
    rows = []
    for u in report.unmet:
        need = problem.need_by_id[u.need_id]
        anyone = any(eligible(problem, e, need) for e in problem.employees)
        rows.append(
            {"need_id": u.need_id, "missing": str(u.missing), "reason": "shortage" if anyone else "no_eligible_person"}
        )
    return rows


def employees_rows(problem: Problem) -> list[dict[str, str]]:
    return [
        {
            "employee_id": e.id,
            "home_unit_id": e.home_unit_id,
            "position_pct": str(e.position_pct),
            "weekly_hours_norm": f"{e.weekly_hours_norm:g}",
            "qualifications": ";".join(q.code for q in e.qualifications),
            "restrictions": ";".join(sorted({r.flag.value for r in e.restrictions})),
            "rule_set": e.rule_set_id,
        }
        for e in problem.employees
    ]


def rule_sets_document(problem: Problem) -> list[dict[str, object]]:
    """Each rule set's rules with their parameters and citations, as JSON-ready data."""

    def plain(value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    out: list[dict[str, object]] = []
    for rule_set in problem.organisation.rule_sets:
        rules = []
        for rule in rule_set.rules:
            data = {f.name: plain(getattr(rule, f.name)) for f in dataclasses.fields(rule)}
            rules.append({"type": type(rule).__name__, **data})
        out.append(
            {
                "id": rule_set.id,
                "label_nb": rule_set.label_nb,
                "label_en": rule_set.label_en,
                "full_time_weekly_hours": rule_set.full_time_weekly_hours,
                "rules": rules,
                "supplements": [
                    {f.name: plain(getattr(s, f.name)) for f in dataclasses.fields(s)} for s in rule_set.supplements
                ],
            }
        )
    return out


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)


def write_plan(directory: Path, problem: Problem, plan: Plan) -> list[Path]:
    """Write the five files into ``directory`` (created if missing); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "roster.csv": (ROSTER_COLUMNS, roster_rows(problem, plan)),
        "needs.csv": (NEEDS_COLUMNS, needs_rows(problem)),
        "unmet.csv": (UNMET_COLUMNS, unmet_rows(problem, plan)),
        "employees.csv": (EMPLOYEES_COLUMNS, employees_rows(problem)),
    }
    written = []
    for name, (columns, rows) in files.items():
        _write_csv(directory / name, columns, rows)
        written.append(directory / name)
    rule_path = directory / "rule_sets.json"
    rule_path.write_text(json.dumps(rule_sets_document(problem), ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(rule_path)
    return written
