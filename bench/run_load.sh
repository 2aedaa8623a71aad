#!/usr/bin/env bash
# Load test: 200 simulated learners browsing and submitting exams against gunicorn for 60 s, and
# router clients calling the bridge at 100 requests per second at the same time.
#
#   bench/run_load.sh            # PostgreSQL database academie_bench_load, recreated and seeded
#
# Environment: LOAD_DB_URL (default postgres://postgres@127.0.0.1:5432/academie_bench_load),
# LOAD_USERS (200), LOAD_BRIDGE_USERS (20), LOAD_BRIDGE_RATE (5 req/s each), LOAD_TIME (60s), LOAD_PORT (8765),
# LOAD_WORKERS (3), LOAD_THREADS (4), LOAD_WORKER_CLASS (gthread),
# LOAD_CACHE_URL (redis://127.0.0.1:6379/2: the Django cache on Redis as in production, so that the
# web processes share it and sessions are read from it, see academy/settings/base.py; that Redis
# database is emptied at the start; LOAD_CACHE_URL= runs without Redis: local-memory cache and
# database sessions), LOAD_KEEP_DB=1 to reuse a seeded database. Prints the figures; CSVs in
# var/bench/load/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=$ROOT/.venv/bin/python
DB_URL=${LOAD_DB_URL:-postgres://postgres@127.0.0.1:5432/academie_bench_load}
DB_NAME=${DB_URL##*/}
USERS=${LOAD_USERS:-200}
export LOAD_BRIDGE_USERS=${LOAD_BRIDGE_USERS:-20} LOAD_BRIDGE_RATE=${LOAD_BRIDGE_RATE:-5}
BRIDGE_USERS=$LOAD_BRIDGE_USERS
PORT=${LOAD_PORT:-8765}
OUT=$ROOT/var/bench/load
VAR=$ROOT/var/bench/load-var
mkdir -p "$OUT" "$VAR"

export DJANGO_SETTINGS_MODULE=academy.settings.dev DEBUG=false DATABASE_URL=$DB_URL ACADEMIE_VAR_DIR=$VAR
export ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING CELERY_TASK_ALWAYS_EAGER=true
export STATIC_ROOT=$VAR/static
export CACHE_URL=${LOAD_CACHE_URL-redis://127.0.0.1:6379/2}
if [ -n "$CACHE_URL" ]; then
  # A cache left by an earlier run (sessions of a dropped database, rate-limit counters) must not count.
  $PY -c 'import os, redis; redis.Redis.from_url(os.environ["CACHE_URL"]).flushdb()' \
    || { echo "Redis unreachable at $CACHE_URL (set LOAD_CACHE_URL= to run without it)" >&2; exit 1; }
fi

# The load generator's own environment (locust brings gevent; the application does not need it).
if [ ! -x var/load-venv/bin/locust ]; then
  python3 -m venv var/load-venv
  var/load-venv/bin/pip install --quiet -r bench/load_requirements.txt
fi

if [ "${LOAD_KEEP_DB:-0}" != 1 ] || ! psql "$DB_URL" -c 'select 1 from academy_staff limit 1' >/dev/null 2>&1; then
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB_NAME"
  createdb -h 127.0.0.1 -U postgres "$DB_NAME"
  echo "migrate + seed_demo --staff $USERS on $DB_NAME…"
  $PY manage.py migrate --noinput -v 0
  $PY manage.py seed_demo --staff "$USERS" >/dev/null
fi
$PY manage.py migrate --noinput -v 0  # a kept database follows the code's migrations
$PY manage.py collectstatic --noinput -v 0

# The journeys' course, exam and ticket category (tests/proof/journey_data.py), a router token,
# and the accounts the simulated learners sign in with.
eval "$($PY manage.py shell -v 0 -c '
from tests.proof import journey_data
from academy.models import Staff
d = journey_data.build()
# Signed-in sessions made here: a login hashes the password (PBKDF2, about half a second of CPU by
# design), and 200 of them at once would measure the hasher, not the pages.
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
lines = []
for staff in Staff.objects.filter(active=True).exclude(user=None).select_related("user").order_by("employee_id")[:'"$USERS"']:
    session = SessionStore()
    session[SESSION_KEY] = str(staff.user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff.user.get_session_auth_hash()
    session.create()
    lines.append(staff.user.username + " " + session.session_key)
open("'"$OUT"'/users.txt", "w").write("\n".join(lines))
import shlex
for key, name in (("exam_slug", "LOAD_EXAM_SLUG"), ("course_url", "LOAD_COURSE_URL"),
                  ("skill_code", "LOAD_BRIDGE_SKILL"), ("category", "LOAD_BRIDGE_CATEGORY")):
    print("export " + name + "=" + shlex.quote(str(d[key])))
')"
TOKEN=$($PY manage.py create_router_client "load-$(date +%s)" --scopes qualified:query,matrix:read \
        --rate-limit 20000 | sed -n 's/^token=//p')
export LOAD_BRIDGE_TOKEN=$TOKEN LOAD_USERS_FILE=$OUT/users.txt

$PY -m gunicorn academy.wsgi -b 127.0.0.1:$PORT -w "${LOAD_WORKERS:-3}" -k "${LOAD_WORKER_CLASS:-gthread}" --threads "${LOAD_THREADS:-4}" --preload \
    --timeout 60 --keep-alive 75 --log-level warning --env DJANGO_SETTINGS_MODULE=academy.settings.dev \
    >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 1; done
# Warm every worker up: the first request of each page in each worker imports its views and
# compiles its templates (one to two seconds of CPU each), which is not what a running server does.
# A dozen rounds of every page, six at a time, reach all the workers.
SESSION=$(head -1 "$OUT/users.txt" | cut -d' ' -f2)
for _ in $(seq 12); do
  pids=()
  for path in / /formations/ "$LOAD_COURSE_URL" /mes-formations/ /mes-competences/ /certificats/ \
              "/examens/$LOAD_EXAM_SLUG/" /accounts/login/; do
    curl -s -o /dev/null -b "sessionid=$SESSION" "http://127.0.0.1:$PORT$path" & pids+=($!)
  done
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
       -d "{\"required\": [{\"skill\": \"$LOAD_BRIDGE_SKILL\", \"min_level\": 2}]}" \
       "http://127.0.0.1:$PORT/api/bridge/v1/qualified" & pids+=($!)
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/bridge/v1/staff?limit=50" & pids+=($!)
  wait "${pids[@]}"
done

total=$((USERS + BRIDGE_USERS))
echo "locust: $USERS learners + $BRIDGE_USERS router clients for ${LOAD_TIME:-60s} against gunicorn ($(nproc) CPUs)…"
var/load-venv/bin/locust -f bench/load_locust.py --headless -u "$total" -r 50 -t "${LOAD_TIME:-60s}" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/run" --only-summary --loglevel WARNING \
    LearnerUser BridgeUser >"$OUT/locust.log" 2>&1 || true

$PY - "$OUT/run_stats.csv" "$OUT/run_failures.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
failures = list(csv.DictReader(open(sys.argv[2])))
bridge = [r for r in rows if r["Name"].startswith("bridge")]
learner = [r for r in rows if r["Name"] != "Aggregated" and not r["Name"].startswith("bridge")]
def total(group, key): return sum(float(r[key]) for r in group)
def line(label, r):
    print(f"{label:<22} {int(r['Request Count']):>7} req  {int(r['Failure Count']):>4} errors  "
          f"{float(r['Requests/s']):>6.1f} req/s  median {r['50%']:>5} ms  p95 {r['95%']:>5} ms  p99 {r['99%']:>5} ms")
for r in rows:
    line(r["Name"] if r["Name"] != "Aggregated" else "ALL", r)
print(f"learners: {total(learner, 'Requests/s'):.1f} req/s; bridge: {total(bridge, 'Requests/s'):.1f} req/s")
# Offered: each router client paces itself to LOAD_BRIDGE_RATE requests per second, so it sends
# at that pace as long as its answers come back within 1/LOAD_BRIDGE_RATE seconds (a router
# sending from several connections at once is held back only by slower answers).
import os
offered = int(os.environ["LOAD_BRIDGE_USERS"]) * float(os.environ["LOAD_BRIDGE_RATE"])
served = total(bridge, 'Requests/s')
pacing_ms = 1000 / float(os.environ["LOAD_BRIDGE_RATE"])
bridge_p95 = max((float(r["95%"]) for r in bridge), default=0.0)
print(f"bridge: {served:.1f} of {offered:.0f} req/s offered served ({100 * served / offered:.0f} %); "
      f"slowest bridge p95 {bridge_p95:.0f} ms against a pacing interval of {pacing_ms:.0f} ms "
      + ("(no router was held back)" if bridge_p95 < pacing_ms else "(routers were held back by slow answers)"))
for f in failures:
    print(f"FAILURE {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}")
agg = next(r for r in rows if r["Name"] == "Aggregated")
sys.exit(1 if int(agg["Failure Count"]) else 0)
EOF
