"""Pages: overview (leadership and HR), units, people."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from ressursbank.api.deps import ScenarioQuery, StateDep
from ressursbank.api.i18n import negotiate
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.organisation import unit_scope, visible_unit
from ressursbank.api.routes.people import may_see, people_scope, visible_employee
from ressursbank.api.security import OptionalUser, require
from ressursbank.api.templating import render, render_fragment
from ressursbank.services import audit, reports
from ressursbank.services.policy import Role, User, can, may_see_unit, restriction_text

router = APIRouter(include_in_schema=False)
UNITS_PER_PAGE = 100


def scenario_choices(state: StateDep) -> list[tuple[str, str, str]]:
    return state.scenario_choices()


def overview_context(state: StateDep, scenario: str | None, lang: str, group_by: str = "sector") -> dict[str, object]:
    """What the overview page and the situation report show."""
    snap = state.snapshot(scenario)
    rows = snap.heatmap(group_by=group_by, critical_only=True)
    labels = {r.key: snap.row_label(r.key, group_by, lang) for r in rows}
    nb = lang == "nb"
    title = "Dekning av kritiske tjenester" if nb else "Coverage of critical services"
    desc = (
        "Andel av kritiske personvakter som er bemannet, per dag de neste fire ukene."
        if nb
        else "Share of critical person-shifts staffed, per day over the next four weeks."
    )
    return {
        "snap": snap,
        "figures": snap.figures,
        "heatmap": snap.memo(
            ("heatmap-svg", group_by, lang),
            lambda: reports.heatmap_svg(rows, title=title, description=desc, lang=lang, labels=labels),
        ),
        "heat_rows": rows,
        "heat_labels": labels,
        "gap_chart": snap.memo(("gap-svg", lang), lambda: reports.gap_bars(snap.gaps, lang)),
        "gaps": snap.gaps[:15],
        "group_by": group_by,
        "scenario_id": snap.scenario.id if snap.scenario else "",
        "scenario_name": (snap.scenario.name_nb if nb else snap.scenario.name_en) if snap.scenario else "",
        "scenarios": scenario_choices(state),
    }


@router.get("/", response_class=HTMLResponse, name="page_overview")
def page_overview(
    request: Request,
    state: StateDep,
    user: OptionalUser,
    scenario: ScenarioQuery = None,
    group_by: Annotated[str, Query(pattern="^(sector|unit)$")] = "sector",
) -> Response:
    """The overview: coverage heatmap, gaps, people redeployed, hours moved, jobs kept."""
    if user is None:
        return RedirectResponse("/login?next=/", status_code=303)
    if not can(user, "overview:read"):
        return RedirectResponse("/me" if can(user, "offers:answer") else "/audit", status_code=303)
    lang = negotiate(request)
    ctx = overview_context(state, scenario, lang, group_by)
    return render(request, "pages/overview.html", {"title": "Oversikt" if lang == "nb" else "Overview", **ctx})


@router.get("/reports/situation", response_class=HTMLResponse, name="page_situation_report")
def page_situation_report(
    request: Request,
    state: StateDep,
    user: Annotated[User, Depends(require("reports:read"))],
    scenario: ScenarioQuery = None,
) -> Response:
    """A printable situation report for the crisis management meeting."""
    lang = negotiate(request)
    ctx = overview_context(state, scenario, lang)
    return render(
        request,
        "pages/situation.html",
        {"title": "Situasjonsrapport" if lang == "nb" else "Situation report", "generated": dt.datetime.now(), **ctx},
    )


@router.get("/units", response_class=HTMLResponse, name="page_units")
def page_units(
    request: Request,
    state: StateDep,
    user: Annotated[User, Depends(require("org:read"))],
    scenario: ScenarioQuery = None,
    q: Annotated[str, Query(max_length=100)] = "",
    area: Annotated[str, Query(max_length=120)] = "",
    status: Annotated[str, Query(pattern="^(|open|reduced|closed)$")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Units with status today, staff and coverage; filter by name, area and status; 100 a page."""
    snap = state.snapshot(scenario)
    needle = q.strip().lower()
    lang = negotiate(request)
    scenario_id = snap.scenario.id if snap.scenario else ""

    def table() -> Markup:
        units = [
            u
            for u in snap.problem.units
            if may_see_unit(user, u.id)
            and (not needle or needle in u.name.lower() or needle in u.id)
            and (not area or u.area_id == area)
            and (not status or snap.unit_status_today(u) == status)
        ]
        units.sort(key=lambda u: (u.area_id, u.name))
        return render_fragment(
            "partials/units_table.html",
            lang,
            {
                "snap": snap,
                "units": units[(page - 1) * UNITS_PER_PAGE : page * UNITS_PER_PAGE],
                "total": len(units),
                "page": page,
                "pages": max(1, -(-len(units) // UNITS_PER_PAGE)),
                "q": q,
                "area": area,
                "status": status,
                "scenario_id": scenario_id,
            },
        )

    # The table depends on the snapshot, the filters and who may see which units, never on the request otherwise.
    key = ("page:units", lang, q, area, status, page, unit_scope(user))
    return render(
        request,
        "pages/units.html",
        {
            "title": "Enheter" if lang == "nb" else "Units",
            "snap": snap,
            "table_html": snap.cached(key, table),
            "q": q,
            "area": area,
            "status": status,
            "scenario_id": scenario_id,
        },
    )


@router.get("/units/{unit_id}", response_class=HTMLResponse, name="page_unit")
def page_unit(
    request: Request,
    unit_id: str,
    state: StateDep,
    user: Annotated[User, Depends(require("org:read"))],
    scenario: ScenarioQuery = None,
) -> Response:
    """A unit: status timeline, needs by day, lent in and out, roster grid, open shifts."""
    snap = state.snapshot(scenario)
    unit = visible_unit(snap, user, unit_id)
    lang = negotiate(request)
    return render(
        request,
        "pages/unit.html",
        {
            "title": unit.name,
            "snap": snap,
            "unit": unit,
            "timeline": snap.status_timeline(unit),
            "needs": snap.unit_needs(unit_id)[:300],
            "open_needs": snap.open_needs(unit_id)[:50],
            "lent_in": snap.lent_in(unit_id),
            "lent_out": snap.lent_out(unit_id),
            "roster": snap.roster(unit_id, days=14),
            "roster_days": snap.days[:14],
            "coverage": snap.unit_coverage(unit_id),
            "scenario_id": snap.scenario.id if snap.scenario else "",
            "can_see_people": can(user, "people:read"),
            "can_plan": can(user, "plan:write"),
            "lang": lang,
        },
    )


@router.get("/people", response_class=HTMLResponse, name="page_people")
def page_people(
    request: Request,
    state: StateDep,
    user: Annotated[User, Depends(require("people:read"))],
    scenario: ScenarioQuery = None,
    q: Annotated[str, Query(max_length=100)] = "",
    qualification: Annotated[str, Query(max_length=80)] = "",
    area: Annotated[str, Query(max_length=120)] = "",
    status: Annotated[str, Query(pattern="^(|home|redeployed|released|absent)$")] = "",
    available_on: Annotated[dt.date | None, Query()] = None,
) -> Response:
    """Search people by name, qualification, area, status and availability."""
    snap = state.snapshot(scenario)
    if qualification and qualification not in snap.qualification_label:
        raise ProblemError(422, f"unknown qualification {qualification!r}", title="Invalid request")
    lang = negotiate(request)
    scenario_id = snap.scenario.id if snap.scenario else ""

    def results() -> Markup:
        people = snap.search_people(
            q=q,
            qualification=qualification,
            area=area,
            status=status,
            available_on=available_on,
            restrict_to=None if user.role is Role.HR else (lambda e: may_see(snap, user, e)),
        )
        people.sort(key=lambda e: e.name)
        return render_fragment(
            "partials/people_results.html",
            lang,
            {"snap": snap, "people": people[:200], "total": len(people), "scenario_id": scenario_id},
        )

    # The result list depends on the snapshot, the filters and whom the viewer may see, never on the request.
    key = ("page:people", lang, q, qualification, area, status, available_on, people_scope(user))
    return render(
        request,
        "pages/people.html",
        {
            "title": "Personer" if lang == "nb" else "People",
            "snap": snap,
            "results_html": snap.cached(key, results),
            "q": q,
            "qualification": qualification,
            "area": area,
            "status": status,
            "available_on": available_on.isoformat() if available_on else "",
            "scenario_id": scenario_id,
            "is_htmx": request.headers.get("hx-request") == "true",
        },
    )


@router.get("/people/{employee_id}", response_class=HTMLResponse, name="page_person")
def page_person(
    request: Request,
    employee_id: str,
    state: StateDep,
    user: Annotated[User, Depends(require("people:read"))],
    scenario: ScenarioQuery = None,
) -> Response:
    """A person's profile: competence, preferences, assignments, roster; restrictions only for HR."""
    snap = state.snapshot(scenario)
    emp = visible_employee(snap, user, employee_id)
    lang = negotiate(request)
    flags = [r.flag.value for r in emp.restrictions]
    if flags and user.role is Role.HR:
        with state.write() as session:
            audit.record(
                session,
                actor=user,
                action="restrictions.read",
                subject_type="employee",
                subject_id=emp.id,
                fields=["restrictions"],
            )
    return render(
        request,
        "pages/person.html",
        {
            "title": emp.name,
            "snap": snap,
            "emp": emp,
            "home": snap.unit(emp.home_unit_id),
            "status": snap.person_status(emp),
            "shifts": snap.person_roster(emp.id),
            "restrictions": restriction_text(user, flags, lang),
            "is_hr": user.role is Role.HR,
            "scenario_id": snap.scenario.id if snap.scenario else "",
        },
    )
