"""The demo catalogue: the site's first impression."""
import io

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, Site

from academy.roles import CONTENT_EDITOR
from courses import demo
from courses.demo_content import COURSES
from courses.models import CatalogueIndexPage, CoursePage, LessonPage
from courses.selectors import course_lessons
from tests.factories import DomainFactory, SkillFactory, UserFactory


@pytest.fixture
def taxonomy(db):
    for data in COURSES:
        domain = DomainFactory(code=data["domain"])
        for code, _level in data["skills"]:
            SkillFactory(code=code, domain=domain)


def test_the_seed_makes_the_catalogue_the_site_root_with_a_course_per_domain(taxonomy):
    demo.seed(stdout=io.StringIO())
    catalogue = CatalogueIndexPage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == catalogue.pk and catalogue.url == "/formations/"
    courses = CoursePage.objects.live()
    assert courses.count() == len(COURSES) >= 9
    assert set(courses.values_list("domain__code", flat=True)) >= {
        "SEC", "AD", "M365", "MSG", "HEB", "TEL", "NET", "INFRA", "PDT"}
    for course in courses:
        assert 2 <= len(course_lessons(course=course)) <= 4
        assert course.skills_taught.count() >= 1


def test_the_seed_is_idempotent(taxonomy):
    demo.seed(stdout=io.StringIO())
    counts = (CoursePage.objects.count(), LessonPage.objects.count(), GroupPagePermission.objects.count())
    demo.seed(stdout=io.StringIO())
    assert (CoursePage.objects.count(), LessonPage.objects.count(), GroupPagePermission.objects.count()) == counts


def test_demo_lessons_are_valid_and_render(taxonomy, client):
    demo.seed(stdout=io.StringIO())
    editor = UserFactory(username="editeur")
    editor.groups.add(Group.objects.get_or_create(name=CONTENT_EDITOR)[0])
    client.force_login(editor)
    kinds = set()
    for lesson in LessonPage.objects.live():
        lesson.full_clean()  # StreamField validation: alt texts, right answers, one video source
        kinds |= {block.block_type for block in lesson.body}
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
    assert {"code", "procedure", "callout", "knowledge_check"} <= kinds


def test_content_editors_may_build_courses_under_the_catalogue(taxonomy):
    demo.seed(stdout=io.StringIO())
    catalogue = CatalogueIndexPage.objects.get()
    editor = UserFactory(username="editeur")
    editor.groups.add(Group.objects.get(name=CONTENT_EDITOR))
    permissions = catalogue.permissions_for_user(editor)
    assert permissions.can_add_subpage() and permissions.can_edit() and permissions.can_publish()
    course = CoursePage.objects.first()
    assert course.permissions_for_user(editor).can_publish()
