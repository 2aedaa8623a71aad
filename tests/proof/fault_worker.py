"""Start a real Celery worker (optionally with beat) for the fault tests, on the time scale of a
test: the same code paths, with the waits compressed — a lease a killed worker leaves behind
lapses after 9 s instead of a minute, retries and backoffs wait 1–4 s instead of 30 s–1 h, and the
periodic catch-up tasks run every 2 s instead of 30 s.

    python -m tests.proof.fault_worker [--beat] -- <celery worker options>

Settings come from the environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, CELERY_BROKER_URL)."""
import os
import sys

CATCH_UP_TASKS = {"xapi.forward_due", "routing_bridge.webhooks_deliver"}


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

    import learning_records.forwarding as forwarding

    forwarding.LEASE_SECONDS = 5
    forwarding.BACKOFF_BASE_SECONDS = 1
    forwarding.BACKOFF_MAX_SECONDS = 4

    from academy.celery import app

    app.conf.task_always_eager = False
    if os.environ.get("PROOF_QUEUE"):
        app.conf.task_default_queue = os.environ["PROOF_QUEUE"]  # beat's catch-up tasks go there too

    app.finalize(auto=True)  # collects the periodic tasks (academy.celery)
    # Only the delivery catch-ups, every 2 s: the other periodic tasks are beside the point here.
    schedule = {name: {**entry, "schedule": 2.0} for name, entry in app.conf.beat_schedule.items()
                if entry["task"] in CATCH_UP_TASKS}
    if {entry["task"] for entry in schedule.values()} != CATCH_UP_TASKS:
        raise SystemExit(f"the periodic catch-up tasks are not in the beat schedule: {app.conf.beat_schedule}")
    app.conf.update(CELERY_BEAT_SCHEDULE=schedule, beat_schedule=schedule)

    args = ["worker", "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel=INFO"]
    if beat:
        # Not `worker --beat`: with click 8.2.0 (pinned) celery 5.5.3 reads that flag as None and
        # silently starts no beat, so nothing would ever retry once the kicks queued after each
        # commit are used up. Start the same embedded beat (a child process) ourselves; it is in
        # the worker's process group, so a SIGKILL of the group takes it down too.
        from celery.beat import EmbeddedService

        EmbeddedService(app, schedule_filename=f"{os.environ['ACADEMIE_VAR_DIR']}/celerybeat-schedule").start()
    app.worker_main(argv=args + extra)


if __name__ == "__main__":
    main(sys.argv[1:])
