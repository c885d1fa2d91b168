"""OneShiftAtATime: overlapping shifts of one person are in one at-most-one clique (with a rest of 0 minutes).

``daily_rest`` builds the cliques; when a rule set has no DailyRest, the rest used is 0, which is this rule.
"""

from __future__ import annotations


def overlap_or_short_rest(start_a: int, end_a: int, start_b: int, end_b: int, rest: int) -> bool:
    """True when two shifts overlap or leave less than ``rest`` minutes between them."""
    return not (end_a + rest <= start_b or end_b + rest <= start_a)
