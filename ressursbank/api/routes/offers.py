"""Offers through the API: create from a plan, release, send, answer (exactly once), withdraw, return home."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, Field

from ressursbank.api.problems import ProblemError
from ressursbank.api.security import CurrentUser, require, security_transaction, session_factory
from ressursbank.db import repo_security
from ressursbank.db.engine import write_transaction
from ressursbank.exceptions import Conflict
from ressursbank.services import workflow
from ressursbank.services.policy import Permission, User

router = APIRouter(prefix="/api", tags=["offers"])

OfferId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["1b4e28ba"])]
IdText = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Sender = Annotated[User, Depends(require(Permission.OFFERS_SEND))]
Approver = Annotated[User, Depends(require(Permission.OFFERS_APPROVE))]
Answerer = Annotated[User, Depends(require(Permission.OFFERS_ANSWER))]
Reader = Annotated[User, Depends(require(Permission.SELF_READ))]

T = TypeVar("T")


class OfferShiftPublic(BaseModel):
    """A shift of an offer."""

    need_id: str
    unit_id: str
    start: dt.datetime
    end: dt.datetime
    qualification_used: str


class OfferPublic(BaseModel):
    """An offer with its state, release and shifts."""

    id: str
    plan_id: str | None
    employee_id: str
    home_unit_id: str
    host_unit_id: str
    first_start: dt.datetime
    last_end: dt.datetime
    status: str
    version: int
    release_required: bool
    release_status: str
    release_by: str | None
    answer_reason: str | None
    expires_at: dt.datetime | None
    shifts: list[OfferShiftPublic]


class AnswerBody(BaseModel):
    """The employee's answer; ``idempotency_key`` (or the ``Idempotency-Key`` header) makes retries safe."""

    accept: bool = Field(examples=[True])
    reason: str | None = Field(default=None, max_length=500)
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=100, examples=["3f1c0b1e-answer-1"])


class AnswerPublic(BaseModel):
    """The outcome of an answer; ``replayed`` is true when the same key had been answered before."""

    offer: OfferPublic
    outcome: str
    replayed: bool
    message: str


class ReleaseBody(BaseModel):
    """The home unit's decision on lending the person out (HR: an override, with a reason)."""

    approve: bool
    reason: str | None = Field(default=None, max_length=500)


class SendBody(BaseModel):
    """Which proposed offers to send, and until when they may be answered (default: the first shift)."""

    offer_ids: list[str] = Field(min_length=1, max_length=1000)
    expires_at: dt.datetime | None = None


class WithdrawBody(BaseModel):
    """Why the offer is withdrawn (shown in the audit log)."""

    reason: str | None = Field(default=None, max_length=500)


class ReturnHomeBody(BaseModel):
    """Everyone lent to the unit goes home from this date."""

    on_date: dt.date
    reason: str | None = Field(default=None, max_length=500)


class CreateFromPlanBody(BaseModel):
    """Optionally limit the offers to some employees of the plan."""

    employee_ids: list[str] | None = Field(default=None, max_length=10_000)


def public(offer: workflow.Offer) -> OfferPublic:
    """The wire form of an offer."""
    return OfferPublic(
        id=offer.id,
        plan_id=offer.plan_id,
        employee_id=offer.employee_id,
        home_unit_id=offer.home_unit_id,
        host_unit_id=offer.host_unit_id,
        first_start=offer.first_start,
        last_end=offer.last_end,
        status=offer.status.value,
        version=offer.version,
        release_required=offer.release_required,
        release_status=offer.release_status.value,
        release_by=offer.release_by,
        answer_reason=offer.answer_reason,
        expires_at=offer.expires_at,
        shifts=[
            OfferShiftPublic(
                need_id=s.need_id, unit_id=s.unit_id, start=s.start, end=s.end, qualification_used=s.qualification_used
            )
            for s in offer.shifts
        ],
    )


@contextmanager
def _service(request: Request, *, write: bool = False) -> Iterator[repo_security.Session]:
    """One transaction (a write takes the database's write lock first, see :func:`write_transaction`); bad input
    from a service becomes a 422 problem instead of a 500."""
    try:
        if write:
            with write_transaction(session_factory(request.app)) as session:
                yield session
        else:
            with security_transaction(request.app) as session:
                yield session
    except ValueError as exc:
        raise ProblemError(422, str(exc), title="Invalid request") from exc


def _retrying(request: Request, work: Callable[[repo_security.Session], T]) -> T:
    """Run ``work`` in a transaction, once more if a concurrent duplicate made the first attempt fail."""
    for attempt in (1, 2):
        try:
            with _service(request, write=True) as session:
                return work(session)
        except repo_security.IntegrityError:
            if attempt == 2:
                raise Conflict(workflow.message("stale")) from None
    raise AssertionError("unreachable")


@router.get("/offers", response_model=list[OfferPublic], operation_id="list_offers")
def list_offers(
    request: Request,
    user: Reader,
    status: Annotated[workflow.OfferStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[OfferPublic]:
    """Offers you may see: HR all, a manager those to or from their units, an employee their own."""
    with _service(request) as session:
        offers = workflow.visible_offers(
            session, viewer=user, status=status.value if status else None, limit=limit, offset=offset
        )
    return [public(o) for o in offers]


@router.get("/offers/{offer_id}", response_model=OfferPublic, operation_id="get_offer")
def get_offer(request: Request, offer_id: OfferId, user: Reader) -> OfferPublic:
    """One offer (404 if it does not exist or is not yours to see)."""
    with _service(request) as session:
        offer = workflow.get_offer(session, offer_id)
    if not workflow.may_see_offer(user, offer):
        raise ProblemError(404, f"unknown offer {offer_id!r} / ukjent tilbud")
    return public(offer)


@router.post(
    "/plans/{plan_id}/offers", response_model=list[OfferPublic], status_code=201, operation_id="create_plan_offers"
)
def create_plan_offers(
    request: Request, plan_id: IdText, user: Sender, body: CreateFromPlanBody | None = None
) -> list[OfferPublic]:
    """Propose one offer per loan in the stored plan (nothing twice)."""
    with _service(request, write=True) as session:
        offers = workflow.create_offers_for_plan(
            session, plan_id=plan_id, employee_ids=body.employee_ids if body else None, actor=user
        )
    return [public(o) for o in offers]


@router.post("/offers/{offer_id}/release", response_model=OfferPublic, operation_id="decide_offer_release")
def decide_release(request: Request, offer_id: OfferId, user: Approver, body: ReleaseBody) -> OfferPublic:
    """The home unit's manager releases the person (or refuses); HR overrides with a reason."""
    with _service(request, write=True) as session:
        offer = workflow.approve_release(
            session, offer_id=offer_id, actor=user, approve=body.approve, reason=body.reason
        )
    return public(offer)


@router.post("/offers/send", response_model=list[OfferPublic], operation_id="send_offers")
def send_offers(request: Request, user: Sender, body: SendBody) -> list[OfferPublic]:
    """Send proposed, released offers; each person is notified."""
    with _service(request, write=True) as session:
        offers = workflow.send_offers(session, offer_ids=body.offer_ids, actor=user, expires_at=body.expires_at)
    return [public(o) for o in offers]


@router.post("/offers/{offer_id}/answer", response_model=AnswerPublic, operation_id="answer_offer")
def answer_offer(
    request: Request,
    offer_id: OfferId,
    user: Answerer,
    body: AnswerBody,
    idempotency_key: Annotated[str | None, Header(min_length=8, max_length=100)] = None,
) -> AnswerPublic:
    """Accept or decline your offer, exactly once: repeat the same key to retry safely."""
    key = body.idempotency_key or idempotency_key
    if key is None:
        raise ProblemError(422, "idempotency_key (or the Idempotency-Key header) is required", title="Invalid request")

    def work(session: repo_security.Session) -> workflow.AnswerResult:
        return workflow.answer_offer(
            session, offer_id=offer_id, accept=body.accept, reason=body.reason, idempotency_key=key, actor=user
        )

    result = _retrying(request, work)
    return AnswerPublic(
        offer=public(result.offer), outcome=result.outcome.value, replayed=result.replayed, message=result.message
    )


@router.post("/offers/{offer_id}/withdraw", response_model=OfferPublic, operation_id="withdraw_offer")
def withdraw_offer(request: Request, offer_id: OfferId, user: Sender, body: WithdrawBody | None = None) -> OfferPublic:
    """Withdraw an offer that is proposed, offered or accepted."""
    with _service(request, write=True) as session:
        offer = workflow.withdraw_offer(session, offer_id=offer_id, actor=user, reason=body.reason if body else None)
    return public(offer)


@router.post("/units/{unit_id}/return-home", response_model=list[OfferPublic], operation_id="return_home")
def return_home(request: Request, unit_id: IdText, user: Sender, body: ReturnHomeBody) -> list[OfferPublic]:
    """Everyone lent to the unit goes home from ``on_date``: loans end, shifts from that day are released."""
    with _service(request, write=True) as session:
        offers = workflow.return_home(session, unit_id=unit_id, on_date=body.on_date, actor=user, reason=body.reason)
    return [public(o) for o in offers]


@router.post("/offers/expire", operation_id="expire_offers")
def expire_offers(request: Request, user: Annotated[User, Depends(require(Permission.ADMIN))]) -> dict[str, int]:
    """Expire unanswered offers past their deadline and start accepted loans that have begun (also run by jobs)."""
    now = workflow.current_time()
    with _service(request, write=True) as session:
        expired = workflow.expire_offers(session, now=now, actor=user)
        activated = workflow.activate_offers(session, now=now, actor=user)
    return {"expired": expired, "activated": activated}


@router.get("/me/offers", response_model=list[OfferPublic], operation_id="my_offers")
def my_offers(request: Request, user: CurrentUser) -> list[OfferPublic]:
    """Your own offers (empty when your login is not bound to an employee)."""
    if user.employee_id is None:
        return []
    with _service(request) as session:
        return [public(o) for o in workflow.list_offers(session, employee_id=user.employee_id)]
