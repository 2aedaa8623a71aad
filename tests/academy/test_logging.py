"""The logs of `make run`: each record printed once, a refused request in one line, a server
error with its traceback. The test suite's settings replace LOGGING, so the demo's configuration
(academy.settings.dev, DEBUG on) is loaded in a process of its own."""
import os
import subprocess
import sys

from django.conf import settings

SCRIPT = """
import logging
import django

django.setup()
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.log import log_response

logging.getLogger("django.request").warning("une ligne de django")
logging.getLogger("academy").info("une ligne de l'Académie")
logging.getLogger("django.server").info('"GET /equipe/ HTTP/1.1" 403 2048')
log_response("Forbidden (Permission denied): %s", "/equipe/", response=HttpResponse(status=403),
             exception=PermissionDenied("Cette page est réservée aux responsables d'équipe."))
try:
    1 / 0
except ZeroDivisionError as exc:
    log_response("Internal Server Error: %s", "/", response=HttpResponse(status=500), exception=exc)
"""


def _demo_logs(tmp_path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.dev", "DEBUG": "1",
           "ACADEMIE_VAR_DIR": str(tmp_path), "LOG_LEVEL": "INFO", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_each_line_is_printed_once_and_only_a_server_error_has_a_traceback(tmp_path):
    logs = _demo_logs(tmp_path)
    assert logs.count("une ligne de django") == 1, logs
    assert logs.count("une ligne de l'Académie") == 1, logs
    assert logs.count('"GET /equipe/ HTTP/1.1" 403') == 1, logs
    assert logs.count("Forbidden (Permission denied): /equipe/") == 1, logs
    assert "PermissionDenied" not in logs, logs  # the 403's reason is for the person, not a fault
    assert logs.count("Internal Server Error: /") == 1, logs
    assert logs.count("Traceback (most recent call last)") == 1 and "ZeroDivisionError" in logs, logs
