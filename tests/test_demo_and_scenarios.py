"""The demo generator builds consistent municipalities, and scenarios change units, needs and staff as declared."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ressursbank.demo import PRESETS, demo_scenarios, generate_organisation
from ressursbank.domain import Criticality, OpeningStatus, Organisation, Problem, UnitKind, build_problem
from ressursbank.domain.people import RestrictionFlag


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), preset=st.sampled_from(["tiny", "small"]))
def test_generated_organisations_are_consistent(seed: int, preset: str) -> None:
    """Any seed gives an organisation whose references resolve and whose units all have staff and needs."""
    org = generate_organisation(preset, seed)  # Organisation validates its references on construction
    staffed = Counter(e.home_unit_id for e in org.employees)
    assert all(staffed[u.id] >= 3 for u in org.units)
    needed = {s.unit_id for s in org.staffing}
    assert needed == {u.id for u in org.units}
    for scenario in demo_scenarios(org).values():
        problem = build_problem(org, scenario, days=7)
        assert all(problem.horizon_start <= n.day < problem.horizon_end for n in problem.needs)


def test_same_preset_and_seed_give_same_data() -> None:
    """Generation is deterministic; another seed gives other people."""
    assert generate_organisation("small", 3) == generate_organisation("small", 3)
    assert generate_organisation("small", 3).employees != generate_organisation("small", 4).employees


def test_unknown_preset_is_refused() -> None:
    """A preset name that does not exist gives a clear error listing the choices."""
    with pytest.raises(ValueError, match="tiny, small, asker, oslo"):
        generate_organisation("bergen")
    assert PRESETS == ("tiny", "small", "asker", "oslo")


def test_asker_preset_matches_the_brief() -> None:
    """Asker: ~6,700 employees in ~300 units over three areas; sector shares and part-time as in section 4.4."""
    org = generate_organisation("asker", 2020)
    assert 6000 <= len(org.employees) <= 7500
    assert 240 <= len(org.units) <= 340
    assert {a.id for a in org.areas} == {"asker", "royken", "hurum"}
    share = Counter(e.sector_id for e in org.employees)
    assert 0.40 <= share["helse"] / len(org.employees) <= 0.50
    assert 0.23 <= share["skole"] / len(org.employees) <= 0.32
    turnus = [e for e in org.employees if e.rule_set_id == "ks-turnus"]
    full_time = sum(e.position_pct == 100 for e in turnus) / len(turnus)
    mean_position = sum(e.position_pct for e in turnus) / len(turnus)
    assert 0.25 <= full_time <= 0.36
    assert 68 <= mean_position <= 80
    flags = sum(len(e.restrictions) for e in org.employees)
    assert 150 <= flags <= 600


def test_covid_scenario_closes_opens_and_thins(tiny_org: Organisation, tiny_covid: Problem) -> None:
    """covid-2020-03 closes schools and libraries, opens the clinic on 19 March, and adds sick leave in care."""
    day = dt.date(2020, 3, 17)
    kinds = {u.id: u.kind for u in tiny_covid.units}
    for unit in tiny_covid.units:
        if unit.kind in (UnitKind.SCHOOL, UnitKind.KINDERGARTEN, UnitKind.LIBRARY, UnitKind.SWIMMING_HALL):
            assert unit.status_on(day).status is OpeningStatus.CLOSED
    assert not any(kinds[n.unit_id] in (UnitKind.SCHOOL, UnitKind.LIBRARY) for n in tiny_covid.needs)
    clinic = tiny_covid.unit_by_id["koronapoliklinikk"]
    assert clinic.status_on(dt.date(2020, 3, 18)).status is OpeningStatus.CLOSED
    assert clinic.status_on(dt.date(2020, 3, 19)).status is OpeningStatus.OPEN
    clinic_days = {n.day for n in tiny_covid.needs if n.unit_id == "koronapoliklinikk"}
    assert min(clinic_days) == dt.date(2020, 3, 19)
    assert any(n.covid_contact and n.criticality is Criticality.CRITICAL for n in tiny_covid.needs)
    normal = build_problem(tiny_org, None, start=tiny_covid.horizon_start, days=7)
    absences = sum(len(e.absences) for e in tiny_covid.employees) - sum(len(e.absences) for e in normal.employees)
    assert absences > 0


def test_surge_and_reduction_scale_needs(tiny_org: Organisation) -> None:
    """A 115 % surge raises nursing-home counts; reduction to 50 % lowers rehab counts and its criticality."""
    covid = demo_scenarios(tiny_org)["covid-2020-03"]
    start = dt.date(2020, 3, 23)
    crisis = build_problem(tiny_org, covid, start=start, days=7)
    normal = build_problem(tiny_org, None, start=start, days=7)

    def total(problem: Problem, kind: UnitKind) -> int:
        return sum(n.count for n in problem.needs if problem.unit_by_id[n.unit_id].kind is kind)

    assert total(crisis, UnitKind.NURSING_HOME) > total(normal, UnitKind.NURSING_HOME)
    assert total(crisis, UnitKind.REHAB) < total(normal, UnitKind.REHAB)
    assert all(
        n.criticality <= Criticality.IMPORTANT
        for n in crisis.needs
        if crisis.unit_by_id[n.unit_id].kind is UnitKind.REHAB
    )


def test_qualification_includes_politiattest_and_implications(tiny_covid: Problem) -> None:
    """A nurse fills a health-worker need (implication), but not without the health politiattest."""
    need = next(
        n
        for n in tiny_covid.needs
        if n.requirement.any_of == ("aut.helsefagarbeider",) and n.unit_id.startswith("nursing")
    )
    nurses = [e for e in tiny_covid.employees if e.holds("aut.sykepleier", need.day)]
    assert nurses and all(tiny_covid.qualification_for(e, need) == "aut.helsefagarbeider" for e in nurses)
    librarians = [e for e in tiny_covid.employees if e.holds("edu.bibliotekar", need.day)]
    assert librarians and all(tiny_covid.qualification_for(e, need) is None for e in librarians)


def test_restricted_person_is_blocked_from_covid_contact_only(tiny_covid: Problem) -> None:
    """A no-COVID-contact flag blocks sampling at the clinic but not an office task there."""
    from dataclasses import replace

    from ressursbank.domain import Restriction

    person = replace(
        tiny_covid.employees[0], restrictions=(Restriction(RestrictionFlag.NO_COVID_CONTACT, dt.date(2020, 1, 1)),)
    )
    sampling = next(n for n in tiny_covid.needs if n.covid_contact)
    office = next(n for n in tiny_covid.needs if n.unit_id == "koronapoliklinikk" and not n.covid_contact)
    assert tiny_covid.restriction_blocks(person, sampling) is RestrictionFlag.NO_COVID_CONTACT
    assert tiny_covid.restriction_blocks(person, office) is None
