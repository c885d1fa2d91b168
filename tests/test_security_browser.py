"""In a real headless Chromium: a unit manager and an employee never see another person's restriction flag, on
any page they can reach (their navigation, the restricted people's pages, rosters, offers); HR does.

Also checks that the browser reports no Content-Security-Policy violation on those pages (the policy forbids inline
script, so a page that relies on it breaks here first)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ressursbank.api.i18n import catalogue
from ressursbank.domain import RestrictionFlag
from tests.live import CHROMIUM, chromium, has_chromium, live_server
from tests.test_api_support import TemplateDb, build_template, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not has_chromium(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> TemplateDb:
    """The tiny demo municipality with a plan and one login per role."""
    return build_template(tmp_path_factory.mktemp("restriction-browser"))


@pytest.fixture(scope="module")
def base(template: TemplateDb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on a free loopback port over a copy of the template."""
    directory = tmp_path_factory.mktemp("restriction-browser-db")
    with live_server(copy_db(template, directory), directory) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright."""
    with chromium() as launched:
        yield launched


def _words() -> set[str]:
    words = {flag.value for flag in RestrictionFlag}
    for lang in ("nb", "en"):
        table = catalogue(lang)
        words |= {table[w] for w in list(words) if w in table}
    return {w for w in words if len(w) > 3}


def _visit_all(browser: Any, base: str, username: str, paths: list[str]) -> tuple[dict[str, str], list[str]]:
    """Log in as ``username``, open the start page, every link in its navigation and ``paths``; return the visible
    text of each page and any CSP violations the browser reported."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    links = page.eval_on_selector_all("nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    seen: dict[str, str] = {}
    for path in dict.fromkeys([*links, *paths]):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        seen[path] = page.content()
    context.close()
    return seen, violations


def test_manager_and_employee_never_see_a_restriction_but_hr_does(
    base: str, browser: Any, template: TemplateDb
) -> None:
    """No restriction flag (code or label) appears for the manager or the employee; it does for HR."""
    restricted = [e for e in template.org.employees if e.restrictions]
    assert restricted
    ward = [e for e in restricted if e.home_unit_id == template.manager_unit_id] or restricted
    paths = [f"/people/{e.id}" for e in ward[:3]] + [f"/units/{template.manager_unit_id}", "/me", "/people"]
    words = _words()
    for username in ("manager", "employee"):
        pages, violations = _visit_all(browser, base, username, paths)
        leaks = {path: sorted(w for w in words if w in html) for path, html in pages.items()}
        assert {p: w for p, w in leaks.items() if w} == {}, username
        assert len(pages) >= 3
        print(
            f"\n{username}: {len(pages)} pages read in Chromium, 0 restriction flags shown; CSP reports: "
            f"{len(violations)}"
        )
    hr_pages, _ = _visit_all(browser, base, "hr", [f"/people/{ward[0].id}"])
    flags = {f.flag.value for f in ward[0].restrictions}
    labels = {catalogue("nb").get(flag, flag) for flag in flags} | flags
    assert any(label in hr_pages[f"/people/{ward[0].id}"] for label in labels)
