"""HomeCriticalFirst: nobody works away during most of a home critical need they could fill that is left open.

For each away candidate (or fixed away shift) and each such home need: working away implies the home need is
fully covered. Needs outside the part are constants: if open, the away candidate is forbidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ressursbank.solver.compile import Compiled

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def mostly_overlaps(c: Compiled, n: int, m: int) -> bool:
    """Shift ``n`` covers more than half of need ``m``."""
    overlap = min(int(c.n_end[n]), int(c.n_end[m])) - max(int(c.n_start[n]), int(c.n_start[m]))
    return overlap * 2 > int(c.n_minutes[m])


def critical_by_unit(c: Compiled) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for m in np.flatnonzero(c.n_critical).tolist():
        out.setdefault(int(c.n_unit[m]), []).append(m)
    return out


def constrain(sub: SubModel, home_critical: dict[int, list[int]] | None = None) -> None:
    c = sub.c
    crit = home_critical if home_critical is not None else critical_by_unit(c)
    free_n = set(sub.free_needs)
    free_e = set(sub.free_employees)
    applies = [c.rule_params[int(r)].home_critical_first for r in range(len(c.rule_params))]

    def covered_in_part(m: int) -> None:
        sub.model.add(sub.unmet[m] == 0)

    for e in sub.free_employees:
        if not applies[int(c.e_rule_set[e])]:
            continue
        home = int(c.e_home[e])
        needs = crit.get(home, [])
        if not needs:
            continue
        for n in sub.candidates[e]:
            if int(c.n_unit[n]) == home:
                continue
            for m in needs:
                if not mostly_overlaps(c, n, m) or not c.is_eligible(e, m):
                    continue
                if m in free_n:
                    sub.model.add(sub.unmet[m] == 0).only_enforce_if(sub.x[e, n])
                elif len(sub.by_need[m]) < int(c.n_count[m]):
                    sub.model.add(sub.x[e, n] == 0)
        for f in sub.fixed[e]:
            if int(c.n_unit[f]) == home:
                continue
            for m in needs:
                if m in free_n and mostly_overlaps(c, f, m) and c.is_eligible(e, m):
                    covered_in_part(m)
    # people outside the part who already work away while a free home critical need runs
    for m in sub.free_needs:
        if not c.n_critical[m]:
            continue
        u = int(c.n_unit[m])
        staff = np.flatnonzero((c.e_home == u) & c.eligible_mask(m)).tolist()
        for e in staff:
            if e in free_e or not applies[int(c.e_rule_set[e])]:
                continue
            if any(int(c.n_unit[f]) != u and mostly_overlaps(c, f, m) for f in sub.shifts[e]):
                covered_in_part(m)
                break
