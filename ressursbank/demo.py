"""A seeded demo municipality like Asker (or Oslo), and its crisis scenarios.

Sizes, sector shares and part-time rates follow domain-norway.md section 4.4 (SSB FTE split, KS part-time
statistics); place names and COVID units are Asker's (section 4.3). Same preset and seed give the same data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ressursbank.domain.needs import QualificationRequirement, ShiftType, StaffingRule
from ressursbank.domain.organisation import Area, Criticality, Location, Sector, Unit, UnitKind
from ressursbank.domain.people import Employee, HeldQualification, Preferences, Restriction, RestrictionFlag
from ressursbank.domain.problem import Organisation
from ressursbank.domain.scenario import (
    AbsenceWave,
    CloseUnits,
    OpenUnit,
    ReduceUnits,
    Scenario,
    Surge,
    TemplateStaffing,
    UnitTemplate,
)

PRESETS = ("tiny", "small", "asker", "oslo")

# --- places ---------------------------------------------------------------------------------------------------------
#: (area id, name, places with coordinates). Asker's three former municipalities and their villages.
ASKER_AREAS: tuple[tuple[str, str, tuple[tuple[str, float, float], ...]], ...] = (
    (
        "asker",
        "Asker",
        (
            ("Asker sentrum", 59.8336, 10.4354),
            ("Holmen", 59.8530, 10.4950),
            ("Heggedal", 59.7870, 10.4410),
            ("Vollen", 59.8080, 10.4830),
            ("Borgen", 59.8390, 10.4260),
            ("Landøya", 59.8450, 10.4700),
            ("Hvalstad", 59.8590, 10.4640),
            ("Nesøya", 59.8700, 10.5300),
            ("Vettre", 59.8200, 10.4750),
            ("Billingstad", 59.8720, 10.4830),
        ),
    ),
    (
        "royken",
        "Røyken",
        (
            ("Røyken", 59.7470, 10.3930),
            ("Spikkestad", 59.7470, 10.3410),
            ("Slemmestad", 59.7810, 10.4930),
            ("Bødalen", 59.7650, 10.4100),
            ("Hyggen", 59.7150, 10.4000),
            ("Midtbygda", 59.7350, 10.4200),
        ),
    ),
    (
        "hurum",
        "Hurum",
        (
            ("Sætre", 59.6810, 10.5250),
            ("Tofte", 59.5430, 10.5640),
            ("Klokkarstua", 59.6420, 10.4650),
            ("Filtvet", 59.5730, 10.6200),
            ("Holmsbu", 59.5600, 10.4550),
        ),
    ),
)

OSLO_AREAS: tuple[tuple[str, str, tuple[tuple[str, float, float], ...]], ...] = tuple(
    (name.lower().replace(" ", "-").replace("ø", "o").replace("å", "a").replace("ü", "u"), name, ((name, lat, lon),))
    for name, lat, lon in (
        ("Gamle Oslo", 59.9070, 10.7780),
        ("Grünerløkka", 59.9250, 10.7600),
        ("Sagene", 59.9380, 10.7560),
        ("St. Hanshaugen", 59.9270, 10.7380),
        ("Frogner", 59.9220, 10.7070),
        ("Ullern", 59.9250, 10.6600),
        ("Vestre Aker", 59.9580, 10.6700),
        ("Nordre Aker", 59.9530, 10.7600),
        ("Bjerke", 59.9400, 10.8100),
        ("Grorud", 59.9610, 10.8800),
        ("Stovner", 59.9620, 10.9240),
        ("Alna", 59.9280, 10.8480),
        ("Østensjø", 59.8880, 10.8330),
        ("Nordstrand", 59.8600, 10.7950),
        ("Søndre Nordstrand", 59.8350, 10.8150),
    )
)

SECTORS = (
    Sector("helse", "Helse og velferd", "Health and welfare"),
    Sector("skole", "Oppvekst – skole", "Schools"),
    Sector("barnehage", "Oppvekst – barnehage", "Kindergartens"),
    Sector("kultur", "Kultur", "Culture"),
    Sector("teknisk", "Teknisk og eiendom", "Technical services and property"),
    Sector("admin", "Administrasjon og stab", "Administration"),
)

SHIFT_TYPES = (
    ShiftType("day", "Dagvakt", "Day shift", dt.time(7, 0), 480),
    ShiftType("evening", "Kveldsvakt", "Evening shift", dt.time(14, 30), 450),
    ShiftType("night", "Nattevakt", "Night shift", dt.time(21, 45), 570),
    ShiftType("office", "Dagtid", "Office hours", dt.time(8, 0), 450),
    ShiftType("clinic", "Klinikkvakt", "Clinic shift", dt.time(8, 0), 480),
    ShiftType("hotline", "Telefonvakt kveld", "Hotline evening", dt.time(14, 0), 360),
)

WEEKDAYS = (0, 1, 2, 3, 4)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


def _req(*any_of: str) -> QualificationRequirement:
    return QualificationRequirement(any_of=tuple(any_of))


# --- unit kinds: how many, how big, who works there, what they need ---------------------------------------------
@dataclass(frozen=True, slots=True)
class _Role:
    """A role in a unit: share of staff, the qualifications it brings, wage and whether it rotates (turnus)."""

    share: float
    qualifications: tuple[str, ...]
    wage: int


@dataclass(frozen=True, slots=True)
class _KindSpec:
    kind: UnitKind
    sector: str
    name_nb: str
    count: int  # units in the Asker preset
    size: tuple[int, int]  # staff per unit (min, max)
    criticality: Criticality
    turnus: bool
    roles: tuple[_Role, ...]
    #: (shift type, requirement codes any-of, people per 30 staff, criticality, weekdays)
    staffing: tuple[tuple[str, tuple[str, ...], float, Criticality, tuple[int, ...]], ...]


NURSE, HFA, ASSIST = "aut.sykepleier", "aut.helsefagarbeider", "edu.pleieassistent"
C3, C2, C1 = Criticality.CRITICAL, Criticality.IMPORTANT, Criticality.NORMAL
CARE_ROLES = (
    _Role(0.30, (NURSE, "pa.helse"), 340),
    _Role(0.40, (HFA, "pa.helse"), 290),
    _Role(0.30, (ASSIST, "pa.helse"), 255),
)
CARE_STAFFING = (
    ("day", (NURSE,), 2.0, C3, ALL_DAYS),
    ("day", (HFA,), 1.8, C3, ALL_DAYS),
    ("day", (), 2.2, C2, ALL_DAYS),
    ("evening", (NURSE,), 1.0, C3, ALL_DAYS),
    ("evening", (HFA,), 1.6, C3, ALL_DAYS),
    ("evening", (), 1.8, C2, ALL_DAYS),
    ("night", (NURSE,), 0.8, C3, ALL_DAYS),
    ("night", (HFA,), 1.0, C3, ALL_DAYS),
)

KINDS: tuple[_KindSpec, ...] = (
    _KindSpec(
        UnitKind.NURSING_HOME, "helse", "sykehjem", 60, (22, 34), C3, True, CARE_ROLES, CARE_STAFFING
    ),  # 12 homes x 5 wards
    _KindSpec(UnitKind.HOME_CARE, "helse", "hjemmetjeneste", 16, (30, 40), C3, True, CARE_ROLES, CARE_STAFFING),
    _KindSpec(
        UnitKind.SUPPORTED_HOUSING,
        "helse",
        "bofellesskap",
        35,
        (10, 16),
        C3,
        True,
        (
            _Role(0.35, ("aut.vernepleier", "pa.helse"), 330),
            _Role(0.35, (HFA, "pa.helse"), 290),
            _Role(0.30, (ASSIST, "pa.helse"), 255),
        ),
        (
            ("day", (HFA,), 3.0, C3, ALL_DAYS),
            ("day", (), 2.0, C2, ALL_DAYS),
            ("evening", (HFA,), 3.0, C3, ALL_DAYS),
            ("evening", (), 1.0, C2, ALL_DAYS),
            ("night", (HFA,), 2.0, C3, ALL_DAYS),
        ),
    ),
    _KindSpec(
        UnitKind.MENTAL_HEALTH,
        "helse",
        "psykisk helse og rus",
        8,
        (20, 30),
        C2,
        False,
        (
            _Role(0.4, (NURSE, "pa.helse"), 340),
            _Role(0.3, ("aut.vernepleier", "pa.helse"), 330),
            _Role(0.3, ("edu.sosionom", "pa.helse"), 320),
        ),
        (("office", (NURSE, "aut.vernepleier", "edu.sosionom"), 20.0, C2, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.HEALTH_STATION,
        "helse",
        "helsestasjon",
        6,
        (20, 30),
        C2,
        False,
        (
            _Role(0.6, ("aut.helsesykepleier", NURSE, "pa.helse"), 360),
            _Role(0.2, ("aut.jordmor", NURSE, "pa.helse"), 370),
            _Role(0.1, ("aut.lege", "pa.helse"), 620),
            _Role(0.1, ("edu.kontor", "pa.helse"), 260),
        ),
        (("office", ("aut.helsesykepleier", "aut.jordmor", "aut.lege"), 20.0, C2, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.REHAB,
        "helse",
        "rehabilitering",
        3,
        (20, 30),
        C2,
        False,
        (
            _Role(0.5, ("aut.fysioterapeut", "pa.helse"), 330),
            _Role(0.3, ("aut.ergoterapeut", "pa.helse"), 330),
            _Role(0.2, (NURSE, "pa.helse"), 340),
        ),
        (("office", ("aut.fysioterapeut", "aut.ergoterapeut", NURSE), 20.0, C1, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.SCHOOL,
        "skole",
        "skole",
        45,
        (30, 55),
        C2,
        False,
        (
            _Role(0.75, ("edu.grunnskolelaerer", "pa.barneomsorg"), 320),
            _Role(0.25, ("edu.barneassistent", "pa.barneomsorg"), 260),
        ),
        (
            ("office", ("edu.grunnskolelaerer",), 19.0, C2, WEEKDAYS),
            ("office", ("edu.barneassistent",), 6.0, C1, WEEKDAYS),
        ),
    ),
    _KindSpec(
        UnitKind.KINDERGARTEN,
        "barnehage",
        "barnehage",
        30,
        (18, 30),
        C2,
        False,
        (
            _Role(0.45, ("edu.barnehagelaerer", "pa.barnehage"), 300),
            _Role(0.55, ("edu.barneassistent", "pa.barnehage"), 255),
        ),
        (
            ("office", ("edu.barnehagelaerer",), 11.5, C2, WEEKDAYS),
            ("office", ("edu.barneassistent",), 14.0, C2, WEEKDAYS),
        ),
    ),
    _KindSpec(
        UnitKind.LIBRARY,
        "kultur",
        "bibliotek",
        4,
        (8, 16),
        C1,
        False,
        (_Role(0.6, ("edu.bibliotekar",), 300), _Role(0.4, ("edu.kontor",), 260)),
        (("office", (), 24.0, C1, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.SWIMMING_HALL,
        "kultur",
        "svømmehall",
        4,
        (6, 10),
        C1,
        False,
        (_Role(1.0, ("edu.kontor",), 260),),
        (("office", (), 24.0, C1, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.CULTURE,
        "kultur",
        "kulturhus",
        20,
        (4, 20),
        C1,
        False,
        (_Role(1.0, ("edu.kontor",), 270),),
        (("office", (), 24.0, C1, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.TECHNICAL,
        "teknisk",
        "eiendom og drift",
        15,
        (15, 40),
        C2,
        False,
        (_Role(0.5, ("edu.renholder",), 250), _Role(0.2, ("edu.kokk",), 265), _Role(0.3, ("edu.kontor",), 280)),
        (("office", (), 24.0, C2, WEEKDAYS),),
    ),
    _KindSpec(
        UnitKind.ADMINISTRATION,
        "admin",
        "stab",
        32,
        (8, 24),
        C1,
        False,
        (_Role(1.0, ("edu.kontor",), 310),),
        (("office", (), 24.0, C1, WEEKDAYS),),
    ),
)

FIRST_NAMES = (
    "Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Hilde Anna Solveig Marianne Randi Ida Nina Maria "
    "Elisabeth Kristin Jan Per Bjørn Ole Lars Kjell Knut Arne Svein Thomas Hans Geir Tor Morten Terje Odd Erik "
    "Martin Andreas John Fatima Ahmed Mohammed Aisha Hassan Agnieszka Piotr Tomasz Olga Sara Emma Nora Jonas"
).split()
SURNAMES = (
    "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen Eriksen "
    "Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Henriksen Lund Halvorsen Sørensen Jakobsen "
    "Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen "
    "Lie Amundsen Nguyen Rasmussen Ali Ahmed Kowalski Nowak Hussain Khan Berntsen"
).split()
LANGUAGES = ("lang.en", "lang.pl", "lang.ar", "lang.so", "lang.ur", "lang.ti")


@dataclass(frozen=True, slots=True)
class _Preset:
    areas: tuple[tuple[str, str, tuple[tuple[str, float, float], ...]], ...]
    unit_scale: float  # multiplies the Asker unit counts
    size_scale: float  # multiplies unit sizes


_PRESETS: dict[str, _Preset] = {
    "tiny": _Preset(ASKER_AREAS, 0.0, 0.4),
    "small": _Preset(ASKER_AREAS, 0.12, 0.6),
    "asker": _Preset(ASKER_AREAS, 1.0, 1.0),
    "oslo": _Preset(OSLO_AREAS, 7.5, 1.0),
}


def generate_organisation(preset: str = "asker", seed: int = 2020) -> Organisation:
    """Build the demo municipality of ``preset`` (tiny, small, asker, oslo) from ``seed``.

    ``tiny`` has one unit of each kind (about 60 employees), ``small`` a few hundred, ``asker`` about 6,700 in
    about 260 units, ``oslo`` about 50,000.
    """
    if preset not in _PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    spec = _PRESETS[preset]
    rng = random.Random(f"ressursbank-demo/{preset}/{seed}")
    areas = tuple(Area(area_id, name) for area_id, name, _ in spec.areas)
    places = [(area_id, place, lat, lon) for area_id, _, plist in spec.areas for place, lat, lon in plist]

    units: list[Unit] = []
    staffing: list[StaffingRule] = []
    employees: list[Employee] = []
    for kind_spec in KINDS:
        n_units = 1 if spec.unit_scale == 0 else max(1, round(kind_spec.count * spec.unit_scale))
        for index in range(n_units):
            area_id, place, lat, lon = places[(index * 7 + len(units)) % len(places)]
            unit_id = f"{kind_spec.kind.value.replace('_', '-')}-{index + 1:03d}"
            location = Location(
                round(lat + rng.uniform(-0.01, 0.01), 5),
                round(lon + rng.uniform(-0.015, 0.015), 5),
            )
            suffix = f" {index // 5 + 1}, post {index % 5 + 1}" if kind_spec.kind is UnitKind.NURSING_HOME else ""
            unit = Unit(
                id=unit_id,
                name=f"{place} {kind_spec.name_nb}{suffix}",
                kind=kind_spec.kind,
                sector_id=kind_spec.sector,
                area_id=area_id,
                location=location,
                criticality=kind_spec.criticality,
            )
            units.append(unit)
            size = max(3, round(rng.randint(*kind_spec.size) * spec.size_scale))
            staff = [_employee(rng, unit, kind_spec, len(employees) + i + 1) for i in range(size)]
            employees.extend(staff)
            staffing.extend(_staffing(unit, kind_spec, staff))
    return Organisation(
        areas=areas,
        sectors=SECTORS,
        units=tuple(units),
        employees=tuple(employees),
        shift_types=SHIFT_TYPES,
        staffing=tuple(staffing),
        templates=TEMPLATES,
    )


def _weighted(rng: random.Random, options: Sequence[tuple[int, float]]) -> int:
    return rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]


#: KS: care turnus staff ~30 % full-time, mean position ~70 %; others mostly full-time (domain-norway.md 4.2).
TURNUS_POSITIONS = ((100, 30), (80, 20), (75, 15), (60, 15), (50, 10), (40, 5), (20, 5))
OTHER_POSITIONS = ((100, 82), (80, 8), (60, 6), (50, 4))
VOLUNTEER_KINDS = ("corona_clinic", "vaccination_centre", "emergency_childcare", "nursing_home", "home_care")


def _employee(rng: random.Random, unit: Unit, spec: _KindSpec, number: int) -> Employee:
    role = rng.choices(spec.roles, weights=[r.share for r in spec.roles])[0]
    codes = list(role.qualifications)
    health = spec.sector == "helse"
    if health and rng.random() < 0.4:
        codes.append("course.smittevern")
    if health and rng.random() < 0.03:
        codes.append("course.smittesporing")
    if NURSE in codes and rng.random() < 0.05:
        codes.append("course.vaksinasjon")
    if not health and "pa.helse" not in codes and rng.random() < 0.5:
        codes.append("pa.helse")  # many have worked in care before or registered as volunteers
    if spec.kind is UnitKind.SCHOOL and rng.random() < 0.2:
        codes.append("pa.barnehage")
    if spec.kind is UnitKind.KINDERGARTEN and rng.random() < 0.3:
        codes.append("pa.barneomsorg")
    if rng.random() < 0.12:
        codes.append(rng.choice(LANGUAGES))
    if rng.random() < 0.5:
        codes.append("lang.en")
    codes = list(dict.fromkeys(codes))
    position = _weighted(rng, TURNUS_POSITIONS if spec.turnus else OTHER_POSITIONS)
    wants_more = position < 100 and rng.random() < 0.35
    willing = frozenset(rng.sample(VOLUNTEER_KINDS, rng.randint(1, 3))) if rng.random() < 0.45 else frozenset()
    restrictions: list[Restriction] = []
    if rng.random() < 0.04:
        restrictions.append(Restriction(RestrictionFlag.NO_COVID_CONTACT, dt.date(2020, 3, 1), None, "hr-radgiver"))
    if rng.random() < 0.01:
        restrictions.append(Restriction(RestrictionFlag.NO_NIGHTS, dt.date(2019, 1, 1), None, "hr-radgiver"))
    return Employee(
        id=f"A{number:05d}",
        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        home_unit_id=unit.id,
        position_pct=position,
        weekly_hours_norm=35.5 if spec.turnus else 37.5,
        qualifications=tuple(
            HeldQualification(code, dt.date(2005, 1, 1) if code.startswith("aut.") else None) for code in codes
        ),
        preferences=Preferences(
            willing_unit_kinds=willing,
            max_travel_km=float(rng.choice((10, 15, 20, 25, 30, 40))),
            wants_more_hours=wants_more,
            avoid_nights=spec.turnus and rng.random() < 0.3,
            avoid_weekends=rng.random() < 0.2,
        ),
        restrictions=tuple(restrictions),
        rule_set_id="ks-turnus" if spec.turnus else "aml-default",
        hourly_wage_nok=role.wage + rng.randint(-15, 25),
        sector_id=spec.sector,
    )


def _staffing(unit: Unit, spec: _KindSpec, staff: list[Employee]) -> list[StaffingRule]:
    """Normal needs scaled to the unit's size, so a normal week fills ~85-90 % of contracted hours."""
    rules = []
    for shift_id, codes, per_30, criticality, weekdays in spec.staffing:
        count = max(1, math.floor(per_30 * len(staff) / 30 + 0.5))
        rules.append(
            StaffingRule(
                unit_id=unit.id,
                shift_type_id=shift_id,
                requirement=_req(*codes),
                count=count,
                criticality=criticality,
                weekdays=weekdays,
                task="" if codes else "uten faglige krav / no professional requirement",
            )
        )
    return rules


# --- templates and scenarios ------------------------------------------------------------------------------------
TEMPLATES = (
    UnitTemplate(
        id="corona-clinic",
        name_nb="Koronapoliklinikk",
        name_en="Corona clinic",
        kind=UnitKind.CORONA_CLINIC,
        sector_id="helse",
        criticality=C3,
        staffing=(
            TemplateStaffing("clinic", _req("aut.lege"), 1, C3, ALL_DAYS, True, "lege / doctor"),
            TemplateStaffing("clinic", _req(NURSE, HFA), 3, C3, ALL_DAYS, True, "prøvetaking / sampling"),
            TemplateStaffing("office", _req("course.smittesporing"), 6, C3, ALL_DAYS, False, "smittesporing / tracing"),
            TemplateStaffing(
                "office", _req(NURSE, HFA, "aut.helsesykepleier"), 3, C2, ALL_DAYS, False, "koronatelefon / hotline"
            ),
            TemplateStaffing(
                "hotline", _req(NURSE, HFA, "aut.helsesykepleier"), 2, C2, WEEKDAYS, False, "koronatelefon kveld"
            ),
            TemplateStaffing("clinic", QualificationRequirement(), 3, C1, ALL_DAYS, False, "logistikk / logistics"),
        ),
    ),
    UnitTemplate(
        id="vaccination-centre",
        name_nb="Vaksinasjonssenter",
        name_en="Vaccination centre",
        kind=UnitKind.VACCINATION_CENTRE,
        sector_id="helse",
        criticality=C3,
        staffing=(
            TemplateStaffing("clinic", _req("aut.lege"), 1, C3, WEEKDAYS, False, "ansvarlig lege"),
            TemplateStaffing(
                "clinic",
                QualificationRequirement(all_of=(NURSE, "course.vaksinasjon")),
                10,
                C3,
                WEEKDAYS,
                False,
                "vaksinatør / vaccinator",
            ),
            TemplateStaffing(
                "clinic", QualificationRequirement(), 8, C2, WEEKDAYS, False, "mottak og flyt / reception"
            ),
        ),
    ),
    UnitTemplate(
        id="emergency-childcare",
        name_nb="Beredskapsbarnehage",
        name_en="Emergency childcare",
        kind=UnitKind.EMERGENCY_CHILDCARE,
        sector_id="barnehage",
        criticality=C3,
        staffing=(
            TemplateStaffing("office", _req("edu.barnehagelaerer", "edu.grunnskolelaerer"), 2, C3, WEEKDAYS),
            TemplateStaffing("office", _req("edu.barneassistent"), 3, C3, WEEKDAYS),
        ),
    ),
)


def demo_scenarios(org: Organisation) -> dict[str, Scenario]:
    """The demo crises on ``org``: ``covid-2020-03``, ``vaccination-2021`` and ``winter-sickleave``."""
    areas = [a.id for a in org.areas]

    def place(area_index: int, name: str) -> tuple[str, Location]:
        area = areas[area_index % len(areas)]
        sample = next((u for u in org.units if u.area_id == area), org.units[0])
        return area, sample.location

    d = dt.date
    clinic_area, clinic_loc = place(0, "Borgen")
    ec = [place(i, "") for i in range(min(3, len(areas)))]
    covid = Scenario(
        id="covid-2020-03",
        name_nb="Korona mars 2020",
        name_en="COVID-19, March 2020",
        start=d(2020, 3, 16),
        description=(
            "Skoler og barnehager stengt unntatt beredskapstilbud; bibliotek, kultur og svømmehaller stengt; "
            "koronapoliklinikk åpnet 19. mars; økt behov i sykehjem og hjemmetjeneste; sykefravær."
        ),
        events=(
            CloseUnits(start=d(2020, 3, 16), end=d(2020, 4, 19), kinds=(UnitKind.SCHOOL, UnitKind.KINDERGARTEN)),
            CloseUnits(
                start=d(2020, 3, 16),
                end=d(2020, 5, 10),
                kinds=(UnitKind.LIBRARY, UnitKind.SWIMMING_HALL, UnitKind.CULTURE),
            ),
            ReduceUnits(start=d(2020, 3, 16), end=d(2020, 4, 30), capacity_pct=50, kinds=(UnitKind.REHAB,)),
            ReduceUnits(start=d(2020, 3, 16), end=d(2020, 4, 30), capacity_pct=70, kinds=(UnitKind.HEALTH_STATION,)),
            OpenUnit(
                start=d(2020, 3, 19),
                end=d(2020, 6, 30),
                unit_id="koronapoliklinikk",
                name="Koronapoliklinikken, Borgen helsestasjon",
                template_id="corona-clinic",
                area_id=clinic_area,
                location=clinic_loc,
                scale_pct=100 if len(org.employees) < 20000 else 600,
            ),
            *(
                OpenUnit(
                    start=d(2020, 3, 16),
                    end=d(2020, 4, 19),
                    unit_id=f"beredskap-{i + 1}",
                    name=f"Beredskapsbarnehage {org.areas[i].name}",
                    template_id="emergency-childcare",
                    area_id=area,
                    location=loc,
                )
                for i, (area, loc) in enumerate(ec)
            ),
            Surge(
                start=d(2020, 3, 23),
                end=d(2020, 4, 30),
                factor_pct=115,
                kinds=(UnitKind.NURSING_HOME, UnitKind.HOME_CARE),
            ),
            AbsenceWave(
                start=d(2020, 3, 16),
                end=d(2020, 4, 5),
                rate_pct=12,
                days=10,
                kinds=(UnitKind.NURSING_HOME, UnitKind.HOME_CARE),
                seed=2020,
            ),
        ),
    )
    vac_area, vac_loc = place(0, "Lensmannslia")
    tofte_area, tofte_loc = place(2, "Tofte")
    vaccination = Scenario(
        id="vaccination-2021",
        name_nb="Massevaksinasjon 2021",
        name_en="Mass vaccination 2021",
        start=d(2021, 3, 1),
        description="Vaksinasjonssentre i Lensmannslia 4 (fra 1. mars) og Tofte samfunnshus (fra 12. april).",
        events=(
            OpenUnit(
                start=d(2021, 3, 1),
                end=d(2021, 9, 30),
                unit_id="vaksine-lensmannslia",
                name="Vaksinasjonssenter Lensmannslia 4",
                template_id="vaccination-centre",
                area_id=vac_area,
                location=vac_loc,
            ),
            OpenUnit(
                start=d(2021, 3, 15),
                end=d(2021, 9, 30),
                unit_id="vaksine-tofte",
                name="Vaksinasjonssenter Tofte samfunnshus",
                template_id="vaccination-centre",
                area_id=tofte_area,
                location=tofte_loc,
                scale_pct=50,
            ),
            ReduceUnits(start=d(2021, 3, 1), end=d(2021, 6, 30), capacity_pct=80, kinds=(UnitKind.HEALTH_STATION,)),
            AbsenceWave(
                start=d(2021, 3, 1), end=d(2021, 3, 28), rate_pct=5, days=5, kinds=(UnitKind.NURSING_HOME,), seed=2021
            ),
        ),
    )
    winter = Scenario(
        id="winter-sickleave",
        name_nb="Vintersykefravær",
        name_en="Winter sick leave",
        start=d(2023, 1, 9),
        description="Influensa og RS-virus: høyt sykefravær i helse og skole, økt behov i hjemmetjenesten.",
        events=(
            AbsenceWave(
                start=d(2023, 1, 9),
                end=d(2023, 2, 5),
                rate_pct=14,
                days=6,
                kinds=(UnitKind.NURSING_HOME, UnitKind.HOME_CARE, UnitKind.SUPPORTED_HOUSING),
                seed=2023,
            ),
            AbsenceWave(
                start=d(2023, 1, 9), end=d(2023, 2, 5), rate_pct=10, days=4, kinds=(UnitKind.SCHOOL,), seed=2024
            ),
            Surge(start=d(2023, 1, 9), end=d(2023, 2, 5), factor_pct=110, kinds=(UnitKind.HOME_CARE,)),
        ),
    )
    return {s.id: s for s in (covid, vaccination, winter)}
