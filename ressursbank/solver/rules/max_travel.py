"""MaxTravel: a hard limit removes candidates in ``compile.py``; a warning costs ``cost`` per km beyond it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def add_costs(sub: SubModel, e: int) -> None:
    c = sub.c
    p = c.rule_params[int(c.e_rule_set[e])]
    if p.travel_cost == 0:
        return
    home = int(c.e_home[e])
    for n in sub.candidates[e]:
        u = int(c.n_unit[n])
        if u != home:
            over = max(0, math.ceil(float(c.unit_distance[home, u]) - float(c.e_travel_limit[e]) - 1e-9))
            if over:
                sub.objective.append(p.travel_cost * over * sub.x[e, n])
