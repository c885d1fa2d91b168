"""The compiled construction kernels against the vector (numpy) formulas they replaced, kept here as the reference.

Seeded random parameters switch on the branches the demo rule sets leave off (cohorts, hard position and Sunday
rules, travel costs); random states exercise the checks far from the plans the construction makes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

import numpy as np
import pytest

from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain.problem import build_problem
from ressursbank.solver import greedy
from ressursbank.solver.compile import BoolArray, Compiled, IntArray, compile_problem
from ressursbank.solver.greedy import INF, MINUTES_PER_WEEK, Greedy, construct


class Reference(Greedy):
    """The vector formulas of the construction before the kernels (session 18), verbatim."""

    def feasible(self, n: int, idx: IntArray) -> BoolArray:
        c = self.c
        s, t, m, b, d = int(c.n_start[n]), int(c.n_end[n]), int(c.n_minutes[n]), int(c.n_week[n]), int(c.n_day[n])
        absent = c.need_absent.get(n)
        if absent is None:
            ok: BoolArray = np.ones(len(idx), dtype=np.bool_)
        else:
            self.flag[absent] = True
            ok = ~self.flag[idx]
            self.flag[absent] = False
        last_end = self.last_end[idx]
        ok &= s - last_end >= self.rest[idx]
        ok &= s >= last_end
        day_minutes = np.where(self.day_id[idx] == d, self.day_minutes[idx], 0)
        ok &= day_minutes + m <= self.max_day[idx]
        week_minutes = self.week_minutes[idx, b]
        ok &= week_minutes + m <= self.max_week[idx]
        full = c.e_full[idx, b]
        new_ot = np.maximum(0, week_minutes + m - full)
        ok &= new_ot <= self.ot_week[idx]
        ot_here = self.overtime[idx, b]
        ot_rest = self.overtime_total[idx] - ot_here
        ok &= ot_rest + new_ot <= self.ot_year[idx]
        if c.weeks <= 4:
            ok &= ot_rest + new_ot <= self.ot_4[idx]
        else:
            overtime = self.overtime[idx]
            for first in range(max(0, b - 3), min(b, max(0, c.weeks - 4)) + 1):
                window = overtime[:, first : first + 4].sum(axis=1) - ot_here
                ok &= window + new_ot <= self.ot_4[idx]
        if self.position_hard.any():
            extra = np.maximum(0, np.minimum(week_minutes + m, full) - c.e_contract[idx, b])
            ok &= ~self.position_hard[idx] | self.position_free[idx] | (extra <= 0)
        lo = b * MINUTES_PER_WEEK
        hi = min(c.horizon_minutes, lo + MINUTES_PER_WEEK)
        required = np.minimum(self.weekly_rest[idx], hi - lo)
        cursor = np.maximum(lo, last_end)
        longest = np.where(self.gap_week[idx] == b, self.longest_gap[idx], 0)
        longest = np.maximum(longest, s - cursor)
        ok &= (longest >= required) | (hi - t >= required)
        sunday = int(c.n_sunday[n])
        if sunday > 0 and self.sunday_hard.any():
            ok &= ~(self.sunday_hard[idx] & self.sunday_worked[idx, sunday - 1])
        if (self.cohort_days > 0).any():
            days = self.cohort_days[idx]
            unit_now = self.cohort_unit[idx, d // np.maximum(days, 1)]
            ok &= (days == 0) | (unit_now == -1) | (unit_now == c.n_unit[n])
        return ok

    def marginal(self, n: int, idx: IntArray) -> IntArray:
        c = self.c
        w = c.weights
        m, b, u = int(c.n_minutes[n]), int(c.n_week[n]), int(c.n_unit[n])
        wage = c.e_wage[idx]
        cost = (wage * m * 100 // 60 + c.n_supplement[c.e_rule_set[idx], n]) * w.cost_per_ore
        week_minutes = self.week_minutes[idx, b]
        full, contract = c.e_full[idx, b], c.e_contract[idx, b]
        new_ot = np.maximum(0, week_minutes + m - full)
        cost += (new_ot - self.overtime[idx, b]) * (w.overtime_per_minute + c.e_overtime_ore[idx] * w.cost_per_ore)
        old_extra = np.maximum(0, np.minimum(week_minutes, full) - contract)
        new_extra = np.maximum(0, np.minimum(week_minutes + m, full) - contract)
        paid = np.where(self.position_free[idx], 0, self.position_cost[idx])
        cost += paid * new_extra // 60 - paid * old_extra // 60
        home = c.e_home[idx]
        away = home != u
        if away.any():
            away_cost = (
                np.where(self.moved[idx], 0, w.moved_person)
                + c.unit_km[home, u] * w.travel_per_km
                + np.where(~self.outside[idx] & (c.e_sector[idx] != c.u_sector[u]), w.outside_sector_person, 0)
                + np.where(self.willing(u)[idx], 0, w.unwanted_shift)
            )
            travel_cost = self.travel_cost[idx]
            if (travel_cost > 0).any():
                over = np.maximum(0, np.ceil(c.unit_distance[home, u] - c.e_travel_limit[idx] - 1e-9)).astype(np.int64)
                away_cost += travel_cost * over
            cost += np.where(away, away_cost, 0)
        elif (c.e_sector[idx] != c.u_sector[u]).any():
            cost += np.where(~self.outside[idx] & (c.e_sector[idx] != c.u_sector[u]), w.outside_sector_person, 0)
        if c.n_night[n]:
            cost += np.where(c.e_avoid_nights[idx], w.unwanted_shift, 0)
        if c.n_weekend[n]:
            cost += np.where(c.e_avoid_weekends[idx], w.unwanted_shift, 0)
        if c.n_unsocial[n]:
            cost += w.unsocial_squared * (2 * self.unsocial[idx] + 1)
        sunday = int(c.n_sunday[n])
        if sunday > 0:
            cost += np.where(self.sunday_worked[idx, sunday - 1], self.sunday_cost[idx], 0)
        if sunday >= 0 and sunday + 1 < self.sunday_worked.shape[1]:
            cost += np.where(self.sunday_worked[idx, sunday + 1], self.sunday_cost[idx], 0)
        out: IntArray = cost.astype(np.int64)
        return out

    def take(self, e: int, n: int) -> None:
        c = self.c
        s, t, m, b, d, u = (
            int(c.n_start[n]),
            int(c.n_end[n]),
            int(c.n_minutes[n]),
            int(c.n_week[n]),
            int(c.n_day[n]),
            int(c.n_unit[n]),
        )
        lo = b * MINUTES_PER_WEEK
        longest = int(self.longest_gap[e]) if self.gap_week[e] == b else 0
        cursor = max(lo, int(self.last_end[e]))
        self.longest_gap[e] = max(longest, s - cursor)
        self.gap_week[e] = b
        self.last_end[e] = max(int(self.last_end[e]), t)
        if self.day_id[e] != d:
            self.day_id[e] = d
            self.day_minutes[e] = 0
        self.day_minutes[e] += m
        self.week_minutes[e, b] += m
        before = int(self.overtime[e, b])
        self.overtime[e, b] = max(0, int(self.week_minutes[e, b]) - int(c.e_full[e, b]))
        self.overtime_total[e] += int(self.overtime[e, b]) - before
        if c.n_unsocial[n]:
            self.unsocial[e] += 1
        if c.e_home[e] != u:
            self.moved[e] = True
        if c.e_sector[e] != c.u_sector[u]:
            self.outside[e] = True
        sunday = int(c.n_sunday[n])
        if sunday >= 0:
            self.sunday_worked[e, sunday] = True
        if self.cohort_days[e] > 0:
            self.cohort_unit[e, d // int(self.cohort_days[e])] = u
        self.by_need[n].append(e)

    def within_contract(self, n: int, idx: IntArray) -> BoolArray:
        c = self.c
        m, b = int(c.n_minutes[n]), int(c.n_week[n])
        after = self.week_minutes[idx, b] + m
        limit = np.where(
            self.position_free[idx] | (self.position_cost[idx] == 0), c.e_full[idx, b], c.e_contract[idx, b]
        )
        out: BoolArray = after <= np.minimum(limit, c.e_full[idx, b])
        return out

    def fill(self, n: int, idx: IntArray, *, spare_only: bool = False) -> None:
        missing = int(self.c.n_count[n]) - len(self.by_need[n])
        if missing <= 0 or len(idx) == 0:
            return
        ok = self.feasible(n, idx)
        if spare_only:
            ok &= self.within_contract(n, idx)
        if self.by_need[n]:
            self.flag[self.by_need[n]] = True
            ok &= ~self.flag[idx]
            self.flag[self.by_need[n]] = False
        if not ok.any():
            return
        people = idx[ok]
        cost = self.marginal(n, people)
        if self.hint:
            kept = np.array([(int(e), n) in self.hint for e in people], dtype=np.bool_)
            cost = cost - np.where(kept, 2 * self.c.weights.change, 0)
        for _ in range(min(missing, len(people))):
            i = int(np.argmin(cost))
            if cost[i] >= INF:
                break
            self.take(int(people[i]), n)
            cost[i] = INF


def reference_construct(
    kind: type[Greedy],
    c: Compiled,
    *,
    pins: Iterable[tuple[int, int]] = (),
    hint: set[tuple[int, int]] | None = None,
    frozen: BoolArray | None = None,
) -> list[list[int]]:
    """The construction before the kernels (session 18), verbatim but for the state's class."""
    g = kind(c, hint=hint)
    pinned: dict[int, list[int]] = {}
    for e, n in pins:
        pinned.setdefault(n, []).append(e)
    allowed = np.ones(c.n_employees, dtype=np.bool_) if frozen is None else ~frozen
    members = [np.flatnonzero(row & allowed) for row in c.class_mask]
    # each class's members ordered by home unit (stable, so employee order within a unit is kept): a unit's own
    # staff are then a slice instead of a scan over the whole class, which on the Oslo-like preset is the difference
    # between seconds and minutes
    by_home = [idx[np.argsort(c.e_home[idx], kind="stable")] for idx in members]
    homes = [c.e_home[idx] for idx in by_home]

    def own_staff(n: int) -> IntArray:
        k = int(c.n_class[n])
        unit = c.n_unit[n]
        lo, hi = np.searchsorted(homes[k], [unit, unit + 1])
        return by_home[k][lo:hi]

    # people whose own unit has no critical need in a week may be lent out early (measured on Asker: lending
    # everyone with spare hours left 29 critical places open, lending only these left none)
    lendable = np.ones((len(c.unit_ids), c.weeks), dtype=np.bool_)
    lendable[c.n_unit[c.n_critical], c.n_week[c.n_critical]] = False
    open_critical: list[int] = []
    start = 0
    while start < c.n_needs:
        stop = start
        while stop < c.n_needs and c.n_start[stop] == c.n_start[start]:
            stop += 1
        # scarce needs first: critical, then those fewest people may fill
        group = sorted(range(start, stop), key=lambda n: (-int(c.n_critical[n]), len(members[c.n_class[n]]), n))
        for n in group:
            for e in pinned.get(n, ()):
                g.take(e, n)
        for n in group:  # own staff first, while their contract hours last
            g.fill(n, own_staff(n), spare_only=True)
        for n in group:  # then own staff beyond contract against lendable people with spare contract hours
            if len(g.by_need[n]) >= c.n_count[n]:
                continue  # most needs are full after the first pass; the masks below cost a whole class each
            idx = members[c.n_class[n]]
            own = c.e_home[idx] == c.n_unit[n]
            spare = ~own & lendable[c.e_home[idx], c.n_week[n]]
            spare[spare] = g.within_contract(n, idx[spare])
            g.fill(n, idx[own | spare])
        blocked = np.zeros(c.n_employees, dtype=np.bool_)
        now = int(c.n_start[group[0]])
        still_open = []
        for m in open_critical:  # earlier critical needs still open for more than half their length
            if (int(c.n_end[m]) - now) * 2 > int(c.n_minutes[m]) and len(g.by_need[m]) < c.n_count[m]:
                blocked |= g.home_first & (c.e_home == c.n_unit[m]) & c.eligible_mask(m)
                still_open.append(m)
        open_critical = still_open
        for m in group:  # a unit's people are not lent out while its own critical needs are open
            if c.n_critical[m] and len(g.by_need[m]) < c.n_count[m]:
                blocked |= g.home_first & (c.e_home == c.n_unit[m]) & c.eligible_mask(m)
        for n in group:
            if len(g.by_need[n]) >= c.n_count[n]:
                continue
            idx = members[c.n_class[n]]
            g.fill(n, idx[~blocked[idx] | (c.e_home[idx] == c.n_unit[n])])
        open_critical += [m for m in group if c.n_critical[m] and len(g.by_need[m]) < c.n_count[m]]
        start = stop
    return g.by_need


def randomise(g: Greedy, seed: int) -> None:
    """Switch on, at random, the rules the demo rule sets leave off."""
    rng = np.random.default_rng(seed)
    n_e = g.c.n_employees
    g.cohort_days[:] = rng.choice([0, 0, 3, 7], size=n_e)
    g.position_hard[:] = rng.random(n_e) < 0.3
    g.position_free[:] = rng.random(n_e) < 0.2
    g.position_cost[:] = rng.choice([0, 1500, 4000], size=n_e)
    g.sunday_hard[:] = rng.random(n_e) < 0.3
    g.sunday_cost[:] = rng.choice([0, 100_000, 7_000_000], size=n_e)
    g.travel_cost[:] = rng.choice([0, 0, 2_000_000], size=n_e)
    g.max_week[:] = rng.choice([40 * 60, 48 * 60, 54 * 60], size=n_e)
    g.ot_week[:] = rng.choice([0, 300, 600, 10**9], size=n_e)
    g.ot_4[:] = rng.choice([300, 900, 2000], size=n_e)
    g.ot_year[:] = rng.choice([600, 5000], size=n_e)
    g.weekly_rest[:] = rng.choice([24 * 60, 35 * 60, 48 * 60], size=n_e)
    g.tables()


def compiled(preset: str, days: int, *, seed: int | None = None) -> Compiled:
    org = generate_organisation(preset)
    c = compile_problem(build_problem(org, demo_scenarios(org)["covid-2020-03"], days=days))
    if seed is not None:  # travel limits that some moves pass; people whose home is in another sector
        rng = np.random.default_rng(seed)
        limits = rng.choice([0.5, 3.0, 8.0, 1e9], size=c.n_employees).astype(np.float64)
        sectors = np.where(rng.random(c.n_employees) < 0.2, rng.permutation(c.e_sector), c.e_sector)
        c = dataclasses.replace(c, e_travel_limit=limits, e_sector=sectors.astype(np.int64))
    return c


@pytest.fixture(scope="module", params=[(14, None), (35, 5), (35, None)], ids=["2w", "5w-random", "5w"])
def case(request: pytest.FixtureRequest) -> tuple[Compiled, int | None]:
    days, seed = request.param
    return compiled("tiny", days, seed=seed), seed


def kinds(seed: int | None) -> Iterator[type[Greedy]]:
    for base in (Reference, Greedy):
        if seed is None:
            yield base
        else:

            class Random(base):  # type: ignore[valid-type,misc]
                def __init__(self, c: Compiled, *, hint: set[tuple[int, int]] | None = None) -> None:
                    super().__init__(c, hint=hint)
                    randomise(self, seed)

            yield Random


def built(
    c: Compiled, seed: int | None, monkeypatch: pytest.MonkeyPatch, **kwargs: object
) -> tuple[list[list[int]], list[list[int]]]:
    reference, compiled = kinds(seed)
    expected = reference_construct(reference, c, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(greedy, "Greedy", compiled)
    return expected, construct(c, **kwargs)  # type: ignore[arg-type]


def test_construct_same_plan(case: tuple[Compiled, int | None], monkeypatch: pytest.MonkeyPatch) -> None:
    c, seed = case
    expected, got = built(c, seed, monkeypatch)
    assert sum(map(len, expected)) > 0
    assert got == expected


def test_construct_same_plan_with_hint_pins_frozen(
    case: tuple[Compiled, int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, seed = case
    plan, _ = built(c, seed, monkeypatch)
    rng = np.random.default_rng(1)
    # half of the plan as the hint, so the hint changes who is chosen
    hint = {(e, n) for n, people in enumerate(plan) for e in people if rng.random() < 0.5}
    expected, got = built(c, seed, monkeypatch, hint=hint)
    assert got == expected
    pins = [(people[0], n) for n, people in enumerate(plan) if people and n % 5 == 0]
    frozen = rng.random(c.n_employees) < 0.2
    expected, got = built(c, seed, monkeypatch, hint=hint, pins=pins, frozen=frozen)
    assert got == expected


def test_checks_on_random_states(case: tuple[Compiled, int | None], monkeypatch: pytest.MonkeyPatch) -> None:
    c, seed = case
    plan, _ = built(c, seed, monkeypatch)
    g = Greedy(c)
    if seed is not None:
        randomise(g, seed)
    rng = np.random.default_rng(7)
    n_e = c.n_employees
    for n, people in enumerate(plan):
        for e in people:
            g.take(e, n)
    for trial in range(60):
        if trial % 3 == 1:  # states no plan makes: the formulas must still agree
            g.week_minutes[:] += rng.integers(-600, 600, size=g.week_minutes.shape)
            g.overtime[:] = rng.integers(0, 900, size=g.overtime.shape)
            g.overtime_total[:] = g.overtime.sum(axis=1) + rng.integers(0, 300, size=n_e)
            g.unsocial[:] = rng.integers(0, 20, size=n_e)
            g.moved[:] = rng.random(n_e) < 0.5
            g.outside[:] = rng.random(n_e) < 0.5
            g.sunday_worked[:] = rng.random(g.sunday_worked.shape) < 0.4
            g.cohort_unit[:] = rng.choice([-1, 0, 1, 2], size=g.cohort_unit.shape)
            g.last_end[:] = rng.integers(-(10**9), c.horizon_minutes, size=n_e)
            g.day_id[:] = rng.integers(-1, c.problem.horizon_days, size=n_e)
            g.day_minutes[:] = rng.integers(0, 900, size=n_e)
            g.gap_week[:] = rng.integers(-1, c.weeks, size=n_e)
            g.longest_gap[:] = rng.integers(0, 4000, size=n_e)
        for n in rng.integers(0, c.n_needs, size=40).tolist():
            idx = np.sort(rng.choice(n_e, size=int(rng.integers(1, n_e)), replace=False)).astype(np.int64)
            if rng.random() < 0.3:  # only people at home, so the sector term of the people at home counts
                idx = idx[c.e_home[idx] == c.n_unit[n]]
            assert np.array_equal(g.feasible(n, idx), Reference.feasible(g, n, idx))
            assert np.array_equal(g.marginal(n, idx), Reference.marginal(g, n, idx))
            assert np.array_equal(g.within_contract(n, idx), Reference.within_contract(g, n, idx))
        e, n = int(rng.integers(0, n_e)), int(rng.integers(0, c.n_needs))
        before = {k: v.copy() for k, v in vars(g).items() if isinstance(v, np.ndarray)}
        Reference.take(g, e, n)
        expected = {k: v.copy() for k, v in vars(g).items() if isinstance(v, np.ndarray)}
        for k, v in before.items():
            getattr(g, k)[...] = v
        g.take(e, n)
        for k, v in expected.items():
            assert np.array_equal(getattr(g, k), v), k
        assert g.by_need[n][-2:] == [e, e]
        assert not g._fixed[7].any()  # the scratch marks are left clear
