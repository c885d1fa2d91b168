"""Restriction flags never reach anyone but HR: every GET page, API answer and export, read as every other role."""

# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ressursbank.api.i18n import catalogue
from ressursbank.api.security import route_table
from ressursbank.domain import RestrictionFlag
from tests.test_api_support import (  # noqa: F401 (fixtures)
    TemplateDb,
    auth_headers,
    client,
    web_app,
    web_template,
    web_url,
)

NOT_HR = ("manager", "employee", "leadership", "auditor")


def _words() -> set[str]:
    """Every way a flag can be written: its code, and its label in each language."""
    words = {flag.value for flag in RestrictionFlag}
    for lang in ("nb", "en"):
        table = catalogue(lang)
        words |= {table[w] for w in list(words) if w in table}
    return {w for w in words if len(w) > 3}


def _text(body: bytes, content_type: str) -> str:
    if body[:2] == b"PK":  # XLSX and other zipped exports: read every XML part
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


def _fill(path: str, employee_id: str, template: TemplateDb) -> str:
    values = {
        "employee_id": employee_id,
        "unit_id": template.manager_unit_id,
        "plan_id": template.plan_id,
        "scenario_id": "covid-2020-03",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_no_restriction_reaches_other_roles(
    web_app: Any,
    client: TestClient,
    auth_headers: Callable[[str], dict[str, str]],
    web_template: TemplateDb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Managers, employees, leadership and auditors never see a flag on any GET route, for any restricted person,
    while HR does see them on the profile."""
    monkeypatch.setenv("RESSURSBANK_PLANNER", "tests.test_api_support:fake_planner")
    restricted = [e.id for e in web_template.org.employees if e.restrictions]
    assert restricted, "the template has no restricted employee to look for"
    words = _words()
    paths = [r.path for r in route_table(web_app) if r.methods == ("GET",) and not r.path.startswith("/docs")]
    leaks: list[str] = []
    pages = 0
    for role in NOT_HR:
        headers = auth_headers(role)
        for path in paths:
            for employee_id in [*restricted[:5], web_template.employee_id]:
                url = _fill(path, employee_id, web_template)
                answer = client.get(url, headers={**headers, "accept": "text/html,application/json"})
                pages += 1
                text = _text(answer.content, answer.headers.get("content-type", ""))
                found = sorted(w for w in words if w in text)
                if found:
                    leaks.append(f"{role} {url}: {found}")
                if "{" not in path:
                    break
    print(f"\nrestriction leak check: {pages} GET answers read as {len(NOT_HR)} roles, {len(leaks)} leaks")
    assert leaks == []
    hr_view = client.get(f"/api/employees/{restricted[0]}", headers=auth_headers("hr")).json()
    assert set(hr_view["restrictions"]) <= {f.value for f in RestrictionFlag} and hr_view["restrictions"]
