"""HR import: Norwegian and English files, BOM, separators, decimal commas, XLSX, all-or-nothing, idempotence."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from ressursbank.db import repository as repo
from ressursbank.db.engine import transaction
from ressursbank.domain import Criticality, UnitKind
from ressursbank.exceptions import ImportRejected
from ressursbank.formats.hr_import import (
    COLUMNS,
    EntityKind,
    ImportFile,
    empty_organisation,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_import,
    parse_int,
)
from ressursbank.services.org_io import import_files, import_paths
from tests.helpers_db import (
    db_url,
    engine,
    migrated_postgres_template,
    migrated_sqlite_template,
)

__all__ = ["db_url", "engine", "migrated_postgres_template", "migrated_sqlite_template"]

DATA = Path(__file__).parent / "data" / "import"
NB_FILES = [DATA / name for name in ("enheter.csv", "ansatte.csv", "kvalifikasjoner.csv", "behov.csv")]


def _files(*names: str) -> list[ImportFile]:
    return [ImportFile.from_path(DATA / name) for name in names]


def test_norwegian_files_with_bom_semicolons_and_decimal_commas_parse() -> None:
    """enheter/ansatte/kvalifikasjoner/behov with Norwegian headers give the records the rows describe."""
    parsed = parse_import(
        _files("enheter.csv", "ansatte.csv", "kvalifikasjoner.csv", "behov.csv"), empty_organisation()
    )
    org = parsed.organisation
    units = {u.id: u for u in org.units}
    assert units["sh-hvalstad"].kind is UnitKind.NURSING_HOME
    assert units["sh-hvalstad"].criticality is Criticality.CRITICAL
    assert units["sh-hvalstad"].location.lat == 59.859
    assert [a.name for a in org.areas] == ["Asker", "Røyken", "Hurum"]
    kari = {e.id: e for e in org.employees}["1001"]
    assert (kari.position_pct, kari.weekly_hours_norm, kari.hourly_wage_nok) == (80, 35.5, 312)
    assert kari.preferences.max_travel_km == 15.5 and kari.preferences.wants_more_hours
    assert kari.preferences.willing_unit_kinds == {"corona_clinic", "home_care"}
    assert kari.qualifications[0].valid_from == dt.date(2010, 3, 16)
    assert kari.qualifications[1].valid_to == dt.date(2024, 1, 1)
    needs = {n.id: n for n in parsed.needs}
    assert needs["b1"].requirement.any_of == ("aut.sykepleier", "aut.helsefagarbeider")
    assert needs["b1"].covid_contact and needs["b1"].count == 2
    assert needs["b2"].end == dt.datetime(2020, 3, 17, 7, 15)  # night shift from the shift type, past midnight
    assert needs["b3"].start == dt.datetime(2020, 3, 17, 7, 30)
    assert parsed.ignored_columns == {"ansatte.csv": ["Lønnsart"]}


def test_english_comma_file_gives_the_same_employees_as_the_norwegian_one() -> None:
    """Headers, separator and decimal mark do not change what is read."""
    units = _files("enheter.csv")
    nb = parse_import([*units, *_files("ansatte.csv")], empty_organisation()).organisation.employees
    en = parse_import([*units, *_files("employees_en.csv")], empty_organisation()).organisation.employees
    assert nb == en


def test_broken_rows_reject_the_whole_file_and_every_one_is_reported(engine: sa.Engine) -> None:
    """Six broken rows: one ImportRejected naming file, row, column, value and reason for each; nothing stored."""
    import_paths(engine=engine, paths=NB_FILES[:1])
    with transaction(engine) as session:
        before = repo.load_organisation(session=session)
    with pytest.raises(ImportRejected) as caught:
        import_paths(engine=engine, paths=[DATA / "ansatte_med_feil.csv"])
    problems = caught.value.problems
    assert {p.file for p in problems} == {"ansatte_med_feil.csv"}
    assert sorted({p.row for p in problems if p.row is not None}) == [2, 3, 4, 5, 7, 8]
    found = {(p.row, p.column, p.value) for p in problems}
    assert (2, "position_pct", "80,5") in found
    assert (3, "unit_id", "finnes-ikke") in found
    assert (4, "name", None) in found
    assert (5, "weekly_hours_norm", "mange") in found
    assert (5, "wants_more_hours", "kanskje") in found
    assert (7, "employee_id", "2005") in found
    assert any(p.row == 8 and "position_pct 120" in p.reason for p in problems)
    assert all(p.reason for p in problems)
    with transaction(engine) as session:
        assert repo.load_organisation(session=session) == before  # rows 6 and 9 were good, yet nothing landed


def test_import_into_empty_database_then_again_changes_nothing(engine: sa.Engine) -> None:
    """The first import creates everything; importing the same files again reports no change and stores nothing."""
    first = import_paths(engine=engine, paths=NB_FILES)
    assert first.stored
    assert first.counts[EntityKind.EMPLOYEES].created == 3
    assert first.counts[EntityKind.QUALIFICATIONS].created == 6
    assert first.counts[EntityKind.NEEDS].created == 3
    with transaction(engine) as session:
        org = repo.load_organisation(session=session)
        needs = repo.load_needs(session=session)
    again = import_paths(engine=engine, paths=list(reversed(NB_FILES)))
    assert not again.stored and again.changes == 0
    assert again.counts[EntityKind.EMPLOYEES].unchanged == 3
    with transaction(engine) as session:
        assert repo.load_organisation(session=session) == org
        assert repo.load_needs(session=session) == needs


def test_update_touches_only_the_columns_in_the_file(engine: sa.Engine) -> None:
    """A file with only id and position updates the position and keeps name, qualifications and the rest."""
    import_paths(engine=engine, paths=NB_FILES)
    update = ImportFile("ansatte.csv", b"ansattnr;stillingsprosent\n1001;100\n")
    report = import_files(engine=engine, files=[update])
    assert report.counts[EntityKind.EMPLOYEES].updated == 1
    with transaction(engine) as session:
        kari = repo.load_employee(session=session, employee_id="1001")
    assert kari.position_pct == 100 and kari.name == "Kari Nordmann" and len(kari.qualifications) == 2


def test_xlsx_with_native_cells_imports(tmp_path: Path) -> None:
    """An XLSX sheet with numbers, dates and Norwegian headers reads like the CSV."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "kvalifikasjoner"
    sheet.append(["Ansattnr", "Kode", "Gyldig fra", "Gyldig til", "Verifisert"])
    sheet.append([1001, "aut.sykepleier", dt.datetime(2010, 3, 16), None, "ja"])
    sheet.append([1002, "pa.helse", "01.02.2019", dt.date(2024, 1, 1), True])
    buffer = io.BytesIO()
    workbook.save(buffer)
    files = [*_files("enheter.csv", "ansatte.csv"), ImportFile("hr-eksport.xlsx", buffer.getvalue())]
    employees = {e.id: e for e in parse_import(files, empty_organisation()).organisation.employees}
    assert employees["1001"].qualifications[0].valid_from == dt.date(2010, 3, 16)
    assert employees["1002"].qualifications[0].valid_to == dt.date(2024, 1, 1)


def test_broken_xlsx_and_non_utf8_files_are_rejected_with_a_reason() -> None:
    """A damaged workbook and a Latin-1 CSV give one clear problem each, not a crash."""
    files = [
        ImportFile("ansatte.xlsx", b"PK\x03\x04 not really a zip"),
        ImportFile("enheter.csv", "enhet;navn\nø;Løren\n".encode("latin-1")),
    ]
    with pytest.raises(ImportRejected) as caught:
        parse_import(files, empty_organisation())
    reasons = {p.file: p.reason for p in caught.value.problems}
    assert "XLSX" in reasons["ansatte.xlsx"] and "UTF-8" in reasons["enheter.csv"]


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    """A qualifications file without the code column names the column and both spellings."""
    file = ImportFile("kvalifikasjoner.csv", b"ansattnr;gyldig_fra\n1001;01.01.2020\n")
    with pytest.raises(ImportRejected) as caught:
        parse_import([file], empty_organisation())
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (1, "code") and "'kode'" in problem.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("80,5", 80.5), ("80.5", 80.5), ("1 234,5", 1234.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("-3", -3.0)],
)
def test_decimal_commas_and_points_both_read(text: str, expected: float) -> None:
    """Norwegian and English number formats give the same number."""
    assert parse_decimal(text) == expected


def test_dates_whole_numbers_and_yes_no_read_in_both_languages() -> None:
    """16.03.2020 and 2020-03-16 are one date; 80,0 is a whole number and 80,5 is not; ja/yes/x are yes."""
    assert parse_date("16.03.2020") == parse_date("2020-03-16") == parse_date("16.3.20") == dt.date(2020, 3, 16)
    assert parse_int("80,0") == 80
    with pytest.raises(ValueError, match="whole number"):
        parse_int("80,5")
    assert parse_bool("ja") and parse_bool("Yes") and parse_bool("x") and not parse_bool("nei")


def test_import_format_doc_lists_every_column() -> None:
    """docs/import-format.md names every column in English and Norwegian (the reference cannot drift)."""
    doc = (Path(__file__).parents[1] / "docs" / "import-format.md").read_text(encoding="utf-8")
    for columns in COLUMNS.values():
        for column in columns:
            assert f"| `{column.name}` | `{column.name_nb}` |" in doc, column.name
