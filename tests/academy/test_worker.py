"""The background round trip: a real Celery worker process on Redis runs a task this test queues."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.services import REDIS_URL, requires_redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.services
@requires_redis
def test_a_real_worker_on_redis_runs_a_task_queued_from_here(tmp_path):
    queue = f"academie-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "academy.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "ACADEMIE_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "academy", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue, "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    # A client of its own: the project's app runs tasks eagerly under the test settings. It must not
    # become Celery's "current app", or every shared_task called later in the session would be
    # sent to Redis instead of running eagerly.
    client = Celery("academie-test-client", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    try:
        result = client.send_task("academy.ping", args=["bonjour"], queue=queue)
        try:
            assert result.get(timeout=90) == "pong:bonjour"
        except Exception:
            pytest.fail(f"the worker did not answer; its log:\n{log.read_text()[-4000:]}")
        assert result.status == "SUCCESS"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        client.close()
