"""The domain: what the world is. Frozen dataclasses, standard library only, validated on construction."""

from ressursbank.domain.needs import Need, QualificationRequirement, ShiftType, StaffingRule
from ressursbank.domain.organisation import (
    Area,
    Criticality,
    Location,
    OpeningStatus,
    Sector,
    StatusPeriod,
    Unit,
    UnitKind,
)
from ressursbank.domain.people import (
    Absence,
    AbsenceKind,
    Employee,
    HeldQualification,
    Preferences,
    Restriction,
    RestrictionFlag,
)
from ressursbank.domain.plan import Assignment, Loan, Pin, Plan, Training
from ressursbank.domain.problem import Organisation, Problem, build_problem
from ressursbank.domain.qualifications import QualificationKind, QualificationType, TrainableSkill
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

__all__ = [
    "Absence",
    "AbsenceKind",
    "AbsenceWave",
    "Area",
    "Assignment",
    "CloseUnits",
    "Criticality",
    "Employee",
    "HeldQualification",
    "Loan",
    "Location",
    "Need",
    "OpenUnit",
    "OpeningStatus",
    "Organisation",
    "Pin",
    "Plan",
    "Preferences",
    "Problem",
    "QualificationKind",
    "QualificationRequirement",
    "QualificationType",
    "ReduceUnits",
    "Restriction",
    "RestrictionFlag",
    "Scenario",
    "Sector",
    "ShiftType",
    "StaffingRule",
    "StatusPeriod",
    "Surge",
    "TemplateStaffing",
    "TrainableSkill",
    "Training",
    "Unit",
    "UnitKind",
    "UnitTemplate",
    "build_problem",
]
