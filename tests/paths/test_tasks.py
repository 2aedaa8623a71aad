"""The periodic tasks are declared and call the services."""
from datetime import timedelta

from django.utils import timezone

from academy.models import Notification
from courses.paths import services, tasks


def test_the_periodic_tasks_are_declared_for_celery_beat():
    from academy.celery import PERIODIC_MODULES, app

    assert "courses.paths.tasks" in PERIODIC_MODULES
    names = {entry["task"] for entry in tasks.PERIODIC_TASKS.values()}
    assert names == {"paths.assignment_rules_sync", "paths.staff_events_follow", "paths.reminders_send",
                     "paths.weekly_digests_send"}
    assert names <= set(app.tasks)
    assert tasks.PERIODIC_TASKS["paths-rules-sync-every-10-minutes"]["schedule"] == 600.0


def test_the_reminder_task_sends_what_is_due(path, lead, learner):
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=1,
                               now=timezone.now() - timedelta(hours=1))
    assert tasks.reminders_send_task.delay().get() == 2  # Léa and Marc
    assert tasks.reminders_send_task.delay().get() == 0
    assert Notification.objects.filter(kind__startswith="path.due1").count() == 2


def test_the_sync_task_follows_a_newcomer(path, lead, team, learner):
    from tests.factories import StaffFactory

    services.assignment_rule_create(path=path, by=lead.user, team=team, profile="technician")
    StaffFactory(team=team, profile="technician")
    assert "1 affectation" in tasks.assignment_rules_sync_task.delay().get()
