"""The offer workflow: a state machine from proposal to return home, exactly once under concurrency.

States::

    proposed --send--> offered --answer--> accepted --start--> active --return home--> ended
        |                 |        \\--> declined
        |                 |--expire--> expired
        +--withdraw-------+--withdraw (also from accepted)--> withdrawn

Guarantees, and where they live:

- **One answer per idempotency key**: the key is the primary key of ``offer_answers``; a repeated key replays the
  stored outcome instead of answering again.
- **No lost or double update of an offer**: every transition is a compare-and-set on ``offers.version``.
- **Never booked twice for overlapping shifts**: an accept first bumps the employee's row in ``booking_locks``
  (the transaction's first write on SQLite; a row lock on PostgreSQL), so accepts for one person run one at a
  time, and only then checks the person's accepted and active shifts for overlap.
- **A late answer to a withdrawn or expired offer** raises :class:`~ressursbank.exceptions.Conflict` with a
  message that says so in Norwegian and English; nothing is recorded.

Every function works in the caller's transaction and records what it did in the audit log.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ressursbank.db import repo_security as repo
from ressursbank.db import repository
from ressursbank.domain import Assignment, CloseUnits, Pin, Plan
from ressursbank.exceptions import Conflict, NotFound, PermissionDenied
from ressursbank.services import audit
from ressursbank.services.policy import SYSTEM_USER, Permission, Role, User, can, check


class OfferStatus(enum.StrEnum):
    PROPOSED = "proposed"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    ACTIVE = "active"
    ENDED = "ended"


S = OfferStatus

#: The state machine: which status may follow which. Nothing else changes an offer's status.
TRANSITIONS: Mapping[OfferStatus, frozenset[OfferStatus]] = {
    S.PROPOSED: frozenset({S.OFFERED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.ACTIVE, S.WITHDRAWN, S.ENDED}),
    S.ACTIVE: frozenset({S.ENDED}),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.ENDED: frozenset(),
}

#: Offers that book the person (their shifts may not overlap another booking).
BOOKING_STATUSES = (S.ACCEPTED, S.ACTIVE)


class ReleaseStatus(enum.StrEnum):
    """The home unit's consent to lend the person out."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    OVERRIDDEN = "overridden"


RELEASED = (ReleaseStatus.NOT_NEEDED, ReleaseStatus.APPROVED, ReleaseStatus.OVERRIDDEN)


@dataclass(frozen=True, slots=True)
class OfferShift:
    """One shift of an offer."""

    need_id: str
    unit_id: str
    start: dt.datetime
    end: dt.datetime
    qualification_used: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer as the services and pages see it."""

    id: str
    plan_id: str | None
    employee_id: str
    home_unit_id: str
    host_unit_id: str
    first_start: dt.datetime
    last_end: dt.datetime
    status: OfferStatus
    version: int
    release_required: bool
    release_status: ReleaseStatus
    release_by: str | None
    release_reason: str | None
    answer_reason: str | None
    expires_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    shifts: tuple[OfferShift, ...]

    @property
    def pins(self) -> tuple[Pin, ...]:
        """The offer's assignments as pins for re-planning (meaningful once accepted)."""
        return tuple(Pin(self.employee_id, s.need_id) for s in self.shifts)

    @property
    def is_open(self) -> bool:
        """Waiting for the employee's answer."""
        return self.status is S.OFFERED


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """What an answer did: the offer afterwards, and whether this was a replay of an earlier identical answer."""

    offer: Offer
    outcome: OfferStatus
    replayed: bool
    message: str


MESSAGES = {
    "withdrawn": (
        "Tilbudet er trukket tilbake, og svaret ditt ble ikke registrert. Du trenger ikke gjøre noe mer.",
        "The offer has been withdrawn, so your answer was not recorded. You need not do anything.",
    ),
    "expired": (
        "Svarfristen for tilbudet har gått ut, og svaret ditt ble ikke registrert. Kontakt HR om du fortsatt kan.",
        "The offer has expired, so your answer was not recorded. Contact HR if you are still available.",
    ),
    "not_sent": ("Tilbudet er ikke sendt ennå.", "The offer has not been sent yet."),
    "answered": ("Tilbudet er allerede besvart ({status}).", "The offer has already been answered ({status})."),
    "overlap": (
        "Du har allerede takket ja til vakter som overlapper ({when}); svaret ble ikke registrert.",
        "You have already accepted shifts that overlap ({when}); the answer was not recorded.",
    ),
    "stale": (
        "Tilbudet ble endret samtidig; last siden på nytt og prøv igjen.",
        "The offer changed at the same moment; reload and try again.",
    ),
    "accepted": ("Takk! Du har takket ja.", "Thank you! You have accepted."),
    "declined": ("Takk for svaret. Du har takket nei.", "Thank you for answering. You have declined."),
}


def message(key: str, **values: str) -> str:
    """A bilingual message ``"nb / en"``."""
    nb, en = MESSAGES[key]
    return f"{nb.format(**values)} / {en.format(**values)}"


def current_time() -> dt.datetime:
    """Now (naive UTC), or the same time of day on ``RESSURSBANK_TODAY`` (ISO date) when a demo replays a past
    crisis such as March 2020, so offers for its shifts can still be sent, answered and expired."""
    real = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    today = os.environ.get("RESSURSBANK_TODAY", "").strip()
    if not today:
        return real
    try:
        return dt.datetime.combine(dt.date.fromisoformat(today), real.time())
    except ValueError as exc:
        raise ValueError(f"RESSURSBANK_TODAY must be an ISO date (YYYY-MM-DD), got {today!r}") from exc


def _to_offer(row: repo.OfferRow, shifts: Iterable[repo.OfferShiftRow]) -> Offer:
    return Offer(
        id=row.id,
        plan_id=row.plan_id,
        employee_id=row.employee_id,
        home_unit_id=row.home_unit_id,
        host_unit_id=row.host_unit_id,
        first_start=row.first_start,
        last_end=row.last_end,
        status=OfferStatus(row.status),
        version=row.version,
        release_required=row.release_required,
        release_status=ReleaseStatus(row.release_status),
        release_by=row.release_by,
        release_reason=row.release_reason,
        answer_reason=row.answer_reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        shifts=tuple(
            OfferShift(s.need_id, s.unit_id, s.start, s.end, s.qualification_used)
            for s in sorted(shifts, key=lambda s: s.start)
        ),
    )


def get_offer(session: repo.Session, offer_id: str) -> Offer:
    """One offer with its shifts; :class:`NotFound` if unknown."""
    row = repo.offer_by_id(session, offer_id)
    if row is None:
        raise NotFound(f"unknown offer {offer_id!r} / ukjent tilbud")
    return _to_offer(row, repo.offer_shifts(session, offer_id))


def _row(session: repo.Session, offer_id: str) -> repo.OfferRow:
    # One SELECT that also overwrites any copy this session already holds (a get followed by a refresh read twice).
    row = session.get(repo.OfferRow, offer_id, populate_existing=True)
    if row is None:
        raise NotFound(f"unknown offer {offer_id!r} / ukjent tilbud")
    return row


def _transition(
    session: repo.Session, row: repo.OfferRow, new: OfferStatus, now: dt.datetime, **values: object
) -> None:
    """Move ``row`` to ``new`` if the state machine allows it and nobody changed it meanwhile."""
    current = OfferStatus(row.status)
    if new not in TRANSITIONS[current]:
        raise Conflict(f"offer {row.id}: cannot go from {current} to {new} / ugyldig overgang")
    if not repo.update_offer_if_version(
        session, offer_id=row.id, version=row.version, status=new.value, updated_at=now, **values
    ):
        raise Conflict(message("stale"))


# --- creating and sending ------------------------------------------------------------------------------------


def _closed_on(
    unit_id: str,
    day: dt.date,
    *,
    kinds_areas: Mapping[str, tuple[str, str]],
    closed_periods: Mapping[str, list[tuple[dt.date, dt.date]]],
    closures: Iterable[CloseUnits],
) -> bool:
    if any(start <= day <= end for start, end in closed_periods.get(unit_id, ())):
        return True
    kind, area = kinds_areas.get(unit_id, ("", ""))
    for event in closures:
        if not (event.start <= day <= event.end) or unit_id in event.keep_open:
            continue
        if unit_id in event.unit_ids:
            return True
        if kind in {str(k) for k in event.kinds} and (not event.area_ids or area in event.area_ids):
            return True
    return False


def _add_offer_shifts(
    session: repo.Session, row: Any, shifts: Iterable[Assignment], *, actor: User, reason: str | None
) -> list[Any]:
    """Store an offer's shifts (all for the offer's employee) and audit the offer's creation."""
    shift_rows = [
        repo.OfferShiftRow(
            offer_id=row.id,
            need_id=a.need_id,
            employee_id=row.employee_id,
            unit_id=a.unit_id,
            start=a.start,
            end=a.end,
            qualification_used=a.qualification_used,
        )
        for a in shifts
    ]
    session.add_all(shift_rows)
    audit.record(
        session,
        actor=actor,
        action="offer.create",
        subject_type="offer",
        subject_id=row.id,
        person_id=row.employee_id,
        fields=["status"],
        reason=reason,
    )
    return shift_rows


def create_offers_for_plan(
    session: repo.Session,
    *,
    plan_id: str,
    employee_ids: Iterable[str] | None = None,
    actor: User,
    now: dt.datetime | None = None,
) -> list[Offer]:
    """One ``proposed`` offer per loan of the stored plan (an employee working away from home at one host unit).

    The release of the home unit is needed unless the home unit is closed when the loan starts (then the person
    is free to go). Running it again for the same plan creates nothing twice.
    """
    check(actor, Permission.OFFERS_SEND)
    now = now or current_time()
    stored = repository.load_plan(session=session, plan_id=plan_id)
    wanted = set(employee_ids) if employee_ids is not None else None
    assignments = [a for a in stored.plan.assignments if wanted is None or a.employee_id in wanted]
    home_of = repo.home_units_of(session, {a.employee_id for a in assignments})
    loans = Plan.of(assignments).loans(home_of)
    closures: list[CloseUnits] = []
    try:
        scenario = repository.load_scenario(session=session, scenario_id=stored.run.scenario_id)
        closures = [e for e in scenario.events if isinstance(e, CloseUnits)]
    except NotFound:
        pass
    homes = {loan.home_unit_id for loan in loans}
    kinds_areas = repo.unit_kinds_and_areas(session, homes)
    closed_periods = repo.unit_closed_periods(session, homes)
    by_employee: dict[str, list[Assignment]] = {}
    for a in assignments:
        by_employee.setdefault(a.employee_id, []).append(a)
    created: list[Offer] = []
    for loan in loans:
        shifts = [
            a
            for a in by_employee.get(loan.employee_id, ())
            if a.unit_id == loan.host_unit_id and loan.start <= a.start.date() <= loan.end
        ]
        if not shifts:
            continue
        first_start = min(a.start for a in shifts)
        if repo.offer_exists(
            session,
            plan_id=plan_id,
            employee_id=loan.employee_id,
            host_unit_id=loan.host_unit_id,
            first_start=first_start,
        ):
            continue
        free = _closed_on(
            loan.home_unit_id, loan.start, kinds_areas=kinds_areas, closed_periods=closed_periods, closures=closures
        )
        row = repo.OfferRow(
            id=str(uuid.uuid4()),
            plan_id=plan_id,
            employee_id=loan.employee_id,
            home_unit_id=loan.home_unit_id,
            host_unit_id=loan.host_unit_id,
            first_start=first_start,
            last_end=max(a.end for a in shifts),
            status=S.PROPOSED.value,
            version=1,
            release_required=not free,
            release_status=(ReleaseStatus.NOT_NEEDED if free else ReleaseStatus.PENDING).value,
            created_by=actor.username,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        shift_rows = _add_offer_shifts(session, row, shifts, actor=actor, reason=f"plan {plan_id}")
        created.append(_to_offer(row, shift_rows))
    session.flush()
    return created


def create_offer(
    session: repo.Session,
    *,
    employee_id: str,
    shifts: Iterable[Assignment],
    actor: User,
    plan_id: str | None = None,
    now: dt.datetime | None = None,
) -> Offer:
    """A single ``proposed`` offer for chosen shifts (the open-shift page: offer one shift to one person)."""
    check(actor, Permission.OFFERS_SEND)
    now = now or current_time()
    chosen = sorted(shifts, key=lambda a: a.start)
    if not chosen or any(a.employee_id != employee_id for a in chosen):
        raise ValueError("an offer needs at least one shift, all for the same employee")
    hosts = {a.unit_id for a in chosen}
    if len(hosts) != 1:
        raise ValueError("an offer's shifts must all be at one unit")
    host = hosts.pop()
    if actor.role is Role.MANAGER and host not in actor.unit_ids:
        raise PermissionDenied("a unit manager offers shifts at their own units only")
    home = repo.home_units_of(session, [employee_id]).get(employee_id)
    if home is None:
        raise NotFound(f"unknown employee {employee_id!r} / ukjent ansatt")
    row = repo.OfferRow(
        id=str(uuid.uuid4()),
        plan_id=plan_id,
        employee_id=employee_id,
        home_unit_id=home,
        host_unit_id=host,
        first_start=chosen[0].start,
        last_end=max(a.end for a in chosen),
        status=S.PROPOSED.value,
        version=1,
        release_required=home != host,
        release_status=(ReleaseStatus.PENDING if home != host else ReleaseStatus.NOT_NEEDED).value,
        created_by=actor.username,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    shift_rows = _add_offer_shifts(session, row, chosen, actor=actor, reason=None)
    session.flush()
    return _to_offer(row, shift_rows)


def approve_release(
    session: repo.Session, *, offer_id: str, actor: User, approve: bool, reason: str | None = None
) -> Offer:
    """The home unit's manager releases (or refuses to release) the person; HR may override with a reason.

    Raises
    ------
    PermissionDenied
        The actor is neither the home unit's manager nor HR, or HR gave no reason.
    Conflict
        The offer is no longer proposed.
    """
    check(actor, Permission.OFFERS_APPROVE)
    row = _row(session, offer_id)
    if row.status != S.PROPOSED:
        raise Conflict(f"offer {offer_id} is {row.status}; release is decided before sending / allerede sendt")
    own_manager = actor.role is Role.MANAGER and row.home_unit_id in actor.unit_ids
    if not own_manager:
        if actor.role is not Role.HR:
            raise PermissionDenied("only the home unit's manager (or HR with a reason) decides a release")
        if not (reason or "").strip():
            raise PermissionDenied("HR overrides a release only with a reason / HR må oppgi begrunnelse")
    status = (ReleaseStatus.APPROVED if own_manager else ReleaseStatus.OVERRIDDEN) if approve else ReleaseStatus.REFUSED
    if not repo.update_offer_if_version(
        session,
        offer_id=row.id,
        version=row.version,
        release_status=status.value,
        release_by=actor.username,
        release_reason=(reason or None),
        updated_at=current_time(),
    ):
        raise Conflict(message("stale"))
    audit.record(
        session,
        actor=actor,
        action=f"offer.release_{status.value}",
        subject_type="offer",
        subject_id=row.id,
        person_id=row.employee_id,
        reason=reason,
        fields=["release_status"],
    )
    return get_offer(session, offer_id)


def send_offers(
    session: repo.Session,
    *,
    offer_ids: Iterable[str],
    actor: User,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[Offer]:
    """Send proposed offers (-> ``offered``) and queue a notification to each person.

    Offers already sent are left as they are (sending twice is harmless). An offer whose release is pending or
    refused is not sent: the whole call raises :class:`Conflict` naming those offers, so nothing is half-sent.
    """
    check(actor, Permission.OFFERS_SEND)
    now = now or current_time()
    rows = [_row(session, offer_id) for offer_id in dict.fromkeys(offer_ids)]
    blocked = [r.id for r in rows if r.status == S.PROPOSED and r.release_status not in RELEASED]
    if blocked:
        raise Conflict(
            f"{len(blocked)} offer(s) wait for the home unit manager's release (or HR's override): "
            f"{', '.join(blocked[:10])} / venter på frigivelse fra leder på hjemmeenheten"
        )
    if actor.role is Role.MANAGER:
        foreign = [r.id for r in rows if r.host_unit_id not in actor.unit_ids]
        if foreign:
            raise PermissionDenied("a unit manager sends offers for their own units only")
    sent: list[Offer] = []
    for row in rows:
        if row.status != S.PROPOSED:
            continue
        if row.first_start <= now:
            raise Conflict(f"offer {row.id} starts in the past / tilbudet starter i fortiden")
        _transition(session, row, S.OFFERED, now, expires_at=expires_at or row.first_start)
        audit.record(
            session,
            actor=actor,
            action="offer.send",
            subject_type="offer",
            subject_id=row.id,
            person_id=row.employee_id,
            fields=["status"],
        )
        offer = get_offer(session, row.id)
        _notify(session, offer, "offer")
        sent.append(offer)
    return sent


def _notify(session: repo.Session, offer: Offer, kind: str) -> None:
    """Queue a notification through the web helper's outbox when it is installed."""
    try:
        from ressursbank.services import notifications
    except ImportError:  # the outbox is optional for the workflow
        return
    subjects = {
        "offer": "Nytt tilbud om arbeid / New work offer",
        "withdrawn": "Tilbud trukket tilbake / Offer withdrawn",
    }
    body = (
        f"{offer.host_unit_id}: {offer.first_start:%d.%m.%Y %H:%M} – {offer.last_end:%d.%m.%Y %H:%M}"
        f" ({len(offer.shifts)} vakter / shifts)"
    )
    notifications.enqueue(
        session,
        recipient=f"employee:{offer.employee_id}",
        subject=subjects[kind],
        body=body,
        link=f"/offers/{offer.id}",
        employee_id=offer.employee_id,
        offer_id=offer.id,
    )


# --- answering -----------------------------------------------------------------------------------------------


def _overlap(a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime) -> bool:
    return a_start < b_end and b_start < a_end


def answer_offer(
    session: repo.Session,
    *,
    offer_id: str,
    accept: bool,
    reason: str | None,
    idempotency_key: str,
    actor: User,
    now: dt.datetime | None = None,
) -> AnswerResult:
    """Record the employee's answer exactly once.

    The same ``idempotency_key`` again returns the first outcome (``replayed=True``) without changing anything; a
    key reused for a different offer or answer is a :class:`Conflict`. An accept that would overlap a shift the
    person has already accepted is refused, as is any answer to an offer that is withdrawn, expired or not sent.
    The employee answers for themselves; HR may record an answer on their behalf (given by phone) with a reason.
    """
    now = now or current_time()
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 100:
        raise ValueError("idempotency_key must have 8 to 100 characters")
    # The offer's lock is the transaction's first statement: answers to one offer run one at a time (PostgreSQL
    # row lock; SQLite writer lock taken before any read), so a repeated key always finds the first answer stored.
    if not repo.lock_offer(session, offer_id):
        raise NotFound(f"unknown offer {offer_id!r} / ukjent tilbud")
    previous = repo.answer_by_key(session, key)
    if previous is not None:
        if previous.offer_id != offer_id or previous.accept != accept:
            raise Conflict("this idempotency key was already used for another answer")
        return AnswerResult(get_offer(session, offer_id), OfferStatus(previous.outcome), True, previous.message)
    row = _row(session, offer_id)
    own = actor.employee_id is not None and actor.employee_id == row.employee_id
    if not own:
        if actor.role is not Role.HR:
            raise PermissionDenied("only the employee answers their own offer / bare den ansatte kan svare")
        if not (reason or "").strip():
            raise PermissionDenied("HR records an answer on someone's behalf only with a reason")
    elif not can(actor, Permission.OFFERS_ANSWER):
        raise PermissionDenied("your role may not answer offers")
    if accept:
        repo.lock_employee_bookings(session, row.employee_id)
        session.refresh(row)
    status = OfferStatus(row.status)
    if status is S.WITHDRAWN:
        raise Conflict(message("withdrawn"))
    if status is S.EXPIRED or (status is S.OFFERED and row.expires_at is not None and row.expires_at <= now):
        raise Conflict(message("expired"))
    if status is S.PROPOSED:
        raise Conflict(message("not_sent"))
    if status is not S.OFFERED:
        raise Conflict(message("answered", status=status.value))
    if accept:
        mine = repo.offer_shifts(session, offer_id)
        booked = repo.booked_shifts(session, employee_id=row.employee_id, exclude_offer_id=offer_id)
        clashes = [b for b in booked for m in mine if _overlap(m.start, m.end, b.start, b.end)]
        if clashes:
            first = min(clashes, key=lambda b: b.start)
            raise Conflict(message("overlap", when=f"{first.start:%d.%m.%Y %H:%M}–{first.end:%H:%M}"))
    outcome = S.ACCEPTED if accept else S.DECLINED
    _transition(session, row, outcome, now, answer_reason=(reason or None))
    claim = repo.OfferAnswerRow(
        idempotency_key=key,
        offer_id=offer_id,
        accept=accept,
        reason=(reason or None),
        outcome=outcome.value,
        message=message(outcome.value),
        answered_by=actor.username,
        answered_at=now,
    )
    session.add(claim)
    audit.record(
        session,
        actor=actor,
        action=f"offer.{outcome.value}",
        subject_type="offer",
        subject_id=row.id,
        person_id=row.employee_id,
        reason=reason if not own else None,
        fields=["status"],
    )
    session.flush()
    # The row was refreshed by the version check; an accept has already read the offer's shifts.
    shifts = mine if accept else repo.offer_shifts(session, offer_id)
    return AnswerResult(_to_offer(row, shifts), outcome, False, claim.message)


# --- withdrawing, expiring, starting, ending -------------------------------------------------------------------


def withdraw_offer(
    session: repo.Session, *, offer_id: str, actor: User, reason: str | None = None, now: dt.datetime | None = None
) -> Offer:
    """Withdraw a proposed, offered or accepted offer (the person is told if they had seen it)."""
    check(actor, Permission.OFFERS_SEND)
    now = now or current_time()
    row = _row(session, offer_id)
    if actor.role is Role.MANAGER and row.host_unit_id not in actor.unit_ids:
        raise PermissionDenied("a unit manager withdraws offers for their own units only")
    was = OfferStatus(row.status)
    if was is S.WITHDRAWN:
        return get_offer(session, offer_id)
    _transition(session, row, S.WITHDRAWN, now)
    audit.record(
        session,
        actor=actor,
        action="offer.withdraw",
        subject_type="offer",
        subject_id=row.id,
        person_id=row.employee_id,
        reason=reason,
        fields=["status"],
    )
    offer = get_offer(session, offer_id)
    if was in (S.OFFERED, S.ACCEPTED):
        _notify(session, offer, "withdrawn")
    return offer


def _move_due_offers(
    session: repo.Session, rows: Iterable[Any], *, status: OfferStatus, action: str, now: dt.datetime, actor: User
) -> int:
    """Move each due offer to ``status`` unless someone changed it meanwhile (version check); audit each move."""
    count = 0
    for row in rows:
        if repo.update_offer_if_version(
            session, offer_id=row.id, version=row.version, status=status.value, updated_at=now
        ):
            audit.record(
                session,
                actor=actor,
                action=action,
                subject_type="offer",
                subject_id=row.id,
                person_id=row.employee_id,
                fields=["status"],
            )
            count += 1
    return count


def expire_offers(session: repo.Session, *, now: dt.datetime, actor: User | None = None) -> int:
    """Mark offers nobody answered before their deadline (or before the first shift) as expired; returns how many."""
    rows = repo.offers_due_to_expire(session, now)
    return _move_due_offers(session, rows, status=S.EXPIRED, action="offer.expire", now=now, actor=actor or SYSTEM_USER)


def activate_offers(session: repo.Session, *, now: dt.datetime, actor: User | None = None) -> int:
    """Accepted offers whose first shift has begun become active; returns how many."""
    rows = repo.offers_to_activate(session, now)
    return _move_due_offers(
        session, rows, status=S.ACTIVE, action="offer.activate", now=now, actor=actor or SYSTEM_USER
    )


def return_home(
    session: repo.Session, *, unit_id: str, on_date: dt.date, actor: User, reason: str | None = None
) -> list[Offer]:
    """Everyone lent to ``unit_id`` goes home from ``on_date``: active and accepted loans end (their shifts from
    that day are released); accepted loans that had not begun are withdrawn instead."""
    check(actor, Permission.OFFERS_SEND)
    if actor.role is Role.MANAGER and unit_id not in actor.unit_ids:
        raise PermissionDenied("a unit manager sends people home from their own units only")
    cut = dt.datetime.combine(on_date, dt.time())
    now = current_time()
    changed: list[Offer] = []
    for row in repo.find_offers(session, unit_id=unit_id, status=[S.ACCEPTED.value, S.ACTIVE.value]):
        if row.host_unit_id != unit_id:
            continue
        session.refresh(row)
        if row.first_start >= cut:
            _transition(session, row, S.WITHDRAWN, now)
            action = "offer.withdraw"
        else:
            repo.delete_offer_shifts_from(session, offer_id=row.id, start=cut)
            _transition(session, row, S.ENDED, now, last_end=min(row.last_end, cut))
            action = "offer.end"
        audit.record(
            session,
            actor=actor,
            action=action,
            subject_type="offer",
            subject_id=row.id,
            person_id=row.employee_id,
            reason=reason or f"returned home from {on_date.isoformat()}",
            fields=["status"],
        )
        changed.append(get_offer(session, row.id))
    return changed


# --- reading -----------------------------------------------------------------------------------------------------


def list_offers(
    session: repo.Session,
    *,
    employee_id: str | None = None,
    status: str | Iterable[str] | None = None,
    unit_id: str | None = None,
    plan_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Offer]:
    """Offers filtered by person, status, unit (home or host) and plan, earliest first, with their shifts."""
    rows = repo.find_offers(
        session, employee_id=employee_id, status=status, unit_id=unit_id, plan_id=plan_id, limit=limit, offset=offset
    )
    shifts = repo.shifts_of_offers(session, [r.id for r in rows])
    return [_to_offer(r, shifts.get(r.id, [])) for r in rows]


def may_see_offer(user: User, offer: Offer) -> bool:
    """HR sees every offer; a manager those to or from their units; everyone their own."""
    if user.role is Role.HR or (user.employee_id is not None and user.employee_id == offer.employee_id):
        return True
    return user.role is Role.MANAGER and (offer.host_unit_id in user.unit_ids or offer.home_unit_id in user.unit_ids)


def visible_offers(
    session: repo.Session, *, viewer: User, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Offer]:
    """The offers ``viewer`` may see (need-to-know), earliest first."""
    if viewer.role is Role.HR:
        return list_offers(session, status=status, limit=limit, offset=offset)
    if viewer.role is Role.MANAGER:
        seen: dict[str, Offer] = {}
        for unit in sorted(viewer.unit_ids):
            for offer in list_offers(session, unit_id=unit, status=status):
                seen[offer.id] = offer
        if viewer.employee_id:
            for offer in list_offers(session, employee_id=viewer.employee_id, status=status):
                seen[offer.id] = offer
        ordered = sorted(seen.values(), key=lambda o: (o.first_start, o.employee_id, o.id))
        return ordered[offset : offset + limit]
    if viewer.employee_id:
        return list_offers(session, employee_id=viewer.employee_id, status=status, limit=limit, offset=offset)
    return []


def accepted_pins(session: repo.Session, *, employee_ids: Iterable[str] | None = None) -> tuple[Pin, ...]:
    """Pins for re-planning: every shift of an accepted or active offer (confirmed work the plan must keep)."""
    wanted = set(employee_ids) if employee_ids is not None else None
    pins: list[Pin] = []
    for offer in list_offers(session, status=[s.value for s in BOOKING_STATUSES]):
        if wanted is None or offer.employee_id in wanted:
            pins.extend(offer.pins)
    return tuple(sorted(set(pins), key=lambda p: (p.employee_id, p.need_id)))
