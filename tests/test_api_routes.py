"""REST API: every route answers, and bad input gets a clear 4xx application/problem+json, never a 500."""
# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.test_api_support import (  # noqa: F401 (fixtures)
    SCENARIO,
    TemplateDb,
    auth_headers,
    client,
    web_app,
    web_template,
    web_url,
)

Headers = Callable[[str], dict[str, str]]


def assert_problem(response: object, status: int, *, contains: str = "") -> dict[str, object]:
    """The response is a problem with ``status`` and a detail (optionally containing ``contains``)."""
    assert response.status_code == status, response.text[:500]  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["detail"]
    if contains:
        assert contains in str(body["detail"]), body
    return body


def test_health(client: TestClient) -> None:
    """The health route answers without login."""
    assert client.get("/api/health").json() == {"status": "ok"}


def test_login_required(client: TestClient) -> None:
    """An API call without a session or token is a 401 problem."""
    assert_problem(client.get("/api/units"), 401)


def test_role_without_permission_gets_403(client: TestClient, auth_headers: Headers) -> None:
    """An employee may not list units: 403 problem naming the permission."""
    assert_problem(client.get("/api/units", headers=auth_headers("employee")), 403, contains="org:read")


def test_unknown_path_and_method(client: TestClient, auth_headers: Headers) -> None:
    """Unknown paths are 404 problems; wrong methods 405 problems."""
    assert_problem(client.get("/api/nothing-here", headers=auth_headers("hr")), 404)
    assert_problem(client.delete("/api/units", headers=auth_headers("hr")), 405)


def test_areas_and_qualifications(client: TestClient, auth_headers: Headers) -> None:
    """Areas and the qualification catalogue are listed, labels in the asked language."""
    h = auth_headers("hr")
    assert [a["id"] for a in client.get("/api/areas", headers=h).json()] == ["asker", "royken", "hurum"]
    quals = client.get("/api/qualifications?lang=en", headers=h).json()
    assert any(q["code"] == "aut.sykepleier" and q["label"].startswith("Registered nurse") for q in quals)
    assert_problem(client.get("/api/qualifications?lang=de", headers=h), 422)


def test_units_list_paging_sorting_filtering(client: TestClient, auth_headers: Headers) -> None:
    """Units page, sort both ways and filter by status today; bad paging or sort fields are 422 problems."""
    h = auth_headers("hr")
    page = client.get("/api/units?limit=3&offset=1&sort=-name", headers=h).json()
    assert page["limit"] == 3 and page["offset"] == 1 and len(page["items"]) == 3
    names = [u["name"] for u in page["items"]]
    assert names == sorted(names, reverse=True)
    closed = client.get("/api/units?status=closed&limit=500", headers=h).json()
    assert closed["total"] >= 1 and all(u["status_today"] == "closed" for u in closed["items"])
    assert_problem(client.get("/api/units?limit=0", headers=h), 422, contains="limit")
    assert_problem(client.get("/api/units?limit=abc", headers=h), 422, contains="limit")
    assert_problem(client.get("/api/units?sort=salary", headers=h), 422, contains="allowed")
    assert_problem(client.get("/api/units?status=burning", headers=h), 422)


def test_manager_sees_own_units_only(client: TestClient, auth_headers: Headers) -> None:
    """A unit manager lists their own units and gets 404 for another unit."""
    h = auth_headers("manager")
    ids = {u["id"] for u in client.get("/api/units?limit=500", headers=h).json()["items"]}
    assert ids <= {"nursing-home-001", "koronapoliklinikk"} and "nursing-home-001" in ids
    assert_problem(client.get("/api/units/library-001", headers=h), 404)


def test_unit_detail_needs_roster(client: TestClient, auth_headers: Headers) -> None:
    """A unit shows its status timeline, people lent in, needs and roster; unknown units are 404."""
    h = auth_headers("hr")
    lib = client.get("/api/units/library-001", headers=h).json()
    assert lib["timeline"][0]["status"] == "closed"
    clinic = client.get("/api/units/koronapoliklinikk", headers=h).json()
    assert clinic["person_shifts_needed"] > 0 and clinic["opens_on"] == "2020-03-19"
    needs = client.get("/api/units/koronapoliklinikk/needs?limit=5&day=2020-03-20", headers=h).json()
    assert needs["total"] > 0 and all(n["day"] == "2020-03-20" for n in needs["items"])
    roster = client.get("/api/units/nursing-home-001/roster", headers=h).json()
    assert roster and all(a["unit_id"] == "nursing-home-001" for a in roster)
    assert_problem(client.get("/api/units/no-such-unit", headers=h), 404)
    assert_problem(client.get("/api/units/library-001/needs?day=1899-01-01", headers=h), 422, contains="outside")
    assert_problem(client.get("/api/units/library-001/needs?day=2020-13-45", headers=h), 422)


def test_employees_search_and_profile(client: TestClient, auth_headers: Headers, web_template: TemplateDb) -> None:
    """People filter by qualification and status; the profile lists competence; bad filters are 422."""
    h = auth_headers("hr")
    nurses = client.get("/api/employees?qualification=aut.sykepleier&limit=500", headers=h).json()
    assert nurses["total"] > 0
    released = client.get("/api/employees?status=released&limit=500", headers=h).json()
    assert all(p["status"] == "released" for p in released["items"])
    emp = web_template.employee_id
    profile = client.get(f"/api/employees/{emp}", headers=h).json()
    assert profile["id"] == emp and profile["qualifications"]
    shifts = client.get(f"/api/employees/{emp}/assignments", headers=h).json()
    assert all(a["employee_id"] == emp for a in shifts)
    assert_problem(client.get("/api/employees?qualification=aut.astronaut", headers=h), 422)
    assert_problem(client.get("/api/employees?available_on=2020-02-30", headers=h), 422)
    assert_problem(client.get("/api/employees?available_on=2300-01-01", headers=h), 422, contains="outside")
    assert_problem(client.get("/api/employees/NOBODY", headers=h), 404)


def test_restrictions_only_for_hr(client: TestClient, auth_headers: Headers, web_template: TemplateDb) -> None:
    """HR sees restriction flags; the employee sees at most the neutral line about themselves."""
    restricted = next(e for e in web_template.org.employees if e.restrictions)
    hr = client.get(f"/api/employees/{restricted.id}", headers=auth_headers("hr")).json()
    assert hr["restrictions"] == sorted({r.flag.value for r in restricted.restrictions})
    own = client.get(f"/api/employees/{web_template.employee_id}", headers=auth_headers("employee")).json()
    flags = {"no_covid_contact", "no_nights", "no_heavy_lifting", "no_redeployment"}
    assert not flags & set(own["restrictions"])
    assert_problem(client.get(f"/api/employees/{restricted.id}", headers=auth_headers("employee")), 404)


def test_scenarios_read(client: TestClient, auth_headers: Headers) -> None:
    """Scenarios list with their events; an unknown scenario is 404."""
    h = auth_headers("hr")
    ids = [s["id"] for s in client.get("/api/scenarios", headers=h).json()]
    assert SCENARIO in ids
    covid = client.get(f"/api/scenarios/{SCENARIO}", headers=h).json()
    assert any(e["type"] == "open" and e["template_id"] == "corona-clinic" for e in covid["events"])
    assert_problem(client.get("/api/scenarios/nope", headers=h), 404)
    assert_problem(client.get("/api/units?scenario=nope", headers=h), 404)


def test_scenario_create_event_effect_copy(client: TestClient, auth_headers: Headers) -> None:
    """A new scenario takes events (close, open from template) and answers with the effect on needs."""
    h = auth_headers("hr")
    created = client.post("/api/scenarios", json={"id": "flom", "name_nb": "Flom", "start": "2026-12-07"}, headers=h)
    assert created.status_code == 201, created.text
    assert_problem(
        client.post("/api/scenarios", json={"id": "flom", "name_nb": "x", "start": "2026-12-07"}, headers=h), 409
    )
    close = {"event": {"type": "close", "unit_ids": ["library-001"], "start": "2026-12-07", "end": "2026-12-20"}}
    changed = client.post("/api/scenarios/flom/events", json=close, headers=h)
    assert changed.status_code == 201, changed.text
    assert any(e["unit_id"] == "library-001" and e["after"] < e["before"] for e in changed.json()["effect"])
    open_clinic = {
        "event": {
            "type": "open",
            "template_id": "corona-clinic",
            "unit_id": "klinikk-flom",
            "name": "Klinikk",
            "area_id": "asker",
            "start": "2026-12-08",
            "end": "2027-01-31",
        }
    }
    opened = client.post("/api/scenarios/flom/events", json=open_clinic, headers=h).json()
    assert any(e["unit_id"] == "klinikk-flom" and e["before"] == 0 and e["after"] > 0 for e in opened["effect"])
    removed = client.delete("/api/scenarios/flom/events/0", headers=h)
    assert removed.status_code == 200 and len(removed.json()["scenario"]["events"]) == 1
    copy = client.post("/api/scenarios/flom/copy", json={"new_id": "flom-b"}, headers=h)
    assert copy.status_code == 201 and copy.json()["events"] == opened["scenario"]["events"][1:]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"event": {"type": "close", "unit_ids": ["nope"], "start": "2026-12-07", "end": "2026-12-08"}}, 422, "nope"),
        (
            {"event": {"type": "close", "unit_ids": ["library-001"], "start": "2026-12-09", "end": "2026-12-08"}},
            422,
            "end",
        ),
        (
            {"event": {"type": "close", "unit_ids": ["library-001"], "start": "1850-01-01", "end": "2026-12-08"}},
            422,
            "outside",
        ),
        (
            {
                "event": {
                    "type": "reduce",
                    "unit_ids": ["library-001"],
                    "capacity_pct": 0,
                    "start": "2026-12-07",
                    "end": "2026-12-08",
                }
            },
            422,
            "capacity_pct",
        ),
        ({"event": {"type": "teleport", "start": "2026-12-07", "end": "2026-12-08"}}, 422, ""),
        ({"event": {"type": "close", "unit_ids": "library-001", "start": "2026-12-07", "end": "2026-12-08"}}, 422, ""),
        (
            {
                "event": {
                    "type": "open",
                    "template_id": "circus",
                    "unit_id": "x",
                    "name": "X",
                    "area_id": "asker",
                    "start": "2026-12-07",
                    "end": "2026-12-08",
                }
            },
            422,
            "circus",
        ),
        (
            {
                "event": {
                    "type": "open",
                    "template_id": "corona-clinic",
                    "unit_id": "library-001",
                    "name": "X",
                    "area_id": "asker",
                    "start": "2026-12-07",
                    "end": "2026-12-08",
                }
            },
            409,
            "exists",
        ),
        (
            {
                "event": {
                    "type": "surge",
                    "kinds": ["spaceport"],
                    "factor_pct": 150,
                    "start": "2026-12-07",
                    "end": "2026-12-08",
                }
            },
            422,
            "kind",
        ),
        (
            {
                "event": {
                    "type": "close",
                    "unit_ids": ["library-001"],
                    "start": "2026-12-07",
                    "end": "2026-12-08",
                    "colour": "red",
                }
            },
            422,
            "",
        ),
        ({}, 422, "event"),
    ],
)
def test_bad_events_are_clear_problems(
    client: TestClient, auth_headers: Headers, body: dict[str, object], status: int, fragment: str
) -> None:
    """Wrong types, unknown ids, reversed or absurd dates and unknown fields are 4xx problems, never stored."""
    h = auth_headers("hr")
    before = client.get(f"/api/scenarios/{SCENARIO}", headers=h).json()["events"]
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/events", json=body, headers=h), status, contains=fragment)
    assert client.get(f"/api/scenarios/{SCENARIO}", headers=h).json()["events"] == before


def test_scenario_write_needs_permission_and_valid_json(client: TestClient, auth_headers: Headers) -> None:
    """A manager may not change scenarios (403); malformed JSON is a 422 problem; deleting a missing event 404."""
    close = {"event": {"type": "close", "unit_ids": ["library-001"], "start": "2020-03-16", "end": "2020-03-17"}}
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/events", json=close, headers=auth_headers("manager")), 403)
    h = {**auth_headers("hr"), "content-type": "application/json"}
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/events", content=b"{not json", headers=h), 422)
    assert_problem(client.delete(f"/api/scenarios/{SCENARIO}/events/99", headers=h), 404)
    assert_problem(client.delete(f"/api/scenarios/{SCENARIO}/events/-1", headers=h), 422)
    assert_problem(client.post("/api/scenarios/nope/copy", json={"new_id": "x"}, headers=h), 404)
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/copy", json={"new_id": SCENARIO}, headers=h), 409)


def test_oversized_body_is_413(client: TestClient, auth_headers: Headers) -> None:
    """A body over the limit is refused with 413 before parsing, declared or streamed."""
    h = {**auth_headers("hr"), "content-type": "application/json"}
    big = b'{"event": "' + b"x" * 1_100_000 + b'"}'
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/events", content=big, headers=h), 413, contains="limit")

    def chunks() -> object:
        for _ in range(20):
            yield b"x" * 100_000

    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/events", content=chunks(), headers=h), 413)


def test_scenario_needs(client: TestClient, auth_headers: Headers) -> None:
    """A scenario's needs filter by unit, day, criticality and open only."""
    h = auth_headers("hr")
    page = client.get(f"/api/scenarios/{SCENARIO}/needs?criticality=3&open_only=true&limit=10", headers=h).json()
    assert page["total"] > 0 and all(n["criticality"] == 3 and n["filled"] < n["count"] for n in page["items"])
    assert_problem(client.get(f"/api/scenarios/{SCENARIO}/needs?criticality=7", headers=h), 422)


def test_plan_routes(client: TestClient, auth_headers: Headers, web_template: TemplateDb) -> None:
    """The current plan in figures, its assignments, a diff and an explanation."""
    h = auth_headers("hr")
    plan = client.get(f"/api/scenarios/{SCENARIO}/plan", headers=h).json()
    assert plan["plan_id"] == web_template.plan_id and plan["assignments"] > 0
    pid = plan["plan_id"]
    page = client.get(
        f"/api/plans/{pid}/assignments?scenario={SCENARIO}&redeployed_only=true&limit=5", headers=h
    ).json()
    assert page["total"] == plan["people_redeployed"] or page["total"] >= plan["people_redeployed"]
    first = page["items"][0]
    why = client.get(
        f"/api/plans/{pid}/explanations/{first['employee_id']}/{first['need_id']}?scenario={SCENARIO}&lang=en",
        headers=h,
    ).json()
    assert why["reasons"] and any("km" in r or "qualification" in r for r in why["reasons"])
    diff = client.get(f"/api/plans/{pid}/diff?scenario={SCENARIO}", headers=h).json()
    assert diff["against"] is None and len(diff["added"]) > 0
    assert_problem(client.get(f"/api/plans/{pid}/assignments", headers=h), 422, contains="scenario")
    assert_problem(client.get(f"/api/plans/nope/assignments?scenario={SCENARIO}", headers=h), 404)
    assert_problem(client.get(f"/api/plans/{pid}/explanations/X/Y?scenario={SCENARIO}", headers=h), 404)


def test_job_routes_bad_input(client: TestClient, auth_headers: Headers) -> None:
    """Solve jobs: unknown scenario or job 404, bad limits 422, leadership may not start one."""
    h = auth_headers("hr")
    assert_problem(client.post("/api/scenarios/nope/jobs", json={}, headers=h), 404)
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/jobs", json={"time_limit": -1}, headers=h), 422)
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/jobs", json={"weeks": "four"}, headers=h), 422)
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/jobs", json={"weeks": 60}, headers=h), 422)
    assert_problem(client.get("/api/jobs/nope", headers=h), 404)
    assert_problem(client.post("/api/jobs/nope/cancel", headers=h), 404)
    assert client.get("/api/jobs", headers=h).json() == []
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=auth_headers("leadership")), 403)


def test_overview_for_leadership(client: TestClient, auth_headers: Headers) -> None:
    """Leadership reads the overview (aggregates): heatmap rows per sector and day, gaps, figures."""
    h = auth_headers("leadership")
    body = client.get("/api/overview", headers=h).json()
    assert body["scenario_id"] == SCENARIO and body["heatmap"] and len(body["heatmap"][0]["cells"]) == 28
    assert 0 <= body["critical_coverage_horizon"] <= 100 and body["people_redeployed"] > 0
    by_unit = client.get("/api/overview?group_by=unit", headers=h).json()
    assert any(r["key"] == "koronapoliklinikk" for r in by_unit["heatmap"])
    assert_problem(client.get("/api/overview?group_by=planet", headers=h), 422)
    assert_problem(client.get("/api/units", headers=h), 403)


def test_roster_export_xlsx(client: TestClient, auth_headers: Headers) -> None:
    """The roster exports as an XLSX workbook with a header and one row per shift; managers get their units."""
    r = client.get(f"/api/exports/roster.xlsx?scenario={SCENARIO}&lang=en", headers=auth_headers("hr"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws["A1"].value == "Date" and ws.max_row > 10
    m = client.get(f"/api/exports/roster.xlsx?scenario={SCENARIO}&unit=library-001", headers=auth_headers("manager"))
    units = {row[3] for row in load_workbook(io.BytesIO(m.content)).active.iter_rows(min_row=2, values_only=True)}  # type: ignore[union-attr]
    assert units <= {"Asker sentrum sykehjem 1, post 1", "Koronapoliklinikken, Borgen helsestasjon"}


def test_offers_export_xlsx(client: TestClient, auth_headers: Headers) -> None:
    """Offers export as XLSX with a header row (an employee may not export)."""
    r = client.get("/api/exports/offers.xlsx?lang=en", headers=auth_headers("hr"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws["A1"].value == "Id" and ws["G1"].value == "Status"
    assert_problem(client.get("/api/exports/offers.xlsx", headers=auth_headers("employee")), 403)


def test_openapi_has_stable_unique_operation_ids(client: TestClient) -> None:
    """OpenAPI lists every API route once with an operation id; /docs is served."""
    schema = client.get("/api/openapi.json").json()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)) and "list_units" in ids and "create_solve_job" in ids
    assert client.get("/docs").status_code == 200


def test_pins_are_kept_for_replanning(client: TestClient, auth_headers: Headers, web_template: TemplateDb) -> None:
    """HR pins assignments of the current plan; unknown assignments are 422; unpinning a person removes theirs."""
    h = auth_headers("hr")
    pid = web_template.plan_id
    first = client.get(f"/api/plans/{pid}/assignments?scenario={SCENARIO}&limit=2", headers=h).json()["items"]
    body = {"pins": [{"employee_id": a["employee_id"], "need_id": a["need_id"]} for a in first]}
    created = client.post(f"/api/scenarios/{SCENARIO}/pins", json=body, headers=h)
    assert created.status_code == 201 and len(created.json()["pins"]) == 2
    again = client.post(f"/api/scenarios/{SCENARIO}/pins", json=body, headers=h).json()
    assert len(again["pins"]) == 2
    bad = {"pins": [{"employee_id": "A00001", "need_id": "nowhere"}]}
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/pins", json=bad, headers=h), 422, contains="not in")
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/pins", json={"pins": []}, headers=h), 422)
    removed = client.delete(f"/api/scenarios/{SCENARIO}/pins/{first[0]['employee_id']}", headers=h).json()
    assert all(p["employee_id"] != first[0]["employee_id"] for p in removed["pins"])
    assert_problem(client.delete(f"/api/scenarios/{SCENARIO}/pins/NOBODY", headers=h), 404)
    assert_problem(client.post(f"/api/scenarios/{SCENARIO}/pins", json=body, headers=auth_headers("manager")), 403)
