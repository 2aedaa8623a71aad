"""Periodic work of the knowledge base: the owners' review reminders."""
from celery import shared_task

from knowledge.services import review_reminders_send


@shared_task(name="knowledge.review_reminders_send")
def review_reminders_send_task() -> int:
    """Remind owners of documents due for review within 30 days (once per document and date)."""
    return review_reminders_send()


PERIODIC_TASKS = {
    "knowledge-review-reminders-daily": {"task": "knowledge.review_reminders_send", "schedule": 6 * 3600.0},
}
