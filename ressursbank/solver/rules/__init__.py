"""One module per rule record type of ``domain/rules.py``, named like it; each adds that rule to a CP-SAT part.

Qualification, availability, restriction and the hard travel limit are decided once in ``compile.py`` (the
eligibility rows); the modules of those rules say so and expose the check they rely on.
"""
