"""Pages: every page renders for the roles that may open it, in bokmål by default and in English by choice,
without inline script (the CSP forbids it), and with restrictions shown to HR only."""
# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.test_api_support import (  # noqa: F401 (fixtures)
    SCENARIO,
    TemplateDb,
    client,
    csrf_of,
    login,
    web_app,
    web_template,
    web_url,
)

HR_PAGES = (
    "/",
    "/?group_by=unit",
    "/units",
    "/units/koronapoliklinikk",
    "/people",
    "/people?qualification=aut.sykepleier&status=redeployed",
    "/scenarios",
    f"/scenarios/{SCENARIO}",
    "/plan",
    "/offers",
    "/approvals",
    "/whatif",
    "/reports/situation",
)


def test_every_hr_page_renders_without_inline_script(client: TestClient) -> None:
    """Each page answers 200 with one h1, a skip link, a lang attribute and no inline script or handlers."""
    login(client, "hr")
    for path in HR_PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        html = page.text
        assert html.count("<h1") == 1 and 'class="skip-link"' in html and '<html lang="nb">' in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=\"", html), path


def test_open_shift_ranks_candidates_and_offers(client: TestClient) -> None:
    """From a unit's open shift, HR sees ranked lawful candidates with reasons and cost, and can offer the shift."""
    login(client, "hr")
    unit = client.get("/units/koronapoliklinikk").text
    links = [
        link.replace("&amp;", "&") for link in re.findall(r'href="(/units/koronapoliklinikk/open-shift[^"]+)"', unit)
    ]
    assert links, "the unit page links its open shifts to their candidates"
    page = next(p for p in (client.get(link) for link in links[:6]) if 'id="candidates"' in p.text)
    assert page.status_code == 200
    ids = re.findall(r'name="employee_ids" value="([^"]+)"', page.text)
    assert ids and "kr" not in ids[0]
    need_id = re.search(r'name="need_id" value="([^"]+)"', page.text)
    assert need_id
    answer = client.post(
        "/units/koronapoliklinikk/open-shift",
        data={
            "csrf_token": csrf_of(page.text),
            "scenario": SCENARIO,
            "need_id": need_id.group(1),
            "employee_ids": ids[:1],
        },
    )
    assert answer.status_code == 200 and 'class="flash"' in answer.text
    assert client.get("/units/koronapoliklinikk/open-shift?need_id=nope").status_code == 404


def test_bokmal_default_english_by_choice(client: TestClient) -> None:
    """Bokmål is the default; ?lang=en switches and is remembered in a cookie."""
    login(client, "hr")
    assert "Dekning av kritiske tjenester" in client.get("/").text
    english = client.get("/?lang=en")
    assert "Coverage of critical services" in english.text and '<html lang="en">' in english.text
    assert "Coverage of critical services" in client.get("/").text


def test_login_needed_for_pages(client: TestClient) -> None:
    """A page without login sends the browser to the login page."""
    r = client.get("/units", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_roles_land_on_their_pages(client: TestClient) -> None:
    """The employee lands on their own page; leadership sees the overview but not people."""
    login(client, "employee")
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    assert client.get("/me").status_code == 200
    assert client.get("/people", headers={"accept": "text/html"}).status_code == 403


def test_leadership_sees_aggregates_only(client: TestClient) -> None:
    """Leadership opens the overview and the situation report, not units or people."""
    login(client, "leadership")
    assert client.get("/").status_code == 200
    assert client.get("/reports/situation").status_code == 200
    for path in ("/units", "/people", "/plan"):
        assert client.get(path, headers={"accept": "text/html"}).status_code == 403, path


def test_restrictions_visible_to_hr_only(client: TestClient, web_template: TemplateDb) -> None:
    """HR's person page lists restriction flags; a manager gets the page only for own staff, never the flag."""
    restricted = next(
        e for e in web_template.org.employees if e.restrictions and e.home_unit_id == web_template.manager_unit_id
    )
    login(client, "hr")
    assert 'id="restrictions"' in client.get(f"/people/{restricted.id}").text
    client.cookies.clear()
    login(client, "manager")
    page = client.get(f"/people/{restricted.id}").text
    for flag in (
        "no_covid_contact",
        "no_nights",
        "no_heavy_lifting",
        "no_redeployment",
        "ikke koronakontakt",
        "ikke natt",
        "ikke tunge løft",
        "ikke omdisponering",
    ):
        assert flag not in page
    assert "ikke tilgjengelig for denne oppgaven" in page


def test_scenario_form_errors_are_shown(client: TestClient) -> None:
    """A reversed date range is refused with 422 and a message; nothing is stored."""
    login(client, "hr")
    page = client.get(f"/scenarios/{SCENARIO}")
    events = page.text.count("<li>\n    <strong>")
    bad = client.post(
        f"/scenarios/{SCENARIO}/events",
        data={
            "csrf_token": csrf_of(page.text),
            "type": "close",
            "unit_ids": "library-001",
            "start": "2020-03-20",
            "end": "2020-03-10",
        },
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert client.get(f"/scenarios/{SCENARIO}").text.count("<li>\n    <strong>") == events


def test_form_without_csrf_is_refused(client: TestClient) -> None:
    """A state-changing form without the CSRF token is refused."""
    login(client, "hr")
    r = client.post(f"/scenarios/{SCENARIO}/events", data={"type": "close"})
    assert r.status_code == 403


@pytest.mark.parametrize("path", ["/units/nope", "/people/NOBODY", "/scenarios/nope", "/offers/nope", "/plan/jobs/x"])
def test_unknown_ids_on_pages_are_404(client: TestClient, path: str) -> None:
    """Unknown ids give a readable 404 page, never a 500."""
    login(client, "hr")
    r = client.get(path, headers={"accept": "text/html"})
    assert r.status_code == 404 and "<h1>404" in r.text


def test_ical_download_and_feed(client: TestClient) -> None:
    """The employee downloads their shifts as iCalendar; the secret feed link works and a wrong token is 404."""
    login(client, "employee")
    me = client.get("/me").text
    ics = client.get("/me/shifts.ics")
    assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics.text
    feed = re.search(r'href="(/ical/[^"]+\.ics)"', me)
    assert feed
    client.cookies.clear()
    assert client.get(feed.group(1)).text.startswith("BEGIN:VCALENDAR")
    assert client.get(feed.group(1).replace(feed.group(1)[-8:-4], "0000")).status_code == 404
