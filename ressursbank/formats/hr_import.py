"""Import of units, employees, held qualifications and needs from CSV and XLSX files as HR systems export them.

The rules (docs/import-format.md is the reference for people):

- headers in Norwegian or English (``ansattnr`` / ``employee_id``, ``stillingsprosent`` / ``position_pct``, ...),
  matched without regard to case, spaces, hyphens and underscores; unknown columns are ignored and reported;
- CSV in UTF-8 with or without a byte-order mark, separated by ``;`` or ``,`` (sniffed from the header line);
- numbers with a decimal comma or point (``35,5``), dates as ``16.03.2020`` or ``2020-03-16``, yes/no as
  ``ja``/``nei``/``yes``/``no``/``x``;
- every problem is collected with file, row, column, value and reason, and the import is rejected as a whole
  (:class:`~ressursbank.exceptions.ImportRejected`) if there is any; nothing is half-read;
- records are upserted by id onto the current organisation: a row for a known id updates only the columns the
  file has, so importing the same file again changes nothing.

Parsing is pure: :func:`parse_import` reads files and returns the merged organisation and needs; storing them in
one transaction is the service's job (:mod:`ressursbank.services.org_io`).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ressursbank.demo import SHIFT_TYPES
from ressursbank.domain import (
    Area,
    Criticality,
    Employee,
    HeldQualification,
    Location,
    Need,
    Organisation,
    Preferences,
    QualificationRequirement,
    Sector,
    Unit,
    UnitKind,
)
from ressursbank.exceptions import DomainError, ImportProblem, ImportRejected

#: Rows per file beyond which an import is refused (a guard against runaway files, far above Oslo's 50,000).
MAX_ROWS = 500_000
LIST_SEPARATORS = re.compile(r"\s*[|,]\s*")


class EntityKind(enum.StrEnum):
    """What a file (or XLSX sheet) holds."""

    UNITS = "units"
    EMPLOYEES = "employees"
    QUALIFICATIONS = "qualifications"
    NEEDS = "needs"


@dataclass(frozen=True, slots=True)
class Column:
    """A column: canonical (English) name, Norwegian name, other accepted spellings, and whether it is required."""

    name: str
    name_nb: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, self.name_nb, *self.aliases)


#: The columns of each entity, in export order. The first column is the record's id.
COLUMNS: dict[EntityKind, tuple[Column, ...]] = {
    EntityKind.UNITS: (
        Column("unit_id", "enhet", ("enhetsid", "enhet_id", "enhetsnr", "unit"), required=True),
        Column("name", "navn", ("enhetsnavn", "unit_name")),
        Column("kind", "type", ("enhetstype", "unit_kind", "tjenestetype")),
        Column("sector_id", "sektor", ("sector", "sektor_id", "tjenesteområde")),
        Column("area_id", "område", ("omrade", "omraade", "area", "område_id", "bydel")),
        Column("lat", "breddegrad", ("latitude",)),
        Column("lon", "lengdegrad", ("longitude", "lng")),
        Column("criticality", "kritikalitet", ("kritisk_nivå", "kritisk_niva")),
        Column("opens_on", "åpner", ("apner", "åpningsdato", "opens")),
        Column("area_name", "områdenavn", ("omradenavn",)),
        Column("sector_name", "sektornavn", ()),
    ),
    EntityKind.EMPLOYEES: (
        Column("employee_id", "ansattnr", ("ansattnummer", "ansatt_id", "ansattid", "employee"), required=True),
        Column("name", "navn", ("fullt_navn", "employee_name")),
        Column("unit_id", "enhet", ("home_unit_id", "hjemenhet", "enhetsid", "enhet_id", "enhetsnr")),
        Column("position_pct", "stillingsprosent", ("stilling", "stillingsandel", "stilling_pct")),
        Column("weekly_hours_norm", "ukenorm", ("timer_per_uke", "arbeidstid_uke", "weekly_hours")),
        Column("rule_set_id", "regelsett", ("arbeidstidsordning", "rule_set")),
        Column("hourly_wage_nok", "timelønn", ("timelonn", "timelonn_nok", "hourly_wage")),
        Column("sector_id", "sektor", ("sector",)),
        Column("max_travel_km", "maks_reise_km", ("maks_reiseavstand_km", "max_travel")),
        Column("wants_more_hours", "ønsker_flere_timer", ("onsker_flere_timer", "ønsker_mer", "onsker_mer")),
        Column("avoid_nights", "unngå_natt", ("unnga_natt",)),
        Column("avoid_weekends", "unngå_helg", ("unnga_helg",)),
        Column("willing_unit_kinds", "villig_til", ("frivillig_for", "willing")),
        Column("trainable", "kan_læres", ("kan_laeres", "kan_lares", "opplæring")),
    ),
    EntityKind.QUALIFICATIONS: (
        Column("employee_id", "ansattnr", ("ansattnummer", "ansatt_id", "ansattid", "employee"), required=True),
        Column("code", "kode", ("kvalifikasjon", "kvalifikasjonskode", "qualification"), required=True),
        Column("valid_from", "gyldig_fra", ("fra_dato", "fra")),
        Column("valid_to", "gyldig_til", ("til_dato", "til")),
        Column("verified", "verifisert", ("kontrollert",)),
    ),
    EntityKind.NEEDS: (
        Column("need_id", "behov_id", ("behovid", "behov", "need"), required=True),
        Column("unit_id", "enhet", ("enhetsid", "enhet_id"), required=True),
        Column("date", "dato", ("dag", "day"), required=True),
        Column("shift_type_id", "vakt", ("vakttype", "shift", "shift_type"), required=True),
        Column("start", "fra", ("fra_kl", "start_time")),
        Column("end", "til", ("til_kl", "end_time")),
        Column("any_of", "en_av", ("kvalifikasjon_en_av",)),
        Column("all_of", "alle_av", ("kvalifikasjon_alle_av",)),
        Column("count", "antall", ("antall_personer",), required=True),
        Column("criticality", "kritikalitet", ("kritisk_nivå",)),
        Column("covid_contact", "smittekontakt", ("koronakontakt",)),
        Column("task", "oppgave", ()),
    ),
}

#: Columns a row must fill when it creates a new record (an update may leave them out).
REQUIRED_FOR_NEW: dict[EntityKind, tuple[str, ...]] = {
    EntityKind.UNITS: ("name", "kind", "sector_id", "area_id", "lat", "lon"),
    EntityKind.EMPLOYEES: ("name", "unit_id", "position_pct"),
    EntityKind.QUALIFICATIONS: (),
    EntityKind.NEEDS: (),
}

#: File and sheet names that say what they hold (without extension; Norwegian and English).
KIND_BY_NAME: dict[str, EntityKind] = {
    "units": EntityKind.UNITS,
    "enheter": EntityKind.UNITS,
    "employees": EntityKind.EMPLOYEES,
    "ansatte": EntityKind.EMPLOYEES,
    "qualifications": EntityKind.QUALIFICATIONS,
    "kvalifikasjoner": EntityKind.QUALIFICATIONS,
    "needs": EntityKind.NEEDS,
    "behov": EntityKind.NEEDS,
}

#: Norwegian names of unit kinds (the English values are accepted too).
UNIT_KIND_NB: dict[str, UnitKind] = {
    "sykehjem": UnitKind.NURSING_HOME,
    "hjemmetjeneste": UnitKind.HOME_CARE,
    "hjemmesykepleie": UnitKind.HOME_CARE,
    "bofellesskap": UnitKind.SUPPORTED_HOUSING,
    "psykisk_helse": UnitKind.MENTAL_HEALTH,
    "helsestasjon": UnitKind.HEALTH_STATION,
    "rehabilitering": UnitKind.REHAB,
    "skole": UnitKind.SCHOOL,
    "barnehage": UnitKind.KINDERGARTEN,
    "bibliotek": UnitKind.LIBRARY,
    "svømmehall": UnitKind.SWIMMING_HALL,
    "kultur": UnitKind.CULTURE,
    "teknisk": UnitKind.TECHNICAL,
    "administrasjon": UnitKind.ADMINISTRATION,
    "koronapoliklinikk": UnitKind.CORONA_CLINIC,
    "vaksinasjonssenter": UnitKind.VACCINATION_CENTRE,
    "beredskapsbarnehage": UnitKind.EMERGENCY_CHILDCARE,
}

CRITICALITY_WORDS: dict[str, Criticality] = {
    "1": Criticality.NORMAL,
    "normal": Criticality.NORMAL,
    "2": Criticality.IMPORTANT,
    "important": Criticality.IMPORTANT,
    "viktig": Criticality.IMPORTANT,
    "3": Criticality.CRITICAL,
    "critical": Criticality.CRITICAL,
    "kritisk": Criticality.CRITICAL,
}

TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "true", "sann", "1", "x"})
FALSE_WORDS = frozenset({"nei", "n", "no", "false", "usann", "0", "-"})


def normalise_header(text: str) -> str:
    """Header as compared: case-folded, NFC, without spaces, hyphens, underscores and dots."""
    folded = unicodedata.normalize("NFC", text).strip().casefold()
    return re.sub(r"[\s_\-.]+", "", folded)


_HEADER_INDEX: dict[EntityKind, dict[str, str]] = {
    kind: {normalise_header(s): c.name for c in cols for s in c.spellings} for kind, cols in COLUMNS.items()
}


# --- files and tables ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file to import: its name (shown in error messages), its bytes and, if known, what it holds."""

    name: str
    data: bytes
    kind: EntityKind | None = None

    @classmethod
    def from_path(cls, path: Path, kind: EntityKind | None = None) -> ImportFile:
        return cls(path.name, path.read_bytes(), kind)


@dataclass(slots=True)
class Table:
    """The rows of one CSV file or XLSX sheet: ``label`` names it in messages; cells are text or native values."""

    label: str
    name_hint: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]


def _is_xlsx(file: ImportFile) -> bool:
    return file.data[:4] == b"PK\x03\x04" or file.name.lower().endswith((".xlsx", ".xlsm"))


def read_tables(file: ImportFile, problems: list[ImportProblem]) -> list[Table]:
    """The tables in ``file`` (one for CSV, one per non-empty sheet for XLSX); problems are appended, not raised."""
    if _is_xlsx(file):
        return _read_xlsx(file, problems)
    table = _read_csv(file, problems)
    return [] if table is None else [table]


def _read_csv(file: ImportFile, problems: list[ImportProblem]) -> Table | None:
    try:
        text = file.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(
            ImportProblem(
                file.name,
                None,
                None,
                None,
                f"not UTF-8 text (byte {file.data[error.start]:#04x} at position {error.start}); "
                "save the file as UTF-8 / lagre filen som UTF-8",
            )
        )
        return None
    if "\x00" in text:
        problems.append(ImportProblem(file.name, None, None, None, "contains NUL bytes: not a text file"))
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        line_start = 1
        for record in reader:
            if header is None:
                header = record
            elif any(cell.strip() for cell in record):
                rows.append((line_start, record))
            line_start = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                problems.append(ImportProblem(file.name, None, None, None, f"more than {MAX_ROWS} rows"))
                return None
    except csv.Error as error:
        problems.append(ImportProblem(file.name, reader.line_num, None, None, f"unreadable CSV: {error}"))
        return None
    if header is None:
        problems.append(ImportProblem(file.name, None, None, None, "the file is empty / filen er tom"))
        return None
    return Table(file.name, Path(file.name).stem, header, rows)


def _read_xlsx(file: ImportFile, problems: list[ImportProblem]) -> list[Table]:
    import openpyxl  # only XLSX imports pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(file.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError) as error:
        problems.append(ImportProblem(file.name, None, None, None, f"not a readable XLSX workbook ({error})"))
        return []
    except Exception as error:  # openpyxl raises many kinds on damaged files; all mean the same to the user
        problems.append(ImportProblem(file.name, None, None, None, f"not a readable XLSX workbook ({error})"))
        return []
    tables: list[Table] = []
    try:
        single = len(workbook.worksheets) == 1
        for sheet in workbook.worksheets:
            rows_iter = sheet.iter_rows(values_only=True)
            header_cells = next(rows_iter, None)
            if header_cells is None:
                continue
            header = ["" if c is None else str(c) for c in header_cells]
            rows: list[tuple[int, list[Any]]] = []
            for number, cells in enumerate(rows_iter, start=2):
                values = ["" if c is None else c for c in cells]
                if any(str(v).strip() for v in values):
                    rows.append((number, values))
                if len(rows) > MAX_ROWS:
                    problems.append(ImportProblem(file.name, None, None, None, f"more than {MAX_ROWS} rows"))
                    return []
            label = file.name if single else f"{file.name} [{sheet.title}]"
            hint = Path(file.name).stem if single else sheet.title
            tables.append(Table(label, hint, header, rows))
    except Exception as error:  # damaged sheet XML surfaces only while iterating
        problems.append(ImportProblem(file.name, None, None, None, f"not a readable XLSX workbook ({error})"))
        return []
    finally:
        workbook.close()
    if not tables:
        problems.append(ImportProblem(file.name, None, None, None, "the workbook is empty / arbeidsboken er tom"))
    return tables


def detect_kind(table: Table) -> EntityKind | None:
    """What a table holds, from its file or sheet name, else from which required columns its header has."""
    by_name = KIND_BY_NAME.get(normalise_header(table.name_hint))
    if by_name is not None:
        return by_name
    for word, kind in KIND_BY_NAME.items():
        if word in normalise_header(table.name_hint):
            return kind
    headers = {normalise_header(h) for h in table.header}
    scores: list[tuple[int, EntityKind]] = []
    for kind, columns in COLUMNS.items():
        required = [c for c in columns if c.required]
        if all(any(normalise_header(s) in headers for s in c.spellings) for c in required):
            known = sum(1 for h in headers if h in _HEADER_INDEX[kind])
            scores.append((known, kind))
    return max(scores)[1] if scores else None


# --- cell parsers --------------------------------------------------------------------------------------------------
class CellError(ValueError):
    """A cell's value cannot be read; the message is the reason shown to the user."""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_decimal(value: Any) -> float:
    """A number written ``35,5``, ``35.5``, ``1 234,5`` or ``1.234,5`` (or a native spreadsheet number)."""
    if isinstance(value, bool):
        raise CellError("expected a number, got a yes/no value")
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value).replace("\u00a0", "").replace(" ", "").replace("\u2009", "")
    if "," in text and "." in text:
        # the separator that comes last is the decimal separator; the other groups thousands
        decimal_comma = text.rfind(",") > text.rfind(".")
        text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise CellError("expected a number such as 35,5 / forventet et tall som 35,5")
    return float(text)


def parse_int(value: Any) -> int:
    """A whole number; ``80,0`` is accepted, ``80,5`` is not."""
    number = parse_decimal(value)
    if not number.is_integer():
        raise CellError("expected a whole number / forventet et heltall")
    return int(number)


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y-%m-%d")


def parse_date(value: Any) -> dt.date:
    """A date written ``16.03.2020``, ``16.3.20``, ``16/03/2020`` or ``2020-03-16`` (or a spreadsheet date)."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError("expected a date without a time of day")
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]00:00(:00)?", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError("expected a date such as 16.03.2020 or 2020-03-16 / forventet en dato som 16.03.2020")


def parse_time(value: Any) -> dt.time:
    """A time of day written ``07:00``, ``7:00`` or ``07.00`` (or a spreadsheet time)."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", _text(value))
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise CellError("expected a time such as 07:00 / forventet et klokkeslett som 07:00")
    return dt.time(int(match[1]), int(match[2]))


def parse_bool(value: Any) -> bool:
    """Yes or no: ``ja``/``nei``, ``yes``/``no``, ``true``/``false``, ``1``/``0``, ``x``."""
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError("expected ja/nei or yes/no")


def parse_list(value: Any) -> tuple[str, ...]:
    """Codes separated by ``|`` or ``,`` (empty cell: none)."""
    text = _text(value)
    if not text:
        return ()
    items = tuple(item for item in LIST_SEPARATORS.split(text) if item)
    if len(set(items)) != len(items):
        raise CellError("a code is listed twice / en kode står to ganger")
    return items


def parse_unit_kind(value: Any) -> UnitKind:
    text = _text(value).casefold().replace(" ", "_").replace("-", "_")
    if text in UNIT_KIND_NB:
        return UNIT_KIND_NB[text]
    try:
        return UnitKind(text)
    except ValueError:
        raise CellError("unknown unit kind; use one of " + ", ".join(k.value for k in UnitKind)) from None


def parse_criticality(value: Any) -> Criticality:
    text = _text(value).casefold()
    if text.endswith(".0"):
        text = text[:-2]
    if text not in CRITICALITY_WORDS:
        raise CellError("expected 1-3 or normal/viktig/kritisk (normal/important/critical)")
    return CRITICALITY_WORDS[text]


def parse_id(value: Any) -> str:
    text = _text(value)
    if not text:
        raise CellError("an id is required / id mangler")
    if len(text) > 120:
        raise CellError("an id may have at most 120 characters")
    return text


def parse_text(value: Any) -> str:
    text = _text(value)
    if len(text) > 300:
        raise CellError("at most 300 characters")
    return text


# --- row reading ---------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Row:
    """One data row: values by canonical column, with the table label and row number for messages."""

    table: Table
    number: int
    cells: dict[str, Any]
    problems: list[ImportProblem]
    ok: bool = True

    def has(self, column: str) -> bool:
        return column in self.cells and _text(self.cells[column]) != ""

    def get(self, column: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        """The parsed value of ``column``, ``default`` when the cell is empty; a bad cell is recorded."""
        if not self.has(column):
            return default
        raw = self.cells[column]
        try:
            return parse(raw)
        except CellError as error:
            self.fail(column, raw, str(error))
            return default

    def fail(self, column: str | None, raw: Any, reason: str) -> None:
        self.ok = False
        shown = None if raw is None else _text(raw)[:200]
        self.problems.append(ImportProblem(self.table.label, self.number, column, shown, reason))


def _column_positions(table: Table, kind: EntityKind, problems: list[ImportProblem]) -> dict[str, int] | None:
    index = _HEADER_INDEX[kind]
    positions: dict[str, int] = {}
    for position, heading in enumerate(table.header):
        canonical = index.get(normalise_header(heading))
        if canonical is None:
            continue
        if canonical in positions:
            problems.append(
                ImportProblem(
                    table.label, 1, heading, None, f"column {canonical!r} appears twice / kolonnen står to ganger"
                )
            )
            return None
        positions[canonical] = position
    missing = [c for c in COLUMNS[kind] if c.required and c.name not in positions]
    for column in missing:
        problems.append(
            ImportProblem(
                table.label,
                1,
                column.name,
                None,
                f"required column is missing (write {column.name_nb!r} or {column.name!r}) / påkrevd kolonne mangler",
            )
        )
    return None if missing else positions


def ignored_columns(table: Table, kind: EntityKind) -> list[str]:
    """Headers of ``table`` that are not columns of ``kind`` (ignored by the import)."""
    index = _HEADER_INDEX[kind]
    return [h for h in table.header if h.strip() and normalise_header(h) not in index]


def _rows(table: Table, kind: EntityKind, problems: list[ImportProblem]) -> Iterable[_Row]:
    positions = _column_positions(table, kind, problems)
    if positions is None:
        return
    for number, record in table.rows:
        cells = {name: record[pos] for name, pos in positions.items() if pos < len(record)}
        yield _Row(table, number, cells, problems)


# --- merging onto the organisation --------------------------------------------------------------------------------
@dataclass(slots=True)
class EntityCounts:
    """How many records an import creates, changes and leaves as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, before: object, after: object) -> None:
        if before is None:
            self.created += 1
        elif before == after:
            self.unchanged += 1
        else:
            self.updated += 1


@dataclass(slots=True)
class ParsedImport:
    """The result of a successful parse: the organisation with the import applied, the needs, and what changed."""

    organisation: Organisation
    needs: list[Need]
    counts: dict[EntityKind, EntityCounts] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())


@dataclass(slots=True)
class _State:
    """The organisation being built, as ordered dictionaries keyed by id (insertion order is storage order)."""

    areas: dict[str, Area]
    sectors: dict[str, Sector]
    units: dict[str, Unit]
    employees: dict[str, Employee]
    organisation: Organisation

    @classmethod
    def of(cls, org: Organisation) -> _State:
        return cls(
            {a.id: a for a in org.areas},
            {s.id: s for s in org.sectors},
            {u.id: u for u in org.units},
            {e.id: e for e in org.employees},
            org,
        )

    @property
    def codes(self) -> set[str]:
        return {q.code for q in self.organisation.catalogue}


def _duplicate(row: _Row, seen: dict[str, int], key: str, column: str) -> bool:
    if key in seen:
        row.fail(column, key, f"the same id is on row {seen[key]} too / samme id står også på rad {seen[key]}")
        return True
    seen[key] = row.number
    return False


def _missing_for_new(row: _Row, kind: EntityKind) -> bool:
    missing = [c for c in REQUIRED_FOR_NEW[kind] if not row.has(c)]
    for column in missing:
        row.fail(column, None, "required for a new record / påkrevd for en ny post")
    return bool(missing)


def _build(row: _Row, make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``make(*args, **kwargs)``, turning a domain validation error into a problem of this row."""
    try:
        return make(*args, **kwargs)
    except DomainError as error:
        row.fail(None, None, str(error))
        return None


def _apply_units(table: Table, state: _State, counts: EntityCounts, problems: list[ImportProblem]) -> None:
    seen: dict[str, int] = {}
    for row in _rows(table, EntityKind.UNITS, problems):
        unit_id = row.get("unit_id", parse_id)
        if unit_id is None or _duplicate(row, seen, unit_id, "unit_id"):
            continue
        before = state.units.get(unit_id)
        if before is None and _missing_for_new(row, EntityKind.UNITS):
            continue
        name = row.get("name", parse_text)
        kind = row.get("kind", parse_unit_kind)
        sector_id = row.get("sector_id", parse_id)
        area_id = row.get("area_id", parse_id)
        lat = row.get("lat", parse_decimal)
        lon = row.get("lon", parse_decimal)
        criticality = row.get("criticality", parse_criticality)
        opens_on = row.get("opens_on", parse_date)
        area_name = row.get("area_name", parse_text)
        sector_name = row.get("sector_name", parse_text)
        if not row.ok:
            continue
        changes: dict[str, Any] = {}
        for column, value in (("name", name), ("kind", kind), ("sector_id", sector_id), ("area_id", area_id)):
            if value is not None:
                changes[column] = value
        if criticality is not None:
            changes["criticality"] = criticality
        if opens_on is not None:
            changes["opens_on"] = opens_on
        if lat is not None or lon is not None:
            old = before.location if before is not None else None
            lat_value = lat if lat is not None else (old.lat if old else 0.0)
            lon_value = lon if lon is not None else (old.lon if old else 0.0)
            location = _build(row, Location, lat_value, lon_value)
            if location is None:
                continue
            changes["location"] = location
        unit = _build(row, Unit, id=unit_id, **changes) if before is None else _build(row, replace, before, **changes)
        if unit is None:
            continue
        if unit.area_id not in state.areas:
            state.areas[unit.area_id] = Area(unit.area_id, area_name or unit.area_id)
        if unit.sector_id not in state.sectors:
            label = sector_name or unit.sector_id
            state.sectors[unit.sector_id] = Sector(unit.sector_id, label, label)
        counts.count(before, unit)
        state.units[unit_id] = unit


def _apply_employees(table: Table, state: _State, counts: EntityCounts, problems: list[ImportProblem]) -> None:
    seen: dict[str, int] = {}
    rule_sets = {r.id for r in state.organisation.rule_sets}
    kinds = {k.value for k in UnitKind}
    codes = state.codes
    for row in _rows(table, EntityKind.EMPLOYEES, problems):
        employee_id = row.get("employee_id", parse_id)
        if employee_id is None or _duplicate(row, seen, employee_id, "employee_id"):
            continue
        before = state.employees.get(employee_id)
        if before is None and _missing_for_new(row, EntityKind.EMPLOYEES):
            continue
        changes: dict[str, Any] = {}
        for column, target, parse in (
            ("name", "name", parse_text),
            ("unit_id", "home_unit_id", parse_id),
            ("position_pct", "position_pct", parse_int),
            ("weekly_hours_norm", "weekly_hours_norm", parse_decimal),
            ("rule_set_id", "rule_set_id", parse_id),
            ("hourly_wage_nok", "hourly_wage_nok", parse_int),
            ("trainable", "trainable", parse_list),
            ("sector_id", "sector_id", parse_text),
        ):
            if row.has(column):
                changes[target] = row.get(column, parse)
        preferences: dict[str, Any] = {}
        for column, parse in (
            ("max_travel_km", parse_decimal),
            ("wants_more_hours", parse_bool),
            ("avoid_nights", parse_bool),
            ("avoid_weekends", parse_bool),
        ):
            if row.has(column):
                preferences[column] = row.get(column, parse)
        if row.has("willing_unit_kinds"):
            willing = row.get("willing_unit_kinds", parse_list, ())
            for kind in willing:
                if kind not in kinds:
                    row.fail("willing_unit_kinds", kind, "unknown unit kind / ukjent enhetstype")
            preferences["willing_unit_kinds"] = frozenset(willing)
        home = changes.get("home_unit_id")
        if home is not None and home not in state.units:
            row.fail("unit_id", home, "unknown unit / ukjent enhet")
        rule_set = changes.get("rule_set_id")
        if rule_set is not None and rule_set not in rule_sets:
            row.fail("rule_set_id", rule_set, "unknown rule set / ukjent regelsett")
        for code in changes.get("trainable", ()):
            if code not in codes:
                row.fail("trainable", code, "unknown qualification code / ukjent kvalifikasjonskode")
        if not row.ok:
            continue
        base = before if before is not None else None
        old_preferences = base.preferences if base is not None else Preferences()
        if preferences:
            new_preferences = _build(row, replace, old_preferences, **preferences)
            if new_preferences is None:
                continue
            changes["preferences"] = new_preferences
        if base is None:
            employee = _build(row, Employee, id=employee_id, **changes)
        else:
            employee = _build(row, replace, base, **changes)
        if employee is None:
            continue
        counts.count(before, employee)
        state.employees[employee_id] = employee


def _apply_qualifications(table: Table, state: _State, counts: EntityCounts, problems: list[ImportProblem]) -> None:
    seen: dict[str, int] = {}
    codes = state.codes
    for row in _rows(table, EntityKind.QUALIFICATIONS, problems):
        employee_id = row.get("employee_id", parse_id)
        code = row.get("code", parse_id)
        valid_from = row.get("valid_from", parse_date)
        valid_to = row.get("valid_to", parse_date)
        verified = row.get("verified", parse_bool, True)
        if employee_id is None or code is None:
            continue
        if _duplicate(row, seen, f"{employee_id}\x00{code}", "code"):
            continue
        employee = state.employees.get(employee_id)
        if employee is None:
            row.fail("employee_id", employee_id, "unknown employee / ukjent ansatt")
        if code not in codes:
            row.fail("code", code, "unknown qualification code / ukjent kvalifikasjonskode")
        if not row.ok or employee is None:
            continue
        held = _build(row, HeldQualification, code, valid_from, valid_to, verified)
        if held is None:
            continue
        existing = {q.code: q for q in employee.qualifications}
        before = existing.get(code)
        counts.count(before, held)
        if before == held:
            continue
        if before is None:
            qualifications = (*employee.qualifications, held)
        else:
            qualifications = tuple(held if q.code == code else q for q in employee.qualifications)
        state.employees[employee_id] = replace(employee, qualifications=qualifications)


def _apply_needs(
    table: Table,
    state: _State,
    needs: dict[str, Need],
    existing: Mapping[str, Need],
    counts: EntityCounts,
    problems: list[ImportProblem],
) -> None:
    seen: dict[str, int] = {}
    shifts = {s.id: s for s in state.organisation.shift_types}
    codes = state.codes
    for row in _rows(table, EntityKind.NEEDS, problems):
        need_id = row.get("need_id", parse_id)
        unit_id = row.get("unit_id", parse_id)
        day = row.get("date", parse_date)
        shift_id = row.get("shift_type_id", parse_id)
        start_time = row.get("start", parse_time)
        end_time = row.get("end", parse_time)
        any_of = row.get("any_of", parse_list, ())
        all_of = row.get("all_of", parse_list, ())
        count = row.get("count", parse_int)
        criticality = row.get("criticality", parse_criticality, Criticality.NORMAL)
        covid_contact = row.get("covid_contact", parse_bool, False)
        task = row.get("task", parse_text, "")
        if need_id is not None and _duplicate(row, seen, need_id, "need_id"):
            continue
        if unit_id is not None and unit_id not in state.units:
            row.fail("unit_id", unit_id, "unknown unit / ukjent enhet")
        shift = shifts.get(shift_id) if shift_id is not None else None
        if shift_id is not None and shift is None:
            row.fail("shift_type_id", shift_id, "unknown shift type; use one of " + ", ".join(shifts))
        for column, listed in (("any_of", any_of), ("all_of", all_of)):
            for code in listed:
                if code not in codes:
                    row.fail(column, code, "unknown qualification code / ukjent kvalifikasjonskode")
        for column in ("need_id", "unit_id", "date", "shift_type_id", "count"):
            if not row.has(column):
                row.fail(column, None, "a value is required / verdi mangler")
        if not row.ok or shift is None or day is None:
            continue
        start = dt.datetime.combine(day, start_time or shift.start)
        if end_time is not None:
            end = dt.datetime.combine(day, end_time)
            if end <= start:
                end += dt.timedelta(days=1)  # a night shift ends the next morning
        else:
            end = start + dt.timedelta(minutes=shift.minutes)
        need = _build(
            row,
            Need,
            id=need_id,
            unit_id=unit_id,
            day=day,
            shift_type_id=shift.id,
            start=start,
            end=end,
            requirement=QualificationRequirement(any_of, all_of),
            count=count,
            criticality=criticality,
            covid_contact=covid_contact,
            task=task,
        )
        if need is None:
            continue
        counts.count(existing.get(need.id), need)
        needs[need.id] = need


_ORDER = (EntityKind.UNITS, EntityKind.EMPLOYEES, EntityKind.QUALIFICATIONS, EntityKind.NEEDS)


def parse_import(
    files: Sequence[ImportFile],
    organisation: Organisation,
    *,
    existing_needs: Mapping[str, Need] | None = None,
) -> ParsedImport:
    """Read ``files`` and apply them onto ``organisation``; :class:`ImportRejected` lists every problem found.

    Units are read first, then employees, then qualifications, then needs, whatever order the files come in, so
    an employee may refer to a unit in the same import. ``existing_needs`` (stored needs by id) only feed the
    created/updated/unchanged counts.
    """
    problems: list[ImportProblem] = []
    tables: dict[EntityKind, list[Table]] = {kind: [] for kind in _ORDER}
    ignored: dict[str, list[str]] = {}
    for file in files:
        for table in read_tables(file, problems):
            kind = file.kind or detect_kind(table)
            if kind is None:
                problems.append(
                    ImportProblem(
                        table.label,
                        1,
                        None,
                        None,
                        "cannot tell what the file holds: name it units/enheter, employees/ansatte, "
                        "qualifications/kvalifikasjoner or needs/behov, or check the headers",
                    )
                )
                continue
            tables[kind].append(table)
            unknown = ignored_columns(table, kind)
            if unknown:
                ignored[table.label] = unknown

    state = _State.of(organisation)
    counts = {kind: EntityCounts() for kind in _ORDER}
    needs: dict[str, Need] = {}
    for table in tables[EntityKind.UNITS]:
        _apply_units(table, state, counts[EntityKind.UNITS], problems)
    for table in tables[EntityKind.EMPLOYEES]:
        _apply_employees(table, state, counts[EntityKind.EMPLOYEES], problems)
    for table in tables[EntityKind.QUALIFICATIONS]:
        _apply_qualifications(table, state, counts[EntityKind.QUALIFICATIONS], problems)
    for table in tables[EntityKind.NEEDS]:
        _apply_needs(table, state, needs, existing_needs or {}, counts[EntityKind.NEEDS], problems)
    if problems:
        raise ImportRejected(problems)

    try:
        merged = dataclasses.replace(
            organisation,
            areas=tuple(state.areas.values()),
            sectors=tuple(state.sectors.values()),
            units=tuple(state.units.values()),
            employees=tuple(state.employees.values()),
        )
    except DomainError as error:  # cross-record checks the rows could not see on their own
        raise ImportRejected([ImportProblem(", ".join(f.name for f in files), None, None, None, str(error))]) from None
    return ParsedImport(merged, list(needs.values()), counts, ignored)


def empty_organisation() -> Organisation:
    """The organisation an import starts from on an empty database: the standard catalogue, rule sets and the
    demo's shift types (day, evening, night, office, clinic, hotline), so needs can be imported at once."""
    return Organisation(areas=(), sectors=(), units=(), employees=(), shift_types=SHIFT_TYPES)
