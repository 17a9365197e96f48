#!/usr/bin/env bash
# Start claimtrack in production: bring the database schema up to date, then serve with gunicorn.
#
#   CLAIMTRACK_DATABASE_URL=postgresql+psycopg://claimtrack@db/claimtrack \
#   CLAIMTRACK_SECRET_KEY=... deploy/start.sh
#
# `flask db upgrade` is idempotent: it does nothing when the schema is current.  With several app servers,
# let one of them (or the release step of the deployment) run it before the others start; see README.
# Arguments are passed to gunicorn (for example --workers 4 or --bind 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${CLAIMTRACK_BIN:-.venv/bin}"
export FLASK_APP=wsgi.py
# Production checks in create_app (PUBLISHER_URL must be the public site): a bad setting stops the start here.
export CLAIMTRACK_PRODUCTION="${CLAIMTRACK_PRODUCTION:-true}"

if [ "${CLAIMTRACK_MIGRATE_ON_START:-true}" = "true" ]; then
  "$BIN/flask" db upgrade
fi
exec "$BIN/gunicorn" -c deploy/gunicorn.conf.py "$@" wsgi:app
