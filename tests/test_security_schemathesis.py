"""schemathesis against the OpenAPI schema: every API operation, fuzzed as each role and as nobody, never a 5xx.

The schemathesis pytest loader (``from_fixture``) does not run under pytest 9 yet, so the test walks the schema's
operations itself and drives each operation's hypothesis strategy with ``@given``.
"""

# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.test_api_support import (  # noqa: F401 (fixtures)
    auth_headers,
    web_app,
    web_template,
    web_url,
)

ROLES = ("anonymous", "hr", "manager", "employee", "leadership", "auditor")
EXAMPLES_PER_OPERATION = 4


@pytest.mark.slow
def test_no_server_error_for_any_role_on_any_operation(
    web_app: Any, auth_headers: Callable[[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated requests to every operation of the OpenAPI schema, each sent as every role and as nobody, never
    get a server error (``not_a_server_error``)."""
    monkeypatch.setenv("RESSURSBANK_PLANNER", "tests.test_api_support:fake_planner")
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "0")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web_app)
    headers = {role: ({} if role == "anonymous" else auth_headers(role)) for role in ROLES}
    sent: Counter[str] = Counter()
    operations = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema raises here, failing the test
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            for role in ROLES:
                sent[role] += 1
                case.call_and_validate(headers=headers[role], checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:  # collect every failing operation, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    print(
        f"\nschemathesis: {operations} operations, {sum(sent.values())} requests "
        f"({sum(sent.values()) // len(ROLES)} generated cases x {len(ROLES)} roles), server errors: {len(failures)}"
    )
    assert failures == [], "\n".join(failures)
