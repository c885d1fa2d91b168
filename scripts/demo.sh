#!/usr/bin/env bash
# The main job on a fresh machine: set up, build the Asker-size demo into SQLite, apply covid-2020-03,
# plan it, then serve the web app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RESSURSBANK_DATABASE_URL=${RESSURSBANK_DATABASE_URL:-sqlite:///$PWD/var/ressursbank.sqlite}
mkdir -p var
.venv/bin/ressursbank demo --preset asker --seed 2020 --scenario covid-2020-03 --fresh
.venv/bin/ressursbank plan --scenario covid-2020-03 --weeks 4 --time-limit "${RESSURSBANK_DEMO_TIME_LIMIT:-60}"
exec .venv/bin/ressursbank serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
