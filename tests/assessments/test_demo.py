"""The demo: idempotent; the technician can pass the workstation exam in the browser and obtain
the certification; they hold one certification expiring within 90 days."""
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptQuestion, Award, Certification, Exam, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from academy import demo as academy_demo
    from assessments import demo
    from courses import demo as courses_demo
    from skills import demo as skills_demo

    out = io.StringIO()
    academy_demo.seed(stdout=out, staff_count=0)
    skills_demo.seed(stdout=out)
    courses_demo.seed(stdout=out)
    demo.seed(stdout=out)
    return out


def test_the_seed_is_idempotent(demo):
    from assessments import demo as assessments_demo

    counts = (Question.objects.count(), Exam.objects.count(), Certification.objects.count(), Award.objects.count())
    assessments_demo.seed(stdout=io.StringIO())
    assert counts == (Question.objects.count(), Exam.objects.count(), Certification.objects.count(),
                      Award.objects.count())
    assert counts[0] >= 25 and counts[2] == 3
    from courses.models import CoursePage

    for course in CoursePage.objects.live():
        assert Exam.objects.filter(slug=f"examen-{course.slug}"[:80]).exists(), course.slug


def test_the_technician_holds_a_certification_expiring_within_90_days(demo):
    award = Award.objects.get(staff__user__username="technicien")
    assert award.certification.code == "MSG-N1"
    assert timezone.now() < award.valid_until <= timezone.now() + timedelta(days=90)
    assert award.staff.skill_levels.get(skill__code="MSG.FLOW").level == 2


def test_the_technician_passes_the_workstation_exam_and_gets_the_certification(demo):
    from academy.models import Staff

    client = Client()
    client.force_login(Staff.objects.get(user__username="technicien").user)
    response = client.post(reverse("assessments:attempt_start", args=["poste-de-travail-n1"]))
    attempt = Attempt.objects.get(exam__slug="poste-de-travail-n1")
    data = {"action": "submit"}
    for row in AttemptQuestion.objects.filter(attempt=attempt):
        spec, name = row.spec, f"q{row.question_id}"
        if spec["type"] in ("single", "multiple"):
            data[name] = [o["key"] for o in spec["options"] if o["correct"]]
        elif spec["type"] == "true_false":
            data[name] = "true" if spec["answer"] else "false"
        elif spec["type"] == "numeric":
            data[name] = spec["answer"]
        elif spec["type"] == "short_text":
            data[name] = "sfc /scannow"
        elif spec["type"] == "ordering":
            for rank, key in enumerate(spec["correct_order"], start=1):
                data[f"{name}-{key}"] = str(rank)
        elif spec["type"] == "matching":
            for left, right in spec["pairs"].items():
                data[f"{name}-{left}"] = right
    response = client.post(reverse("assessments:attempt_take", args=[attempt.pk]), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.percent == 100
    page = client.get(reverse("assessments:my_certifications")).content.decode()
    assert "Certification Poste de travail N1" in page
    assert Award.objects.filter(staff__user__username="technicien", certification__code="PDT-N1").exists()


def test_each_demo_course_exam_is_the_course_final_exam(demo):
    from courses.models import CoursePage

    for course in CoursePage.objects.live():
        exam = Exam.objects.filter(slug=f"examen-{course.slug}"[:80]).first()
        if exam is not None:
            assert exam.course_id == course.pk, course.slug
    assert Exam.objects.filter(course__isnull=False).exists()


def test_a_demo_seeded_before_the_link_gets_it_on_the_next_run_and_nothing_more(demo):
    from assessments import demo as assessments_demo

    linked = set(Exam.objects.filter(course__isnull=False).values_list("pk", flat=True))
    Exam.objects.filter(pk__in=linked).update(course=None)  # as an older demo left them
    count = Exam.objects.count()
    out = io.StringIO()
    assessments_demo.seed(stdout=out)
    assert set(Exam.objects.filter(course__isnull=False).values_list("pk", flat=True)) == linked
    assert Exam.objects.count() == count
    assert "reliés à leur formation" in out.getvalue()


def test_after_the_last_lesson_of_a_demo_course_its_page_leads_to_the_final_exam(demo):
    from academy.models import Staff
    from courses import services
    from courses.models import CoursePage
    from courses.selectors import course_lessons

    staff = Staff.objects.get(user__username="technicien")
    course = CoursePage.objects.live().get(slug="sauvegardes-savoir-restaurer")
    exam = Exam.objects.get(course=course)
    services.enrolment_create(staff=staff, course=course)
    for lesson in course_lessons(course=course):
        services.lesson_complete(staff=staff, lesson=lesson)
    client = Client()
    client.force_login(staff.user)
    page = client.get(course.url).content.decode()
    assert "il reste l'évaluation finale" in page
    assert f'href="{reverse("assessments:exam_detail", args=[exam.slug])}"' in page
    assert f"Passer l'évaluation finale « {exam.title} »" in page.replace("&#x27;", "'")
