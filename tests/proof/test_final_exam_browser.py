"""A learner who reads every lesson of a demo course is led by the course page to its final exam
(the demo links each course's exam to it), and finds the exams in the menu."""
import pytest

from tests.proof.browser import login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(autouse=True)
def _scale():
    """The browser tests use the session's seeded site (see test_journeys)."""


def _learner_and_course():
    """A generated demo learner enrolled nowhere (the demo accounts belong to other journeys), and
    a demo course without prerequisites whose exam the demo seeded."""
    from academy.models import Staff
    from assessments.models import Exam
    from courses.models import CoursePage, Enrolment

    staff = (Staff.objects.filter(active=True, user__is_active=True, user__is_staff=False, user__groups__isnull=True)
             .exclude(pk__in=Enrolment.objects.values("staff_id")).select_related("user").order_by("pk").first())
    if staff is None:
        staff = (Staff.objects.filter(active=True, user__is_active=True, user__is_staff=False)
                 .exclude(pk__in=Enrolment.objects.values("staff_id"))
                 .exclude(user__username__in=["technicien", "chef", "dispatch", "editeur", "admin"])
                 .select_related("user").order_by("pk").first())
    assert staff is not None, "the demo has no learner left who is enrolled nowhere"
    for exam in Exam.objects.filter(slug__startswith="examen-", course__isnull=False, active=True).order_by("slug"):
        course = CoursePage.objects.live().filter(pk=exam.course_id).first()
        if course is not None and not course.prerequisites.exists():
            return staff.user.username, course.url, course.title, exam
    pytest.fail("no demo course is linked to its final exam")


def test_after_the_last_lesson_the_course_page_leads_to_the_final_exam(page, demo_site, dbaccess):
    username, course_url, course_title, exam = _learner_and_course()
    login(page, username)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Examens").get_attribute("href") == "/examens/"

    page.goto(course_url)
    page.get_by_role("button", name="S'inscrire à la formation").click()
    page.wait_for_load_state()
    for _lesson in range(30):
        done = page.get_by_role("button", name="J'ai terminé cette leçon")
        if not done.count():
            break
        done.click()
        page.wait_for_load_state()
    else:
        pytest.fail("the course never ended")
    page.goto(course_url)
    main = page.inner_text("main")
    assert "il reste l'évaluation finale" in main, main[:500]
    screenshot(page, "final-exam-01-course")

    page.get_by_role("link", name=f"Passer l'évaluation finale « {exam.title} »").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/examens/{exam.slug}/"), page.url
    assert page.get_by_role("heading", level=1).inner_text() == exam.title
    assert page.get_by_role("button", name="Commencer l'examen").count() == 1
    screenshot(page, "final-exam-02-exam")
    assert not page.js_errors, page.js_errors
