"""Periodic work for assessments: closing attempts whose time is up, certification reminders."""
from celery import shared_task

from assessments.services import attempts_close_expired, awards_remind


@shared_task(name="assessments.attempts_close_expired")
def attempts_close_expired_task() -> int:
    """Grade every open attempt past its deadline (the learner closed the tab)."""
    return attempts_close_expired()


@shared_task(name="assessments.awards_remind")
def awards_remind_task() -> int:
    """Certification expiry reminders (90/60/30/7 days before, on expiry), each step once."""
    return awards_remind()


PERIODIC_TASKS = {
    "assessments-close-expired-attempts-every-minute": {
        "task": "assessments.attempts_close_expired", "schedule": 60.0,
    },
    "assessments-certification-reminders-hourly": {"task": "assessments.awards_remind", "schedule": 3600.0},
}
