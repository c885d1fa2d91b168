#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, virtual environment, PostgreSQL, then pytest
# (fast, slow, PostgreSQL and browser tests alike). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/setup.sh
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  RESSURSBANK_TEST_POSTGRES_URL=$(scripts/postgres.sh start)
  export RESSURSBANK_TEST_POSTGRES_URL
fi
if command -v chromium >/dev/null 2>&1; then export RESSURSBANK_CHROMIUM=${RESSURSBANK_CHROMIUM:-$(command -v chromium)}; fi
set +e
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
rc=$?
set -e
# pytest exits 5 when it collected no tests: not a failure of the suite.
if [ $rc -eq 5 ]; then rc=0; fi
exit $rc
