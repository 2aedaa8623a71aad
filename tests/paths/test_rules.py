"""Assignment by team or by rule, kept in sync as people join, move and leave."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from academy.models import Event
from academy.services import event_publish, staff_deactivate, staff_event_data, staff_reactivate
from courses.models import Enrolment
from courses.paths import services
from courses.paths.models import PathAssignment
from tests.factories import StaffFactory, TeamFactory, UserFactory


def current(path):
    return set(PathAssignment.objects.filter(path=path, withdrawn_at__isnull=True)
               .values_list("staff__employee_id", flat=True))


@pytest.fixture
def technicians_rule(path, lead, team, learner):
    rule, _report = services.assignment_rule_create(path=path, by=lead.user, team=team, profile="technician",
                                                    tier="N1", due_mode="relative", due_days=30)
    return rule


def test_a_rule_assigns_everyone_it_matches_and_enrols_them(technicians_rule, path, learner, lead, basics):
    assert current(path) == {learner.employee_id}  # Marc is an N2 administrator: not matched
    assert Enrolment.objects.filter(staff=learner, course=basics, source="path").exists()


def test_someone_who_joins_the_team_is_assigned_at_the_next_sync_with_a_due_date_from_that_day(
        technicians_rule, path, team):
    newcomer = StaffFactory(team=team, profile="technician", tier="N1")
    later = timezone.now() + timedelta(days=3)
    report = services.assignment_rules_sync(now=later)
    assert (technicians_rule.pk, newcomer.employee_id) in report.assigned
    assignment = PathAssignment.objects.get(path=path, staff=newcomer)
    assert assignment.due_on == timezone.localdate(later) + timedelta(days=30)
    assert assignment.rule == technicians_rule


def test_someone_who_moves_to_another_team_is_withdrawn_and_assigned_back_when_returning(
        technicians_rule, path, learner, other_team, team):
    learner.team = other_team
    learner.save()
    services.assignment_rules_sync()
    assert learner.employee_id not in current(path)
    assignment = PathAssignment.objects.get(path=path, staff=learner)
    assert "ne correspond plus" in assignment.withdrawn_reason

    learner.team = team
    learner.save()
    services.assignment_rules_sync()
    assert learner.employee_id in current(path)
    assert PathAssignment.objects.filter(path=path, staff=learner).count() == 1


def test_a_promotion_out_of_the_rules_tier_withdraws_the_path(technicians_rule, path, learner):
    learner.tier = "N2"
    learner.save()
    services.assignment_rules_sync()
    assert learner.employee_id not in current(path)


def test_someone_who_leaves_is_withdrawn_within_a_minute_through_the_staff_events(
        technicians_rule, path, learner, admin_user):
    services.staff_events_follow()  # reads the events published so far
    staff_deactivate(staff=learner, by=admin_user, reason="départ")
    report = services.staff_events_follow()
    assert report is not None and (technicians_rule.pk, learner.employee_id) in report.withdrawn
    assert learner.employee_id not in current(path)
    assert services.staff_events_follow() is None  # nothing new: no sync

    staff_reactivate(staff=learner, by=admin_user)
    services.staff_events_follow()
    assert learner.employee_id in current(path)


def test_an_import_that_moves_people_is_followed(technicians_rule, path, learner, other_team):
    services.staff_events_follow()
    learner.team = other_team
    learner.save()
    event_publish(type="staff.updated", data=staff_event_data(learner))  # as the staff import does
    assert services.staff_events_follow() is not None
    assert learner.employee_id not in current(path)
    assert Event.objects.filter(type="staff.updated").exists()


def test_a_finished_path_stays_done_when_the_person_moves(technicians_rule, path, learner, other_team, basics,
                                                          gpo_course, gpo_exam):
    from tests.paths.conftest import course_complete, exam_pass

    course_complete(learner, basics)
    course_complete(learner, gpo_course)
    exam_pass(learner, gpo_exam, timezone.now() - timedelta(minutes=1))
    learner.team = other_team
    learner.save()
    services.assignment_rules_sync()
    assert learner.employee_id in current(path)


def test_a_whole_team_rule_covers_sub_teams_but_not_the_teams_own_lead(path, lead, team, learner):
    sub = TeamFactory(name="Support N1 Paris — nuit", parent=team)
    night = StaffFactory(team=sub, profile="administrator", tier="N2")
    services.assignment_rule_create(path=path, by=lead.user, team=team)
    assert current(path) == {learner.employee_id, night.employee_id}


def test_a_lead_cannot_make_a_rule_on_a_team_they_do_not_lead(path, lead, other_team):
    with pytest.raises(PermissionDenied):
        services.assignment_rule_create(path=path, by=lead.user, team=other_team, profile="technician")


def test_only_admins_make_rules_for_the_whole_organisation(path, lead, admin_user, learner, outsider):
    with pytest.raises(PermissionDenied, match="Choisissez une de vos équipes"):
        services.assignment_rule_create(path=path, by=lead.user, profile="technician")
    services.assignment_rule_create(path=path, by=admin_user, profile="technician", tier="N1")
    assert {learner.employee_id, outsider.employee_id} <= current(path)


def test_a_rule_that_matches_nobody_is_refused(path, lead, team, learner):
    with pytest.raises(ValidationError, match="Personne ne correspond"):
        services.assignment_rule_create(path=path, by=lead.user, team=team, profile="architect")


def test_deactivating_a_rule_withdraws_its_unfinished_assignments(technicians_rule, path, lead, learner):
    assert services.assignment_rule_deactivate(rule=technicians_rule, by=lead.user) == 1
    assert current(path) == set()
    services.assignment_rules_sync()
    assert current(path) == set()


def test_a_personal_assignment_is_not_withdrawn_by_a_move(path, lead, learner, other_team):
    services.assignment_create(path=path, staff=learner, by=lead.user)
    learner.team = other_team
    learner.save()
    services.assignment_rules_sync()
    assert learner.employee_id in current(path)


def test_a_newcomer_lacking_a_prerequisite_is_not_assigned_and_the_rule_author_is_told(lead, team, learner,
                                                                                        gpo_course, basics):
    from academy.models import Notification
    from tests.paths.conftest import course_complete

    course_complete(learner, basics)
    only_gpo = services.path_create(name="GPO seule", by=lead.user)
    services.path_step_add(path=only_gpo, by=lead.user, kind="course", course=gpo_course)
    services.assignment_rule_create(path=only_gpo, by=lead.user, team=team, profile="technician")
    newcomer = StaffFactory(team=team, profile="technician", tier="N1", user=UserFactory(first_name="Nina"))
    report = services.assignment_rules_sync()
    assert [entry[1] for entry in report.blocked] == [newcomer.employee_id]
    assert newcomer.employee_id not in current(only_gpo)
    assert Notification.objects.filter(recipient=lead.user, kind="path.rule.blocked").count() == 1
    services.assignment_rules_sync()
    assert Notification.objects.filter(recipient=lead.user, kind="path.rule.blocked").count() == 1


def test_someone_moving_from_one_rule_to_another_of_the_same_path_keeps_the_assignment(path, lead, team, learner):
    from academy.models import Team

    sub = Team.objects.create(name="Support N1 Paris — jour", parent=team)
    mover = StaffFactory(team=sub, tier="N2", profile="administrator")
    by_team, _report = services.assignment_rule_create(path=path, by=lead.user, team=sub)
    by_tier, _report = services.assignment_rule_create(path=path, by=lead.user, team=team, tier="N1")
    assert PathAssignment.objects.get(path=path, staff=learner).rule == by_tier
    assert PathAssignment.objects.get(path=path, staff=mover).rule == by_team
    mover.team = team
    mover.tier = "N1"
    mover.save()
    services.assignment_rules_sync()
    moved = PathAssignment.objects.get(path=path, staff=mover)
    assert moved.withdrawn_at is None and moved.rule == by_tier


def test_a_personal_assignment_takes_over_a_rules_one_with_its_due_date(technicians_rule, path, lead, learner):
    due = timezone.localdate() + timedelta(days=5)
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="absolute", due_on=due)
    assert (assignment.origin, assignment.rule, assignment.due_on) == ("person", None, due)
    services.assignment_rules_sync()
    assert PathAssignment.objects.get(pk=assignment.pk).origin == "person"


def test_a_rule_based_assignment_is_taken_back_by_deactivating_the_rule_not_one_by_one(technicians_rule, path,
                                                                                         lead, learner):
    assignment = PathAssignment.objects.get(path=path, staff=learner)
    with pytest.raises(ValidationError, match="désactivez la règle"):
        services.assignment_withdraw(assignment=assignment, by=lead.user)
