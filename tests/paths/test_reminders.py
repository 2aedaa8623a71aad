"""Reminders: due in 7 days, due tomorrow, overdue (weekly), to the learner and the lead; digests;
never twice; never for inactive people."""
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from academy.models import Notification
from courses.paths import services


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user, kind__startswith="path.").exclude(
        kind="path.assigned").values_list("kind", flat=True))


def test_the_learner_and_the_lead_are_reminded_once_per_step(path, lead, learner):
    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=10, now=start)

    services.reminders_send(now=start)  # 10 days left: nothing
    assert kinds(learner.user) == []

    for day in (3, 4, 5):  # 7, 6, 5 days left: one "due in 7 days"
        services.reminders_send(now=start + timedelta(days=day))
    assert kinds(learner.user) == ["path.due7"]
    assert kinds(lead.user) == ["path.due7.lead"]

    for day in (9, 9, 10):  # tomorrow, then the day itself: one "due tomorrow"
        services.reminders_send(now=start + timedelta(days=day))
    assert kinds(learner.user) == ["path.due1", "path.due7"]


def test_overdue_reminders_come_once_a_week(path, lead, learner):
    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=1, now=start)
    # The first Monday at least three days after the due date, then every 6 hours until Sunday.
    monday = start + timedelta(days=3)
    monday += timedelta(days=(7 - timezone.localtime(monday).weekday()) % 7)
    for hours in range(0, 6 * 24, 6):
        services.reminders_send(now=monday + timedelta(hours=hours))
    assert Notification.objects.filter(recipient=learner.user, kind="path.overdue").count() == 1
    assert Notification.objects.filter(recipient=lead.user, kind="path.overdue.lead").count() == 1
    services.reminders_send(now=monday + timedelta(days=7))
    assert Notification.objects.filter(recipient=learner.user, kind="path.overdue").count() == 2


def test_no_reminder_for_someone_who_left(path, lead, learner, admin_user):
    from academy.services import staff_deactivate

    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=2, now=start)
    staff_deactivate(staff=learner, by=admin_user)
    services.reminders_send(now=start + timedelta(days=1))
    services.reminders_send(now=start + timedelta(days=5))
    assert kinds(learner.user) == [] and kinds(lead.user) == []


def test_no_reminder_once_the_path_is_done(lead, learner, gpo_exam):
    from tests.paths.conftest import exam_pass

    path = services.path_create(name="Examen seul", by=lead.user)
    services.path_step_add(path=path, by=lead.user, kind="exam", exam=gpo_exam)
    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=3, now=start)
    exam_pass(learner, gpo_exam, start + timedelta(hours=1))
    services.reminders_send(now=start + timedelta(days=2))
    assert kinds(learner.user) == []


def test_reminders_are_e_mailed_once(path, lead, learner, django_capture_on_commit_callbacks):
    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=1, now=start)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(now=start)
        services.reminders_send(now=start + timedelta(hours=2))
    subjects = [m.subject for m in mail.outbox if learner.user.email in m.to]
    assert len(subjects) == 1 and "demain" in subjects[0]


def test_each_lead_gets_one_weekly_digest(path, lead, learner, other_lead):
    start = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=1, now=start)
    assert services.weekly_digests_send(now=start + timedelta(days=3)) == 1
    assert services.weekly_digests_send(now=start + timedelta(days=3, hours=1)) == 0
    digest = Notification.objects.get(recipient=lead.user, kind="path.digest")
    assert "En retard : 1" in digest.body and "Léa Martin" in digest.body
    assert not Notification.objects.filter(recipient=other_lead.user, kind="path.digest").exists()
