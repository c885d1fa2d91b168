"""CP-SAT engine for the Curtois & Qu benchmark: model, rule builders, construction heuristic, LNS, presets."""

from __future__ import annotations
