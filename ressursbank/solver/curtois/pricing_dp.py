"""Exact pricing of one Curtois employee by dynamic programming over days (a resource-constrained shortest path).

The pricing problem of column generation asks for the lawful roster of one employee with the least
``sum_d (request_cost[d][s] - dual[d][s])``. Every rule of the benchmark is local in time or a counter, so a
dense dynamic programme over days solves it exactly:

- the *state* is the current run: an off run of length ``1..b`` (``b`` = minimum days off, the last value meaning
  "long enough", which is also how the horizon's first off run starts: it is exempt), or a work run
  ``(started on day 0?, length 1..max_consecutive, last shift)``; the first flag exempts the run from the minimum
  length, the last shift decides the forbidden successions; a run touching the last day is exempt, so every
  state may end the horizon, exactly as the checker and the CP-SAT model apply the minimum-length rules;
- the *resources* are dense array axes: minutes worked (in units of the shifts' greatest common divisor, the
  axis ends at the maximum), weekends worked (when the limit can bind), and the count of a shift type whose cap
  can bind. Caps are added lazily: the programme first ignores them; when its optimum breaks a cap, that
  type's counter becomes an axis and the programme runs again (a relaxation whose optimum is lawful is optimal).

Branching fixings ("shift ``s`` (or off) on day ``d``: yes/no") narrow the labels allowed per day. When the
arrays would grow beyond :data:`MAX_CELLS` the programme gives up (``price`` returns ``None``) and the caller
uses the CP-SAT pricer: never wrong, only slower.

The programme is numpy plus Python and holds the global interpreter lock, so threads cannot run it side by
side; :class:`DpPool` runs it in worker processes instead (each gets the compiled instance once).

API::

    DpPricer(compiled, e).price(duals, fixings, columns=1) -> DpPriced | None
    DpPool(compiled, processes).price(duals, [(e, fixings), ...], columns=1) -> list[DpPriced | None]
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt

from ressursbank.solver.curtois.compile import OFF, Compiled

#: The programme gives up above this many cells (states x resources) per day.
MAX_CELLS = 400_000
#: Values within this of each other are equal when the best path is traced back.
TRACE_TOLERANCE = 1e-7

Array = npt.NDArray[np.float64]
#: A numpy index mixing integers, slices and one list of shift types.
Index = tuple[Any, ...]
Row = tuple[int, ...]
#: A branching decision on the employee's roster: (day, shift or ``OFF``, whether the roster has it).
Fixing = tuple[int, int, bool]


@dataclass(frozen=True, slots=True)
class DpPriced:
    """Rows of least reduced cost (best last; all lawful) and the exact minimum (``math.inf``: none lawful)."""

    rows: tuple[Row, ...]
    minimum: float


class DpPricer:
    """The dynamic programme of employee ``e`` (structures built once; duals and fixings vary per call)."""

    def __init__(self, compiled: Compiled, e: int) -> None:
        c = compiled
        employee = c.instance.employees[e]
        self.compiled = c
        self.e = e
        self.days = c.days
        self.n = c.shifts
        self.k_max = max(1, min(employee.max_consecutive_shifts, c.days))
        self.a = max(1, employee.min_consecutive_shifts)
        self.b = max(1, employee.min_consecutive_days_off)
        self.min_minutes = employee.min_total_minutes
        self.max_minutes = employee.max_total_minutes
        usable = [s for s in range(c.shifts) if c.caps[e][s] > 0]
        self.unit = reduce(math.gcd, [c.minutes[s] for s in usable], 0) or 1
        self.step = [c.minutes[s] // self.unit for s in range(c.shifts)]
        self.minute_cells = max(0, self.max_minutes) // self.unit + 1
        self.caps = c.caps[e]
        # Weekend counting: the first day of a weekend counts when worked, the second when worked after an
        # off first day (the weekends of the horizon are (Saturday, Sunday) pairs, possibly cut at the end).
        self.weekend_first = [False] * c.days
        self.weekend_second = [False] * c.days
        for days in c.weekends:
            if days:
                self.weekend_first[days[0]] = True
            if len(days) > 1:
                self.weekend_second[days[1]] = True
        self.weekend_limit = employee.max_weekends
        self.track_weekends = employee.max_weekends < len(c.weekends)
        self.tracked: list[int] = []  # shift types whose counter is an axis (grown lazily; the tight ones kept)
        self.previous_ok = [
            np.array([t for t in range(c.shifts) if s not in c.forbidden_next[t]], dtype=np.intp)
            for s in range(c.shifts)
        ]
        # Shifts with the same possible predecessors share the minimum over them.
        groups: dict[tuple[int, ...], list[int]] = {}
        for s in range(c.shifts):
            groups.setdefault(tuple(int(t) for t in self.previous_ok[s]), []).append(s)
        self.predecessor_groups = [(np.array(previous, dtype=np.intp), members) for previous, members in groups.items()]
        request = np.zeros((c.days, c.shifts))
        for d in range(c.days):
            for s, value in c.request_cost[e][d].items():
                request[d, s] = value
        self.request = request
        self.allowed = [tuple(c.allowed[e][d]) for d in range(c.days)]

    # -- the programme ------------------------------------------------------------------------------------
    def _resource_shape(self) -> tuple[int, ...]:
        shape = [self.minute_cells]
        if self.track_weekends:
            shape.append(self.weekend_limit + 1)
        shape.extend(self.caps[s] + 1 for s in self.tracked)
        return tuple(shape)

    def _offsets(self, s: int, weekend: int) -> tuple[int, ...]:
        offsets = [self.step[s]]
        if self.track_weekends:
            offsets.append(weekend)
        offsets.extend(int(t == s) for t in self.tracked)
        return tuple(offsets)

    @staticmethod
    def _slices(offsets: Sequence[int], shape: Sequence[int]) -> tuple[tuple[slice, ...], tuple[slice, ...]] | None:
        """Return the (target, source) slices that move resource axes forward by ``offsets``; what falls off the
        end is dropped (over a maximum or a cap). ``None`` when nothing is left."""
        target: list[slice] = []
        source: list[slice] = []
        for offset, size in zip(offsets, shape, strict=True):
            if offset >= size:
                return None
            target.append(slice(offset, None))
            source.append(slice(0, size - offset))
        return tuple(target), tuple(source)

    def _labels(self, fixings: Sequence[Fixing]) -> list[tuple[bool, tuple[int, ...]]] | None:
        """Per day: whether off is allowed and the shifts allowed, under ``fixings``; ``None`` if impossible."""
        off_ok = [True] * self.days
        shifts = [set(self.allowed[d]) for d in range(self.days)]
        for d, s, on in fixings:
            if s == OFF:
                if on:
                    shifts[d] = set()
                else:
                    off_ok[d] = False
            elif on:
                off_ok[d] = False
                shifts[d] &= {s}
            else:
                shifts[d].discard(s)
        if any(not off and not allowed for off, allowed in zip(off_ok, shifts, strict=True)):
            return None
        return [(off, tuple(sorted(allowed))) for off, allowed in zip(off_ok, shifts, strict=True)]

    def _forward(self, cost: Array, labels: Sequence[tuple[bool, tuple[int, ...]]]) -> list[tuple[Array, Array]]:
        """Return per day the value arrays (off states ``(b, *res)``, work states ``(2, k_max, n, *res)``)."""
        res = self._resource_shape()
        b, k_max, n, a = self.b, self.k_max, self.n, self.a
        off = np.full((b, *res), np.inf)
        off[(b - 1,) + (0,) * len(res)] = 0.0  # before day 0: a satisfied (exempt) off run, nothing used
        work = np.full((2, k_max, n, *res), np.inf)
        # Shifts that move the resources alike are handled together: same minutes, counter not an axis.
        kinds: dict[tuple[int, int], list[int]] = {}
        for s in range(n):
            kinds.setdefault((self.step[s], s if s in self.tracked else -1), []).append(s)
        flat = (1,) * len(res)
        layers: list[tuple[Array, Array]] = []
        for d in range(self.days):
            off_ok, shifts = labels[d]
            new_off = np.full_like(off, np.inf)
            new_work = np.full_like(work, np.inf)
            if off_ok:
                # a work run may end when it started on day 0 or is long enough
                ending = work[0].min(axis=(0, 1))
                if a <= k_max:
                    ending = np.minimum(ending, work[1, a - 1 :].min(axis=(0, 1)))
                if b == 1:
                    new_off[0] = np.minimum(off[0], ending)
                else:
                    new_off[0] = ending
                    new_off[1 : b - 1] = off[0 : b - 2]
                    new_off[b - 1] = np.minimum(off[b - 2], off[b - 1])
            if shifts:
                kind = 0 if d == 0 else 1
                first, second = self.weekend_first[d], self.weekend_second[d]
                allowed = set(shifts)
                going_on: Array | None = None
                if k_max > 1:
                    # the best run of each length before, ending in a shift that may precede s
                    going_on = np.empty((2, k_max - 1, n, *res))
                    for previous, members in self.predecessor_groups:
                        if len(previous):
                            going_on[:, :, members] = work[:, : k_max - 1, previous].min(axis=2, keepdims=True)
                        else:
                            going_on[:, :, members] = np.inf
                for group in kinds.values():
                    members = [s for s in group if s in allowed]
                    if not members:
                        continue
                    value = cost[d, members].reshape(-1, *flat)
                    start = self._slices(self._offsets(members[0], int(first or second)), res)
                    if start is not None:
                        target, source = start
                        into: Index = (kind, 0, members, *target)
                        origin: Index = (b - 1, *source)
                        new_work[into] = off[origin] + value
                    if going_on is not None:
                        moved = self._slices(self._offsets(members[0], int(first)), res)
                        if moved is not None:
                            target, source = moved
                            every = slice(None)
                            into = (every, slice(1, None), members, *target)
                            away: Index = (every, every, members, *source)
                            new_work[into] = going_on[away] + value
            off, work = new_off, new_work
            layers.append((off, work))
        return layers

    def _minute_mask(self) -> Array:
        lowest = -(-max(0, self.min_minutes) // self.unit)
        mask = np.zeros(self.minute_cells)
        mask[: min(lowest, self.minute_cells)] = np.inf
        return mask

    def _trace(
        self,
        layers: Sequence[tuple[Array, Array]],
        cost: Array,
        state: tuple[int, ...],
        is_off: bool,
    ) -> Row:
        """Walk back from a final cell to day 0 and return the row."""
        row = [OFF] * self.days
        b, a = self.b, self.a
        d = self.days - 1
        while d >= 0:
            off, work = layers[d]
            value = float(off[state] if is_off else work[state])
            if is_off:
                j, res = state[0], state[1:]
                candidates: list[tuple[bool, tuple[int, ...]]] = []
                if d == 0:
                    break
                if j == 0:
                    # the work run that ended here: the closest value among those allowed to end (one array step)
                    every = slice(None)
                    at: Index = (every, every, every, *res)
                    ends = layers[d - 1][1][at].copy()
                    ends[1, : a - 1] = np.inf  # a run that started inside must be long enough
                    closest = np.unravel_index(int(np.argmin(np.abs(ends - value))), ends.shape)
                    candidates.append((False, (*(int(i) for i in closest), *res)))
                    if b == 1:
                        candidates.append((True, (0, *res)))
                else:
                    candidates.append((True, (j - 1, *res)))
                    if j == b - 1:
                        candidates.append((True, (j, *res)))
                state, is_off = self._pick(layers[d - 1], candidates, value)
            else:
                kind, length, s, *rest = state
                row[d] = s
                value -= float(cost[d, s])
                if d == 0:
                    break
                first, second = self.weekend_first[d], self.weekend_second[d]
                if length == 0:
                    offsets = self._offsets(s, int(first or second))
                    res = tuple(r - o for r, o in zip(rest, offsets, strict=True))
                    candidates = [(True, (b - 1, *res))]
                else:
                    offsets = self._offsets(s, int(first))
                    res = tuple(r - o for r, o in zip(rest, offsets, strict=True))
                    candidates = [(False, (kind, length - 1, int(t), *res)) for t in self.previous_ok[s]]
                state, is_off = self._pick(layers[d - 1], candidates, value)
            d -= 1
        return tuple(row)

    @staticmethod
    def _pick(
        layer: tuple[Array, Array], candidates: Sequence[tuple[bool, tuple[int, ...]]], value: float
    ) -> tuple[tuple[int, ...], bool]:
        off, work = layer
        best: tuple[float, tuple[int, ...], bool] | None = None
        for is_off, index in candidates:
            if min(index) < 0:
                continue
            found = float(off[index] if is_off else work[index])
            if best is None or abs(found - value) < best[0]:
                best = (abs(found - value), index, is_off)
        if best is None or best[0] > TRACE_TOLERANCE * max(1.0, abs(value)):
            raise AssertionError("dynamic programme trace-back lost its path")  # pragma: no cover - a defect
        return best[1], best[2]

    def _broken_caps(self, row: Row) -> list[int]:
        counts = [0] * self.n
        for s in row:
            if s != OFF:
                counts[s] += 1
        return [s for s in range(self.n) if counts[s] > self.caps[s]]

    def price(
        self, duals: Sequence[Sequence[float]], fixings: Sequence[Fixing] = (), columns: int = 1
    ) -> DpPriced | None:
        """Return the ``columns`` best lawful rows (best last) and the exact minimum of ``cost - duals . cover``,
        or ``None`` when the programme would be too large (use another pricer)."""
        labels = self._labels(fixings)
        if labels is None:
            return DpPriced((), math.inf)
        cost = self.request - np.asarray(duals, dtype=np.float64)
        while True:
            states = self.b + 2 * self.k_max * self.n
            if states * int(np.prod(self._resource_shape())) > MAX_CELLS:
                return None
            layers = self._forward(cost, labels)
            off, work = layers[-1]
            mask = self._minute_mask()
            finals_off = off + mask.reshape((1, -1) + (1,) * (off.ndim - 2))
            finals_work = work + mask.reshape((1, 1, 1, -1) + (1,) * (work.ndim - 4))
            flat = np.concatenate([finals_off.ravel(), finals_work.ravel()])
            if columns <= 1:
                order = np.array([int(np.argmin(flat))])
            else:
                order = np.argpartition(flat, min(columns, flat.size) - 1)[:columns]
                order = order[np.argsort(flat[order], kind="stable")]
            if not np.isfinite(flat[order[0]]):
                return DpPriced((), math.inf)
            rows: list[Row] = []
            broken: list[int] = []
            for rank, position in enumerate(order):
                if not np.isfinite(flat[position]):
                    break
                if position < finals_off.size:
                    state = tuple(int(i) for i in np.unravel_index(position, finals_off.shape))
                    row = self._trace(layers, cost, state, True)
                else:
                    index = np.unravel_index(position - finals_off.size, finals_work.shape)
                    row = self._trace(layers, cost, tuple(int(i) for i in index), False)
                over = self._broken_caps(row)
                if over:
                    if rank == 0:
                        broken = over
                        break
                    continue
                rows.append(row)
            if broken:
                self.tracked.extend(s for s in broken if s not in self.tracked)
                continue
            # Keep as axes only the caps the best row meets exactly (likely needed at the next duals too).
            best = rows[0]
            self.tracked = [t for t in self.tracked if sum(s == t for s in best) >= self.caps[t]]
            minimum = float(flat[order[0]])
            return DpPriced(tuple(reversed(rows)), minimum)


#: The compiled instance of a pool's worker process and its programmes, built on first use per employee.
_WORKER_COMPILED: list[Compiled] = []
_WORKER_PRICERS: dict[int, DpPricer] = {}


def _start_worker(compiled: Compiled) -> None:
    _WORKER_COMPILED[:] = [compiled]
    _WORKER_PRICERS.clear()


def _price_in_worker(
    duals: Sequence[Sequence[float]], tasks: Sequence[tuple[int, tuple[Fixing, ...]]], columns: int
) -> list[DpPriced | None]:
    compiled = _WORKER_COMPILED[0]
    priced: list[DpPriced | None] = []
    for e, fixings in tasks:
        pricer = _WORKER_PRICERS.get(e)
        if pricer is None:
            pricer = _WORKER_PRICERS[e] = DpPricer(compiled, e)
        priced.append(pricer.price(duals, fixings, columns))
    return priced


class DpPool:
    """The dynamic programmes of many employees priced in ``processes`` worker processes.

    A round of pricing is split into ``2 * processes`` chunks (employees differ in cost, so smaller chunks keep
    the processes evenly busy); each chunk costs one round trip of the duals and the rows (a few kB).
    """

    def __init__(self, compiled: Compiled, processes: int) -> None:
        # "spawn": forking a process whose other threads run CP-SAT or GLOP can deadlock the child.
        context = multiprocessing.get_context("spawn")
        self.processes = max(1, processes)
        self.executor = ProcessPoolExecutor(
            max_workers=self.processes, mp_context=context, initializer=_start_worker, initargs=(compiled,)
        )

    def price(
        self,
        duals: Sequence[Sequence[float]],
        tasks: Sequence[tuple[int, tuple[Fixing, ...]]],
        columns: int = 1,
        *,
        processes: int | None = None,
    ) -> list[DpPriced | None]:
        """Return, for each ``(employee, fixings)`` of ``tasks`` in order, what :meth:`DpPricer.price` returns.

        ``processes`` fewer than the pool's keeps the others idle (one chunk per process in use), e.g. while a
        search beside needs a core.
        """
        plain = [list(map(float, row)) for row in duals]
        using = self.processes if processes is None else max(1, min(processes, self.processes))
        chunks = max(1, min(len(tasks), 2 * using if using == self.processes else using))
        futures = [
            self.executor.submit(_price_in_worker, plain, tasks[first::chunks], columns) for first in range(chunks)
        ]
        priced: list[DpPriced | None] = [None] * len(tasks)
        for first, future in enumerate(futures):
            priced[first::chunks] = future.result()
        return priced

    def close(self) -> None:
        """Stop the worker processes (pending rounds are cancelled; a running chunk ends on its own)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
