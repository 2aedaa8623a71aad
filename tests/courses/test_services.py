"""Enrolment, progress and completion, through the services other apps call."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses import selectors, services
from courses.models import Enrolment, EnrolmentStatus
from skills.models import Evidence, SkillLevel
from tests.courses.factories import course_create, lesson_create


def complete_required(staff, lessons):
    for lesson in lessons:
        if lesson.required:
            services.lesson_complete(staff=staff, lesson=lesson)


def test_enrolling_twice_keeps_a_single_enrolment(learner, course):
    first = services.enrolment_create(staff=learner, course=course)
    second = services.enrolment_create(staff=learner, course=course)
    assert first.pk == second.pk
    assert Enrolment.objects.filter(staff=learner, course=course).count() == 1


def test_an_assignment_through_a_path_adds_its_due_date_to_a_self_enrolment(learner, lead, course):
    import datetime

    services.enrolment_create(staff=learner, course=course)
    due = datetime.date(2026, 12, 31)
    enrolment = services.enrolment_create(staff=learner, course=course, source="path", assigned_by=lead.user,
                                          due_on=due)
    assert enrolment.due_on == due and enrolment.assigned_by == lead.user and enrolment.source == "path"
    assert Enrolment.objects.filter(staff=learner, course=course).count() == 1


def test_it_refuses_self_enrolment_until_prerequisites_are_completed(learner, course, gpo_skill):
    advanced = course_create(title="GPO avancées : filtrage WMI", domain=gpo_skill.domain, prerequisites=[course])
    lesson_create(parent=advanced, title="Filtres WMI")
    with pytest.raises(ValidationError) as error:
        services.enrolment_create(staff=learner, course=advanced)
    assert "Diagnostiquer une GPO qui ne s'applique pas" in " ".join(error.value.messages)
    assert not Enrolment.objects.filter(course=advanced).exists()

    services.enrolment_create(staff=learner, course=course)
    complete_required(learner, selectors.course_lessons(course=course))
    assert services.enrolment_create(staff=learner, course=advanced).status == EnrolmentStatus.ACTIVE


def test_a_training_path_may_enrol_before_prerequisites(learner, lead, course, gpo_skill):
    advanced = course_create(title="GPO avancées", domain=gpo_skill.domain, prerequisites=[course])
    enrolment = services.enrolment_create(staff=learner, course=advanced, source="path", assigned_by=lead.user)
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_it_refuses_to_enrol_in_a_draft_course(learner, gpo_skill):
    draft = course_create(title="Brouillon", domain=gpo_skill.domain, live=False)
    with pytest.raises(ValidationError):
        services.enrolment_create(staff=learner, course=draft)


def test_it_refuses_an_unknown_source(learner, course):
    with pytest.raises(ValidationError):
        services.enrolment_create(staff=learner, course=course, source="magic")


def test_completing_a_lesson_without_being_enrolled_is_denied(learner, lessons):
    with pytest.raises(PermissionDenied):
        services.lesson_complete(staff=learner, lesson=lessons[0])


def test_progress_counts_required_lessons_and_resumes_at_the_last_lesson_visited(learner, course, lessons):
    services.enrolment_create(staff=learner, course=course)
    services.lesson_complete(staff=learner, lesson=lessons[0])
    services.lesson_visit_record(staff=learner, lesson=lessons[2])
    progress = selectors.course_progress(staff=learner, course=course)
    assert progress.percent == 50  # one of the two required lessons
    assert progress.resume_lesson == lessons[2]
    assert progress.next_lesson == lessons[1]


def test_completing_every_required_lesson_completes_the_course_and_raises_the_matrix_cell(
        learner, course, lessons, gpo_skill, recorded_events):
    services.enrolment_create(staff=learner, course=course)
    services.lesson_complete(staff=learner, lesson=lessons[0])
    assert not selectors.course_completed(staff=learner, course=course)
    assert not SkillLevel.objects.filter(staff=learner, skill=gpo_skill, level__gt=0).exists()

    services.lesson_complete(staff=learner, lesson=lessons[1])  # the optional one is not needed

    assert selectors.course_completed(staff=learner, course=course)
    assert SkillLevel.objects.get(staff=learner, skill=gpo_skill).level == 2
    evidence = Evidence.objects.get(staff=learner, skill=gpo_skill)
    assert (evidence.source, evidence.level, evidence.reference_id) == ("course", 2, str(course.pk))
    assert ("completed", "course", str(course.pk)) in recorded_events


def test_course_evidence_is_recorded_once(learner, course, lessons, gpo_skill):
    services.enrolment_create(staff=learner, course=course)
    complete_required(learner, lessons)
    services.enrolment_completion_check(staff=learner, course=course)
    services.lesson_complete(staff=learner, lesson=lessons[0])
    services.enrolment_create(staff=learner, course=course)
    assert Evidence.objects.filter(staff=learner, skill=gpo_skill, source="course").count() == 1


def test_a_course_with_a_required_exam_waits_for_the_exam(learner, course, lessons, gpo_skill, monkeypatch):
    passed = {"value": False}
    # The assessments app answers through the courses extension point (courses does not import it).
    monkeypatch.setattr("courses.extensions.extensions.final_exams_passed", lambda **kw: passed["value"])
    services.enrolment_create(staff=learner, course=course)
    complete_required(learner, lessons)
    assert not selectors.course_completed(staff=learner, course=course)
    assert selectors.enrolment_for(staff=learner, course=course).status == EnrolmentStatus.ACTIVE

    passed["value"] = True  # the assessments app calls back when the exam is passed
    enrolment = services.enrolment_completion_check(staff=learner, course=course)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert SkillLevel.objects.get(staff=learner, skill=gpo_skill).level == 2


def test_each_learning_event_is_recorded_once(learner, course, lessons, recorded_events):
    services.enrolment_create(staff=learner, course=course)
    services.lesson_visit_record(staff=learner, lesson=lessons[0])
    services.lesson_visit_record(staff=learner, lesson=lessons[0])
    services.lesson_complete(staff=learner, lesson=lessons[0])
    services.lesson_complete(staff=learner, lesson=lessons[0])
    assert recorded_events == [
        ("launched", "course", str(course.pk)),
        ("experienced", "lesson", str(lessons[0].pk)),
        ("completed", "lesson", str(lessons[0].pk)),
    ]


def test_leaving_keeps_progress_for_a_later_return(learner, course, lessons):
    services.enrolment_create(staff=learner, course=course)
    services.lesson_complete(staff=learner, lesson=lessons[0])
    services.enrolment_leave(staff=learner, course=course)
    assert selectors.enrolment_for(staff=learner, course=course) is None
    with pytest.raises(PermissionDenied):
        services.lesson_complete(staff=learner, lesson=lessons[1])

    enrolment = services.enrolment_create(staff=learner, course=course)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert selectors.course_progress(staff=learner, course=course).percent == 50


def test_a_completed_course_cannot_be_left(learner, course, lessons):
    services.enrolment_create(staff=learner, course=course)
    complete_required(learner, lessons)
    with pytest.raises(ValidationError):
        services.enrolment_leave(staff=learner, course=course)


def test_leaving_a_course_one_is_not_enrolled_in_is_refused(learner, course):
    with pytest.raises(ValidationError):
        services.enrolment_leave(staff=learner, course=course)


def test_draft_lessons_do_not_count_for_completion(learner, course, lessons):
    lesson_create(parent=course, title="Leçon en préparation", live=False)
    services.enrolment_create(staff=learner, course=course)
    complete_required(learner, lessons)
    assert selectors.course_completed(staff=learner, course=course)


def test_courses_teaching_finds_courses_granting_the_required_levels(course, gpo_skill):
    assert list(selectors.courses_teaching(requirements={"AD.GPO": 2})) == [course]
    assert list(selectors.courses_teaching(requirements={"AD.GPO": 3})) == []
    assert list(selectors.courses_teaching(requirements={"AD.GPO": 1, "NET.VLAN": 1})) == []
    assert list(selectors.courses_teaching(requirements={"AD.GPO": 1, "NET.VLAN": 1}, match="any")) == [course]
