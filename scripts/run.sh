#!/usr/bin/env bash
# Serve the demo with its background workers: the web server, a Celery worker and beat.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-academy.settings.dev}"
mkdir -p var
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Arrêt de l'Académie…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/celery -A academy worker --loglevel=INFO --concurrency=2 --pool=prefork >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A academy beat --loglevel=INFO --schedule var/celerybeat-schedule >var/beat.log 2>&1 &
pids+=($!)

cat <<TXT

  Académie : http://127.0.0.1:8000/
  Comptes de démonstration (mot de passe : ${ACADEMIE_DEMO_PASSWORD:-academie}) :
    technicien  technicien N1 (équipe Support N1 Paris)
    chef        chef de l'équipe de technicien
    dispatch    dispatcher (Qui est qualifié ?)
    editeur     éditeur de contenu (administration Wagtail)
    admin       superutilisateur
  Journaux du worker et de beat : var/worker.log, var/beat.log

TXT
$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
wait -n "${pids[@]}"
