#!/usr/bin/env bash
# The load run: 50 simulated staff across roles for 60 seconds against gunicorn
# (2 workers) on PostgreSQL, loopback only. Prints p50/p95/p99 and the error count; exits
# non-zero on any error. `make load` runs it.
#
# It creates (drops and re-creates) the database caseaudit_load, migrates it and builds the
# county demo (seed_demo). MFA is switched off for the run (REQUIRE_MFA=0): a simulated user
# cannot type a second factor. Settings for plain HTTP on loopback: no HTTPS redirect, no
# secure-only cookies.
#
# Environment: LOAD_PG (server, default postgres://postgres@127.0.0.1:5432), LOAD_DB
# (caseaudit_load), LOAD_PORT (8765), LOAD_USERS (50), LOAD_RATE (10), LOAD_TIME (60s),
# LOAD_OUT (folder for the CSVs and logs, /tmp/caseaudit-load), LOAD_KEEP_DB=1 to reuse an
# existing, seeded database.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${BIN:-.venv/bin}
PG=${LOAD_PG:-postgres://postgres@127.0.0.1:5432}
DB=${LOAD_DB:-caseaudit_load}
PORT=${LOAD_PORT:-8765}
USERS=${LOAD_USERS:-50}
RATE=${LOAD_RATE:-10}
TIME=${LOAD_TIME:-60s}
OUT=${LOAD_OUT:-/tmp/caseaudit-load}
HOST=127.0.0.1

export DATABASE_URL="$PG/$DB"
# A throwaway database on loopback: a fixed key keeps the sessions of a reused database valid.
export SECRET_KEY=caseaudit-load-test-only-never-for-production-0123456789
export DEBUG=0 REQUIRE_MFA=0
export ALLOWED_HOSTS=$HOST SITE_URL="http://$HOST:$PORT"
export SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export LOG_LEVEL=WARNING
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$OUT"
rm -f "$OUT"/load_*.csv "$OUT/browsing.json" "$OUT/access.log"
export LOAD_BROWSING="$OUT/browsing.json"

if [ "${LOAD_KEEP_DB:-0}" != 1 ]; then
  echo "load: creating database $DB"
  "$BIN/python" - "$PG/postgres" "$DB" <<'PY'
import sys
import psycopg
from psycopg import sql

with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    name = sql.Identifier(sys.argv[2])
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
PY
fi
"$BIN/python" manage.py migrate --noinput -v 0
"$BIN/python" manage.py collectstatic --noinput -v 0  # as a deployment does (hashed names)
echo "load: seed_demo --scale county"
"$BIN/python" manage.py seed_demo --scale county > "$OUT/seed.log"
grep "^Built\|already" "$OUT/seed.log" || tail -n 3 "$OUT/seed.log"

# Several accounts per role, so the simulated users see different teams' data.
export LOAD_ACCOUNTS="$OUT/accounts.json"
"$BIN/python" manage.py shell -v 0 -c "
import json
from caseaudit.core.demo import demo_email
from caseaudit.organisation.models import Staff
roles = ['practitioner', 'practice_supervisor', 'team_manager', 'performance']
accounts = {}
for role in roles:
    others = Staff.objects.active().filter(role=role).exclude(user__email=demo_email(role))
    emails = list(others.order_by('pk').values_list('user__email', flat=True)[:24])
    accounts[role] = [demo_email(role), *emails]
with open('$LOAD_ACCOUNTS', 'w') as out:
    json.dump(accounts, out)
print('load: accounts per role:', {r: len(e) for r, e in accounts.items()})
"

echo "load: gunicorn, 2 workers, on $HOST:$PORT"
"$BIN/gunicorn" caseaudit.wsgi --workers 2 --bind "$HOST:$PORT" --timeout 60 \
  --access-logfile "$OUT/access.log" --access-logformat '%(m)s %(U)s %(s)s %(M)s' \
  --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
stop() { kill "$GUNICORN" 2>/dev/null && wait "$GUNICORN" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 100); do
  if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://$HOST:$PORT/accounts/login/', timeout=2)" 2>/dev/null; then
    break
  fi
  sleep 0.2
done

echo "load: locust, $USERS users (spawn rate $RATE/s) for $TIME"
"$BIN/locust" -f caseaudit/qa/locustfile.py --headless -u "$USERS" -r "$RATE" -t "$TIME" \
  --host "http://$HOST:$PORT" --csv "$OUT/load" --only-summary --stop-timeout 10 \
  --loglevel WARNING > "$OUT/locust.log" 2>&1 || true
stop
trap - EXIT

"$BIN/python" - "$OUT" <<'PY'
import csv
import json
import statistics
import sys

out = sys.argv[1]
with open(f"{out}/load_stats.csv", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
print(f"{'page':42} {'requests':>8} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "all"
    print(
        f"{name[:42]:42} {row['Request Count']:>8} {row['Failure Count']:>6} "
        f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
    )
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"load_requests: {total['Request Count']}")
print(f"load_requests_per_second: {float(total['Requests/s']):.1f}")
print(f"load_p50_ms: {total['50%']}")
print(f"load_p95_ms: {total['95%']}")
print(f"load_p99_ms: {total['99%']}")
print(f"load_errors: {total['Failure Count']}")
with open(f"{out}/browsing.json", encoding="utf-8") as f:
    browsing = json.load(f)
print(f"load_browsing_p50_ms: {browsing['p50']:.0f}  (every request but signing in)")
print(f"load_browsing_p95_ms: {browsing['p95']:.0f}")
print(f"load_browsing_p99_ms: {browsing['p99']:.0f}")
# Time inside gunicorn's workers (the access log's %(M)s): the rest of what users saw is
# waiting for a free worker.
with open(f"{out}/access.log", encoding="utf-8") as f:
    server = sorted(int(line.split()[-1]) for line in f if line.strip())
if len(server) > 1:
    cuts = statistics.quantiles(server, n=100, method="inclusive")
    print(f"load_server_p50_ms: {cuts[49]:.0f}  (inside gunicorn, without queueing)")
    print(f"load_server_p95_ms: {cuts[94]:.0f}")
    print(f"load_server_p99_ms: {cuts[98]:.0f}")
with open(f"{out}/load_failures.csv", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        print(f"  error x{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error'][:200]}")
sys.exit(1 if int(total["Failure Count"]) else 0)
PY
