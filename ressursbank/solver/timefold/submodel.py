"""The CP-SAT (sub)model the rules write into: which shifts are free, who may take them, and the variables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ressursbank.solver.timefold.compile import Compiled


@dataclass(slots=True)
class SubModel:
    """A model over ``free`` shifts and ``group`` employees; everything else is fixed as in ``assign``.

    Attributes
    ----------
    compiled
        The compiled data set.
    free
        Shift indices that may be (re)assigned.
    group
        Employee indices that may take free shifts.
    fixed
        Per group employee, the shifts it keeps (assigned to it and not free).
    model
        The CP-SAT model.
    x
        ``(shift, employee) -> Boolean``: the employee works the shift (only allowed pairs have a variable).
    by_employee
        Per group employee, its ``(shift, variable)`` pairs.
    unassigned
        Per free shift, a Boolean that is true when nobody takes it (absent when every shift must be taken).
    balance
        Per group employee, its shift count and the square of it (when the balance term is weighted).
    terms
        Objective terms as ``(label, coefficient, variable)``; the objective minimises their sum.
    """

    compiled: Compiled
    free: Sequence[int]
    group: Sequence[int]
    fixed: dict[int, list[int]]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    by_employee: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    unassigned: dict[int, cp_model.IntVar] = field(default_factory=dict)
    terms: list[tuple[str, int, cp_model.IntVar]] = field(default_factory=list)
    balance: dict[int, tuple[cp_model.IntVar, cp_model.IntVar]] = field(default_factory=dict)
