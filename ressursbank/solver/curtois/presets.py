"""CP-SAT parameter presets for the Curtois benchmark, as plain data."""

from __future__ import annotations

from collections.abc import Mapping

from ortools.sat.python import cp_model

#: Named parameter sets; ``apply_preset`` copies one onto a solver. Measured on instances 1-19 (see docs).
PRESETS: Mapping[str, Mapping[str, object]] = {
    # The full model: with only 2 workers CP-SAT runs one LP worker; the max-LP worker plus the core-based
    # worker prove instances 2 and 3 optimal in about 2 s where the default pair stalls at a bound of 0-300.
    "full": {"subsolvers": ["max_lp"]},
    # The monolithic model on one worker beside the LNS: the strong LP relaxation of max_lp.
    "portfolio": {"linearization_level": 2},
    # LNS sub-problems: small, re-solved many times; stop early on the first good improvement.
    "neighbourhood": {"linearization_level": 2, "cp_model_presolve": True},
    # CP-SAT's own portfolio (one LP worker + interleaved LNS) on the engine model, with the constructed hint.
    "default": {},
    # The plain baseline: CP-SAT defaults only.
    "baseline": {},
}


def apply_preset(solver: cp_model.CpSolver, name: str, *, time_limit: float, workers: int, seed: int) -> None:
    """Set the preset ``name`` plus time limit, worker count and seed on ``solver``.

    Parameters
    ----------
    solver
        The solver to configure.
    name
        A key of :data:`PRESETS`.
    time_limit
        Seconds of wall time.
    workers
        CP-SAT ``num_workers``.
    seed
        CP-SAT ``random_seed``.
    """
    params = solver.parameters
    for key, value in PRESETS[name].items():
        if isinstance(value, list):
            getattr(params, key).extend(value)
        else:
            setattr(params, key, value)
    params.max_time_in_seconds = max(0.01, time_limit)
    params.num_workers = workers
    params.random_seed = seed
