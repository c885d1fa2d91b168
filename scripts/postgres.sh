#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on loopback for the tests and prints its SQLAlchemy URL.
# Usage: scripts/postgres.sh start|stop
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "postgres: no server installed" >&2; exit 1; }
PGDATA=${RESSURSBANK_PGDATA:-/tmp/ressursbank-pg-$(id -u)}
PGPORT=${RESSURSBANK_PGPORT:-54329}
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "${1:-start}" in
  start)
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      mkdir -p "$PGDATA"
      [ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
      as_pg "$PGBIN/initdb -D $PGDATA -U ressursbank -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! as_pg "$PGBIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -w -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off' start" >/dev/null
    fi
    echo "postgresql+psycopg://ressursbank@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl -D $PGDATA -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
