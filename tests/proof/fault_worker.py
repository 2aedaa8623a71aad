"""Start a real Celery worker (optionally with beat) for the fault tests, on the time scale of a
test: the same code paths, with the waits compressed — a lease a killed worker leaves behind
lapses after 5 s instead of 5 min, retries and backoffs wait 1–4 s instead of 30 s–1 h, and the
periodic catch-up tasks run every 2 s instead of 30 s.

    python -m tests.proof.fault_worker [--beat] -- <celery worker options>

Settings come from the environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, CELERY_BROKER_URL)."""
import os
import sys


def main(argv: list[str]) -> None:
    beat = "--beat" in argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.ROUTING_BRIDGE_WEBHOOKS = {"LEASE": 5, "FIRST_DELAY": 1, "MAX_DELAY": 4, "TIMEOUT": 3.0}
    # The worker itself must queue nothing eagerly: its follow-up tasks go through the broker too.
    settings.CELERY_TASK_ALWAYS_EAGER = False

    import academy.xapi.forwarding as forwarding

    forwarding.LEASE_SECONDS = 5
    forwarding.BACKOFF_BASE_SECONDS = 1
    forwarding.BACKOFF_MAX_SECONDS = 4

    from academy.celery import app

    app.conf.task_always_eager = False
    if os.environ.get("PROOF_QUEUE"):
        app.conf.task_default_queue = os.environ["PROOF_QUEUE"]  # beat's catch-up tasks go there too

    @app.on_after_finalize.connect(weak=False)
    def _compress_schedule(sender, **kwargs):
        for entry in sender.conf.beat_schedule.values():
            entry["schedule"] = 2.0

    args = ["worker", "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel=INFO"]
    if beat:
        args += ["--beat", f"--schedule={os.environ['ACADEMIE_VAR_DIR']}/celerybeat-schedule"]
    app.worker_main(argv=args + extra)


if __name__ == "__main__":
    main(sys.argv[1:])
