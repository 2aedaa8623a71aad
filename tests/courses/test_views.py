"""What learners, editors and outsiders see and may do on the course pages."""
import datetime

import pytest
from django.contrib.auth.models import Group

from academy.roles import CONTENT_EDITOR
from courses import services
from courses.models import Enrolment, EnrolmentStatus, LessonProgress
from tests.courses.factories import course_create, lesson_create
from tests.factories import UserFactory


def test_the_catalogue_is_served_at_formations_and_needs_a_login(client, course):
    response = client.get("/formations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_course_not_enrolled_in_shows_the_enrol_button_and_no_lesson_links(lea, course, lessons):
    response = lea.get(course.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "S&#x27;inscrire à la formation" in html or "S'inscrire à la formation" in html
    assert lessons[0].title in html and f'href="{lessons[0].url}"' not in html


def test_a_lesson_sends_someone_not_enrolled_back_to_the_course(lea, course, lessons):
    response = lea.get(lessons[0].url, follow=True)
    assert response.redirect_chain[-1][0] == course.url
    assert "Inscrivez-vous à la formation" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_completing_a_lesson_without_being_enrolled_is_forbidden(lea, lessons):
    response = lea.post(f"/mes-formations/lecons/{lessons[0].pk}/terminer/")
    assert response.status_code == 403


def test_enrolling_opens_the_first_lesson(lea, learner, course, lessons):
    response = lea.post(f"/mes-formations/inscription/{course.pk}/")
    assert response.status_code == 302 and response["Location"] == lessons[0].url
    page = lea.get(lessons[0].url)
    assert page.status_code == 200
    assert "Contenu de Comprendre le traitement des GPO." in page.content.decode()
    assert Enrolment.objects.get(staff=learner, course=course).started_at is not None


def test_enrolling_twice_through_the_page_keeps_one_enrolment(lea, learner, course):
    lea.post(f"/mes-formations/inscription/{course.pk}/")
    lea.post(f"/mes-formations/inscription/{course.pk}/")
    assert Enrolment.objects.filter(staff=learner, course=course).count() == 1


def test_marking_lessons_done_moves_on_and_finishes_the_course(lea, learner, course, lessons):
    lea.post(f"/mes-formations/inscription/{course.pk}/")
    response = lea.post(f"/mes-formations/lecons/{lessons[0].pk}/terminer/")
    assert response["Location"] == lessons[1].url
    response = lea.post(f"/mes-formations/lecons/{lessons[1].pk}/terminer/", follow=True)
    assert response.redirect_chain[-1][0] == course.url
    html = response.content.decode()
    assert "Bravo, vous avez terminé" in html and "Formation terminée le" in html


def test_resume_opens_the_last_lesson_visited(lea, course, lessons):
    lea.post(f"/mes-formations/inscription/{course.pk}/")
    lea.get(lessons[1].url)
    response = lea.get(f"/mes-formations/reprendre/{course.pk}/")
    assert response["Location"] == lessons[1].url


@pytest.mark.parametrize("url", [
    "/mes-formations/inscription/999999/",
    "/mes-formations/quitter/999999/",
    "/mes-formations/lecons/999999/terminer/",
])
def test_tampered_ids_are_not_found(lea, course, url):
    assert lea.post(url).status_code == 404


def test_a_course_id_given_as_a_lesson_id_is_not_found(lea, course):
    assert lea.post(f"/mes-formations/lecons/{course.pk}/terminer/").status_code == 404


def test_draft_courses_and_lessons_are_invisible_to_learners(lea, learner, course, lessons, gpo_skill):
    draft_course = course_create(title="Formation en préparation", domain=gpo_skill.domain, live=False)
    draft_lesson = lesson_create(parent=course, title="Leçon en préparation", live=False)
    services.enrolment_create(staff=learner, course=course)
    assert "Formation en préparation" not in lea.get("/formations/").content.decode()
    assert lea.get(f"/formations/{draft_course.slug}/").status_code == 404
    assert lea.post(f"/mes-formations/inscription/{draft_course.pk}/").status_code == 404
    assert "Leçon en préparation" not in lea.get(course.url).content.decode()
    assert lea.get(f"{course.url}{draft_lesson.slug}/").status_code == 404
    assert lea.post(f"/mes-formations/lecons/{draft_lesson.pk}/terminer/").status_code == 404


def test_a_live_lesson_of_an_unpublished_course_is_not_found(lea, learner, course, lessons):
    services.enrolment_create(staff=learner, course=course)
    course.unpublish()
    assert lea.get(lessons[0].url.replace("/formations/", "/formations/", 1)).status_code == 404


def test_leaving_a_course_closes_its_lessons(lea, learner, course, lessons):
    lea.post(f"/mes-formations/inscription/{course.pk}/")
    response = lea.post(f"/mes-formations/quitter/{course.pk}/")
    assert response["Location"] == "/mes-formations/"
    assert Enrolment.objects.get(staff=learner, course=course).status == EnrolmentStatus.LEFT
    assert lea.get(lessons[0].url).status_code == 302


def test_one_persons_enrolment_gives_nothing_to_another(client, learner, outsider, course, lessons):
    services.enrolment_create(staff=learner, course=course)
    client.force_login(outsider.user)
    assert client.get(lessons[0].url).status_code == 302
    assert client.post(f"/mes-formations/lecons/{lessons[0].pk}/terminer/").status_code == 403
    assert client.post(f"/mes-formations/quitter/{course.pk}/").status_code == 302
    assert Enrolment.objects.get(staff=learner, course=course).status == EnrolmentStatus.ACTIVE


def test_a_content_editor_reviews_lessons_without_enrolling(client, course, lessons):
    editor = UserFactory(username="editeur")
    editor.groups.add(Group.objects.get_or_create(name=CONTENT_EDITOR)[0])
    client.force_login(editor)
    assert client.get(lessons[0].url).status_code == 200
    assert not Enrolment.objects.exists()


def test_my_learning_lists_assigned_in_progress_and_completed_courses(lea, learner, lead, course, lessons, gpo_skill):
    other = course_create(title="Sécuriser Exchange Online", domain=gpo_skill.domain)
    lesson_create(parent=other, title="Authentification moderne")
    third = course_create(title="Un VLAN qui n'arrive pas au port", domain=gpo_skill.domain)
    third_lesson = lesson_create(parent=third, title="show vlan brief")
    services.enrolment_create(staff=learner, course=course)
    services.enrolment_create(staff=learner, course=other, source="path", assigned_by=lead.user,
                              due_on=datetime.date(2026, 12, 15))
    services.enrolment_create(staff=learner, course=third)
    services.lesson_complete(staff=learner, lesson=third_lesson)

    html = lea.get("/mes-formations/").content.decode()
    next_step = html[html.index('id="next-title"'):html.index('id="assigned-title"')]
    assigned = html[html.index('id="assigned-title"'):html.index('id="progress-title"')]
    in_progress = html[html.index('id="progress-title"'):html.index('id="done-title"')]
    done = html[html.index('id="done-title"'):]
    assert "Sécuriser Exchange Online" in assigned and "15 décembre 2026" in assigned
    assert "Diagnostiquer une GPO" in in_progress and "Sécuriser" not in in_progress
    assert "Un VLAN qui n&#x27;arrive pas au port" in done
    assert "Sécuriser Exchange Online" in next_step  # due first


def test_my_learning_has_an_empty_state(lea):
    html = lea.get("/mes-formations/").content.decode()
    assert "Aucune formation en cours." in html and "Aucun certificat" in html


def test_editors_preview_draft_courses_modules_and_lessons(course, lessons, gpo_skill):
    from tests.courses.factories import module_create

    basics = course_create(title="Les bases d'Active Directory", domain=gpo_skill.domain)
    course.prerequisites.set([basics])
    course.title = "Titre en cours de rédaction"
    course.save_revision()
    draft = course.get_latest_revision_as_object()  # relations in memory, as in the admin
    response = draft.make_preview_request()
    assert response.status_code == 200
    html = response.content.decode()
    assert "Titre en cours de rédaction" in html and "Les bases d&#x27;Active Directory" in html
    module = module_create(course=course, title="Approfondir", live=False)
    assert module.make_preview_request().status_code == 200
    lesson = lesson_create(parent=module, title="Filtrage WMI", live=False)
    response = lesson.make_preview_request()
    assert response.status_code == 200 and "Contenu de Filtrage WMI." in response.content.decode()


def test_a_lesson_page_costs_the_same_queries_whatever_the_catalogue_size(
        lea, learner, course, lessons, gpo_skill, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.enrolment_create(staff=learner, course=course)
    lea.get(lessons[0].url)  # the first visit records it
    with CaptureQueriesContext(connection) as small:
        assert lea.get(lessons[0].url).status_code == 200
    for i in range(15):
        other = course_create(title=f"Autre formation {i}", domain=gpo_skill.domain)
        lesson_create(parent=other, title="Leçon")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert lea.get(lessons[0].url).status_code == 200


def test_unknown_paths_under_the_catalogue_are_not_found(lea, course, lessons):
    assert lea.get(f"{course.url}n-existe-pas/").status_code == 404
    assert lea.get("/formations/n-existe-pas/gpresult-et-gpupdate/").status_code == 404


def test_a_course_with_learners_cannot_be_deleted_in_the_admin(client, admin_user, learner, course, lessons):
    from courses.models import CoursePage

    services.enrolment_create(staff=learner, course=course)
    client.force_login(admin_user)
    response = client.post(f"/admin/pages/{course.pk}/delete/", follow=True)
    assert CoursePage.objects.filter(pk=course.pk).exists()
    assert "Dépubliez-la plutôt" in response.content.decode()


def test_a_course_page_costs_the_same_queries_whatever_its_prerequisites_and_lessons(
        lea, course, lessons, gpo_skill, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prerequisites = [course_create(title=f"Prérequis {i}", catalogue=course.get_parent().specific,
                                   domain=gpo_skill.domain) for i in range(3)]
    course.prerequisites.set(prerequisites[:1])
    course.save_revision().publish()
    lea.get(course.url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as small:
        assert lea.get(course.url).status_code == 200
    course.prerequisites.set(prerequisites)
    course.save_revision().publish()
    for i in range(5):
        lesson_create(parent=course, title=f"Leçon en plus {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = lea.get(course.url).content.decode()
    assert "Prérequis 2" in html, html
    assert "Leçon en plus 4" in html
    assert "Terminez d'abord" in html


def test_the_course_page_is_found_by_its_url_and_not_by_a_lookalike(lea, course, lessons):
    assert lea.get(course.url).status_code == 200
    assert lea.get(f"/formations/{course.slug}-bis/").status_code == 404
    assert lea.get(lessons[0].url).status_code in (200, 302)  # a lesson is still routed (302: not enrolled)
    course.unpublish()
    assert lea.get(course.url).status_code == 404
