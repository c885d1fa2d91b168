"""End to end in a real headless Chromium: an HR adviser closes a library, opens a corona clinic from its template,
plans, reads why a person was chosen and sends offers; an employee on a phone accepts; the overview then shows the
clinic covered. Screenshots of each page go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import CHROMIUM, chromium, has_chromium, live_server
from tests.test_api_support import TemplateDb, build_template, copy_db

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not has_chromium(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> TemplateDb:
    return build_template(tmp_path_factory.mktemp("browser-template"))


@pytest.fixture(scope="module")
def server(template: TemplateDb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real uvicorn server on a free loopback port over a copy of the template database: (base URL, db URL)."""
    directory = tmp_path_factory.mktemp("browser-db")
    url = copy_db(template, directory)
    with live_server(url, directory) as base:
        yield base, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_hr_plans_employee_accepts_overview_covered(server: tuple[str, str], browser: Any) -> None:
    """The whole story works in a browser, keyboard-reachable, and the clinic ends up staffed."""
    base, db_url = server
    hr = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = hr.new_page()
    login(page, base, "hr")
    shot(page, "01-overview-covid")

    # A new scenario from next Monday: close the library, open a corona clinic from its template.
    page.goto(f"{base}/scenarios")
    page.fill("#new-name", "Korona høst")
    page.click("form[action='/scenarios'] button[type=submit]")
    page.wait_for_url(re.compile(r"/scenarios/korona-host$"))
    page.select_option("#close-unit", "library-001")
    page.click("#form-close button[type=submit]")
    page.wait_for_selector("#effect")
    assert "bibliotek" in page.inner_text("#effect").lower()
    page.fill("#open-name", "Koronaklinikk Heggedal")
    page.select_option("#open-template", "corona-clinic")
    page.click("#form-open button[type=submit]")
    page.wait_for_selector("#effect >> text=Koronaklinikk Heggedal")
    assert page.locator("#events li").count() == 2
    shot(page, "02-scenario-editor")

    # Plan it (short time limit) and watch the progress panel until it is done.
    page.goto(f"{base}/plan?scenario=korona-host")
    page.fill("#weeks", "1")
    page.fill("#time-limit", "5")
    page.click("#start-solve")
    page.wait_for_selector("#job")
    shot(page, "03-plan-progress")
    page.wait_for_selector("#show-plan", timeout=120_000)
    page.click("#show-plan")
    page.wait_for_load_state("networkidle")
    clinic_proposal = page.locator("li.proposal", has_text="Koronaklinikk Heggedal").first
    clinic_proposal.locator("summary").click()
    reasons = clinic_proposal.locator("ul.why li").all_inner_texts()
    assert reasons, "a proposal explains why the person was chosen"
    shot(page, "04-plan-proposals-why")

    # Offers: create from the plan, release where needed (HR override with a reason), send.
    page.goto(f"{base}/offers?scenario=korona-host")
    page.click("#create-offers")
    page.wait_for_load_state("networkidle")
    if page.locator("input[name=offer_ids]:checked").count() == 0:
        page.goto(f"{base}/approvals")
        page.fill("input[name=reason] >> nth=0", "Kritisk behov ved klinikken")
        page.click("article.offer button[value=approve] >> nth=0")
        page.wait_for_load_state("networkidle")
        shot(page, "05-loan-approval")
        page.goto(f"{base}/offers?scenario=korona-host")
    shot(page, "06-offers-before-send")
    page.click("#send-offers")
    page.wait_for_load_state("networkidle")
    assert page.locator("td.offer-status[data-status=offered]").count() >= 1
    shot(page, "07-offers-sent")

    # The employee with a sent offer (bound to a login now) answers on a phone.
    employee_id = _employee_with_offer(db_url)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="nb-NO")
    mobile = phone.new_page()
    login(mobile, base, "kari")
    mobile.goto(f"{base}/me")
    shot(mobile, "08-phone-my-page")
    mobile.click("article.offer a.button >> nth=0")
    mobile.wait_for_selector("#accept")
    assert mobile.locator("ul.why li").count() >= 1, "the offer says why this person"
    shot(mobile, "09-phone-offer")
    mobile.fill("#reason", "Gjerne!")
    mobile.click("#accept")
    mobile.wait_for_selector("#answer-result")
    assert mobile.get_attribute("#offer-status", "data-status") == "accepted"
    shot(mobile, "10-phone-accepted")
    mobile.goto(f"{base}/me")
    assert mobile.locator("#ical-subscribe").count() == 1
    shot(mobile, "11-phone-shifts")
    assert employee_id

    # The overview by unit now shows the clinic staffed.
    page.goto(f"{base}/?scenario=korona-host&group_by=unit")
    page.click("details summary")
    row = page.locator("#coverage-table tr", has_text="Koronaklinikk Heggedal")
    cells = [c for c in row.locator("td").all_inner_texts() if "/" in c]
    assert cells and any(int(c.split("/")[0]) > 0 for c in cells), cells
    shot(page, "12-overview-clinic-covered")

    for path, name in (
        ("/units?scenario=korona-host", "13-units"),
        ("/units/library-001?scenario=korona-host", "14-unit-library"),
        ("/people?scenario=korona-host&status=redeployed", "15-people"),
        ("/whatif?a=covid-2020-03&b=korona-host", "16-whatif"),
        ("/reports/situation?scenario=korona-host", "17-situation-report"),
        ("/?lang=en&scenario=korona-host", "18-overview-english"),
    ):
        page.goto(base + path)
        assert page.locator("h1").count() == 1
        shot(page, name)
    page.goto(f"{base}/people/{employee_id}?scenario=korona-host")
    shot(page, "19-person")
    hr.close()
    phone.close()


def _employee_with_offer(db_url: str) -> str:
    """Bind a new employee login ``kari`` to a person whose offer was sent; return the person's id."""
    from ressursbank.db.engine import create_engine_for, session_factory
    from ressursbank.services import auth, workflow
    from ressursbank.services.policy import Role

    engine = create_engine_for(db_url)
    with session_factory(engine)() as session, session.begin():
        offers = workflow.list_offers(session, status="offered")
        assert offers, "at least one offer was sent"
        employee_id = offers[0].employee_id
        auth.create_user(
            session,
            username="kari",
            display_name="Kari (test)",
            role=Role.EMPLOYEE,
            password="demo",
            employee_id=employee_id,
        )
    engine.dispose()
    return employee_id


def test_keyboard_and_landmarks(server: tuple[str, str], browser: Any) -> None:
    """The skip link is the first tab stop and moves focus to the main content; form fields have labels."""
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    login(page, base, "hr")
    page.goto(f"{base}/people")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""
    )
    assert unlabeled == []
    ctx.close()
