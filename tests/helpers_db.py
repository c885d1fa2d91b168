"""Database helpers for tests: a fresh SQLite file or a fresh PostgreSQL database per test, migrated to head.

Import the fixtures into a test module (``from tests.helpers_db import db_url``) to use them. PostgreSQL tests are
marked ``postgres`` and skip unless ``RESSURSBANK_TEST_POSTGRES_URL`` is set; each gets its own database, so
parallel xdist workers sharing one server never see each other's rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ressursbank.db.engine import create_engine_for
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.domain import (
    Absence,
    AbsenceKind,
    Area,
    Criticality,
    Employee,
    HeldQualification,
    Location,
    OpeningStatus,
    Organisation,
    Preferences,
    QualificationRequirement,
    Restriction,
    RestrictionFlag,
    Sector,
    ShiftType,
    StaffingRule,
    StatusPeriod,
    TemplateStaffing,
    Unit,
    UnitKind,
    UnitTemplate,
)
from ressursbank.domain.rules import DailyRest, RuleSet, Severity, Supplement, aml_default_rules, standard_rule_sets

POSTGRES_ENV = "RESSURSBANK_TEST_POSTGRES_URL"


def sqlite_url(directory: Path) -> str:
    """URL of a new SQLite file in ``directory``."""
    return f"sqlite:///{directory / 'ressursbank.sqlite'}"


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server at ``server_url``, yield its URL, and drop it afterwards."""
    name = f"rb_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_server_url() -> str:
    """The test server's URL, or skip the test."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (scripts/test.sh starts PostgreSQL)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a fresh PostgreSQL database (the test runs on both)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with fresh_postgres_database(postgres_server_url()) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests get copies of it."""
    directory = tmp_path_factory.mktemp("template")
    upgrade_to_head(sqlite_url(directory))
    return directory / "ressursbank.sqlite"


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """Name of a PostgreSQL database migrated to head once per session; tests get copies (CREATE ... TEMPLATE)."""
    server = postgres_server_url()
    with fresh_postgres_database(server) as url:
        upgrade_to_head(url)
        yield str(sa.engine.make_url(url).database)


@contextlib.contextmanager
def postgres_copy(server_url: str, template: str) -> Iterator[str]:
    """A new database copied from ``template``; dropped afterwards."""
    name = f"rb_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database at head, on SQLite and on PostgreSQL (copied from a template migrated once)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, tmp_path / "ressursbank.sqlite")
        yield sqlite_url(tmp_path)
        return
    name: str = request.getfixturevalue("migrated_postgres_template")
    with postgres_copy(postgres_server_url(), name) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """An engine on a migrated database, disposed after the test."""
    created = create_engine_for(db_url)
    yield created
    created.dispose()


def rich_organisation() -> Organisation:
    """A small organisation that uses every optional part: status periods, absences, restrictions, preferences,
    validity dates, templates, staffing with all-of requirements and a custom rule set."""
    d = dt.date
    units = (
        Unit(
            "sh-1",
            "Sykehjem Øst",
            UnitKind.NURSING_HOME,
            "helse",
            "asker",
            Location(59.83361, 10.43541),
            Criticality.CRITICAL,
            (
                StatusPeriod(d(2020, 3, 16), d(2020, 3, 31), OpeningStatus.REDUCED, 70),
                StatusPeriod(d(2020, 4, 1), d(2020, 4, 5), OpeningStatus.CLOSED, 0),
            ),
        ),
        Unit("bhg-1", "Æbleløkka barnehage", UnitKind.KINDERGARTEN, "oppvekst", "royken", Location(59.75, 10.39)),
        Unit(
            "klinikk",
            "Koronapoliklinikk",
            UnitKind.CORONA_CLINIC,
            "helse",
            "asker",
            Location(59.84, 10.43),
            Criticality.IMPORTANT,
            opens_on=d(2020, 3, 19),
        ),
    )
    employees = (
        Employee(
            "e1",
            "Åse Øvergård",
            "sh-1",
            80,
            35.5,
            qualifications=(
                HeldQualification("aut.sykepleier", d(2010, 6, 1), None, True),
                HeldQualification("pa.helse", d(2019, 1, 1), d(2022, 1, 1), False),
                HeldQualification("lang.pl"),
            ),
            trainable=("course.prove", "course.vaksinasjon"),
            absences=(Absence(dt.datetime(2020, 3, 20, 7), dt.datetime(2020, 3, 27, 7), AbsenceKind.SICK),),
            preferences=Preferences(frozenset({"corona_clinic", "home_care"}), 12.5, True, True, False),
            restrictions=(
                Restriction(RestrictionFlag.NO_COVID_CONTACT, d(2020, 3, 1), d(2020, 6, 1), "leder-7"),
                Restriction(RestrictionFlag.NO_NIGHTS, d(2020, 1, 1)),
            ),
            rule_set_id="turnus-lokal",
            hourly_wage_nok=312,
            sector_id="helse",
        ),
        Employee("e2", "Bjørn Ås", "bhg-1", 100, qualifications=(HeldQualification("edu.barnehagelaerer"),)),
    )
    shift_types = (
        ShiftType("day", "Dagvakt", "Day", dt.time(7, 0), 480),
        ShiftType("night", "Natt", "Night", dt.time(21, 45), 570),
    )
    staffing = (
        StaffingRule(
            "sh-1",
            "night",
            QualificationRequirement(("aut.sykepleier",), ("lang.pl",)),
            2,
            Criticality.CRITICAL,
            (0, 2, 4),
            True,
            "nattevakt",
        ),
        StaffingRule("bhg-1", "day", QualificationRequirement(("edu.barnehagelaerer",)), 1, Criticality.NORMAL),
    )
    template = UnitTemplate(
        "corona-clinic",
        "Koronapoliklinikk",
        "Corona clinic",
        UnitKind.CORONA_CLINIC,
        "helse",
        Criticality.CRITICAL,
        (
            TemplateStaffing(
                "day", QualificationRequirement(("aut.sykepleier", "aut.lege")), 3, Criticality.CRITICAL, (0, 1), True
            ),
        ),
    )
    custom = RuleSet(
        id="turnus-lokal",
        label_nb="Lokal turnusavtale",
        label_en="Local rota agreement",
        rules=(
            *aml_default_rules()[:4],
            DailyRest(
                id="daily-rest",
                label_nb="Døgnhvile 9 t",
                label_en="Daily rest 9 h",
                citation="AML § 10-8 (3)",
                min_hours=9.0,
                agreement="I: lokal avtale 2020-03",
                severity=Severity.WARNING,
                cost=50,
                valid_from=d(2020, 3, 1),
                valid_to=d(2020, 12, 31),
            ),
        ),
        supplements=(Supplement(id="kveld", label_nb="Kveld", label_en="Evening", citation="HTA", nok_per_hour=56),),
        full_time_weekly_hours=35.5,
    )
    return Organisation(
        areas=(Area("asker", "Asker"), Area("royken", "Røyken")),
        sectors=(Sector("helse", "Helse og omsorg", "Health and care"), Sector("oppvekst", "Oppvekst", "Education")),
        units=units,
        employees=employees,
        shift_types=shift_types,
        staffing=staffing,
        templates=(template,),
        rule_sets=(*standard_rule_sets(), custom),
    )
