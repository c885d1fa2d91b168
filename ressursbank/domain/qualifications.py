"""Qualification taxonomy: authorisations (helsepersonelloven § 48), education, politiattest, courses, languages.

A :class:`QualificationType` is an entry of the catalogue; an employee holds a
:class:`~ressursbank.domain.people.HeldQualification` that refers to it by code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ressursbank.domain._validate import require, require_id


class QualificationKind(enum.StrEnum):
    """What kind of evidence a qualification is (design: domain-norway.md section 3.1)."""

    AUTHORISATION = "authorisation"
    LICENCE = "licence"
    SPECIALIST = "specialist"
    EDUCATION = "education"
    CERTIFICATE = "certificate"
    COURSE = "course"
    LANGUAGE = "language"
    POLITIATTEST = "politiattest"
    OCCUPATION = "occupation"
    SKILL = "skill"


@dataclass(frozen=True, slots=True)
class QualificationType:
    """One entry of the qualification catalogue."""

    code: str
    kind: QualificationKind
    label_nb: str
    label_en: str
    citation: str = ""
    #: Qualifications of a higher rank also satisfy this one (e.g. a nurse may do an assistant's task).
    implied_by: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_id(self.code, "qualification type")
        require(self.label_nb != "" and self.label_en != "", f"qualification {self.code}: labels are required")
        require(self.code not in self.implied_by, f"qualification {self.code}: cannot imply itself")


@dataclass(frozen=True, slots=True)
class TrainableSkill:
    """A qualification the municipality can teach: course length, capacity, trainers and validity."""

    code: str
    course_days: int
    capacity_per_day: int
    cost_nok: int
    validity_days: int | None = None
    #: Prerequisite qualifications (any of); empty means anyone can take the course.
    prerequisites_any_of: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_id(self.code, "trainable skill")
        require(self.course_days >= 1, f"trainable skill {self.code}: course_days must be >= 1")
        require(self.capacity_per_day >= 1, f"trainable skill {self.code}: capacity_per_day must be >= 1")
        require(self.cost_nok >= 0, f"trainable skill {self.code}: cost_nok must be >= 0")
        require(
            self.validity_days is None or self.validity_days >= 1,
            f"trainable skill {self.code}: validity_days must be >= 1",
        )


A, E, P, C, L, OCC = (
    QualificationKind.AUTHORISATION,
    QualificationKind.EDUCATION,
    QualificationKind.POLITIATTEST,
    QualificationKind.COURSE,
    QualificationKind.LANGUAGE,
    QualificationKind.OCCUPATION,
)
HPR = "helsepersonelloven § 48"

#: The standard catalogue. Codes are stable; labels are what people read.
STANDARD_CATALOGUE: tuple[QualificationType, ...] = (
    QualificationType("aut.lege", A, "Lege (autorisasjon)", "Physician (authorisation)", HPR),
    QualificationType("aut.sykepleier", A, "Sykepleier (autorisasjon)", "Registered nurse (authorisation)", HPR),
    QualificationType("aut.helsesykepleier", A, "Helsesykepleier", "Public health nurse", HPR),
    QualificationType("aut.vernepleier", A, "Vernepleier (autorisasjon)", "Social educator (authorisation)", HPR),
    QualificationType(
        "aut.helsefagarbeider",
        A,
        "Helsefagarbeider (autorisasjon)",
        "Health worker (authorisation)",
        HPR,
        implied_by=("aut.sykepleier", "aut.vernepleier"),
    ),
    QualificationType("aut.fysioterapeut", A, "Fysioterapeut (autorisasjon)", "Physiotherapist (authorisation)", HPR),
    QualificationType("aut.ergoterapeut", A, "Ergoterapeut (autorisasjon)", "Occupational therapist", HPR),
    QualificationType("aut.jordmor", A, "Jordmor (autorisasjon)", "Midwife (authorisation)", HPR),
    QualificationType(
        "edu.pleieassistent",
        E,
        "Pleieassistent / ufaglært omsorg",
        "Care assistant (unskilled)",
        "KS: oppgaver uten faglige krav",
        implied_by=("aut.helsefagarbeider", "aut.sykepleier", "aut.vernepleier"),
    ),
    QualificationType("edu.grunnskolelaerer", E, "Grunnskolelærer", "Primary/lower-secondary teacher"),
    QualificationType("edu.barnehagelaerer", E, "Barnehagelærer", "Kindergarten teacher"),
    QualificationType(
        "edu.barneassistent",
        E,
        "Barne- og ungdomsarbeider / assistent",
        "Child-care assistant",
        implied_by=("edu.barnehagelaerer", "edu.grunnskolelaerer"),
    ),
    QualificationType("edu.bibliotekar", E, "Bibliotekar", "Librarian"),
    QualificationType("edu.sosionom", E, "Sosionom / barnevernspedagog", "Social worker"),
    QualificationType("edu.kontor", E, "Kontor- og administrasjonsfag", "Office and administration"),
    QualificationType("edu.kokk", E, "Kokk", "Cook"),
    QualificationType("edu.renholder", E, "Renholder", "Cleaner"),
    QualificationType(
        "pa.barnehage", P, "Politiattest barnehage", "Police certificate, kindergarten", "barnehageloven § 30"
    ),
    QualificationType(
        "pa.barneomsorg",
        P,
        "Barneomsorgsattest (skole/SFO)",
        "Police certificate, child care (school)",
        "politiregisterloven § 39",
    ),
    QualificationType(
        "pa.helse", P, "Politiattest helse og omsorg", "Police certificate, health and care", "HOT § 5-4"
    ),
    QualificationType("course.smittesporing", C, "Smittesporing (e-kurs)", "Contact tracing (e-course)"),
    QualificationType("course.vaksinasjon", C, "Vaksinasjonskurs", "Vaccination course"),
    QualificationType("course.prove", C, "Prøvetaking covid-19", "COVID-19 sampling"),
    QualificationType("course.smittevern", C, "Smittevern (e-læring)", "Infection control (e-learning)"),
    QualificationType("lang.en", L, "Engelsk", "English"),
    QualificationType("lang.pl", L, "Polsk", "Polish"),
    QualificationType("lang.ar", L, "Arabisk", "Arabic"),
    QualificationType("lang.so", L, "Somali", "Somali"),
    QualificationType("lang.ur", L, "Urdu", "Urdu"),
    QualificationType("lang.ti", L, "Tigrinja", "Tigrinya"),
    QualificationType("styrk.2223", OCC, "Sykepleiere (STYRK 2223)", "Nurses (ISCO 2223)"),
    QualificationType("styrk.5321", OCC, "Helsefagarbeidere (STYRK 5321)", "Health workers (ISCO 5321)"),
    QualificationType("styrk.2341", OCC, "Grunnskolelærere (STYRK 2341)", "Teachers (ISCO 2341)"),
    QualificationType("styrk.2342", OCC, "Førskolelærere (STYRK 2342)", "Kindergarten teachers (ISCO 2342)"),
    QualificationType("styrk.2622", OCC, "Bibliotekarer (STYRK 2622)", "Librarians (ISCO 2622)"),
)

#: Courses the learning centre can teach (domain-norway.md section 3.4).
STANDARD_TRAINABLE: tuple[TrainableSkill, ...] = (
    TrainableSkill("course.smittesporing", course_days=1, capacity_per_day=20, cost_nok=3000, validity_days=365),
    TrainableSkill(
        "course.vaksinasjon",
        course_days=1,
        capacity_per_day=15,
        cost_nok=3500,
        validity_days=365,
        prerequisites_any_of=("aut.sykepleier", "aut.lege", "aut.helsesykepleier"),
    ),
    TrainableSkill(
        "course.prove",
        course_days=1,
        capacity_per_day=10,
        cost_nok=3000,
        validity_days=365,
        prerequisites_any_of=("aut.sykepleier", "aut.helsefagarbeider", "aut.lege", "aut.helsesykepleier"),
    ),
    TrainableSkill("course.smittevern", course_days=1, capacity_per_day=40, cost_nok=1500, validity_days=730),
)
