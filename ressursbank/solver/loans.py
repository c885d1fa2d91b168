"""Who goes where: whole people lent to host units for whole weeks, decided on aggregated minutes.

The time-ordered construction fills each shift with whoever is cheapest *then*, so the minutes a unit cannot staff
itself end up spread over many visitors who work one to five shifts each (on Asker 782 people moved for about
4,900 away shifts, where ~270 people lent for whole weeks would do). This step reads a first construction as the
demand oracle: the minutes each host unit imported per week and need class (it knows absences, nights and rest,
which an aggregate count does not). Those minutes are then covered by *whole people*, each lent to one host for a
whole week: people already lent to that host the week before first (a moved person is charged once for the whole
horizon), then the cheapest by distance, sector and wish, among people whose own unit left them most of their
contract hours. The construction is then run again with those loans (``greedy.construct(loans=...)``): a lent
person counts as the host's own staff that week and is not offered to their home unit's contract pass.
"""

from __future__ import annotations

import numpy as np

from ressursbank.solver.compile import Compiled, IntArray

#: An import smaller than this many minutes in a host's week and class is left to the construction (a single
#: visitor shift is cheaper than lending someone for a week).
MIN_IMPORT_MINUTES = 3 * 420
#: A candidate must have at least this share of the imported minutes (or of their contract) to spare that week.
MIN_SPARE_SHARE = 0.5


def plan_loans(c: Compiled, by_need: list[list[int]]) -> IntArray:
    """Per employee and week, the host unit they are lent to (-1: home), from a construction's away minutes."""
    w = c.weights
    n_e, weeks = c.n_employees, c.weeks
    loans = np.full((n_e, weeks), -1, dtype=np.int64)
    worked = np.zeros((n_e, weeks), dtype=np.int64)  # minutes worked at home in the first construction
    imported: dict[tuple[int, int, int], int] = {}  # (week, host, class) -> minutes worked by visitors
    for n, people in enumerate(by_need):
        u, b, k, m = int(c.n_unit[n]), int(c.n_week[n]), int(c.n_class[n]), int(c.n_minutes[n])
        for e in people:
            if int(c.e_home[e]) == u:
                worked[e, b] += m
            else:
                key = (b, u, k)
                imported[key] = imported.get(key, 0) + m
    # a person with any absence in a week is not lent that week (their capacity is uncertain)
    absent_week = np.zeros((n_e, weeks), dtype=np.bool_)
    for n, people_absent in c.need_absent.items():
        absent_week[people_absent, int(c.n_week[n])] = True
    spare = np.maximum(0, np.minimum(c.e_contract, c.e_full) - worked)
    spare[absent_week] = 0
    moved = np.zeros(n_e, dtype=np.bool_)
    class_size = c.class_mask.sum(axis=1)
    for b in range(weeks):
        # scarce classes first (fewest people may fill them), then the largest imports
        entries = sorted(
            ((key, minutes) for key, minutes in imported.items() if key[0] == b and minutes >= MIN_IMPORT_MINUTES),
            key=lambda item: (int(class_size[item[0][2]]), -item[1], item[0]),
        )
        for (_, host, k), minutes in entries:
            missing = minutes
            while missing >= MIN_IMPORT_MINUTES // 2:
                idx = np.flatnonzero(c.class_mask[k] & (loans[:, b] < 0) & (c.e_home != host))
                if len(idx) == 0:
                    break
                room = spare[idx, b]
                keep = room >= np.minimum(missing, c.e_contract[idx, b]) * MIN_SPARE_SHARE
                keep &= room > 0
                idx, room = idx[keep], room[keep]
                if len(idx) == 0:
                    break
                shifts = np.minimum(room, missing) // 420 + 1
                cost = w.travel_per_km * c.unit_km[c.e_home[idx], host] * shifts
                before = loans[idx, b - 1] == host if b > 0 else np.zeros(len(idx), dtype=np.bool_)
                cost += np.where(moved[idx], 0, w.moved_person)
                cost += np.where(c.e_sector[idx] != c.u_sector[host], w.outside_sector_person, 0)
                willing = np.array([c.u_kind[host] in c.e_willing[e] for e in idx.tolist()], dtype=np.bool_)
                cost += np.where(willing, 0, w.unwanted_shift * shifts)
                cost -= np.where(before, w.moved_person, 0)  # the same host again: continuity
                # ties: the most room first (fewest people for the minutes)
                best = int(np.lexsort((-room, cost))[0])
                e = int(idx[best])
                loans[e, b] = host
                moved[e] = True
                missing -= int(room[best])
    return loans
