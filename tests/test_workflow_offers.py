"""The offer state machine: proposal, release approval, sending, exactly-once answers, withdrawal, expiry, return."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ressursbank.db import repo_security as repo
from ressursbank.db import repository
from ressursbank.domain import Assignment, Organisation, Pin, Plan
from ressursbank.exceptions import Conflict, PermissionDenied
from ressursbank.services import workflow
from ressursbank.services.policy import Role, User
from ressursbank.services.workflow import OfferStatus
from tests.test_security_support import cheap_argon2, make_user, sqlite_factory

__all__ = ["cheap_argon2"]

DAY = dt.date(2030, 3, 18)


def shift(employee_id: str, unit_id: str, day: dt.date, hour: int = 8, hours: int = 8, tag: str = "") -> Assignment:
    """An assignment of ``hours`` hours from ``hour`` o'clock on ``day``."""
    start = dt.datetime.combine(day, dt.time(hour))
    need = f"{unit_id}/{day.isoformat()}/{hour:02d}{tag}"
    return Assignment(employee_id, need, unit_id, start, start + dt.timedelta(hours=hours), "")


class World:
    """A stored tiny organisation, a plan, and one user per role."""

    def __init__(self, factory: Callable[[], repo.Session], org: Organisation) -> None:
        self.factory = factory
        self.org = org
        nursing = [e for e in org.employees if e.home_unit_id == "nursing-home-001"]
        library = [e for e in org.employees if e.home_unit_id == "library-001"]
        self.nurse, self.librarian = nursing[0], library[0]
        self.hr = make_user(factory, Role.HR)
        self.home_manager = make_user(factory, Role.MANAGER, username="home-mgr", unit_ids=("nursing-home-001",))
        self.host_manager = make_user(factory, Role.MANAGER, username="host-mgr", unit_ids=("home-care-001",))
        self.nurse_user = make_user(factory, Role.EMPLOYEE, username="nurse", employee_id=self.nurse.id)
        self.librarian_user = make_user(factory, Role.EMPLOYEE, username="lib", employee_id=self.librarian.id)

    def save_plan(self, assignments: list[Assignment]) -> str:
        """Store a plan and return its id."""
        with self.factory() as session, session.begin():
            run = repository.save_plan(
                session=session, scenario_id="none", plan=Plan.of(assignments), status="feasible"
            )
        return run.id

    def offers_for(self, plan_id: str, actor: User | None = None) -> list[workflow.Offer]:
        with self.factory() as session, session.begin():
            return workflow.create_offers_for_plan(session, plan_id=plan_id, actor=actor or self.hr)

    def send(self, offer_ids: list[str], actor: User | None = None) -> list[workflow.Offer]:
        with self.factory() as session, session.begin():
            return workflow.send_offers(session, offer_ids=offer_ids, actor=actor or self.hr)

    def approve(self, offer_id: str, actor: User, approve: bool = True, reason: str | None = None) -> workflow.Offer:
        with self.factory() as session, session.begin():
            return workflow.approve_release(session, offer_id=offer_id, actor=actor, approve=approve, reason=reason)

    def answer(self, offer_id: str, actor: User, accept: bool = True, key: str | None = None) -> workflow.AnswerResult:
        with self.factory() as session, session.begin():
            return workflow.answer_offer(
                session,
                offer_id=offer_id,
                accept=accept,
                reason=None,
                idempotency_key=key or uuid.uuid4().hex,
                actor=actor,
            )

    def offer(self, offer_id: str) -> workflow.Offer:
        with self.factory() as session:
            return workflow.get_offer(session, offer_id)

    def sent_offer(self, assignments: list[Assignment]) -> workflow.Offer:
        """Create, release (HR override) and send the plan's single offer."""
        (offer,) = self.offers_for(self.save_plan(assignments))
        if offer.release_required:
            self.approve(offer.id, self.hr, reason="urgent")
        (sent,) = self.send([offer.id])
        return sent


@pytest.fixture()
def world(tmp_path: Path, tiny_org: Organisation) -> World:
    """A fresh SQLite database holding the tiny organisation."""
    factory = sqlite_factory(tmp_path)
    with factory() as session, session.begin():
        repository.save_organisation(session=session, organisation=tiny_org)
    return World(factory, tiny_org)


def test_one_proposed_offer_per_loan_and_not_twice(world: World) -> None:
    """A plan with a person working away from home gives one proposed offer; running it again gives none."""
    nurse = world.nurse.id
    plan_id = world.save_plan(
        [
            shift(nurse, "home-care-001", DAY),
            shift(nurse, "home-care-001", DAY + dt.timedelta(days=1)),
            shift(nurse, "nursing-home-001", DAY + dt.timedelta(days=2)),
        ]
    )
    (offer,) = world.offers_for(plan_id)
    assert offer.status is OfferStatus.PROPOSED
    assert (offer.home_unit_id, offer.host_unit_id) == ("nursing-home-001", "home-care-001")
    assert len(offer.shifts) == 2 and offer.release_required
    assert world.offers_for(plan_id) == []


def test_sending_waits_for_release_by_the_home_manager(world: World) -> None:
    """An offer from an open home unit cannot be sent before its manager releases the person."""
    (offer,) = world.offers_for(world.save_plan([shift(world.nurse.id, "home-care-001", DAY)]))
    with pytest.raises(Conflict, match="release"):
        world.send([offer.id])
    with pytest.raises(PermissionDenied):
        world.approve(offer.id, world.host_manager)
    approved = world.approve(offer.id, world.home_manager)
    assert approved.release_status is workflow.ReleaseStatus.APPROVED
    (sent,) = world.send([offer.id])
    assert sent.status is OfferStatus.OFFERED


def test_hr_override_needs_a_reason_and_is_logged(world: World) -> None:
    """HR may override the release only with a reason, and the override is in the audit log."""
    (offer,) = world.offers_for(world.save_plan([shift(world.nurse.id, "home-care-001", DAY)]))
    with pytest.raises(PermissionDenied):
        world.approve(offer.id, world.hr, reason=" ")
    overridden = world.approve(offer.id, world.hr, reason="critical gap at home care")
    assert overridden.release_status is workflow.ReleaseStatus.OVERRIDDEN
    from ressursbank.services import audit

    with world.factory() as session:
        page = audit.search(session, viewer=world.hr, action="offer.release_overridden")
    assert page.total == 1 and page.entries[0].reason == "critical gap at home care"


def test_manager_refusal_blocks_sending(world: World) -> None:
    """A refused release keeps the offer from being sent."""
    (offer,) = world.offers_for(world.save_plan([shift(world.nurse.id, "home-care-001", DAY)]))
    world.approve(offer.id, world.home_manager, approve=False, reason="we are short ourselves")
    with pytest.raises(Conflict):
        world.send([offer.id])


def test_answer_is_exactly_once_per_idempotency_key(world: World) -> None:
    """The same key twice replays the first answer; the same key for another answer is refused."""
    offer = world.sent_offer([shift(world.nurse.id, "home-care-001", DAY)])
    first = world.answer(offer.id, world.nurse_user, key="key-00000001")
    again = world.answer(offer.id, world.nurse_user, key="key-00000001")
    assert first.outcome is OfferStatus.ACCEPTED and not first.replayed
    assert again.replayed and again.offer.status is OfferStatus.ACCEPTED and again.offer.version == first.offer.version
    with pytest.raises(Conflict):
        world.answer(offer.id, world.nurse_user, accept=False, key="key-00000001")
    with pytest.raises(Conflict, match="already been answered"):
        world.answer(offer.id, world.nurse_user, accept=False)


def test_only_the_employee_answers(world: World) -> None:
    """Another employee cannot answer someone's offer."""
    offer = world.sent_offer([shift(world.nurse.id, "home-care-001", DAY)])
    with pytest.raises(PermissionDenied):
        world.answer(offer.id, world.librarian_user)
    assert world.offer(offer.id).status is OfferStatus.OFFERED


def test_overlapping_accept_is_refused(world: World) -> None:
    """Accepting a second offer whose shift overlaps an accepted one is refused; a disjoint one is fine."""
    nurse = world.nurse.id
    first = world.sent_offer([shift(nurse, "home-care-001", DAY, hour=8)])
    clash = world.sent_offer([shift(nurse, "supported-housing-001", DAY, hour=12)])
    later = world.sent_offer([shift(nurse, "rehab-001", DAY + dt.timedelta(days=3))])
    world.answer(first.id, world.nurse_user)
    with pytest.raises(Conflict, match="overlap"):
        world.answer(clash.id, world.nurse_user)
    assert world.answer(later.id, world.nurse_user).outcome is OfferStatus.ACCEPTED
    assert world.offer(clash.id).status is OfferStatus.OFFERED


def test_late_answer_to_withdrawn_offer_gets_a_clear_message(world: World) -> None:
    """Answering a withdrawn offer says it was withdrawn and records nothing."""
    offer = world.sent_offer([shift(world.nurse.id, "home-care-001", DAY)])
    with world.factory() as session, session.begin():
        workflow.withdraw_offer(session, offer_id=offer.id, actor=world.hr, reason="need covered")
    with pytest.raises(Conflict) as caught:
        world.answer(offer.id, world.nurse_user)
    assert "withdrawn" in str(caught.value) and "trukket tilbake" in str(caught.value)
    with world.factory() as session:
        assert repo.answers_of_offer(session, offer.id) == []


def test_expiry_and_late_answer(world: World) -> None:
    """Offers past their deadline expire, and a late answer is told so."""
    offer = world.sent_offer([shift(world.nurse.id, "home-care-001", DAY)])
    with world.factory() as session, session.begin():
        assert workflow.expire_offers(session, now=dt.datetime.combine(DAY, dt.time(9))) == 1
    with pytest.raises(Conflict, match="expired"):
        world.answer(offer.id, world.nurse_user)


def test_accepted_offer_becomes_active_pins_and_ends_on_return_home(world: World) -> None:
    """Accepted shifts are pins; the loan becomes active at its start and ends when people return home."""
    nurse = world.nurse.id
    shifts = [shift(nurse, "home-care-001", DAY + dt.timedelta(days=d)) for d in range(4)]
    offer = world.sent_offer(shifts)
    world.answer(offer.id, world.nurse_user)
    with world.factory() as session, session.begin():
        assert set(workflow.accepted_pins(session)) == {Pin(a.employee_id, a.need_id) for a in shifts}
        assert workflow.activate_offers(session, now=dt.datetime.combine(DAY, dt.time(9))) == 1
        (ended,) = workflow.return_home(
            session, unit_id="home-care-001", on_date=DAY + dt.timedelta(days=2), actor=world.hr
        )
    assert ended.status is OfferStatus.ENDED
    assert len(ended.shifts) == 2


def test_state_machine_refuses_skipping_states(world: World) -> None:
    """A proposed offer cannot be answered, and an ended one cannot be withdrawn."""
    (offer,) = world.offers_for(world.save_plan([shift(world.nurse.id, "home-care-001", DAY)]))
    with pytest.raises(Conflict, match="has not been sent"):
        world.answer(offer.id, world.nurse_user)
    assert workflow.TRANSITIONS[OfferStatus.ENDED] == frozenset()
    assert OfferStatus.ACTIVE not in workflow.TRANSITIONS[OfferStatus.OFFERED]


def test_closed_home_unit_needs_no_release(world: World) -> None:
    """People whose home unit is closed by the scenario are free to go: no release is needed."""
    from ressursbank.domain import CloseUnits, Scenario

    scenario = Scenario(
        id="closure",
        name_nb="Stengt",
        name_en="Closed",
        start=DAY,
        events=(CloseUnits(start=DAY, end=DAY + dt.timedelta(days=30), unit_ids=("library-001",)),),
    )
    with world.factory() as session, session.begin():
        repository.save_scenario(session=session, scenario=scenario)
        run = repository.save_plan(
            session=session,
            scenario_id="closure",
            plan=Plan.of([shift(world.librarian.id, "home-care-001", DAY)]),
            status="feasible",
        )
    (offer,) = world.offers_for(run.id)
    assert not offer.release_required
    assert world.send([offer.id])[0].status is OfferStatus.OFFERED


def test_concurrent_overlapping_accepts_on_sqlite_book_once(world: World) -> None:
    """Twelve threads accepting twelve overlapping offers for one person: exactly one is accepted."""
    nurse = world.nurse.id
    offers = [world.sent_offer([shift(nurse, "home-care-001", DAY, hour=8, tag=f"-{i}")]) for i in range(12)]
    results: list[str] = []
    lock = threading.Lock()

    def accept(offer_id: str) -> None:
        try:
            world.answer(offer_id, world.nurse_user)
            outcome = "accepted"
        except Conflict:
            outcome = "conflict"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=accept, args=(o.id,)) for o in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] + ["conflict"] * 11
    with world.factory() as session:
        assert len(workflow.list_offers(session, employee_id=nurse, status="accepted")) == 1


def test_demo_clock_lets_a_past_crisis_be_replayed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offers for shifts in March 2020 are refused as past, unless RESSURSBANK_TODAY puts the clock before them."""
    march = dt.date(2020, 3, 18)
    (offer,) = world.offers_for(world.save_plan([shift(world.nurse.id, "home-care-001", march)]))
    world.approve(offer.id, world.home_manager)
    with pytest.raises(Conflict, match="past"):
        world.send([offer.id])
    monkeypatch.setenv("RESSURSBANK_TODAY", "2020-03-16")
    (sent,) = world.send([offer.id])
    assert world.answer(sent.id, world.nurse_user).outcome is OfferStatus.ACCEPTED
