#!/usr/bin/env bash
# Serve the demo with its background workers: the web server, a Celery worker and beat.
# Ctrl-C (or the end of any one of them) stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-academy.settings.dev}"
mkdir -p var

# Each process runs in its own session, so Ctrl-C reaches only this script, which then stops each
# of them exactly once: a Celery worker signalled twice while restoring its unacknowledged
# messages to the SQLite broker can hang instead of exiting.
worker="" beat="" web=""
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Arrêt de l'Académie…"
  [ -n "$web" ] && kill -TERM -- "-$web" 2>/dev/null || true   # runserver and its reloader child
  for pid in $worker $beat; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    alive=""
    for pid in $worker $beat $web; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 1
  done
  for pid in $worker $beat $web; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

setsid .venv/bin/celery -A academy worker --loglevel=INFO --concurrency=2 --pool=prefork >var/worker.log 2>&1 &
worker=$!
setsid .venv/bin/celery -A academy beat --loglevel=INFO --schedule var/celerybeat-schedule >var/beat.log 2>&1 &
beat=$!

cat <<TXT

  Académie : http://127.0.0.1:8000/
  Comptes de démonstration (mot de passe : ${ACADEMIE_DEMO_PASSWORD:-academie}) :
    technicien  technicien N1 (équipe Support N1 Paris)
    chef        chef de l'équipe de technicien
    dispatch    dispatcher (Qui est qualifié ?)
    editeur     éditeur de contenu (administration Wagtail)
    admin       superutilisateur
  Journaux du worker et de beat : var/worker.log, var/beat.log
  Ctrl-C arrête le serveur web, le worker et beat.

TXT
setsid $PY manage.py runserver 127.0.0.1:"${PORT:-8000}" &
web=$!
wait -n "$worker" "$beat" "$web" || true
