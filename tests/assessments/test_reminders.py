"""Expiry reminders: 90, 60, 30, 7 days before and on expiry, to the holder and their team's
leads, in-app and by e-mail, each step once; never for inactive staff or a renewed award."""
from datetime import timedelta

import pytest
from django.core import mail

from academy.models import Event, Notification
from assessments.services import award_create, awards_remind
from assessments.tasks import PERIODIC_TASKS
from tests.assessments.factories import certification_create
from tests.factories import DomainFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(learner, lead):
    domain = DomainFactory(code="AD", name_fr="Active Directory")
    cert = certification_create(domain=domain, grants=[(SkillFactory(code="AD.GPO", domain=domain), 2)],
                                name_fr="Certification AD", validity_months=12)
    return award_create(certification=cert, staff=learner)


def keys(user):
    return sorted(Notification.objects.filter(recipient=user, kind__startswith="certification.e")
                  .values_list("dedupe_key", flat=True))


def test_nothing_is_sent_long_before_expiry(award, clock):
    clock.set(award.valid_until - timedelta(days=91))
    assert awards_remind() == 0
    assert not Event.objects.filter(type="certification.expiring").exists()


def test_each_step_is_sent_once_to_the_holder_and_the_lead(award, learner, lead, clock, django_capture_on_commit_callbacks):
    clock.set(award.valid_until - timedelta(days=90))
    with django_capture_on_commit_callbacks(execute=True):
        assert awards_remind() == 1
    assert awards_remind() == 0  # the same step again: nothing
    assert keys(learner.user) == [f"assessments:award:{award.pk}:expiry:90"]
    assert keys(lead.user) == [f"assessments:award:{award.pk}:expiry:90"]
    assert {m.to[0] for m in mail.outbox if "expire dans 90 jours" in m.subject} == {
        learner.user.email, lead.user.email}
    lead_mail = next(m for m in mail.outbox if m.to == [lead.user.email])
    assert "Léa Martin" in lead_mail.subject
    event = Event.objects.get(type="certification.expiring")
    assert event.data["days_left"] == 90 and event.data["employee_id"] == "E10001"
    for days in (60, 30, 7):
        clock.set(award.valid_until - timedelta(days=days))
        assert awards_remind() == 1
        assert awards_remind() == 0
    clock.set(award.valid_until)
    assert awards_remind() == 1
    assert awards_remind() == 0
    assert len(keys(learner.user)) == 5
    assert Event.objects.filter(type="certification.expiring").count() == 4
    assert Event.objects.filter(type="certification.expired").count() == 1
    award.refresh_from_db()
    assert award.expired_at is not None


def test_missed_steps_are_not_sent_late(award, learner, clock):
    clock.set(award.valid_until - timedelta(days=20))  # the task was down since before 90 days
    assert awards_remind() == 1
    assert keys(learner.user) == [f"assessments:award:{award.pk}:expiry:30"]
    clock.advance(hours=1)
    assert awards_remind() == 0


def test_no_reminder_for_inactive_staff(award, learner, admin_user, clock):
    from academy.services import staff_deactivate

    staff_deactivate(staff=learner, by=admin_user, reason="Départ")
    clock.set(award.valid_until - timedelta(days=30))
    assert awards_remind() == 0
    assert not Notification.objects.filter(kind__startswith="certification.exp").exists()


def test_no_reminder_once_renewed(award, learner, clock):
    clock.set(award.valid_until - timedelta(days=60))
    assert awards_remind() == 1
    award_create(certification=award.certification, staff=learner)  # no renewal requirements: renew now
    clock.set(award.valid_until - timedelta(days=30))
    assert awards_remind() == 0
    clock.set(award.valid_until)
    assert awards_remind() == 0


def test_the_reminder_task_is_scheduled():
    tasks = {entry["task"] for entry in PERIODIC_TASKS.values()}
    assert tasks == {"assessments.awards_remind", "assessments.attempts_close_expired"}


def test_the_periodic_tasks_run_through_celery(award, clock):
    from assessments.tasks import attempts_close_expired_task, awards_remind_task

    clock.set(award.valid_until - timedelta(days=7))
    assert awards_remind_task.apply().get() == 1
    assert awards_remind_task.apply().get() == 0
    assert attempts_close_expired_task.apply().get() == 0
