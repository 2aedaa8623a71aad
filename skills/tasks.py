from celery import shared_task

from skills.services import cells_expire


@shared_task(name="skills.cells_expire")
def cells_expire_task() -> int:
    """Apply expiries so the change log and webhooks show levels that drop with time."""
    return cells_expire()


PERIODIC_TASKS = {
    "skills-expire-every-5-minutes": {"task": "skills.cells_expire", "schedule": 300.0},
}
