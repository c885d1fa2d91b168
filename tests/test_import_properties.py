"""Property tests of the HR import: valid generated rows round-trip; garbage is only ever rejected, never stored."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ressursbank.db import repository as repo
from ressursbank.db.engine import create_engine_for, transaction
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.domain import Employee, Preferences, UnitKind
from ressursbank.exceptions import ImportRejected
from ressursbank.formats import export
from ressursbank.formats.hr_import import EntityKind, ImportFile, parse_import
from ressursbank.services.org_io import import_files
from tests.helpers_db import rich_organisation, sqlite_url

DATA = Path(__file__).parent / "data" / "import"
BASE = rich_organisation()
UNIT_IDS = [u.id for u in BASE.units]


def _clean(text: str) -> bool:
    return text == text.strip() and text != "" and unicodedata.normalize("NFC", text) == text


_chars = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
ids = st.text(_chars, min_size=1, max_size=20).filter(_clean)
names = st.text(_chars, min_size=1, max_size=40).filter(_clean)


@st.composite
def employees(draw: st.DrawFn) -> list[Employee]:
    """Distinct valid employees of the base organisation's units."""
    chosen_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    return [
        Employee(
            id=employee_id,
            name=draw(names),
            home_unit_id=draw(st.sampled_from(UNIT_IDS)),
            position_pct=draw(st.integers(1, 100)),
            weekly_hours_norm=draw(st.integers(200, 400)) / 10,
            hourly_wage_nok=draw(st.integers(1, 2000)),
            rule_set_id=draw(st.sampled_from(["aml-default", "ks-turnus"])),
            preferences=Preferences(
                willing_unit_kinds=frozenset(draw(st.sets(st.sampled_from([k.value for k in UnitKind]), max_size=3))),
                max_travel_km=draw(st.integers(0, 5000)) / 10,
                wants_more_hours=draw(st.booleans()),
                avoid_nights=draw(st.booleans()),
                avoid_weekends=draw(st.booleans()),
            ),
        )
        for employee_id in chosen_ids
    ]


def _csv_bytes(rows: list[list[str]], *, delimiter: str, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode()


@settings(max_examples=60, deadline=None)
@given(
    staff=employees(),
    language=st.sampled_from(["en", "nb"]),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
    upper=st.booleans(),
)
def test_generated_valid_rows_round_trip(
    staff: list[Employee], language: str, delimiter: str, bom: bool, upper: bool
) -> None:
    """Any valid employees written with either headers, separator, decimal mark and BOM read back equal."""
    org = replace(BASE, employees=tuple(staff))
    kind = EntityKind.EMPLOYEES
    header = [h.upper() if upper else h for h in export.headers(kind, language)]
    body = [[export.format_cell(v, language) for v in record] for record in export.records(kind, org, [])]
    file = ImportFile("ansatte.csv", _csv_bytes([header, *body], delimiter=delimiter, bom=bom))
    parsed = parse_import([file], replace(BASE, employees=()))
    assert parsed.organisation.employees == tuple(staff)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), name=st.sampled_from(["ansatte.csv", "enheter.csv", "x.xlsx", "behov.csv"]))
def test_random_bytes_are_rejected_or_read_never_crash(data: bytes, name: str) -> None:
    """Whatever the bytes, parsing either succeeds or raises ImportRejected with at least one problem."""
    try:
        parse_import([ImportFile(name, data)], BASE)
    except ImportRejected as rejected:
        assert rejected.problems


GOOD_EMPLOYEES = (DATA / "ansatte.csv").read_text(encoding="utf-8-sig").splitlines()
GOOD_UNITS = (DATA / "enheter.csv").read_bytes()
_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "80,5", "1.2.3", "31.02.2020", "ja", "kanskje", "-1", "1e400", "nan", "sh-hvalstad"]),
)


@st.composite
def damaged_employee_files(draw: st.DrawFn) -> bytes:
    """ansatte.csv with random cells replaced by garbage."""
    rows = [line.split(";") for line in GOOD_EMPLOYEES]
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][column] = draw(_cell)
    return _csv_bytes(rows, delimiter=";", bom=draw(st.booleans()))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damaged=damaged_employee_files())
def test_cell_garbage_never_stores_part_of_an_import(tmp_path: Path, damaged: bytes) -> None:
    """A damaged file is either imported whole or rejected with nothing stored (the database is unchanged)."""
    url = sqlite_url(tmp_path)
    engine = create_engine_for(url)
    try:
        if not (tmp_path / "ready").exists():
            upgrade_to_head(url)
            import_files(engine=engine, files=[ImportFile("enheter.csv", GOOD_UNITS)])
            (tmp_path / "ready").touch()
        with transaction(engine) as session:
            before = repo.load_organisation(session=session)
        try:
            import_files(engine=engine, files=[ImportFile("ansatte.csv", damaged)])
        except ImportRejected as rejected:
            assert all(p.file == "ansatte.csv" for p in rejected.problems)
            with transaction(engine) as session:
                assert repo.load_organisation(session=session) == before
    finally:
        engine.dispose()
