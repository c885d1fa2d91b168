"""The independent checker: whether a plan is lawful and how good it is (knows nothing about the optimizer)."""

from ressursbank.checker.roster import OBJECTIVE_TERMS, Report, RuleCheck, Unmet, Violation, check_plan

__all__ = ["OBJECTIVE_TERMS", "Report", "RuleCheck", "Unmet", "Violation", "check_plan"]
