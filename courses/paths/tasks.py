"""Background work of training paths. Every task calls one service, takes no object (only
optional ids or nothing), and is idempotent: running it twice, or on two workers, sends nothing
twice and assigns nobody twice (one assignment per person and path; notifications deduped).

Rule sync strategy (see docs/paths.md): a full reconciliation every 10 minutes, and a check of the
academy event outbox every minute that reconciles as soon as a `staff.updated` or
`staff.deactivated` event (an import, a deactivation, a reactivation) appears."""
from celery import shared_task
from celery.schedules import crontab

from courses.paths.services import (
    assignment_rules_sync, reminders_send, staff_events_follow, weekly_digests_send,
)


@shared_task(name="paths.assignment_rules_sync")
def assignment_rules_sync_task() -> str:
    return str(assignment_rules_sync())


@shared_task(name="paths.staff_events_follow")
def staff_events_follow_task() -> str:
    report = staff_events_follow()
    return "" if report is None else str(report)


@shared_task(name="paths.reminders_send")
def reminders_send_task() -> int:
    return reminders_send().sent


@shared_task(name="paths.weekly_digests_send")
def weekly_digests_send_task() -> int:
    return weekly_digests_send()


PERIODIC_TASKS = {
    "paths-rules-sync-every-10-minutes": {"task": "paths.assignment_rules_sync", "schedule": 600.0},
    "paths-staff-events-every-minute": {"task": "paths.staff_events_follow", "schedule": 60.0},
    # Daily at 07:00 (local time): due in 7 days, due tomorrow, overdue (once a week per assignment).
    # Hourly would be as correct (dedupe keys) but daily keeps reminders at a civil hour.
    "paths-reminders-daily": {"task": "paths.reminders_send", "schedule": crontab(hour=7, minute=0)},
    "paths-weekly-digest-monday": {"task": "paths.weekly_digests_send",
                                   "schedule": crontab(hour=7, minute=30, day_of_week="mon")},
}
