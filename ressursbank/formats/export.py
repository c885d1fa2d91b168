"""Export of units, employees, held qualifications and needs to CSV and XLSX, in the columns the import reads.

Exporting and importing again gives the same records (round trip). ``language="nb"`` writes what a Norwegian
spreadsheet expects (Norwegian headers, ``;``, decimal commas, ``16.03.2020``); ``"en"`` writes English headers,
``,``, decimal points and ISO dates. XLSX cells carry native numbers, dates and times.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ressursbank.domain import Need, Organisation
from ressursbank.formats.hr_import import COLUMNS, EntityKind

#: File (and sheet) names per entity and language.
FILE_NAMES: dict[str, dict[EntityKind, str]] = {
    "en": {k: k.value for k in EntityKind},
    "nb": {
        EntityKind.UNITS: "enheter",
        EntityKind.EMPLOYEES: "ansatte",
        EntityKind.QUALIFICATIONS: "kvalifikasjoner",
        EntityKind.NEEDS: "behov",
    },
}
LANGUAGES = ("en", "nb")


def headers(kind: EntityKind, language: str) -> list[str]:
    """The header row of ``kind`` in ``language``."""
    return [c.name_nb if language == "nb" else c.name for c in COLUMNS[kind]]


def records(kind: EntityKind, organisation: Organisation, needs: Sequence[Need]) -> Iterator[list[Any]]:
    """The rows of ``kind`` as native values (str, int, float, bool, date, time, tuple), in column order."""
    if kind is EntityKind.UNITS:
        areas = {a.id: a.name for a in organisation.areas}
        sectors = {s.id: s.name_nb for s in organisation.sectors}
        for u in organisation.units:
            yield [
                u.id,
                u.name,
                u.kind.value,
                u.sector_id,
                u.area_id,
                u.location.lat,
                u.location.lon,
                int(u.criticality),
                u.opens_on,
                areas.get(u.area_id, ""),
                sectors.get(u.sector_id, ""),
            ]
    elif kind is EntityKind.EMPLOYEES:
        for e in organisation.employees:
            p = e.preferences
            yield [
                e.id,
                e.name,
                e.home_unit_id,
                e.position_pct,
                e.weekly_hours_norm,
                e.rule_set_id,
                e.hourly_wage_nok,
                e.sector_id,
                p.max_travel_km,
                p.wants_more_hours,
                p.avoid_nights,
                p.avoid_weekends,
                tuple(sorted(p.willing_unit_kinds)),
                e.trainable,
            ]
    elif kind is EntityKind.QUALIFICATIONS:
        for e in organisation.employees:
            for q in e.qualifications:
                yield [e.id, q.code, q.valid_from, q.valid_to, q.verified]
    else:
        for n in needs:
            yield [
                n.id,
                n.unit_id,
                n.day,
                n.shift_type_id,
                n.start.time(),
                n.end.time(),
                n.requirement.any_of,
                n.requirement.all_of,
                n.count,
                int(n.criticality),
                n.covid_contact,
                n.task,
            ]


def format_cell(value: Any, language: str) -> str:
    """A value as CSV text in ``language`` (what :mod:`ressursbank.formats.hr_import` reads back)."""
    nb = language == "nb"
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("ja" if value else "nei") if nb else ("yes" if value else "no")
    if isinstance(value, float):
        text = repr(value)  # the shortest text that reads back as the same float
        return text.replace(".", ",") if nb else text
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y") if nb else value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return "|".join(value)
    return str(value)


def to_csv(kind: EntityKind, organisation: Organisation, needs: Sequence[Need], *, language: str = "en") -> str:
    """The CSV text of ``kind``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if language == "nb" else ",", lineterminator="\r\n")
    writer.writerow(headers(kind, language))
    for record in records(kind, organisation, needs):
        writer.writerow([format_cell(v, language) for v in record])
    return buffer.getvalue()


def write_csv_files(
    directory: Path,
    organisation: Organisation,
    needs: Sequence[Need],
    *,
    language: str = "en",
    kinds: Sequence[EntityKind] = tuple(EntityKind),
) -> list[Path]:
    """Write one CSV file per entity into ``directory`` (UTF-8 with a byte-order mark, which Excel needs)."""
    _check_language(language)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds:
        path = directory / f"{FILE_NAMES[language][kind]}.csv"
        path.write_text(to_csv(kind, organisation, needs, language=language), encoding="utf-8-sig", newline="")
        written.append(path)
    return written


def to_xlsx(
    organisation: Organisation,
    needs: Sequence[Need],
    *,
    language: str = "en",
    kinds: Sequence[EntityKind] = tuple(EntityKind),
) -> bytes:
    """An XLSX workbook with one sheet per entity, named as the import recognises them."""
    import openpyxl  # only XLSX exports pay for it

    _check_language(language)
    workbook = openpyxl.Workbook(write_only=True)
    for kind in kinds:
        sheet = workbook.create_sheet(FILE_NAMES[language][kind])
        sheet.append(headers(kind, language))
        for record in records(kind, organisation, needs):
            sheet.append([_xlsx_cell(sheet, v, language) for v in record])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(
    path: Path,
    organisation: Organisation,
    needs: Sequence[Need],
    *,
    language: str = "en",
    kinds: Sequence[EntityKind] = tuple(EntityKind),
) -> Path:
    """Write :func:`to_xlsx` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_xlsx(organisation, needs, language=language, kinds=kinds))
    return path


def _xlsx_cell(sheet: Any, value: Any, language: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, bool):
        return format_cell(value, language)
    if isinstance(value, tuple):
        value = "|".join(value)
    if isinstance(value, str) and value.startswith("="):
        # a name that starts with "=" stays text: never a formula that runs when the workbook opens
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use en or nb")
