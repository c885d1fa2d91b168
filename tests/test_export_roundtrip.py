"""Export to CSV and XLSX and import again gives the same units, employees, qualifications and needs."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from ressursbank.db import repository as repo
from ressursbank.db.engine import transaction
from ressursbank.domain import Need, Organisation, Problem
from ressursbank.formats import export
from ressursbank.formats.hr_import import EntityKind, ImportFile, empty_organisation, parse_import
from ressursbank.services.org_io import export_to, import_paths
from tests.helpers_db import (
    db_url,
    engine,
    migrated_postgres_template,
    migrated_sqlite_template,
    rich_organisation,
)

__all__ = ["db_url", "engine", "migrated_postgres_template", "migrated_sqlite_template"]


def _importable(problem: Problem) -> tuple[Organisation, list[Need]]:
    """The scenario's organisation without what the files do not carry (status periods, absences, restrictions)."""
    org = problem.organisation
    units = tuple(replace(u, status_periods=()) for u in org.units)
    employees = tuple(replace(e, absences=(), restrictions=()) for e in org.employees)
    return replace(org, units=units, employees=employees), list(problem.needs)


@pytest.mark.parametrize("language", ["en", "nb"])
def test_csv_export_imports_back_to_the_same_records(language: str, tmp_path: Path, tiny_covid: Problem) -> None:
    """CSV files in either language read back into equal units, employees, qualifications and needs."""
    org, needs = _importable(tiny_covid)
    paths = export.write_csv_files(tmp_path, org, needs, language=language)
    parsed = parse_import([ImportFile.from_path(p) for p in paths], empty_organisation())
    assert parsed.organisation.units == org.units
    assert parsed.organisation.employees == org.employees
    assert parsed.needs == needs


@pytest.mark.parametrize("language", ["en", "nb"])
def test_xlsx_export_imports_back_to_the_same_records(language: str, tiny_covid: Problem) -> None:
    """One workbook with a sheet per entity reads back into equal records."""
    org, needs = _importable(tiny_covid)
    workbook = export.to_xlsx(org, needs, language=language)
    parsed = parse_import([ImportFile("eksport.xlsx", workbook)], empty_organisation())
    assert parsed.organisation.units == org.units
    assert parsed.organisation.employees == org.employees
    assert parsed.needs == needs


def test_norwegian_csv_uses_semicolons_decimal_commas_and_norwegian_dates(tiny_covid: Problem) -> None:
    """The nb export is what a Norwegian spreadsheet expects."""
    org, needs = _importable(tiny_covid)
    text = export.to_csv(EntityKind.NEEDS, org, needs, language="nb")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["behov_id", "enhet", "dato", "vakt"]
    assert rows[1][2] == needs[0].day.strftime("%d.%m.%Y")
    units = export.to_csv(EntityKind.UNITS, org, needs, language="nb")
    assert "," in next(csv.reader(io.StringIO(units.splitlines()[1]), delimiter=";"))[5]


def test_a_formula_like_name_stays_text_in_xlsx() -> None:
    """A name starting with '=' is written as text (never a formula) and reads back unchanged."""
    org = rich_organisation()
    org = replace(org, units=(replace(org.units[0], name="=SUM(A1:A2)"), *org.units[1:]))
    workbook = export.to_xlsx(org, [], kinds=[EntityKind.UNITS])
    parsed = parse_import([ImportFile("units.xlsx", workbook)], empty_organisation())
    assert parsed.organisation.units[0].name == "=SUM(A1:A2)"


def test_export_from_the_database_and_reimport_changes_nothing(
    engine: sa.Engine, tmp_path: Path, tiny_covid: Problem
) -> None:
    """Stored organisation -> export_to -> import_paths finds every record unchanged, in CSV and in XLSX."""
    org, needs = _importable(tiny_covid)
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=tiny_covid.organisation)
        repo.save_needs(session=session, needs=needs)
    csv_paths = export_to(engine=engine, target=tmp_path / "csv", file_format="csv", language="nb")
    xlsx_paths = export_to(engine=engine, target=tmp_path / "org.xlsx", file_format="xlsx")
    for paths in (csv_paths, xlsx_paths):
        report = import_paths(engine=engine, paths=paths)
        assert report.changes == 0 and not report.stored
        assert report.counts[EntityKind.EMPLOYEES].unchanged == len(org.employees)
    with transaction(engine) as session:
        assert repo.load_organisation(session=session) == tiny_covid.organisation
