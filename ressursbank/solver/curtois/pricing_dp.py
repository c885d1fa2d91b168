"""Exact pricing of one Curtois employee by dynamic programming over days (a resource-constrained shortest path).

The pricing problem of column generation asks for the lawful roster of one employee with the least
``sum_d (request_cost[d][s] - dual[d][s])``. Every rule of the benchmark is local in time or a counter, so a
dense dynamic programme over days solves it exactly:

- the *state* is the current run: an off run of length ``1..b`` (``b`` = minimum days off, the last value meaning
  "long enough", which is also how the horizon's first off run starts: it is exempt), or a work run
  ``(started on day 0?, length 1..max_consecutive, class of the last shift)``; the first flag exempts the run
  from the minimum length, the class (shift types with the same forbidden successors) decides the forbidden
  successions; a run touching the last day is exempt, so every state may end the horizon, exactly as the checker
  and the CP-SAT model apply the minimum-length rules;
- the *resources* are dense array axes: minutes worked (in units of the shifts' greatest common divisor, the
  axis ends at the maximum; per day only the minutes reachable by then and still able to reach the minimum are
  computed), weekends worked (when the limit can bind), and the count of a shift type whose cap can bind. Caps
  are added lazily: the programme first ignores them; when its optimum breaks a cap, that type's counter becomes
  an axis and the programme runs again (a relaxation whose optimum is lawful is optimal).

Branching fixings ("shift ``s`` (or off) on day ``d``: yes/no") narrow the labels allowed per day. When the
arrays would grow beyond :data:`MAX_CELLS` a day (or :data:`MAX_TOTAL_CELLS` in all) the programme gives up
(``price`` returns ``None``) and the caller uses the CP-SAT pricer: never wrong, only slower.

A best response needs a good lawful row, not a proof: with ``relaxed=True`` a too large employee (the year-long
instances 22 and 24, where caps bind over the year) gets the *Lagrangian programme* instead. The binding caps
are priced by multipliers (projected subgradient steps). The weekends stay an axis beside the minutes where that
fits (22). Else (24) the fast answer keeps the weekends and prices the minutes (bisected; rows brought into the
minutes' window by swapping shift lengths); from an employee's fifth call on, where that row is far from its
bound, the minutes are kept and the weekends priced too, a row over the weekend limit *dived* (its least earning
weekends forced off, the programme re-run): slower, near the optimum (a weekend price alone flips many weekends
at once, 30 -> 4 for a small rise on 24). Rows over a cap are repaired by the cheapest swaps to shift types of
the same length that keep the successions; every returned row is checked against every rule the programme left
out. The answer is marked ``exact=False``: lawful rows and a lower bound (weak duality). Measured (load ~5, CPU
s): 22, one best response 0.1-0.4 s within 0.03 % of its bound; 24 from the construction's 222,982, passes of
best responses: 115,261 after one (6 s), 90,864 after four (20 s, minutes priced), 76,741 after five (69 s, the
weekends priced where needed; the minutes-priced rows were then ~10 % above their bounds, 1,294 median), 71,346
after seven (129 s).

The forward pass and the trace-back are compiled (numba, :mod:`.pricing_kernel`: values for two days, a 16-bit
pointer per cell and day for an exact trace-back). The first compilation costs ~6-10 CPU seconds once per
machine and code version; it is cached on disk (``__pycache__``), and a process then loads it in ~0.3 s. The
per-employee structures are built once in :class:`DpPricer`; the arrays are reused from call to call (one set
per thread). Passing ``duals`` as a numpy array saves converting them per call. The kernel releases the global
interpreter lock but the Python around it does not; :class:`DpPool` runs the programmes in worker processes
(each gets the compiled instance once).

API::

    DpPricer(compiled, e).price(duals, fixings, columns=1, relaxed=False) -> DpPriced | None
    DpPool(compiled, processes).price(duals, [(e, fixings), ...], columns=1) -> list[DpPriced | None]
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import reduce

import numpy as np
import numpy.typing as npt

from ressursbank.solver.curtois import pricing_kernel
from ressursbank.solver.curtois.compile import OFF, Compiled

#: The programme gives up above this many cells (states x resources) a day (its time grows with them),
MAX_CELLS = 1_500_000
#: or above this many over all days (2 bytes each: a pointer per cell and day is kept for the trace-back).
MAX_TOTAL_CELLS = 100_000_000
#: The pointers are 16-bit.
MAX_POINTER = 65_535
#: The Lagrangian programme keeps the weekends as an axis only up to this many cells over all days.
RELAXED_MAX_TOTAL_CELLS = 100_000_000
#: Where the weekends do not fit as an axis beside the minutes, keep them and price the minutes instead.
PRICE_MINUTES = True
#: The minutes-priced answer is kept for an employee's first calls (best-response passes gain most there, and
#: fast), and later when its row is within this share of its bound; else the weekends are priced too.
HYBRID_AFTER = 4
HYBRID_GAP = 0.005
#: When the weekends are priced, a row over their limit is dived: its least valuable worked weekends forced
#: off and the programme re-run, at most this many times.
WEEKEND_DIVE = True
WEEKEND_DIVE_STEPS = 4
#: At most this many Lagrangian iterations (one programme each) per call,
RELAXED_ITERATIONS = 12
#: and it stops once the best lawful row is within this share of the bound (a best response needs no more),
RELAXED_STOP_GAP = 1e-3
#: or once a lawful row exists and this many iterations in a row did not improve it.
RELAXED_PATIENCE = 3
#: The weekend price's first try when none is known (the duals of a cover cell are in the tens to hundreds),
WEEKEND_PRICE_START = 16.0
#: and the width of the bracket below which its bisection stops.
WEEKEND_PRICE_RESOLUTION = 0.5
#: The minutes' price (per minute): its first step when the bracket is open, and the width where it stops.
MINUTES_PRICE_STEP = 0.01
MINUTES_PRICE_RESOLUTION = 1e-4

Array = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Pointers = npt.NDArray[np.uint16]
Row = tuple[int, ...]
#: A branching decision on the employee's roster: (day, shift or ``OFF``, whether the roster has it).
Fixing = tuple[int, int, bool]

#: Per thread, the arrays of the last programme run (reused while the shapes stay the same).
_BUFFERS = threading.local()


@dataclass(frozen=True, slots=True)
class DpPriced:
    """Rows of least reduced cost (best last; all lawful) and the exact minimum (``math.inf``: none lawful).

    With ``exact`` false (the Lagrangian programme of a too large employee), ``minimum`` is a proven lower bound
    on the least reduced cost and the rows are lawful but not necessarily the cheapest (possibly none).
    """

    rows: tuple[Row, ...]
    minimum: float
    exact: bool = True


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
        self.caps_array = np.array(self.caps, dtype=np.int64)
        # Weekend counting: the first day of a weekend counts when worked, the second when worked after an
        # off first day (the weekends of the horizon are (Saturday, Sunday) pairs, possibly cut at the end).
        first = np.zeros(c.days, dtype=np.int64)
        second = np.zeros(c.days, dtype=np.int64)
        for days in c.weekends:
            if days:
                first[days[0]] = 1
            if len(days) > 1:
                second[days[1]] = 1
        self.weekend_limit = employee.max_weekends
        self.track_weekends = employee.max_weekends < len(c.weekends)
        # the counter grows by one when a run starts on either day of a weekend, or goes on into its first day
        self.weekend_start = np.maximum(first, second) if self.track_weekends else np.zeros(c.days, np.int64)
        self.weekend_continue = first if self.track_weekends else np.zeros(c.days, np.int64)
        self.weekend_axis = self.track_weekends  # false while the Lagrangian programme prices the weekends
        self.weekend_days = c.weekends
        self.tracked: list[int] = []  # shift types whose counter is an axis (grown lazily; the tight ones kept)
        # Caps that can bind: the Lagrangian programme prices them (multipliers kept from call to call, where the
        # duals change little, so a call starts near its best point).
        self.capped = np.array([s for s in range(c.shifts) if 0 < self.caps[s] < c.days], dtype=np.int64)
        self.multipliers = np.zeros(c.shifts)
        self.weekend_multiplier = 0.0
        self.forbidden_next = c.forbidden_next
        self.minutes = c.minutes
        self.minutes_array = np.array(c.minutes, dtype=np.int64)
        # A run remembers the class of its last shift: the shift types with the same forbidden successors.
        classes: dict[frozenset[int], int] = {}
        self.class_of = np.array(
            [classes.setdefault(c.forbidden_next[s], len(classes)) for s in range(c.shifts)], dtype=np.int64
        )
        forbidden = list(classes)
        self.successor_ok = np.array(
            [[s not in forbidden[k] for s in range(c.shifts)] for k in range(len(forbidden))], dtype=np.bool_
        )
        # Shifts with the same possible predecessor classes share the minimum over them.
        groups: dict[tuple[int, ...], list[int]] = {}
        for s in range(c.shifts):
            groups.setdefault(tuple(int(k) for k in np.flatnonzero(self.successor_ok[:, s])), []).append(s)
        self.group_of = np.zeros(c.shifts, dtype=np.int64)
        starts = [0]
        members: list[int] = []
        for g, (previous, shifts) in enumerate(groups.items()):
            self.group_of[shifts] = g
            members.extend(previous)
            starts.append(len(members))
        self.group_start = np.array(starts, dtype=np.int64)
        self.group_classes = np.array(members, dtype=np.int64)
        request = np.zeros((c.days, c.shifts))
        for d in range(c.days):
            for s, value in c.request_cost[e][d].items():
                request[d, s] = value
        self.request = request
        self.shift_allowed = np.zeros((c.days, c.shifts), dtype=np.bool_)
        self.off_free = np.ones(c.days, dtype=np.bool_)
        for d in range(c.days):
            self.shift_allowed[d, list(c.allowed[e][d])] = True
        # Minutes worth computing per day: reachable by then (``high``), and still able to reach the minimum by
        # the end (``low``), in units. Any k + b days in a row hold at most k worked days.
        longest = max((self.step[s] for s in usable), default=0)
        lowest = -(-max(0, self.min_minutes) // self.unit)

        def most_worked(span: int) -> int:
            blocks, rest = divmod(span, self.k_max + self.b)
            return blocks * self.k_max + min(rest, self.k_max)

        self.low = np.array(
            [max(0, lowest - most_worked(c.days - 1 - d) * longest) for d in range(c.days)], dtype=np.int64
        )
        self.high = np.array(
            [min(self.minute_cells - 1, most_worked(d + 1) * longest) for d in range(c.days)], dtype=np.int64
        )
        self.lowest = lowest
        self.minutes_axis = True  # false while the Lagrangian programme prices the minutes (see _price_relaxed)
        self.minutes_multiplier = 0.0
        self.relaxed_calls = 0
        self._no_window = np.zeros(c.days, dtype=np.int64)
        self._moves_for: tuple[int, ...] | None = None
        self._moves_cache: tuple[Ints, Array, Array, int, Ints, Ints] | None = None

    # -- the programme ------------------------------------------------------------------------------------
    def _resource_shape(self) -> tuple[int, ...]:
        shape = [self.minute_cells if self.minutes_axis else 1]
        if self.weekend_axis:
            shape.append(self.weekend_limit + 1)
        shape.extend(self.caps[s] + 1 for s in self.tracked)
        return tuple(shape)

    def _states(self) -> int:
        return self.b + (self.k_max + 1) * len(self.successor_ok)

    def _moves(self) -> tuple[Ints, Array, Array, int, Ints, Ints]:
        """Return the flat moves ``delta[s, w]``, their penalty ``blocked[s, w, r]`` (0 where allowed, else
        infinite), the final penalty per cell (infinite below the minimum of minutes) and the stride
        of the minutes, and the kinds of shift types that differ only in cost, for the tracked caps."""
        tracked = (*self.tracked, -1 - self.weekend_axis - 2 * self.minutes_axis)
        if self._moves_cache is None or self._moves_for != tracked:
            shape = self._resource_shape()
            cells = int(np.prod(shape))
            coordinates = np.indices(shape).reshape(len(shape), cells)  # axis j of every flat cell
            strides = [int(np.prod(shape[j + 1 :])) for j in range(len(shape))]
            delta = np.zeros((self.n, 2), dtype=np.int64)
            valid = np.ones((self.n, 2, cells), dtype=np.bool_)
            for s in range(self.n):
                for w in range(2):
                    offsets = [self.step[s] if self.minutes_axis else 0]
                    if self.weekend_axis:
                        offsets.append(w)
                    offsets.extend(int(t == s) for t in self.tracked)
                    delta[s, w] = sum(o * stride for o, stride in zip(offsets, strides, strict=True))
                    for axis, (offset, size) in enumerate(zip(offsets, shape, strict=True)):
                        valid[s, w] &= coordinates[axis] + offset < size
            final = np.where(coordinates[0] < (self.lowest if self.minutes_axis else 0), np.inf, 0.0)
            blocked = np.where(valid, 0.0, np.inf)
            # shift types that differ only in cost: the same class, predecessors and moves
            kinds: dict[tuple[int, int, int, int], list[int]] = {}
            for s in range(self.n):
                kind = (int(self.class_of[s]), int(self.group_of[s]), int(delta[s, 0]), int(delta[s, 1]))
                kinds.setdefault(kind, []).append(s)
            kind_start = np.cumsum([0] + [len(shifts) for shifts in kinds.values()]).astype(np.int64)
            kind_shifts = np.array([s for shifts in kinds.values() for s in shifts], dtype=np.int64)
            self._moves_cache = (delta, blocked, final, strides[0], kind_start, kind_shifts)
            self._moves_for = tracked
        return self._moves_cache

    def _labels(self, fixings: Sequence[Fixing]) -> tuple[Bools, Bools] | None:
        """Whether off is allowed per day, and the shifts allowed per day, under ``fixings``; ``None`` if
        impossible."""
        if not fixings:
            return self.off_free, self.shift_allowed
        off_ok = self.off_free.copy()
        shifts = self.shift_allowed.copy()
        for d, s, on in fixings:
            if s == OFF:
                if on:
                    shifts[d] = False
                else:
                    off_ok[d] = False
            elif on:
                off_ok[d] = False
                keep = shifts[d, s]
                shifts[d] = False
                shifts[d, s] = keep
            else:
                shifts[d, s] = False
        # only a fixed day can have lost every label
        fixed = [d for d, _, _ in fixings]
        if np.any(~off_ok[fixed] & ~shifts[fixed].any(axis=1)):
            return None
        return off_ok, shifts

    def _buffers(self, cells: int) -> tuple[Array, Array, Array, Pointers, Pointers, Pointers]:
        """The last day's values and every day's pointers, as views of flat arrays shared by every pricer of this
        thread (one call at a time; grown when too small, so employees of different shapes reuse them)."""
        classes = len(self.successor_ok)
        shapes = ((self.b, cells), (self.k_max, classes, cells), (classes, cells))
        sizes = [math.prod(shape) for shape in shapes]
        values: Array | None = getattr(_BUFFERS, "values", None)
        pointers: Pointers | None = getattr(_BUFFERS, "pointers", None)
        if values is None or values.size < sum(sizes):
            values = _BUFFERS.values = np.empty(sum(sizes))
        if pointers is None or pointers.size < self.days * sum(sizes):
            pointers = _BUFFERS.pointers = np.empty(self.days * sum(sizes), dtype=np.uint16)
        value_views: list[Array] = []
        pointer_views: list[Pointers] = []
        start = 0
        for shape, size in zip(shapes, sizes, strict=True):
            value_views.append(values[start : start + size].reshape(shape))
            pointer_views.append(pointers[self.days * start : self.days * (start + size)].reshape(self.days, *shape))
            start += size
        off, work, first = value_views
        off_from, work_from, first_from = pointer_views
        return off, work, first, off_from, work_from, first_from

    def price(
        self,
        duals: Sequence[Sequence[float]] | Array,
        fixings: Sequence[Fixing] = (),
        columns: int = 1,
        *,
        relaxed: bool = False,
    ) -> DpPriced | None:
        """Return the ``columns`` best lawful rows (best last) and the exact minimum of ``cost - duals . cover``,
        or ``None`` when the programme would be too large (use another pricer).

        With ``relaxed``, a too large programme (year-long caps: each tracked cap multiplies the cells) gives way
        to the Lagrangian one instead (``exact`` false: lawful rows, not always the cheapest, and a lower bound;
        see :meth:`_price_relaxed`): right for a best response, not for column generation, whose convergence
        needs the exact minimum. ``None`` then only when even that is too large.
        """
        labels = self._labels(fixings)
        if labels is None:
            return DpPriced((), math.inf)
        off_ok, shift_ok = labels
        cost = self.request - np.asarray(duals, dtype=np.float64)
        classes = len(self.successor_ok)
        if max(self.n * classes, classes + self.k_max * classes) > MAX_POINTER:
            return None
        while True:
            if self._too_large():
                return self._price_relaxed(cost, off_ok, shift_ok, columns) if relaxed else None
            rows, values, found = self._run(
                cost, off_ok, shift_ok, self.weekend_start, self.weekend_continue, 0.0, columns
            )
            if found == 0:
                return DpPriced((), math.inf)
            # shifts counted per row (OFF = -1, shifted to 0, is dropped)
            counts = np.stack([np.bincount(rows[column] + 1, minlength=self.n + 1)[1:] for column in range(found)])
            over = counts > self.caps_array
            broken = np.flatnonzero(over[0]).tolist()
            lawful = [tuple(rows[column].tolist()) for column in range(found) if not over[column].any()]
            if broken:
                self.tracked.extend(s for s in broken if s not in self.tracked)
                continue
            # Keep as axes only the caps the best row meets exactly (likely needed at the next duals too).
            self.tracked = [t for t in self.tracked if counts[0, t] >= self.caps[t]]
            return DpPriced(tuple(reversed(lawful)), float(values[0]))

    def _too_large(self) -> bool:
        cells_a_day = self._states() * math.prod(self._resource_shape())
        return cells_a_day > MAX_CELLS or cells_a_day * self.days > MAX_TOTAL_CELLS

    def _run(
        self,
        cost: Array,
        off_ok: Bools,
        shift_ok: Bools,
        weekend_start: Ints,
        weekend_continue: Ints,
        weekend_price: float,
        columns: int,
    ) -> tuple[Ints, Array, int]:
        """Run the compiled programme on the current axes; return the best rows, their values and how many
        are finite."""
        delta, blocked, final_penalty, stride, kind_start, kind_shifts = self._moves()
        buffers = self._buffers(final_penalty.size)
        pricing_kernel.forward(
            cost,
            off_ok,
            shift_ok,
            weekend_start,
            weekend_continue,
            delta,
            blocked,
            self.class_of,
            self.group_of,
            self.group_start,
            self.group_classes,
            kind_start,
            kind_shifts,
            self.low if self.minutes_axis else self._no_window,
            self.high if self.minutes_axis else self._no_window,
            stride,
            self.a,
            weekend_price,
            *buffers,
        )
        rows = np.empty((max(1, columns), self.days), dtype=np.int64)
        values = np.empty(max(1, columns))
        found = pricing_kernel.best_rows(*buffers, final_penalty, weekend_start, weekend_continue, delta, rows, values)
        return rows, values, int(found)

    # -- the Lagrangian programme (too large for the exact one) -----------------------------------------------
    def _price_relaxed(self, cost: Array, off_ok: Bools, shift_ok: Bools, columns: int) -> DpPriced | None:
        """Price with the binding caps (and, when its axis is too large, the weekend limit) moved into the cost.

        Each capped shift type costs its multiplier per use and each working weekend the weekend multiplier;
        the programme over the remaining rules (runs, successions, minutes) is exact, so its minimum less the
        multipliers times the limits is a lower bound on the true minimum (weak duality), and every row it
        returns obeys all but the priced rules. The multipliers follow a subgradient (Polyak steps towards the
        best lawful row's value); a row over a cap is repaired where another shift type of the same length fits
        the day (same runs and minutes). Rows are checked against every priced rule before they are returned.
        """
        saved = self.tracked
        self.tracked = []
        try:
            # Keep the weekends as an axis beside the minutes where it fits (22). Else (24) first keep the
            # weekends and price the minutes (fast: no minutes axis; rows meet the minutes by swapping shift
            # lengths); where that row is far from its bound, keep the minutes and price the weekends, diving
            # rows over the limit (slower, near the optimum: a weekend price alone flips many weekends at once,
            # 30 -> 4 for a small rise on 24).
            self.weekend_axis = self.track_weekends
            if not self.track_weekends or not (
                self._too_large() or self._cells() * self.days > RELAXED_MAX_TOTAL_CELLS
            ):
                return None if self._too_large() else self._subgradient(cost, off_ok, shift_ok, columns)
            first: DpPriced | None = None
            if PRICE_MINUTES and len(set(self.minutes)) > 1:
                self.minutes_axis, self.weekend_axis = False, True
                if not self._too_large():
                    first = self._subgradient(cost, off_ok, shift_ok, columns)
                    self.relaxed_calls += 1
                    if self.relaxed_calls <= HYBRID_AFTER or (
                        first.rows
                        and self._reduced(first.rows[-1], cost) - first.minimum
                        <= HYBRID_GAP * max(1.0, abs(first.minimum))
                    ):
                        return first
            self.minutes_axis, self.weekend_axis = True, False
            if self._too_large():
                return first
            second = self._subgradient(cost, off_ok, shift_ok, columns)
            if first is None or math.isinf(second.minimum):
                return second
            rows = sorted({*first.rows, *second.rows}, key=lambda row: -self._reduced(row, cost))[-max(1, columns) :]
            return DpPriced(tuple(rows), max(first.minimum, second.minimum), first.exact or second.exact)
        finally:
            self.tracked = saved
            self.weekend_axis = self.track_weekends
            self.minutes_axis = True

    def _reduced(self, row: Row, cost: Array) -> float:
        return float(sum(cost[d, s] for d, s in enumerate(row) if s != OFF))

    def _cells(self) -> int:
        return self._states() * math.prod(self._resource_shape())

    def _subgradient(self, cost: Array, off_ok: Bools, shift_ok: Bools, columns: int) -> DpPriced:
        capped = self.capped
        caps = self.caps_array[capped].astype(np.float64)
        price_weekends = self.track_weekends and not self.weekend_axis
        multipliers = self.multipliers.copy()
        # The weekend price is bisected (the weekends of the best row fall as it rises): ``low`` a price whose row
        # works too many weekends, ``high`` one whose row obeys the limit.
        weekend_multiplier = self.weekend_multiplier if price_weekends else 0.0
        low, high = 0.0, math.inf
        # The minutes' price is bisected likewise (free in sign: the minutes have a minimum and a maximum): at
        # ``too_many`` the row works more than the maximum, at ``too_few`` less than the minimum.
        price_minutes = not self.minutes_axis
        minutes = np.array(self.minutes, dtype=np.float64)
        minutes_multiplier = self.minutes_multiplier if price_minutes else 0.0
        too_many, too_few = -math.inf, math.inf
        # a price kept from the last call is close: small steps around it first
        minutes_step = MINUTES_PRICE_STEP if minutes_multiplier == 0 else 0.1 * abs(minutes_multiplier)
        best_minutes_multiplier = minutes_multiplier
        best_bound = -math.inf
        lawful: dict[Row, float] = {}
        best_lawful = math.inf
        stale = 0
        theta = 1.0
        falls = 0
        for _ in range(RELAXED_ITERATIONS):
            rows, values, found = self._run(
                cost + multipliers + minutes_multiplier * minutes,
                off_ok,
                shift_ok,
                self.weekend_start,
                self.weekend_continue,
                weekend_multiplier,
                max(2, columns),
            )
            if found == 0:
                # the relaxation has no row at all, so neither has the programme
                return DpPriced((), math.inf)
            bound = float(values[0]) - float(multipliers[capped] @ caps)
            if price_weekends:
                bound -= weekend_multiplier * self.weekend_limit
            bound -= minutes_multiplier * (self.max_minutes if minutes_multiplier > 0 else self.min_minutes)
            if bound > best_bound + 1e-9:
                best_bound, falls = bound, 0
            else:
                falls += 1
                if falls >= 2:
                    theta, falls = theta / 2, 0
            improved = False
            candidates = [rows[column] for column in range(found)]
            if price_weekends and WEEKEND_DIVE and self._weekends(rows[0]) > self.weekend_limit:
                candidates.extend(self._weekend_dive(rows[0], cost + multipliers, off_ok, shift_ok, weekend_multiplier))
            for candidate in candidates:
                row = self._lawful(candidate, cost, shift_ok)
                if row is None:
                    continue
                value = float(cost[np.flatnonzero(np.asarray(row) >= 0), [s for s in row if s >= 0]].sum())
                if row not in lawful:
                    lawful[row] = value
                    if value < best_lawful - 1e-9:
                        best_lawful, improved = value, True
                        best_minutes_multiplier = minutes_multiplier
            stale = 0 if improved else stale + 1
            if best_lawful - best_bound <= RELAXED_STOP_GAP * max(1.0, abs(best_bound)):
                break
            if lawful and stale >= RELAXED_PATIENCE:
                break
            # Caps: a projected subgradient step (Polyak's, towards the best lawful row's value).
            over = np.bincount(rows[0] + 1, minlength=self.n + 1)[1:][capped] - caps
            gradient = np.where((over > 0) | (multipliers[capped] > 0), over, 0.0)
            norm = float(gradient @ gradient)
            if norm > 0:
                target = best_lawful if lawful else bound + max(1.0, 0.05 * abs(bound))
                step = theta * max(target - bound, 1e-3) / norm
                multipliers[capped] = np.maximum(0.0, multipliers[capped] + step * gradient)
            moved = norm > 0
            if price_weekends:
                weekends = self._weekends(rows[0])
                if weekends > self.weekend_limit:
                    low = weekend_multiplier
                    moved = True
                    weekend_multiplier = (
                        (low + high) / 2 if high < math.inf else max(2 * weekend_multiplier, WEEKEND_PRICE_START)
                    )
                else:
                    high = weekend_multiplier
                    if weekends < self.weekend_limit and high - low > WEEKEND_PRICE_RESOLUTION:
                        moved = True
                        weekend_multiplier = (low + high) / 2
            if price_minutes:
                worked = float(minutes[rows[0][rows[0] >= 0]].sum())
                if worked > self.max_minutes or worked < self.min_minutes:
                    if worked > self.max_minutes:
                        too_many = minutes_multiplier
                    else:
                        too_few = minutes_multiplier
                    if too_few - too_many > MINUTES_PRICE_RESOLUTION:
                        moved = True
                        if math.isinf(too_few) or math.isinf(too_many):
                            minutes_multiplier += minutes_step if math.isinf(too_few) else -minutes_step
                            minutes_step *= 2
                        else:
                            minutes_multiplier = (too_many + too_few) / 2
            if not moved:
                break
        # The next call starts from here (its duals are usually close): the weekend price that last kept the limit.
        self.multipliers = multipliers
        if price_weekends:
            self.weekend_multiplier = high if high < math.inf else weekend_multiplier
        if price_minutes:
            self.minutes_multiplier = best_minutes_multiplier if lawful else minutes_multiplier
        best = sorted(lawful, key=lawful.__getitem__)[: max(1, columns)]
        exact = bool(lawful) and best_lawful - best_bound <= 1e-9 * max(1.0, abs(best_bound))
        return DpPriced(tuple(reversed(best)), best_bound, exact)

    def _weekend_dive(
        self, row: Ints, priced: Array, off_ok: Bools, shift_ok: Bools, weekend_multiplier: float
    ) -> list[Ints]:
        """Rows from ``row`` (over the weekend limit) with its least valuable worked weekends forced off, the
        programme re-run under the same prices each time (minutes, runs and successions stay exact)."""
        found_rows: list[Ints] = []
        allowed = shift_ok.copy()
        for _ in range(WEEKEND_DIVE_STEPS):
            worked = [days for days in self.weekend_days if any(row[d] >= 0 for d in days)]
            excess = len(worked) - self.weekend_limit
            if excess <= 0:
                break
            # a weekend's value: what its shifts earn at these prices (the least earning go first)
            droppable = [days for days in worked if all(off_ok[d] for d in days)]
            droppable.sort(key=lambda days: -sum(float(priced[d, row[d]]) for d in days if row[d] >= 0))
            if not droppable:
                break
            for days in droppable[:excess]:
                allowed[list(days)] = False
            rows, _, found = self._run(
                priced, off_ok, allowed, self.weekend_start, self.weekend_continue, weekend_multiplier, 1
            )
            if found == 0:
                break
            row = rows[0]
            found_rows.append(row)
        return found_rows

    def _weekends(self, row: Ints) -> int:
        return sum(1 for days in self.weekend_days if any(row[d] >= 0 for d in days))

    def _lawful(self, row: Ints, cost: Array, shift_ok: Bools) -> Row | None:
        """Return ``row`` (from the Lagrangian programme: lawful but for the priced rules), repaired over its caps
        by cheapest swaps to another shift type of the same length where the successions allow, if it then obeys
        every rule; else ``None``."""
        if self.track_weekends and self._weekends(row) > self.weekend_limit:
            return None
        counts = np.bincount(row + 1, minlength=self.n + 1)[1:]
        fixed = row.tolist()
        if not self.minutes_axis and not self._meet_minutes(fixed, counts, cost, shift_ok):
            return None
        if not (counts > self.caps_array).any():
            return tuple(fixed)
        for s in np.flatnonzero(counts > self.caps_array).tolist():
            swaps: list[tuple[float, int, int]] = []
            for d in (d for d, worked in enumerate(fixed) if worked == s):
                for t in range(self.n):
                    if t != s and self.minutes[t] == self.minutes[s] and shift_ok[d, t]:
                        swaps.append((float(cost[d, t] - cost[d, s]), d, t))
            swaps.sort()
            for _, d, t in swaps:
                if counts[s] <= self.caps[s]:
                    break
                if fixed[d] != s or counts[t] >= self.caps[t] or not self._fits(fixed, d, t):
                    continue
                fixed[d] = t
                counts[s] -= 1
                counts[t] += 1
            if counts[s] > self.caps[s]:
                return None
        return tuple(fixed)

    def _meet_minutes(self, row: list[int], counts: Ints, cost: Array, shift_ok: Bools) -> bool:
        """Bring the minutes of ``row`` (in place; ``counts`` kept) into their window by swapping the shift
        types of worked days for longer or shorter ones, cheapest per minute first, never past a cap or the
        other end of the window; return whether the minutes are then lawful."""
        minutes = self.minutes_array
        days = np.flatnonzero(np.asarray(row) >= 0)
        shifts = np.asarray(row)[days]
        worked = int(minutes[shifts].sum())
        if self.min_minutes <= worked <= self.max_minutes:
            return True
        longer = worked < self.min_minutes
        change = minutes[None, :] - minutes[shifts][:, None]  # (worked day, new shift type)
        usable = shift_ok[days] & ((change > 0) if longer else (change < 0))
        # out of reach even with the best swap on every day (caps and successions aside): give up at once
        reach = np.where(usable, np.abs(change), 0).max(axis=1, initial=0).sum()
        if reach < (self.min_minutes - worked if longer else worked - self.max_minutes):
            return False
        per_minute = np.where(
            usable, (cost[days] - cost[days, shifts][:, None]) / np.maximum(np.abs(change), 1), np.inf
        )
        order = np.argsort(per_minute, axis=None, kind="stable")[: int(usable.sum())]
        listed, types = np.unravel_index(order, per_minute.shape)
        # plain Python values in the loop: it may look at hundreds of swaps
        length, caps, used, day_of = self.minutes, self.caps, counts.tolist(), days.tolist()
        for i, t in zip(listed.tolist(), types.tolist(), strict=True):
            d = day_of[i]
            s = row[d]
            if used[t] >= caps[t] or (length[t] > length[s]) != longer or not self._fits(row, d, t):
                continue  # a cap, the successions, or the day changed since the swap was listed
            after = worked + length[t] - length[s]
            if (after > self.max_minutes) if longer else (after < self.min_minutes):
                continue  # past the other end
            row[d] = t
            used[s] -= 1
            used[t] += 1
            worked = after
            if self.min_minutes <= worked <= self.max_minutes:
                counts[:] = used
                return True
        return False

    def _fits(self, row: list[int], d: int, t: int) -> bool:
        """Whether shift ``t`` on day ``d`` obeys the successions with the days around it."""
        before = row[d - 1] if d > 0 else OFF
        after = row[d + 1] if d + 1 < self.days else OFF
        return (before == OFF or t not in self.forbidden_next[before]) and (
            after == OFF or after not in self.forbidden_next[t]
        )


#: The compiled instance of a pool's worker process and its programmes, built on first use per employee.
_WORKER_COMPILED: list[Compiled] = []
_WORKER_PRICERS: dict[int, DpPricer] = {}


def _start_worker(compiled: Compiled) -> None:
    _WORKER_COMPILED[:] = [compiled]
    _WORKER_PRICERS.clear()


def _price_in_worker(
    duals: Array, tasks: Sequence[tuple[int, tuple[Fixing, ...]]], columns: int
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
        plain = np.array(duals, dtype=np.float64)  # one array for the chunk: no conversion per employee
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
