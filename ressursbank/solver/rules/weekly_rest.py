"""WeeklyRest (AML § 10-8 (2)): one continuous break of ``min_hours`` in every week (7-day block).

A longest break starts at the week's start or at the end of a shift; one boolean per such window that no fixed
shift touches; a chosen window forbids every candidate overlapping it; at least one window is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel

MINUTES_PER_WEEK = 7 * 1440


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    full = c.rule_params[int(c.e_rule_set[e])].weekly_rest
    if full <= 0:
        return
    fixed = [(int(c.n_start[n]), int(c.n_end[n])) for n in sub.fixed[e]]
    for week in range(c.weeks):
        lo = week * MINUTES_PER_WEEK
        hi = min(c.horizon_minutes, lo + MINUTES_PER_WEEK)
        cands = [n for n in sub.candidates[e] if int(c.n_start[n]) < hi and int(c.n_end[n]) > lo]
        if not cands:
            continue
        required = min(full, hi - lo)
        ends = {lo}
        ends.update(t for _, t in fixed if lo <= t < hi)
        ends.update(int(c.n_end[n]) for n in cands if lo <= int(c.n_end[n]) < hi)
        windows = []
        for a in sorted(ends):
            b = a + required
            if b > hi or any(s < b and t > a for s, t in fixed):
                continue
            y = sub.model.new_bool_var(f"wrest_{e}_{week}_{a}")
            for n in cands:
                if int(c.n_start[n]) < b and int(c.n_end[n]) > a:
                    sub.model.add_implication(y, sub.x[e, n].Not())
            windows.append(y)
        sub.model.add_bool_or(windows)
