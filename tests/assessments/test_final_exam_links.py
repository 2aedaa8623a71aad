"""A learner who has read every lesson of a course whose final exam remains is sent to that exam:
from the course page, from /mes-formations/ (next step, in progress, assigned)."""
import pytest
from django.urls import reverse

from courses.services import enrolment_create, lesson_complete
from tests.assessments.factories import exam_create, question_create
from tests.assessments.test_certifications import pass_exam
from tests.courses.factories import course_create, lesson_create, module_create
from tests.factories import DomainFactory, SkillFactory


@pytest.fixture
def course_with_exam(db):
    skill = SkillFactory(code="AD.GPO", domain=DomainFactory(code="AD", name_fr="Active Directory"))
    course = course_create(title="GPO", skills=[(skill, 1)])
    module = module_create(course=course)
    lessons = [lesson_create(parent=module, title=f"Leçon {n}") for n in (1, 2)]
    exam = exam_create(questions=[question_create("true_false")], course=course, title="Examen GPO")
    exam_create(questions=[question_create("true_false")], course=course, title="Examen fermé", active=False)
    return course, lessons, exam


def _exam_links(html: str, exam) -> int:
    return html.count(f'href="{reverse("assessments:exam_detail", args=[exam.slug])}"')


def test_once_every_lesson_is_read_the_course_page_leads_to_the_final_exam(client, learner, course_with_exam):
    course, lessons, exam = course_with_exam
    client.force_login(learner.user)
    enrolment_create(staff=learner, course=course)
    lesson_complete(staff=learner, lesson=lessons[0])
    page = client.get(course.url).content.decode()
    assert _exam_links(page, exam) == 0  # a lesson remains: no shortcut to the exam yet

    lesson_complete(staff=learner, lesson=lessons[1])
    page = client.get(course.url).content.decode()
    assert "il reste l'évaluation finale" in page
    assert _exam_links(page, exam) == 1
    assert "Passer l'évaluation finale « Examen GPO »" in page
    assert "Examen fermé" not in page  # a closed exam is not offered

    pass_exam(exam, learner)
    page = client.get(course.url).content.decode()
    assert "Formation terminée" in page and _exam_links(page, exam) == 0


def test_my_learning_sends_to_the_final_exam_instead_of_back_to_the_lessons(client, learner, course_with_exam):
    course, lessons, exam = course_with_exam
    client.force_login(learner.user)
    enrolment_create(staff=learner, course=course)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert _exam_links(page, exam) == 0 and "Reprendre à" in page

    for lesson in lessons:
        lesson_complete(staff=learner, lesson=lesson)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert "Reprendre à" not in page
    # Once as the next step's button, once in the "in progress" list.
    assert _exam_links(page, exam) == 2
    # The home page's "Reprendre" card offers the exam instead of "Continuer".
    home = client.get("/").content.decode()
    assert _exam_links(home, exam) == 1


def test_in_english_the_final_exam_link_is_translated(client, learner, course_with_exam):
    course, lessons, exam = course_with_exam
    client.force_login(learner.user)
    enrolment_create(staff=learner, course=course)
    for lesson in lessons:
        lesson_complete(staff=learner, lesson=lesson)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert "Take the final exam “Examen GPO”" in page
