"""Solving Timefold data sets end to end: legal rosters, the solver's score equals the checker's, CSV and CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ressursbank.checker.timefold import check_timefold
from ressursbank.cli import app
from ressursbank.domain.timefold import Employee, Shift, TimefoldDataset
from ressursbank.formats.timefold import read_roster_csv, read_timefold
from ressursbank.services.benchmark_timefold import solve_dataset, solve_dataset_file

SMALL = Path(__file__).parent / "data" / "timefold" / "small.json"


def test_small_solves_to_a_legal_roster(tmp_path: Path) -> None:
    """SMALL gets hard 0 with every shift assigned; the CSV holds one line per shift and scores the same."""
    out = tmp_path / "roster.csv"
    result = solve_dataset_file(SMALL, time_limit=2.0, seed=1, workers=1, out=out)
    assert result.hard == 0 and result.unassigned == 0 and result.feasible
    assert result.first_legal is not None
    roster = read_roster_csv(out)
    assert len(roster) == 139 and roster == result.roster
    assert check_timefold(read_timefold(SMALL), roster).soft == result.soft


def test_unqualified_shift_stays_unassigned() -> None:
    """A shift nobody can take is left unassigned and reported, never forced onto someone or raised."""
    monday = dt.date(2027, 1, 4)
    start = dt.datetime(2027, 1, 4, 6)
    data = TimefoldDataset(
        "unqualified",
        monday,
        1,
        (Employee("A", frozenset({"Nurse"})),),
        (
            Shift("0", start, start + dt.timedelta(hours=8), "L", "Nurse"),
            Shift("1", start, start + dt.timedelta(hours=8), "L", "Doctor"),
        ),
    )
    result = solve_dataset(data, time_limit=0.5, workers=1)
    assert result.roster == {"0": "A"} and result.unassigned == 1 and result.hard == 0
    assert not result.feasible and result.first_legal is None


def test_cli_prints_score_and_writes_roster(tmp_path: Path) -> None:
    """`ressursbank benchmark timefold` prints the hard/soft score and writes shift_id,employee."""
    out = tmp_path / "r.csv"
    run = CliRunner().invoke(
        app, ["benchmark", "timefold", str(SMALL), "--time-limit", "1", "--workers", "1", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert "0hard/" in run.output
    assert out.read_text(encoding="utf-8").startswith("shift_id,employee\n")


def test_cli_reports_malformed_file(tmp_path: Path) -> None:
    """A malformed data set exits with status 2 and names the problem."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nope"}', encoding="utf-8")
    run = CliRunner().invoke(app, ["benchmark", "timefold", str(bad), "--time-limit", "1"])
    assert run.exit_code == 2 and "format" in run.output


@st.composite
def datasets(draw: st.DrawFn) -> TimefoldDataset:
    """Tiny random data sets: 2-4 employees, 1-8 shifts of 2-16 hours over 4 days, random date lists."""
    monday = dt.date(2027, 1, 4)
    skills = ("Doctor", "Nurse")
    employees = []
    for i in range(draw(st.integers(2, 4))):
        days = draw(st.lists(st.sampled_from(range(5)), unique=True, max_size=3))
        kinds = draw(
            st.lists(st.sampled_from(("unavailable", "undesired", "desired")), min_size=len(days), max_size=len(days))
        )
        dates = {
            k: frozenset(monday + dt.timedelta(days=d) for d, kk in zip(days, kinds, strict=True) if kk == k)
            for k in ("unavailable", "undesired", "desired")
        }
        employees.append(
            Employee(
                f"E{i}",
                frozenset(draw(st.lists(st.sampled_from(skills), min_size=1, unique=True))),
                unavailable_dates=dates["unavailable"],
                undesired_dates=dates["undesired"],
                desired_dates=dates["desired"],
            )
        )
    shifts = []
    for i in range(draw(st.integers(1, 8))):
        start = dt.datetime.combine(monday, dt.time()) + dt.timedelta(hours=draw(st.integers(0, 4 * 24 - 1)))
        shifts.append(
            Shift(
                str(i), start, start + dt.timedelta(hours=draw(st.integers(2, 16))), "L", draw(st.sampled_from(skills))
            )
        )
    return TimefoldDataset("random", monday, 4, tuple(employees), tuple(shifts))


@settings(max_examples=12, deadline=None)
@given(datasets())
def test_solver_score_is_the_checkers(data: TimefoldDataset) -> None:
    """On random tiny data sets every roster has hard 0 and the solver's own soft score equals the checker's."""
    result = solve_dataset(data, time_limit=0.3, workers=2, seed=3)
    report = check_timefold(data, result.roster)
    assert report.hard == 0 and report.soft == result.soft and report.unassigned == result.unassigned
