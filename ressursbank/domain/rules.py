"""Working-time law and tariff rules as data records, each with a citation and a validity period.

Every rule type here has one solver module named like it (``ressursbank/solver/rules/<snake_name>.py``) and one
check in the checker. A rule is a *hard stop* or a *warning* with a cost per unit of violation, as the rule set
says. Values come from domain-norway.md section 1 (AML chapter 10, KS Hovedtariffavtalen).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import TypeVar

from ressursbank.domain._validate import require, require_id, require_unique

R = TypeVar("R", bound="Rule")


class Severity(enum.StrEnum):
    HARD = "hard"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """Common fields of every rule record."""

    id: str
    label_nb: str
    label_en: str
    citation: str
    severity: Severity = Severity.HARD
    #: Cost per unit of violation (per minute, per shift, ... as the rule type says) when a warning.
    cost: int = 0
    valid_from: dt.date = dt.date(2000, 1, 1)
    valid_to: dt.date | None = None
    #: An agreement that relaxes the statutory default (level I/T/U/A and reference), if any.
    agreement: str = ""

    def __post_init__(self) -> None:
        require_id(self.id, "rule")
        require(self.label_nb != "" and self.label_en != "", f"rule {self.id}: labels are required")
        require(self.citation != "", f"rule {self.id}: a citation is required")
        require(self.cost >= 0, f"rule {self.id}: cost must be >= 0")
        require(
            self.severity is Severity.HARD or self.cost > 0,
            f"rule {self.id}: a warning needs a positive cost",
        )
        if self.valid_to is not None:
            require(self.valid_to >= self.valid_from, f"rule {self.id}: valid_to before valid_from")

    @property
    def is_hard(self) -> bool:
        return self.severity is Severity.HARD

    def label(self, lang: str) -> str:
        return self.label_nb if lang == "nb" else self.label_en


@dataclass(frozen=True, slots=True, kw_only=True)
class QualificationValid(Rule):
    """The assigned person holds a qualification that fills the need, valid on the date, and the politiattest
    type the host unit's kind requires."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Availability(Rule):
    """No shift overlaps the person's absences."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RestrictionRespected(Rule):
    """Restriction flags: no COVID-contact tasks, no night shifts, no redeployment, as flagged."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OneShiftAtATime(Rule):
    """A person works at most one shift at a time."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyRest(Rule):
    """At least ``min_hours`` continuous rest between two shifts (AML § 10-8 (1)); a lower value only by agreement."""

    min_hours: float = 11.0

    def __post_init__(self) -> None:
        Rule.__post_init__(self)
        require(
            8.0 <= self.min_hours <= 24.0,
            f"rule {self.id}: daily rest {self.min_hours} h below the 8 h floor",
        )
        require(
            self.min_hours >= 11.0 or self.agreement != "",
            f"rule {self.id}: less than 11 h needs an agreement",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyRest(Rule):
    """At least ``min_hours`` continuous rest in every 7 days (AML § 10-8 (2)), checked per calendar week."""

    min_hours: float = 35.0

    def __post_init__(self) -> None:
        Rule.__post_init__(self)
        require(
            28.0 <= self.min_hours <= 96.0,
            f"rule {self.id}: weekly rest {self.min_hours} h below the 28 h floor",
        )
        require(
            self.min_hours >= 35.0 or self.agreement != "",
            f"rule {self.id}: less than 35 h needs an agreement",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MaxHoursPerDay(Rule):
    """Total working hours per 24 h (AML § 10-6 (8): 13 h; 16 h by agreement)."""

    max_hours: float = 13.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MaxHoursPerWeek(Rule):
    """Total working hours per calendar week including overtime (AML § 10-6 (8): 48 h averaged, 69 h absolute)."""

    max_hours: float = 48.0


@dataclass(frozen=True, slots=True, kw_only=True)
class OvertimeCaps(Rule):
    """Overtime (hours above the full-time norm) per week, per 4 weeks and per year (AML § 10-6 (4))."""

    per_week_hours: float = 10.0
    per_4_weeks_hours: float = 25.0
    per_year_hours: float = 200.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionNorm(Rule):
    """Hours per week stay within the position (stillingsprosent) unless the person wants more hours; extra
    hours up to the full-time norm are merarbeid, above it overtime. ``cost`` is per extra hour."""

    #: Hours a part-timer who wants more may work beyond their position without it being overtime.
    allow_extra_for_volunteers: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SundayAlternation(Rule):
    """Work on a Sunday means the next Sunday off (AML § 10-8 (4))."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MaxTravel(Rule):
    """A loan goes no further from the home unit than the person's ``max_travel_km`` (and ``hard_limit_km``)."""

    hard_limit_km: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeCriticalFirst(Rule):
    """A unit's own critical needs are covered before its people are lent out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Cohort(Rule):
    """Infection control: one person works at one unit per ``period_days`` (optional)."""

    period_days: int = 14


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectiveWeights:
    """Weights of the plan objective, in points; the order of the fields is the order of importance.

    The weights are chosen so that each term dominates the realistic range of the terms below it (see
    docs/objective.md). Money (``cost``) is counted in øre, so one point is one øre.
    """

    #: Per missing person on a critical need.
    unmet_critical: int = 100_000_000_000
    #: Per missing person on any other need.
    unmet_other: int = 10_000_000_000
    #: Per minute above the full-time norm in a week.
    overtime_per_minute: int = 10_000_000
    #: Per person who works at least one shift away from the home unit.
    moved_person: int = 200_000_000
    #: Per kilometre between home and host unit, per shift worked away.
    travel_per_km: int = 1_000_000
    #: Per person who works at least one shift in another sector.
    outside_sector_person: int = 50_000_000
    #: Per shift the person would rather avoid (nights, weekends, a unit kind they did not volunteer for).
    unwanted_shift: int = 5_000_000
    #: Times the square of each person's count of evening, night and weekend shifts.
    unsocial_squared: int = 50_000
    #: Per øre of wages and supplements.
    cost_per_ore: int = 1
    #: Per assignment added to or removed from the hint (the current plan).
    change: int = 1_000

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            require(getattr(self, name) >= 0, f"objective weight {name} must be >= 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Supplement:
    """A KS pay supplement with its amount and validity (HTA kap. 1 § 5)."""

    id: str
    label_nb: str
    label_en: str
    citation: str
    nok_per_hour: int = 0
    #: For percentage supplements (overtime): percentage of hourly pay.
    percent: int = 0
    valid_from: dt.date = dt.date(2000, 1, 1)
    valid_to: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSet:
    """The rules that apply to a group of employees, and the tariff supplements that price their hours."""

    id: str
    label_nb: str
    label_en: str
    rules: tuple[Rule, ...]
    supplements: tuple[Supplement, ...] = ()
    full_time_weekly_hours: float = 37.5

    def __post_init__(self) -> None:
        require_id(self.id, "rule set")
        require_unique((r.id for r in self.rules), f"rule set {self.id}")

    def of_type(self, kind: type[R]) -> tuple[R, ...]:
        return tuple(r for r in self.rules if isinstance(r, kind))

    def first(self, kind: type[R]) -> R | None:
        found = self.of_type(kind)
        return found[0] if found else None


AML = "Arbeidsmiljøloven"


def aml_default_rules() -> tuple[Rule, ...]:
    """AML chapter 10 defaults with the rule records the engine knows."""
    return (
        QualificationValid(
            id="qualification",
            label_nb="Kvalifikasjon og politiattest",
            label_en="Qualification and police certificate",
            citation="helsepersonelloven § 48; HOT § 5-4; barnehageloven § 30",
        ),
        Availability(id="availability", label_nb="Tilgjengelighet", label_en="Availability", citation="Arbeidsavtale"),
        RestrictionRespected(
            id="restriction",
            label_nb="Ikke tilgjengelig for denne oppgaven",
            label_en="Not available for this task",
            citation="GDPR art. 9; smittevernfaglige råd (FHI)",
        ),
        OneShiftAtATime(
            id="one-shift",
            label_nb="Én vakt om gangen",
            label_en="One shift at a time",
            citation=AML + " § 10-1",
        ),
        DailyRest(
            id="daily-rest",
            label_nb="Døgnhvile 11 t",
            label_en="Daily rest 11 h",
            citation=AML + " § 10-8 (1)",
        ),
        WeeklyRest(
            id="weekly-rest",
            label_nb="Ukehvile 35 t",
            label_en="Weekly rest 35 h",
            citation=AML + " § 10-8 (2)",
        ),
        MaxHoursPerDay(
            id="max-day",
            label_nb="Maks 13 t per døgn",
            label_en="Max 13 h per 24 h",
            citation=AML + " § 10-6 (8)",
        ),
        MaxHoursPerWeek(
            id="max-week",
            label_nb="Maks 48 t per uke",
            label_en="Max 48 h per week",
            citation=AML + " § 10-6 (8)",
        ),
        OvertimeCaps(
            id="overtime",
            label_nb="Overtid 10/25/200 t",
            label_en="Overtime 10/25/200 h",
            citation=AML + " § 10-6 (4)",
        ),
        PositionNorm(
            id="position",
            label_nb="Stillingsprosent (merarbeid bare for dem som ønsker det)",
            label_en="Position size (extra hours only for those who want them)",
            citation=AML + " § 14-3; KS HTA § 4",
            severity=Severity.WARNING,
            cost=120_000_000,
        ),
        SundayAlternation(
            id="sunday",
            label_nb="Fri annenhver søndag",
            label_en="Every other Sunday off",
            citation=AML + " § 10-8 (4)",
            severity=Severity.WARNING,
            cost=50_000_000,
        ),
        MaxTravel(
            id="travel",
            label_nb="Maks reiseavstand",
            label_en="Maximum travel",
            citation="Styringsretten (saklighet)",
        ),
        HomeCriticalFirst(
            id="home-critical-first",
            label_nb="Egen kritisk drift først",
            label_en="Own critical service first",
            citation="Kommunens beredskapsplan",
        ),
    )


def ks_supplements() -> tuple[Supplement, ...]:
    """KS supplements (HTA 2014 minimum amounts; edit as the tariff is renegotiated)."""
    return (
        Supplement(
            id="evening-night",
            label_nb="Kvelds- og nattillegg",
            label_en="Evening and night supplement",
            citation="KS HTA kap. 1 § 5.4",
            nok_per_hour=56,
        ),
        Supplement(
            id="weekend",
            label_nb="Lørdags- og søndagstillegg",
            label_en="Weekend supplement",
            citation="KS HTA kap. 1 § 5.2",
            nok_per_hour=35,
        ),
        Supplement(
            id="overtime",
            label_nb="Overtid 50 %",
            label_en="Overtime 50 %",
            citation="KS HTA kap. 1 § 6",
            percent=50,
        ),
        Supplement(
            id="overtime-raised",
            label_nb="Forhøyet overtid 100 %",
            label_en="Raised overtime 100 %",
            citation="KS HTA kap. 1 § 6",
            percent=100,
        ),
    )


def standard_rule_sets() -> tuple[RuleSet, ...]:
    """``aml-default`` (37.5 h day workers) and ``ks-turnus`` (35.5 h rotating shifts, HTA § 4.2.3)."""
    rules = aml_default_rules()
    return (
        RuleSet(
            id="aml-default",
            label_nb="AML standard",
            label_en="AML default",
            rules=rules,
            supplements=ks_supplements(),
        ),
        RuleSet(
            id="ks-turnus",
            label_nb="KS turnus 35,5 t",
            label_en="KS rotating shifts 35.5 h",
            rules=rules,
            supplements=ks_supplements(),
            full_time_weekly_hours=35.5,
        ),
    )
