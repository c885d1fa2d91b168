"""Pages: offers (HR sends), loan approval (managers release), the employee's page (answer, shifts, calendar)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ressursbank.api.deps import ScenarioQuery, StateDep
from ressursbank.api.i18n import negotiate
from ressursbank.api.problems import ProblemError
from ressursbank.api.security import CurrentUser, require
from ressursbank.api.state import AppState
from ressursbank.api.templating import render
from ressursbank.domain import Assignment
from ressursbank.exceptions import Conflict, NotFound, PermissionDenied
from ressursbank.services import queries, workflow
from ressursbank.services.policy import Role, User
from ressursbank.services.queries import Snapshot

router = APIRouter(include_in_schema=False)
Sender = Annotated[User, Depends(require("offers:send"))]
Approver = Annotated[User, Depends(require("offers:approve"))]
Answerer = Annotated[User, Depends(require("offers:answer"))]
ICS = "text/calendar; charset=utf-8"


def _t(lang: str, nb: str, en: str) -> str:
    return nb if lang == "nb" else en


def _snapshot_of_plan(state: AppState, plan_id: str | None) -> Snapshot | None:
    """The snapshot a plan belongs to (offers carry the plan id; the scenario is found once and remembered)."""
    if not plan_id:
        return None
    key = ("plan-scenario", plan_id)
    scenario_id = state.snapshots.peek(key)
    if scenario_id is None:
        with state.read() as session:
            for scenario in queries.list_scenarios(session):
                if any(r.id == plan_id for r in queries.plan_runs(session, scenario.id, limit=200)):
                    scenario_id = scenario.id
                    break
        if scenario_id is None:
            return None
        state.snapshots.put(key, scenario_id)
    try:
        return state.snapshot(str(scenario_id), plan_id=plan_id)
    except NotFound:
        return None


def _offer_view(state: AppState, offer: workflow.Offer, lang: str) -> dict[str, Any]:
    """What a page shows about one offer: names, times and why this person (never a restriction)."""
    snap = _snapshot_of_plan(state, offer.plan_id)
    host = snap.unit(offer.host_unit_id) if snap else None
    home = snap.unit(offer.home_unit_id) if snap else None
    emp = snap.employee(offer.employee_id) if snap else None
    reasons: list[str] = []
    if snap is not None and offer.shifts:
        s = offer.shifts[0]
        reasons = snap.why(
            Assignment(offer.employee_id, s.need_id, s.unit_id, s.start, s.end, s.qualification_used), lang
        )
    return {
        "offer": offer,
        "host_name": host.name if host else offer.host_unit_id,
        "home_name": home.name if home else offer.home_unit_id,
        "employee_name": emp.name if emp else offer.employee_id,
        "reasons": reasons,
    }


@router.get("/offers", response_class=HTMLResponse, name="page_offers")
def page_offers(request: Request, state: StateDep, user: Sender, scenario: ScenarioQuery = None) -> Response:
    """Offers of the current plan: create them from the plan's loans and send them."""
    snap = state.snapshot(scenario)
    lang = negotiate(request)
    with state.read() as session:
        offers = workflow.visible_offers(session, viewer=user, limit=500)
    if snap.plan_id:
        offers = [o for o in offers if o.plan_id == snap.plan_id] or offers
    return render(
        request,
        "pages/offers.html",
        {
            "title": _t(lang, "Tilbud", "Offers"),
            "snap": snap,
            "scenario_id": snap.scenario.id if snap.scenario else "",
            "views": [_offer_view(state, o, lang) for o in offers],
            "flash": request.query_params.get("msg", "")[:300],
            "error": request.query_params.get("err", "")[:300],
        },
    )


@router.post("/offers/create", response_class=HTMLResponse, name="page_create_offers")
def page_create_offers(
    request: Request, state: StateDep, user: Sender, scenario: Annotated[str, Form(max_length=120)]
) -> Response:
    """Create one proposed offer per loan in the scenario's current plan."""
    snap = state.snapshot(scenario)
    lang = negotiate(request)
    if not snap.plan_id:
        raise ProblemError(409, _t(lang, "Scenarioet har ingen plan ennå.", "The scenario has no plan yet."))
    with state.write() as session:
        created = workflow.create_offers_for_plan(session, plan_id=snap.plan_id, actor=user)
    msg = _t(lang, f"{len(created)} tilbud opprettet.", f"{len(created)} offers created.")
    return RedirectResponse(f"/offers?scenario={scenario}&msg={msg}", status_code=303)


@router.post("/offers/send", response_class=HTMLResponse, name="page_send_offers")
async def page_send_offers(request: Request, state: StateDep, user: Sender) -> Response:
    """Send the chosen proposed offers (each person is notified)."""
    form = await request.form()
    ids = [str(v) for v in form.getlist("offer_ids")][:1000]
    scenario = str(form.get("scenario", ""))[:120]
    lang = negotiate(request)
    if not ids:
        return RedirectResponse(
            f"/offers?scenario={scenario}&err={_t(lang, 'Velg minst ett tilbud.', 'Choose at least one offer.')}",
            status_code=303,
        )
    try:
        with state.write() as session:
            sent = workflow.send_offers(session, offer_ids=ids, actor=user)
    except (Conflict, PermissionDenied) as exc:
        return RedirectResponse(f"/offers?scenario={scenario}&err={str(exc)[:250]}", status_code=303)
    msg = _t(lang, f"{len(sent)} tilbud sendt.", f"{len(sent)} offers sent.")
    return RedirectResponse(f"/offers?scenario={scenario}&msg={msg}", status_code=303)


@router.get("/approvals", response_class=HTMLResponse, name="page_approvals")
def page_approvals(request: Request, state: StateDep, user: Approver) -> Response:
    """Loans that wait for the home unit's release: the manager approves or refuses; HR may override."""
    lang = negotiate(request)
    with state.read() as session:
        offers = [
            o
            for o in workflow.visible_offers(session, viewer=user, status="proposed", limit=500)
            if o.release_required
            and o.release_status == workflow.ReleaseStatus.PENDING
            and (user.role is Role.HR or o.home_unit_id in user.unit_ids)
        ]
    return render(
        request,
        "pages/approvals.html",
        {
            "title": _t(lang, "Frigivelse", "Loan approval"),
            "views": [_offer_view(state, o, lang) for o in offers],
            "is_hr": user.role is Role.HR,
            "flash": request.query_params.get("msg", "")[:300],
            "error": request.query_params.get("err", "")[:300],
        },
    )


@router.post("/approvals/{offer_id}", response_class=HTMLResponse, name="page_approve")
def page_approve(
    request: Request,
    offer_id: str,
    state: StateDep,
    user: Approver,
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Record the release decision (HR: an override, only with a reason)."""
    lang = negotiate(request)
    try:
        with state.write() as session:
            workflow.approve_release(
                session, offer_id=offer_id, actor=user, approve=decision == "approve", reason=reason or None
            )
    except (Conflict, PermissionDenied) as exc:
        return RedirectResponse(f"/approvals?err={str(exc)[:250]}", status_code=303)
    return RedirectResponse(f"/approvals?msg={_t(lang, 'Registrert.', 'Recorded.')}", status_code=303)


# --- the employee ------------------------------------------------------------------------------------------------
def _my_shifts(state: AppState, user: User) -> list[tuple[Assignment, str]]:
    """The person's shifts: accepted offers, else the current plan; with the unit's name."""
    if not user.employee_id:
        return []
    snap = state.snapshot()
    out: dict[str, tuple[Assignment, str]] = {}
    for a in snap.person_roster(user.employee_id):
        unit = snap.unit(a.unit_id)
        out[a.need_id] = (a, unit.name if unit else a.unit_id)
    with state.read() as session:
        offers = workflow.list_offers(session, employee_id=user.employee_id, status=["accepted", "active"])
    for o in offers:
        osnap = _snapshot_of_plan(state, o.plan_id) or snap
        for s in o.shifts:
            unit = osnap.unit(s.unit_id)
            out[s.need_id] = (
                Assignment(o.employee_id, s.need_id, s.unit_id, s.start, s.end, s.qualification_used),
                unit.name if unit else s.unit_id,
            )
    return sorted(out.values(), key=lambda x: x[0].start)


def calendar_token(state: AppState, employee_id: str) -> str:
    """A secret link token for the person's calendar feed (a calendar app cannot log in)."""
    with state.read() as session:
        from ressursbank.services import auth

        secret = auth.secret_key(session).encode()
    return hmac.new(secret, b"ical:" + employee_id.encode(), hashlib.sha256).hexdigest()[:32]


@router.get("/me", response_class=HTMLResponse, name="page_me")
def page_me(request: Request, state: StateDep, user: Answerer) -> Response:
    """The employee's page (phone first): open offers, answered offers, shifts, calendar links."""
    lang = negotiate(request)
    offers: list[workflow.Offer] = []
    if user.employee_id:
        with state.read() as session:
            offers = workflow.list_offers(session, employee_id=user.employee_id)
    views = [_offer_view(state, o, lang) for o in offers if o.status != workflow.OfferStatus.PROPOSED]
    token = calendar_token(state, user.employee_id) if user.employee_id else ""
    return render(
        request,
        "pages/me.html",
        {
            "title": _t(lang, "Min side", "My page"),
            "open_views": [v for v in views if v["offer"].status == workflow.OfferStatus.OFFERED],
            "other_views": [v for v in views if v["offer"].status != workflow.OfferStatus.OFFERED],
            "shifts": _my_shifts(state, user)[:200],
            "ical_path": f"/ical/{user.employee_id}/{token}.ics" if token else "",
        },
    )


def _own_offer(state: AppState, user: User, offer_id: str) -> workflow.Offer:
    with state.read() as session:
        try:
            offer = workflow.get_offer(session, offer_id)
        except NotFound:
            offer = None
    if offer is None or not workflow.may_see_offer(user, offer):
        raise ProblemError(404, f"offer {offer_id!r} does not exist or is not yours")
    return offer


@router.get("/offers/{offer_id}", response_class=HTMLResponse, name="page_offer")
def page_offer(request: Request, offer_id: str, state: StateDep, user: CurrentUser) -> Response:
    """One offer: where, when, why you; accept or decline (with an optional reason)."""
    offer = _own_offer(state, user, offer_id)
    lang = negotiate(request)
    return render(
        request,
        "pages/offer.html",
        {
            "title": _t(lang, "Tilbud", "Offer"),
            **_offer_view(state, offer, lang),
            "idempotency_key": uuid.uuid4().hex,
            "mine": user.employee_id == offer.employee_id,
            "result": None,
        },
    )


@router.post("/offers/{offer_id}/answer", response_class=HTMLResponse, name="page_answer_offer")
def page_answer_offer(
    request: Request,
    offer_id: str,
    state: StateDep,
    user: Answerer,
    answer: Annotated[str, Form(pattern="^(accept|decline)$")],
    idempotency_key: Annotated[str, Form(min_length=8, max_length=100)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Record the answer exactly once (a double tap replays the first answer)."""
    lang = negotiate(request)
    status_code = 200
    try:
        with state.write() as session:
            result = workflow.answer_offer(
                session,
                offer_id=offer_id,
                accept=answer == "accept",
                reason=reason.strip() or None,
                idempotency_key=idempotency_key,
                actor=user,
            )
        text, ok = result.message, True
    except NotFound as exc:
        raise ProblemError(404, str(exc)) from exc
    except (Conflict, PermissionDenied) as exc:
        text, ok, status_code = str(exc), False, 409
    offer = _own_offer(state, user, offer_id)
    return render(
        request,
        "pages/offer.html",
        {
            "title": _t(lang, "Tilbud", "Offer"),
            **_offer_view(state, offer, lang),
            "idempotency_key": uuid.uuid4().hex,
            "mine": user.employee_id == offer.employee_id,
            "result": {"ok": ok, "text": text},
        },
        status_code=status_code,
    )


def _ics(shifts: list[tuple[Assignment, str]], name: str) -> bytes:
    from icalendar import Calendar, Event

    from ressursbank.constants import TIMEZONE

    cal = Calendar()
    cal.add("prodid", "-//ressursbank//vakter//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Vakter – {name}")
    stamp = dt.datetime.now(dt.UTC)
    for a, unit_name in shifts:
        ev = Event()
        ev.add("uid", f"{a.employee_id}-{a.need_id}@ressursbank")
        ev.add("summary", f"Vakt: {unit_name}")
        ev.add("dtstart", a.start.replace(tzinfo=TIMEZONE))
        ev.add("dtend", a.end.replace(tzinfo=TIMEZONE))
        ev.add("dtstamp", stamp)
        ev.add("location", unit_name)
        cal.add_component(ev)
    return bytes(cal.to_ical())


@router.get("/me/shifts.ics", name="page_my_ics")
def page_my_ics(state: StateDep, user: Answerer) -> Response:
    """Download the person's shifts as an iCalendar file."""
    data = _ics(_my_shifts(state, user), user.display_name)
    return Response(data, media_type=ICS, headers={"Content-Disposition": 'attachment; filename="vakter.ics"'})


@router.get("/ical/{employee_id}/{token}.ics", name="page_ical_feed")
def page_ical_feed(employee_id: str, token: str, state: StateDep) -> Response:
    """The calendar feed to subscribe to (the secret link is the credential; it shows only shift times/places)."""
    if len(token) != 32 or not hmac.compare_digest(token, calendar_token(state, employee_id)):
        raise ProblemError(404, "unknown calendar link")
    from ressursbank.services.policy import Role as R

    person = User(
        id=-1, username=f"ical:{employee_id}", display_name=employee_id, role=R.EMPLOYEE, employee_id=employee_id
    )
    return Response(_ics(_my_shifts(state, person), employee_id), media_type=ICS)
