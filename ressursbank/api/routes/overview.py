"""Aggregates for leadership and HR (coverage heatmap, gaps, people redeployed) and the XLSX exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ressursbank.api.deps import SnapshotDep, StateDep
from ressursbank.api.schemas import GapPublic, HeatCellPublic, HeatRowPublic, OverviewPublic
from ressursbank.api.security import require
from ressursbank.services import reports
from ressursbank.services.policy import Role, User
from ressursbank.services.queries import Snapshot

router = APIRouter(tags=["overview"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overview_public(snap: Snapshot, *, group_by: str, lang: str, critical_only: bool = True) -> OverviewPublic:
    f = snap.figures
    rows = snap.heatmap(group_by=group_by, critical_only=critical_only)
    return OverviewPublic(
        scenario_id=snap.scenario.id if snap.scenario else None,
        plan_id=snap.plan_id,
        today=snap.today,
        critical_coverage_today=f.critical_coverage_today,
        critical_coverage_horizon=f.critical_coverage_horizon,
        coverage_horizon=f.coverage_horizon,
        open_person_shifts=f.open_person_shifts,
        open_critical_person_shifts=f.open_critical_person_shifts,
        people_redeployed=f.people_redeployed,
        hours_moved=round(f.hours_moved, 1),
        jobs_kept=f.jobs_kept,
        released=f.released,
        units_closed_today=f.units_closed_today,
        units_reduced_today=f.units_reduced_today,
        units_opened=f.units_opened,
        heatmap=[
            HeatRowPublic(
                key=r.key,
                label=snap.row_label(r.key, group_by, lang),
                cells=[HeatCellPublic(day=c.day, needed=c.needed, filled=c.filled, pct=c.pct) for c in r.cells],
            )
            for r in rows
        ],
        gaps=[
            GapPublic(
                requirement=g.requirement,
                area_id=g.area_id,
                area_name=g.area_name,
                missing=g.missing,
                critical_missing=g.critical_missing,
            )
            for g in snap.gaps[:50]
        ],
    )


@router.get("/overview", response_model=OverviewPublic)
def get_overview(
    snap: SnapshotDep,
    user: Annotated[User, Depends(require("overview:read"))],
    group_by: Annotated[str, Query(pattern="^(sector|unit)$")] = "sector",
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> OverviewPublic:
    """Coverage of critical services per sector (or unit) and day, open gaps, people redeployed, jobs kept."""
    return overview_public(snap, group_by=group_by, lang=lang)


@router.get("/exports/roster.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_roster(
    snap: SnapshotDep,
    user: Annotated[User, Depends(require("plan:read"))],
    unit: Annotated[str, Query(max_length=120)] = "",
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> Response:
    """The plan's shifts as XLSX (managers: their own units only)."""
    if user.role is Role.HR:
        units = [unit] if unit else None
    else:
        own = sorted(user.unit_ids)
        units = [unit] if unit in own else own
    data = reports.roster_xlsx(snap, unit_ids=units, lang=lang)
    name = f"turnus-{snap.scenario.id if snap.scenario else 'plan'}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/exports/offers.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_offers(
    snap: SnapshotDep,
    state: StateDep,
    user: Annotated[User, Depends(require("offers:send"))],
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> Response:
    """Offers the user may see, with status, answer time and reason, as XLSX."""
    from ressursbank.services import workflow

    with state.read() as session:
        offers = workflow.visible_offers(session, viewer=user, limit=100_000)
    rows: list[dict[str, object]] = []
    for o in offers:
        emp = snap.employee(o.employee_id)
        host = snap.unit(o.host_unit_id)
        rows.append(
            {
                "id": o.id,
                "employee_id": o.employee_id,
                "employee_name": emp.name if emp else "",
                "host_unit": host.name if host else o.host_unit_id,
                "start": o.first_start,
                "end": o.last_end,
                "status": str(o.status),
                "answered_at": o.updated_at if str(o.status) in ("accepted", "declined") else None,
                "reason": o.answer_reason or "",
            }
        )
    data = reports.offers_xlsx(rows, lang=lang)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="tilbud.xlsx"'})
