"""Background work of training paths. Every task calls one service, takes no object (only
optional ids or nothing), and is idempotent: running it twice, or on two workers, sends nothing
twice and assigns nobody twice (one assignment per person and path; notifications deduped).

Rule sync strategy (see docs/paths.md): a full reconciliation every 10 minutes, and a check of the
academy event outbox every minute that reconciles as soon as a `staff.updated` or
`staff.deactivated` event (an import, a deactivation, a reactivation) appears."""
from celery import shared_task
from celery.schedules import crontab


@shared_task(name="paths.assignment_rules_sync")
def assignment_rules_sync_task() -> str:
    from courses.paths.services import assignment_rules_sync

    return str(assignment_rules_sync())


@shared_task(name="paths.staff_events_follow")
def staff_events_follow_task() -> str:
    from courses.paths.services import staff_events_follow

    report = staff_events_follow()
    return "" if report is None else str(report)


@shared_task(name="paths.reminders_send")
def reminders_send_task() -> int:
    from courses.paths.services import reminders_send

    return reminders_send().sent


@shared_task(name="paths.weekly_digests_send")
def weekly_digests_send_task() -> int:
    from courses.paths.services import weekly_digests_send

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
