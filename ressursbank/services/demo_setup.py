"""Set up the demo municipality in the database: organisation, scenarios, and one login per role."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy.orm import Session

from ressursbank.db import repository
from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain import Organisation, UnitKind
from ressursbank.services import auth

SessionFactory = Callable[[], Session]


def store_demo(session_factory: SessionFactory, *, preset: str, seed: int, fresh: bool) -> Organisation:
    """Generate the ``preset`` municipality and store it with the demo scenarios, in one transaction.

    With ``fresh`` an existing organisation (and its plans) is replaced; without it an existing one is an error.
    """
    organisation = generate_organisation(preset, seed)
    with session_factory() as session, session.begin():
        if repository.has_organisation(session=session):
            if not fresh:
                raise RuntimeError("the database already holds an organisation; use --fresh to replace it")
            for run in repository.list_plans(session=session, limit=100000):
                repository.delete_plan(session=session, plan_id=run.id)
            repository.delete_organisation(session=session)
        repository.save_organisation(session=session, organisation=organisation)
        for scenario in demo_scenarios(organisation).values():
            repository.save_scenario(session=session, scenario=scenario)
    return organisation


def bind_demo_users(session_factory: SessionFactory, *, scenario_id: str | None) -> list[tuple[str, str, str]]:
    """Create the demo logins; bind ``ansatt`` to a redeployed person and ``leder`` to the clinic and a ward.

    The bindings come from the latest plan of ``scenario_id`` when there is one.
    """
    with session_factory() as session, session.begin():
        organisation = repository.load_organisation(session=session)
        home = {e.id: e.home_unit_id for e in organisation.employees}
        names = {e.id: e.name for e in organisation.employees}
        stored = repository.latest_plan(session=session, scenario_id=scenario_id) if scenario_id else None
        employee_id = None
        manager_units: list[str] = []
        if stored is not None:
            away = Counter(a.employee_id for a in stored.plan.assignments if a.unit_id != home.get(a.employee_id))
            clinic = [a.employee_id for a in stored.plan.assignments if a.unit_id == "koronapoliklinikk"]
            candidates = [e for e in clinic if home.get(e) != "koronapoliklinikk"] or [e for e, _ in away.most_common()]
            employee_id = candidates[0] if candidates else None
            if any(a.unit_id == "koronapoliklinikk" for a in stored.plan.assignments):
                manager_units.append("koronapoliklinikk")
        ward = next((u.id for u in organisation.units if u.kind is UnitKind.NURSING_HOME), None)
        if ward is not None:
            manager_units.append(ward)
        manager_employee = next((e.id for e in organisation.employees if e.home_unit_id == ward), None)
        bindings = auth.DemoBindings(
            employee_id=employee_id,
            employee_name=names.get(employee_id) if employee_id else None,
            manager_employee_id=manager_employee,
            manager_unit_ids=tuple(manager_units),
        )
        return auth.ensure_demo_users(session, bindings)
