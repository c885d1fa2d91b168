"""Shared fixtures: small named instances built once per session (they are immutable)."""

from __future__ import annotations

import os

import pytest

from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain import Organisation, Problem, build_problem


@pytest.fixture(scope="session")
def tiny_org() -> Organisation:
    """The ``tiny`` demo municipality (one unit of each kind, about 120 employees)."""
    return generate_organisation("tiny", seed=7)


@pytest.fixture(scope="session")
def tiny_covid(tiny_org: Organisation) -> Problem:
    """``covid-2020-03`` on the tiny municipality, one week."""
    return build_problem(tiny_org, demo_scenarios(tiny_org)["covid-2020-03"], days=7)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the real PostgreSQL server started by scripts/test.sh (tests skip without it)."""
    url = os.environ.get("RESSURSBANK_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("RESSURSBANK_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL)")
    return url
