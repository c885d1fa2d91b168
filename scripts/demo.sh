#!/usr/bin/env bash
# The main job on a fresh machine: set up, build the Asker-size demo into SQLite, apply and plan covid-2020-03
# (4 weeks), then serve the web app on it and print the address.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RESSURSBANK_HOME=${RESSURSBANK_HOME:-$PWD/var}
# The demo replays March 2020: offers are made as on the Friday before the schools closed.
export RESSURSBANK_TODAY=${RESSURSBANK_TODAY:-2020-03-13}
.venv/bin/ressursbank demo --preset "${RESSURSBANK_DEMO_PRESET:-asker}" --seed 2020 --scenario covid-2020-03 --fresh \
  --plan --time-limit "${RESSURSBANK_DEMO_TIME_LIMIT:-60}"
exec .venv/bin/ressursbank serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --workers 2
