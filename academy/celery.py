"""The Celery application. Periodic tasks are declared in code: each app's `tasks` module may
define PERIODIC_TASKS = {name: {"task": ..., "schedule": ...}}, collected here."""
import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.dev")

app = Celery("academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

PERIODIC_MODULES = [
    "skills.tasks",
    "courses.paths.tasks",
    "assessments.tasks",
    "knowledge.tasks",
    "routing_bridge.tasks",
    "learning_records.tasks",
    "academy.tasks",
]


@app.on_after_finalize.connect
def _collect_periodic_tasks(sender, **kwargs):
    schedule = dict(sender.conf.beat_schedule or {})
    for module_name in PERIODIC_MODULES:
        module = importlib.import_module(module_name)
        schedule.update(getattr(module, "PERIODIC_TASKS", {}))
    # Under both names: with the CELERY namespace the configuration reads CELERY_BEAT_SCHEDULE
    # (which the settings define) before beat_schedule, so `conf.beat_schedule = …` alone left
    # beat with no periodic task at all.
    sender.conf.update(CELERY_BEAT_SCHEDULE=schedule, beat_schedule=schedule)
