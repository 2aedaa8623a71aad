"""Progress per step and per assignment, and the status over time with a controlled clock."""
from datetime import timedelta

from django.utils import timezone

from courses.paths import selectors, services


def test_status_goes_from_not_started_to_in_progress_to_overdue_to_done(path, learner, lead, basics, gpo_course,
                                                                       gpo_exam):
    from tests.paths.conftest import course_complete, exam_pass

    start = timezone.now()
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative",
                                            due_days=10, now=start)

    def status(at):
        return selectors.assignment_progress(assignment=assignment, now=at)

    assert status(start).status == "not_started"
    course_complete(learner, basics)
    later = timezone.now() + timedelta(seconds=1)
    row = status(later)
    assert row.status == "in_progress"
    assert (row.required_done, row.required_total, row.percent) == (1, 3, 33)
    assert row.next_step.step.course_id == gpo_course.pk
    assert row.completed_at is None

    assert status(start + timedelta(days=11)).status == "overdue"
    assert status(start + timedelta(days=11)).days_late == 1

    course_complete(learner, gpo_course)
    passed_at = start + timedelta(days=12)
    exam_pass(learner, gpo_exam, passed_at)
    assert status(start + timedelta(days=11, hours=23)).status == "overdue"  # before the exam was passed
    done = status(start + timedelta(days=13))
    assert done.status == "done"
    assert done.completed_at == passed_at
    assert done.next_step is None


def test_an_optional_step_does_not_count_towards_completion(lead, learner, basics, gpo_exam):
    from tests.paths.conftest import course_complete

    path = services.path_create(name="Bases", by=lead.user)
    services.path_step_add(path=path, by=lead.user, kind="course", course=basics)
    services.path_step_add(path=path, by=lead.user, kind="exam", exam=gpo_exam, required=False)
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user)
    course_complete(learner, basics)
    row = selectors.assignment_progress(assignment=assignment, now=timezone.now() + timedelta(seconds=1))
    assert row.status == "done"
    assert (row.required_done, row.required_total) == (1, 1)


def test_a_certification_step_is_done_while_the_certification_is_held(lead, learner, ad_certification):
    from tests.paths.conftest import award_give

    path = services.path_create(name="Certif", by=lead.user)
    services.path_step_add(path=path, by=lead.user, kind="certification", certification=ad_certification)
    assignment = services.assignment_create(path=path, staff=learner, by=lead.user)
    awarded = timezone.now() + timedelta(days=1)
    award_give(learner, ad_certification, awarded, months=1)
    assert selectors.assignment_progress(assignment=assignment, now=awarded - timedelta(hours=1)).status != "done"
    assert selectors.assignment_progress(assignment=assignment, now=awarded + timedelta(days=2)).status == "done"
    assert selectors.assignment_progress(assignment=assignment, now=awarded + timedelta(days=40)).status != "done"


def test_the_learner_sees_overdue_paths_first(path, lead, learner, gpo_exam):
    other = services.path_create(name="Examen seul", by=lead.user)
    services.path_step_add(path=other, by=lead.user, kind="exam", exam=gpo_exam)
    now = timezone.now()
    services.assignment_create(path=path, staff=learner, by=lead.user, due_mode="relative", due_days=30, now=now)
    services.assignment_create(path=other, staff=learner, by=lead.user, due_mode="relative", due_days=2, now=now)
    rows = selectors.paths_for_learner(staff=learner, now=now + timedelta(days=5))
    assert [(r.path.name, r.status) for r in rows] == [("Examen seul", "overdue"), ("Parcours GPO", "not_started")]


def test_progress_of_many_assignments_costs_a_fixed_number_of_queries(path, lead, team, django_assert_max_num_queries):
    from tests.factories import StaffFactory

    people = [StaffFactory(team=team) for _ in range(5)]
    for person in people:
        services.assignment_create(path=path, staff=person, by=lead.user)
    with django_assert_max_num_queries(12):
        rows = selectors.team_progress(user=lead.user)
    assert len(rows) == 5
