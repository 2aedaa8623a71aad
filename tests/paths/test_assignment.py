"""Assigning a path to one person: enrolment in its courses, permissions, bad input."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from academy.models import Notification
from courses.models import Enrolment
from courses.paths import services
from courses.paths.models import PathAssignment


def test_assigning_enrols_the_person_in_every_course_of_the_path_with_the_due_date(path, learner, lead, basics,
                                                                                    gpo_course):
    due = timezone.localdate() + timedelta(days=20)
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="absolute", due_on=due)

    enrolments = {e.course_id: e for e in Enrolment.objects.filter(staff=learner)}
    assert set(enrolments) == {basics.pk, gpo_course.pk}
    assert all(e.source == "path" and e.due_on == due and e.assigned_by == lead.user for e in enrolments.values())
    assert assignment.due_on == due
    assert Notification.objects.filter(recipient=learner.user, kind="path.assigned").count() == 1


def test_a_relative_due_date_counts_from_the_day_of_assignment(path, learner, lead):
    now = timezone.now()
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=14,
                                            now=now)
    assert assignment.due_on == timezone.localdate(now) + timedelta(days=14)


def test_it_keeps_one_assignment_per_person_and_path(path, learner, lead):
    first = services.assignment_create(path=path, staff=learner, by=lead.user)
    again = services.assignment_create(path=path, staff=learner, by=lead.user)
    assert first.pk == again.pk
    assert PathAssignment.objects.filter(path=path, staff=learner).count() == 1


def test_it_refuses_to_assign_someone_outside_the_leads_teams(path, outsider, lead):
    with pytest.raises(PermissionDenied, match="pas dans une équipe que vous dirigez"):
        services.assignment_create(path=path, staff=outsider, by=lead.user)
    assert not PathAssignment.objects.exists()
    assert not Enrolment.objects.filter(staff=outsider).exists()


def test_a_lead_of_another_team_cannot_assign_lea(path, learner, other_lead):
    with pytest.raises(PermissionDenied):
        services.assignment_create(path=path, staff=learner, by=other_lead.user)


def test_it_rejects_a_due_date_already_past(path, learner, lead):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError, match="déjà passée"):
        services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="absolute", due_on=yesterday)
    assert not PathAssignment.objects.exists()


def test_it_rejects_an_empty_path(lead, learner):
    empty = services.path_create(name="Vide", by=lead.user)
    with pytest.raises(ValidationError, match="aucune étape"):
        services.assignment_create(path=empty, staff=learner, by=lead.user)


def test_it_rejects_a_path_whose_course_needs_a_prerequisite_the_person_lacks(lead, learner, gpo_course):
    only_gpo = services.path_create(name="GPO seule", by=lead.user)
    services.path_step_add(path=only_gpo, by=lead.user, kind="course", course=gpo_course)
    with pytest.raises(ValidationError) as error:
        services.assignment_create(path=only_gpo, staff=learner, by=lead.user)
    assert "Les bases d'Active Directory" in " ".join(error.value.messages)
    assert not Enrolment.objects.filter(staff=learner).exists()


def test_a_prerequisite_already_completed_makes_the_step_reachable(lead, learner, gpo_course, basics):
    from tests.paths.conftest import course_complete

    course_complete(learner, basics)
    only_gpo = services.path_create(name="GPO seule", by=lead.user)
    services.path_step_add(path=only_gpo, by=lead.user, kind="course", course=gpo_course)
    assert services.assignment_create(path=only_gpo, staff=learner, by=lead.user).pk


def test_it_refuses_an_inactive_person(path, learner, lead, admin_user):
    from academy.services import staff_deactivate

    staff_deactivate(staff=learner, by=admin_user)
    learner.refresh_from_db()
    with pytest.raises(ValidationError, match="inactif"):
        services.assignment_create(path=path, staff=learner, by=lead.user)


def test_a_withdrawn_assignment_comes_back_when_assigned_again(path, learner, lead):
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user)
    services.assignment_withdraw(assignment=assignment, by=lead.user, reason="réorganisation")
    assignment.refresh_from_db()
    assert assignment.withdrawn_at is not None
    again = services.assignment_create(path=path, staff=learner, by=lead.user)
    assert again.pk == assignment.pk and again.withdrawn_at is None


def test_adding_a_course_to_an_assigned_path_enrols_the_people_on_it(path, learner, lead, catalogue, ad_domain):
    from tests.courses.factories import course_create, lesson_create

    services.assignment_create(path=path, staff=learner, by=lead.user)
    extra = course_create(title="Délégation", catalogue=catalogue, domain=ad_domain)
    lesson_create(parent=extra)
    services.path_step_add(path=path, by=lead.user, kind="course", course=extra)
    assert Enrolment.objects.filter(staff=learner, course=extra, source="path").exists()
