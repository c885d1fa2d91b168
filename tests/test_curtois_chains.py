"""Ejection chains of best responses: lawful rosters, never worse than the start, the objective they claim."""

from __future__ import annotations

import random
import time

import pytest

from ressursbank.checker.curtois import check_curtois
from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.chains import Chains
from tests.helpers_curtois import DATA, compiled_instance, pattern_start


@pytest.mark.parametrize("number", [1, 2, 3])
def test_chains_keep_the_roster_lawful_and_never_worse(number: int) -> None:
    """From a lawful, poor roster (the pattern constructor's rows), every chain leaves a lawful roster no worse than
    before, the objective the chains track equals the checker's, and the cover counts follow the rows."""
    compiled = compiled_instance(number)
    instance = read_curtois(DATA / f"Instance{number}.txt")
    rng = random.Random(number)
    roster = pattern_start(compiled, rng)
    start = compiled.objective(roster)
    chains = Chains(compiled, roster)
    previous = start
    for _ in range(15):
        chains.run(rng=rng, deadline=time.monotonic() + 30, chains=1)
        report = check_curtois(instance, compiled.to_roster(roster))
        assert report.feasible, report.verdict
        assert report.objective == chains.value == compiled.objective(roster)
        assert chains.value <= previous
        previous = chains.value
    recount = [[0] * compiled.shifts for _ in range(compiled.days)]
    for row in roster:
        for d, s in enumerate(row):
            if s >= 0:
                recount[d][s] += 1
    assert chains.response.staffed.tolist() == recount
    assert chains.stats.chains > 0
    assert start - chains.value == chains.stats.gain


def test_chains_escape_the_best_responses_local_optimum() -> None:
    """After sweeps of best responses stop (no single employee gains alone), chains still find gains on 3."""
    compiled = compiled_instance(3)
    rng = random.Random(0)
    roster = pattern_start(compiled, rng)
    chains = Chains(compiled, roster)
    chains.response.sweep(rng=rng, deadline=time.monotonic() + 30)
    chains.value = compiled.objective(roster)
    swept = chains.value
    gained = chains.run(rng=rng, deadline=time.monotonic() + 30, chains=60)
    assert gained == swept - chains.value == swept - compiled.objective(roster)
    assert gained > 0
