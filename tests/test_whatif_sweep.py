"""What-if: changed copies of a scenario planned side by side, through a replaceable runner."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

import pytest

from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain import Organisation
from ressursbank.domain.scenario import AbsenceWave, CloseUnits, Surge
from ressursbank.services.replanning import (
    LocalProcessPoolRunner,
    SerialRunner,
    WhatIfTask,
    sweep,
    with_absence_rate,
    with_open_kinds,
    with_surge,
)
from ressursbank.solve import SolveParams

T = TypeVar("T")
R = TypeVar("R")

QUICK = SolveParams.preset("fast", time_limit_s=2.0, processes=1, construction_only=True)


class RecordingRunner:
    """A stand-in for a distributed runner: pickles every task as it would be shipped, then runs it here."""

    def __init__(self) -> None:
        self.shipped = 0

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        out = []
        for task in tasks:
            self.shipped += 1
            out.append(fn(pickle.loads(pickle.dumps(task))))
        return out


def _tasks(org: Organisation) -> list[WhatIfTask]:
    base = demo_scenarios(org)["covid-2020-03"]
    return [
        WhatIfTask("base", org, base, 1, QUICK),
        WhatIfTask("absence 30 %", org, with_absence_rate(base, 30), 1, QUICK),
        WhatIfTask("kindergartens open", org, with_open_kinds(base, ["kindergarten"]), 1, QUICK),
    ]


def test_scenario_changes_are_copies() -> None:
    """The change helpers return changed copies and leave the original scenario as it was."""
    base = demo_scenarios(generate_organisation("tiny", seed=7))["covid-2020-03"]
    events = base.events
    absent = with_absence_rate(base, 40)
    assert base.events == events
    assert {e.rate_pct for e in absent.events if isinstance(e, AbsenceWave)} == {40}
    assert not [e for e in with_absence_rate(base, 0).events if isinstance(e, AbsenceWave)]
    assert not [e for e in with_surge(base, 100).events if isinstance(e, Surge)]
    assert {e.factor_pct for e in with_surge(base, 200).events if isinstance(e, Surge)} == {200}
    opened = with_open_kinds(base, ["kindergarten"])
    assert all("kindergarten" not in [k.value for k in e.kinds] for e in opened.events if isinstance(e, CloseUnits))
    assert replace(base) == base


@pytest.mark.slow
def test_any_runner_gives_the_same_comparison(tiny_org: Organisation) -> None:
    """A serial run, the local process pool and a recording (distributed-style) runner give the same figures in
    the same order; every variant's plan is lawful."""
    tasks = _tasks(tiny_org)
    serial = sweep(tasks, runner=SerialRunner())
    recording = RecordingRunner()
    shipped = sweep(tasks, runner=recording)
    pooled = sweep(tasks, runner=LocalProcessPoolRunner(processes=2))

    def figures(rows: list) -> list[tuple]:  # type: ignore[type-arg]
        return [(r.name, r.coverage, r.unmet, r.cost_nok, r.people_moved, r.objective) for r in rows]

    assert figures(serial) == figures(shipped) == figures(pooled)
    assert recording.shipped == len(tasks)
    assert [r.name for r in serial] == ["base", "absence 30 %", "kindergartens open"]
    assert all(r.hard_violations == 0 for r in serial)
    assert serial[1].objective != serial[0].objective and serial[2].objective != serial[0].objective
