"""SundayAlternation (AML § 10-8 (4)): a worked Sunday means the next Sunday off (hard, or a cost per pair)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    p = c.rule_params[int(c.e_rule_set[e])]
    if not p.sunday_hard and p.sunday_cost == 0:
        return
    worked: list[int | cp_model.IntVar] = []
    for s in range(len(c.sundays)):
        if any(c.n_sunday[n] == s for n in sub.fixed[e]):
            worked.append(1)
            continue
        cands = [n for n in sub.candidates[e] if c.n_sunday[n] == s]
        if not cands:
            worked.append(0)
            continue
        flag = sub.model.new_bool_var(f"sunday_{e}_{s}")
        for n in cands:
            sub.model.add_implication(sub.x[e, n], flag)
        worked.append(flag)
    for s in range(len(worked) - 1):
        a, b = worked[s], worked[s + 1]
        if isinstance(a, int) and isinstance(b, int):
            continue
        if p.sunday_hard:
            sub.model.add(a + b <= 1)
        else:
            both = sub.model.new_bool_var(f"sunday_pair_{e}_{s}")
            sub.model.add(both >= a + b - 1)
            sub.objective.append(p.sunday_cost * both)
