"""Wire models (Pydantic): what the REST API sends and accepts. Domain records never go on the wire directly."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Dates outside this range are refused with a clear 422 (a typo like 20200-03-16 or 1920 is never meant).
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
IdStr = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")]


def check_date(value: dt.date) -> dt.date:
    """Refuse dates outside 2000-01-01..2100-12-31."""
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"date {value.isoformat()} is outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}")
    return value


class Strict(BaseModel):
    """Inputs refuse unknown fields, so a misspelt field is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ProblemDetail(BaseModel):
    """An error (RFC 9457 ``application/problem+json``); validation errors list each field in ``errors``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, object]] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "unit 'x' does not exist"}
            ]
        }
    )


def _problem_response(description: str) -> dict[str, object]:
    return {"model": ProblemDetail, "description": description, "content": {"application/problem+json": {}}}


#: The error answers every API route may give, documented once.
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    401: _problem_response("Not logged in (no session cookie or API token)"),
    403: _problem_response("The role lacks the permission"),
    404: _problem_response("Unknown id (or not visible to you)"),
    409: _problem_response("Conflicts with the current state"),
    413: _problem_response("Request body too large"),
    422: _problem_response("Invalid input: wrong types, unknown fields or references, dates out of range"),
}


class AreaPublic(BaseModel):
    id: str
    name: str


class QualificationPublic(BaseModel):
    code: str
    kind: str
    label: str
    citation: str
    implied_by: list[str]


class StatusSpanPublic(BaseModel):
    start: dt.date
    end: dt.date
    status: str
    capacity_pct: int


class UnitPublic(BaseModel):
    id: str
    name: str
    kind: str
    sector_id: str
    area_id: str
    criticality: int
    status_today: str
    opens_on: dt.date | None = None
    coverage_pct: float | None = None
    staff: int


class PersonRef(BaseModel):
    id: str
    name: str
    home_unit_id: str
    shifts: int = 0
    host_unit_id: str | None = None


class UnitDetail(UnitPublic):
    timeline: list[StatusSpanPublic]
    person_shifts_needed: int
    person_shifts_open: int
    lent_in: list[PersonRef]
    lent_out: list[PersonRef]


class HeldQualificationPublic(BaseModel):
    code: str
    label: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    verified: bool


class EmployeePublic(BaseModel):
    id: str
    name: str
    home_unit_id: str
    area_id: str
    position_pct: int
    status: str


class EmployeeDetail(EmployeePublic):
    weekly_hours_norm: float
    qualifications: list[HeldQualificationPublic]
    trainable: list[str]
    willing_unit_kinds: list[str]
    max_travel_km: float
    wants_more_hours: bool
    #: HR sees the flags; anyone else sees at most "not available for this task".
    restrictions: list[str]
    shifts: int


class AssignmentPublic(BaseModel):
    employee_id: str
    need_id: str
    unit_id: str
    start: dt.datetime
    end: dt.datetime
    qualification_used: str


class NeedPublic(BaseModel):
    id: str
    unit_id: str
    day: dt.date
    shift_type_id: str
    start: dt.datetime
    end: dt.datetime
    requirement: str
    count: int
    filled: int
    criticality: int
    task: str


class ScenarioPublic(BaseModel):
    id: str
    name_nb: str
    name_en: str
    start: dt.date
    description: str
    events: list[dict[str, object]]


class CloseEvent(Strict):
    """Close units (by id) for the inclusive dates."""

    type: Literal["close"]
    unit_ids: list[IdStr] = Field(min_length=1, max_length=500)
    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=300)


class ReduceEvent(Strict):
    """Run units at ``capacity_pct`` % for the dates."""

    type: Literal["reduce"]
    unit_ids: list[IdStr] = Field(min_length=1, max_length=500)
    capacity_pct: int = Field(ge=1, le=99)
    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=300)


class OpenEvent(Strict):
    """Open a new unit from a template (corona clinic, vaccination centre, emergency childcare)."""

    type: Literal["open"]
    template_id: IdStr
    unit_id: IdStr
    name: str = Field(min_length=1, max_length=200)
    area_id: IdStr
    scale_pct: int = Field(default=100, ge=10, le=1000)
    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=300)


class SurgeEvent(Strict):
    """Demand at units (or unit kinds) rises to ``factor_pct`` % of normal."""

    type: Literal["surge"]
    unit_ids: list[IdStr] = Field(default_factory=list, max_length=500)
    kinds: list[str] = Field(default_factory=list, max_length=20)
    factor_pct: int = Field(ge=101, le=400)
    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=300)


class AbsenceWaveEvent(Strict):
    """``rate_pct`` % of the staff of unit kinds are absent ``days`` days each."""

    type: Literal["absence_wave"]
    kinds: list[str] = Field(min_length=1, max_length=20)
    rate_pct: int = Field(ge=1, le=80)
    days: int = Field(default=7, ge=1, le=60)
    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=300)


class _Dated(BaseModel):
    start: dt.date
    end: dt.date


EventIn = Annotated[
    CloseEvent | ReduceEvent | OpenEvent | SurgeEvent | AbsenceWaveEvent,
    Field(discriminator="type"),
]


class EventCreate(Strict):
    """One event to add to a scenario."""

    event: EventIn

    @model_validator(mode="after")
    def _dates(self) -> EventCreate:
        check_date(self.event.start)
        check_date(self.event.end)
        if self.event.end < self.event.start:
            raise ValueError("end must be on or after start")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"event": {"type": "close", "unit_ids": ["library-001"], "start": "2020-03-16", "end": "2020-04-19"}},
                {
                    "event": {
                        "type": "open",
                        "template_id": "corona-clinic",
                        "unit_id": "korona-2",
                        "name": "Koronaklinikk 2",
                        "area_id": "asker",
                        "start": "2020-03-19",
                        "end": "2020-06-30",
                    }
                },
            ]
        },
    )


class ScenarioCreate(Strict):
    """A new, empty scenario starting on ``start``."""

    id: IdStr
    name_nb: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    start: dt.date
    description: str = Field(default="", max_length=2000)

    @field_validator("start")
    @classmethod
    def _start(cls, v: dt.date) -> dt.date:
        return check_date(v)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id": "flom-2026", "name_nb": "Flom 2026", "start": "2026-12-07"}]},
    )


class ScenarioCopy(Strict):
    """Copy a scenario under a new id (what-if)."""

    new_id: IdStr
    name: str = Field(default="", max_length=200)


class EffectLine(BaseModel):
    unit_id: str
    unit_name: str
    before: int
    after: int


class ScenarioChange(BaseModel):
    scenario: ScenarioPublic
    effect: list[EffectLine]


class JobCreate(Strict):
    """Start a solve."""

    weeks: int = Field(default=4, ge=1, le=6)
    time_limit: float = Field(default=30.0, gt=0, le=3600)
    preset: str = Field(default="default", max_length=40, pattern=r"^[a-z0-9_\-]+$")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"weeks": 2, "time_limit": 10}]})


class JobPublic(BaseModel):
    id: str
    scenario_id: str
    status: str
    progress: float
    message: str
    best_objective: float | None
    bound: float | None
    gap: float | None
    plan_id: str | None
    previous_plan_id: str | None
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class PlanPublic(BaseModel):
    plan_id: str | None
    scenario_id: str
    assignments: int
    people_redeployed: int
    hours_moved: float
    coverage_pct: float | None
    critical_coverage_pct: float | None
    open_person_shifts: int


class PlanDiffPublic(BaseModel):
    plan_id: str
    against: str | None
    added: list[AssignmentPublic]
    removed: list[AssignmentPublic]
    people_changed: int


class Explanation(BaseModel):
    employee_id: str
    need_id: str
    reasons: list[str]


class HeatCellPublic(BaseModel):
    day: dt.date
    needed: int
    filled: int
    pct: float | None


class HeatRowPublic(BaseModel):
    key: str
    label: str
    cells: list[HeatCellPublic]


class GapPublic(BaseModel):
    requirement: str
    area_id: str
    area_name: str
    missing: int
    critical_missing: int


class OverviewPublic(BaseModel):
    scenario_id: str | None
    plan_id: str | None
    today: dt.date
    critical_coverage_today: float | None
    critical_coverage_horizon: float | None
    coverage_horizon: float | None
    open_person_shifts: int
    open_critical_person_shifts: int
    people_redeployed: int
    hours_moved: float
    jobs_kept: int
    released: int
    units_closed_today: int
    units_reduced_today: int
    units_opened: int
    heatmap: list[HeatRowPublic]
    gaps: list[GapPublic]


class DayQuery(BaseModel):
    day: dt.date

    @field_validator("day")
    @classmethod
    def _range(cls, v: dt.date) -> dt.date:
        return check_date(v)


class PinKey(Strict):
    """One assignment to keep when re-planning."""

    employee_id: IdStr
    need_id: str = Field(min_length=1, max_length=200)


class PinsCreate(Strict):
    """Assignments of the current plan to pin."""

    pins: list[PinKey] = Field(min_length=1, max_length=1000)


class PinsPublic(BaseModel):
    scenario_id: str
    pins: list[PinKey]
