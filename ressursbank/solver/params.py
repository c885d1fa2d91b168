"""Solve parameters as data, with presets fast / default / thorough read from TOML files."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from importlib import resources

from ressursbank.domain.rules import ObjectiveWeights

#: ``progress(phase, best_objective, bound, gap, fraction_done)``.
Progress = Callable[[str, int, int, float, float], None]

PRESETS = ("fast", "default", "thorough")


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How to solve.

    Attributes
    ----------
    time_limit_s
        Wall-time budget for the whole solve (compile, construction, improvement, bound).
    seed
        Random seed; with ``processes = 1`` a solve is deterministic.
    processes
        Worker processes for the large-neighbourhood search (sub-models run in parallel).
    sub_time_limit_s
        Time limit of one CP-SAT sub-model.
    neighbourhood_employees
        People freed in one neighbourhood.
    neighbourhood_days
        Days of the plan freed in one neighbourhood.
    max_parts
        Stop the large-neighbourhood search after this many parts (0: only the time limit). With one process, a
        seed and a part limit reached before the time limit, a solve is deterministic (parts are then limited by
        CP-SAT's deterministic time, not by the clock).
    monolithic
        Solve one CP-SAT model of the whole problem instead (a baseline; does not scale).
    construction_only
        Stop after the greedy construction (a baseline).
    local_search_rounds
        Passes of the fast local search (shift transfers, ejection chains, swaps) between the construction and the
        CP-SAT parts; 0 leaves it out. With ``processes > 1`` two processes first search the two halves of the
        weeks at once.
    local_search_share
        The local search stops at this share of the time limit (counted from the start of the solve).
    bound_lagrange_evaluations
        Price points of the Lagrangian bound over day-level rosters (``bound_lagrange``) after the weekly flow, in
        the bound's own process while the search runs (until shortly before the deadline); 0 leaves it out. Each
        costs 2-3 CPU seconds on Asker that the search shares; the first (at the flow's duals) adds the most.
    weights
        The objective weights.
    """

    time_limit_s: float = 45.0
    seed: int = 1
    processes: int = 2
    sub_time_limit_s: float = 2.0
    neighbourhood_employees: int = 80
    neighbourhood_days: int = 7
    max_parts: int = 0
    monolithic: bool = False
    construction_only: bool = False
    local_search_rounds: int = 8
    local_search_share: float = 0.9
    bound_lagrange_evaluations: int = 0
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)

    @classmethod
    def preset(cls, name: str = "default", **overrides: object) -> SolveParams:
        """Read ``ressursbank/solver/presets/<name>.toml``; keyword arguments override its values."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        text = resources.files("ressursbank.solver").joinpath("presets", f"{name}.toml").read_text("utf-8")
        data = tomllib.loads(text)
        known = {f.name for f in fields(cls)} - {"weights"}
        unknown = set(data) - known - {"weights"}
        if unknown:
            raise ValueError(f"preset {name}: unknown settings {sorted(unknown)}")
        weights = ObjectiveWeights(**data.pop("weights", {}))
        params = cls(weights=weights, **data)
        return replace(params, **overrides)  # type: ignore[arg-type]
