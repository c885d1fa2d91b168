"""One builder per hard rule family of the Curtois benchmark, each with a label the checker also uses.

Every builder posts the rule for one employee ``e`` on a :class:`~.model.CurtoisModel`, only where it touches
the employee's free days (``span``). "At most one shift per day" and "fixed days off" are part of the
variables themselves (see :class:`~.model.CurtoisModel`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ressursbank.solver.curtois.model import Bit, CurtoisModel, Span


@dataclass(frozen=True, slots=True)
class Rule:
    """A labelled rule builder: ``build(model, employee, span)``."""

    label: str
    build: Callable[[CurtoisModel, int, Span], None]


def shift_type_cap(m: CurtoisModel, e: int, span: Span) -> None:
    """Employee ``e`` works shift type ``s`` at most ``cap[e][s]`` times."""
    c = m.compiled
    fixed = m.fixed_counts(e)
    for s in range(c.shifts):
        cap = c.caps[e][s]
        # A cap the fixed days plus every free day cannot reach needs no constraint (most caps on 13-24).
        if cap > 0 and fixed[s] + len(span.days) > cap:
            free = [(1, var) for d in span.days if (var := m.x.get((e, d, s))) is not None]
            m.add_sum([(fixed[s], 1), *free], None, cap)


def forbidden_succession(m: CurtoisModel, e: int, span: Span) -> None:
    """A shift may not be followed the next day by one of its forbidden successors."""
    c = m.compiled
    days = range(max(0, span.first - 1), min(c.days - 1, span.last + 1))
    if m.formulation == "engine":
        # Shifts with the same forbidden successors share one at-most-one per day pair: a tighter, smaller cut.
        groups: dict[frozenset[int], list[int]] = {}
        for s in range(c.shifts):
            if c.forbidden_next[s] and c.caps[e][s] > 0:
                groups.setdefault(c.forbidden_next[s], []).append(s)
        # Only day pairs that touch a free day: two fixed days already obey the rule in the fixed roster.
        pairs = sorted({p for d in span.days for p in (d - 1, d) if 0 <= p < c.days - 1})
        for successors, group in groups.items():
            ordered = sorted(successors)
            for d in pairs:
                m.add_at_most_one([*m.shift_bits(e, d, group), *m.shift_bits(e, d + 1, ordered)])
    else:
        for s in range(c.shifts):
            for t in c.forbidden_next[s]:
                for d in days:
                    m.add_sum(((1, m.shift(e, d, s)), (1, m.shift(e, d + 1, t))), None, 1)


def total_minutes(m: CurtoisModel, e: int, span: Span) -> None:
    """The minutes worked over the horizon lie within the employee's minimum and maximum."""
    c = m.compiled
    employee = c.instance.employees[e]
    fixed = m.fixed_counts(e)
    constant = sum(c.minutes[s] * fixed[s] for s in range(c.shifts))
    free = [(c.minutes[s], var) for d in span.days for s in c.allowed[e][d] if (var := m.x.get((e, d, s))) is not None]
    m.add_sum([(constant, 1), *free], employee.min_total_minutes, employee.max_total_minutes)


def max_consecutive_shifts(m: CurtoisModel, e: int, span: Span) -> None:
    """No more than ``k`` working days in a row: every window of ``k + 1`` days has an off day."""
    c = m.compiled
    k = c.instance.employees[e].max_consecutive_shifts
    for start in _touching(span, 0, k, max(0, span.first - k), min(c.days - k, span.last + 1)):
        m.add_sum(((1, m.work(e, d)) for d in range(start, start + k + 1)), None, k)


def _touching(span: Span, first: int, last: int, lo: int, hi: int) -> range | list[int]:
    """Return the starts ``t`` in ``[lo, hi)`` whose days ``t + first`` to ``t + last`` hold a free day of ``span``.

    Constraints over fixed days only already hold in the fixed roster; on a scattered span (random cells) this
    skips them, on a window of days it is the whole range.
    """
    if len(span.days) == span.last - span.first + 1:
        return range(lo, hi)
    starts = {d - offset for d in span.days for offset in range(first, last + 1)}
    return [start for start in range(lo, hi) if start in starts]


def min_consecutive_shifts(m: CurtoisModel, e: int, span: Span) -> None:
    """A working block inside the horizon lasts at least ``k`` days (blocks at the edges are exempt)."""
    k = m.compiled.instance.employees[e].min_consecutive_shifts
    _min_block(m, e, span, k, working=True)


def min_consecutive_days_off(m: CurtoisModel, e: int, span: Span) -> None:
    """A block of days off inside the horizon lasts at least ``k`` days (blocks at the edges are exempt)."""
    k = m.compiled.instance.employees[e].min_consecutive_days_off
    _min_block(m, e, span, k, working=False)


def _min_block(m: CurtoisModel, e: int, span: Span, k: int, *, working: bool) -> None:
    days = m.compiled.days
    if k <= 1:
        return
    lo, hi = max(1, span.first - k), min(days - 1, span.last + 1)
    if m.formulation == "engine":
        # A block starting on day d (d-1 differs) must go on for j < k days: (prev, start) -> day d + j.
        # The clauses of a start d touch days d - 1 to d + k - 1.
        for d in _touching(span, -1, k - 1, lo, hi + 1):
            for j in range(1, k):
                if d + j > days - 1:
                    break
                if working:
                    m.add_clause([m.work(e, d - 1), m.work(e, d + j)], [m.work(e, d)])
                else:
                    m.add_clause([m.work(e, d)], [m.work(e, d - 1), m.work(e, d + j)])
    else:
        # Forbid each too-short block pattern fully inside the horizon: a, b^l, a with b = working.
        for length in range(1, k):
            for d in range(lo, hi + 1):
                end = d + length
                if end > days - 1:
                    break
                inner = [m.work(e, i) for i in range(d, end)]
                edges = [m.work(e, d - 1), m.work(e, end)]
                if working:
                    m.add_clause(edges, inner)
                else:
                    m.add_clause(inner, edges)


def max_working_weekends(m: CurtoisModel, e: int, span: Span) -> None:
    """At most ``max_weekends`` weekends with work on the Saturday or the Sunday."""
    c = m.compiled
    limit = c.instance.employees[e].max_weekends
    if limit >= len(c.weekends):
        return
    flags: list[tuple[int, Bit]] = []
    for days in c.weekends:
        bits = [m.work(e, d) for d in days]
        constants = [b for b in bits if isinstance(b, int)]
        if any(constants):
            flags.append((1, 1))
            continue
        variables = [b for b in bits if not isinstance(b, int)]
        if not variables:
            continue
        flag = m.model.new_bool_var(f"we{e}_{days[0]}")
        m.weekend_flags[e, days[0]] = flag
        if m.formulation == "engine":
            for b in variables:
                m.model.add_implication(b, flag)
            m.model.add_bool_or([flag.Not(), *variables])
        else:
            m.model.add_max_equality(flag, variables)
        flags.append((1, flag))
    m.add_sum(flags, None, limit)


#: The rule builders in the order they are posted.
RULES: tuple[Rule, ...] = (
    Rule("shift_type_cap", shift_type_cap),
    Rule("forbidden_succession", forbidden_succession),
    Rule("total_minutes", total_minutes),
    Rule("max_consecutive_shifts", max_consecutive_shifts),
    Rule("min_consecutive_shifts", min_consecutive_shifts),
    Rule("min_consecutive_days_off", min_consecutive_days_off),
    Rule("max_working_weekends", max_working_weekends),
)


def post_rules(m: CurtoisModel, rules: tuple[Rule, ...] = RULES) -> None:
    """Post ``rules`` for every employee with a free day in ``m``."""
    for e, span in enumerate(m.spans):
        if span is not None:
            for rule in rules:
                rule.build(m, e, span)


def sequence_flow(m: CurtoisModel, e: int, span: Span) -> None:
    """Redundant layered-graph flow over work/off runs whose LP hull is exact for the run-length rules.

    States are the length of the current run (capped), split by whether the run started on day 0 (exempt
    from the minimum). One unit of flow crosses each day; the arcs labelled 'work' sum to the work literal.
    Posted only when the whole horizon of the employee is free.
    """
    c = m.compiled
    if span.first != 0 or span.last != c.days - 1 or len(span.days) != c.days:
        return
    employee = c.instance.employees[e]
    k_max = employee.max_consecutive_shifts
    a = employee.min_consecutive_shifts
    b = max(1, employee.min_consecutive_days_off)
    # State = (kind, length): kind "I" on-run from day 0, "N" on-run inside, "F" off-run (length capped at b).
    State = tuple[str, int]

    def step(state: State | None, label: int) -> State | None:
        if state is None:
            return ("I", 1) if label else ("F", b)
        kind, length = state
        if kind in ("I", "N"):
            if label:
                return (kind, length + 1) if length < k_max else None
            return ("F", 1) if kind == "I" or length >= a else None
        if label:
            return ("N", 1) if length >= b else None
        return ("F", min(length + 1, b))

    current: dict[State | None, Bit] = {None: 1}
    for d in range(c.days):
        work = m.work(e, d)
        labels = (0,) if isinstance(work, int) and work == 0 else (1,) if isinstance(work, int) else (0, 1)
        arcs: dict[tuple[State | None, int], cp_model.IntVar] = {}
        nxt: dict[State, list[cp_model.IntVar]] = {}
        for state in current:
            for label in labels:
                target = step(state, label)
                if target is None:
                    continue
                arc = m.model.new_bool_var(f"f{e}_{d}")
                arcs[state, label] = arc
                nxt.setdefault(target, []).append(arc)
        for state, bit in current.items():
            out = [arc for (source, _), arc in arcs.items() if source == state]
            if isinstance(bit, int):
                m.model.add(sum(out) == bit)
            else:
                m.model.add(sum(out) == bit)
        working = [arc for (_, label), arc in arcs.items() if label == 1]
        if not isinstance(work, int):
            m.model.add(sum(working) == work)
        new: dict[State | None, Bit] = {}
        for state, incoming in nxt.items():
            if len(incoming) == 1:
                new[state] = incoming[0]
            else:
                var = m.model.new_bool_var(f"q{e}_{d}")
                m.model.add(var == sum(incoming))
                new[state] = var
        current = new
