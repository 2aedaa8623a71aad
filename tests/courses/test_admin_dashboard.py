"""The Wagtail admin as Émilie the content editor finds it: the site's name, and a dashboard that
lists her drafts, the courses due for review and the courses without a final exam."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, Site
from wagtail.users.models import UserProfile

from academy import roles
from academy.sites import default_site_identify
from assessments.models import Exam
from courses.demo import editor_permissions_ensure
from courses.models import CoursePage
from tests.courses.factories import course_create, lesson_create
from tests.factories import UserFactory


@pytest.fixture
def emilie(catalogue):
    roles.roles_sync()
    editor_permissions_ensure(catalogue=catalogue)
    user = UserFactory(username="emilie", first_name="Émilie", last_name="Rousseau")
    user.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    return user


@pytest.fixture
def other_editor(emilie):
    user = UserFactory(username="hugo", first_name="Hugo", last_name="Lemoine")
    user.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    return user


def _published(page, *, by, when=None):
    """Publish `page` as `by` would in the admin (at `when`, default now)."""
    revision = page.save_revision(user=by)
    revision.publish(user=by)
    if when is not None:
        Page.objects.filter(pk=page.pk).update(last_published_at=when, first_published_at=when)
    page.refresh_from_db()
    return page


def _draft(page, *, by, title):
    """Change `page` as `by` in the admin without publishing."""
    page.title = title
    page.save_revision(user=by)
    return page


def _dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def _panel(html: str, panel_id: str) -> str:
    """The HTML of one dashboard panel (from its id to the next panel)."""
    start = html.index(f'id="{panel_id}')
    end = html.find('class="w-panel ', start + 1)
    return html[start:end if end != -1 else None]


# The site's name


def test_a_migrated_database_names_the_site_academie_at_the_site_address(db):
    site = Site.objects.get(is_default_site=True)
    assert site.site_name == "Académie"
    assert (site.hostname, site.port) == ("testserver", 80)  # ACADEMIE_SITE_URL in the test settings


def test_the_editor_sees_academie_not_localhost_as_the_site_name(client, emilie):
    html = _dashboard(client, emilie)
    assert "Académie" in html
    assert "localhost" not in html


def test_a_site_left_as_wagtail_created_it_is_named_and_moved_once(db):
    site = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=site.pk).update(site_name="", hostname="localhost", port=80)
    with override_settings(ACADEMIE_SITE_URL="https://academie.example.fr"):
        assert default_site_identify(Site) is True
        assert default_site_identify(Site) is False
    site.refresh_from_db()
    assert (site.site_name, site.hostname, site.port) == ("Académie", "academie.example.fr", 443)


def test_a_name_and_address_chosen_by_an_administrator_are_kept(db):
    site = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=site.pk).update(site_name="Formation support", hostname="formation.intra", port=8443)
    assert default_site_identify(Site) is False
    site.refresh_from_db()
    assert (site.site_name, site.hostname, site.port) == ("Formation support", "formation.intra", 8443)


# The dashboard's panels


def test_the_editor_sees_her_drafts_and_not_another_editors(client, emilie, other_editor, catalogue):
    mine = _published(course_create(title="Diagnostiquer une GPO", catalogue=catalogue), by=emilie)
    _draft(mine, by=emilie, title="Diagnostiquer une GPO (v2)")
    theirs = _published(course_create(title="Sauvegardes Veeam", catalogue=catalogue), by=other_editor)
    _draft(theirs, by=other_editor, title="Sauvegardes Veeam (brouillon de Hugo)")
    published = _published(course_create(title="Messagerie Exchange", catalogue=catalogue), by=emilie)

    drafts = _panel(_dashboard(client, emilie), "academie-drafts")
    assert "Vos brouillons" in drafts
    assert "Diagnostiquer une GPO (v2)" in drafts
    assert reverse("wagtailadmin_pages:edit", args=[mine.pk]) in drafts
    assert "Veeam" not in drafts
    assert published.title not in drafts


def test_the_drafts_panel_says_when_there_is_none(client, emilie):
    drafts = _panel(_dashboard(client, emilie), "academie-drafts")
    assert "Aucun brouillon en attente" in drafts


def test_a_course_without_a_final_exam_is_listed_until_one_is_linked(client, emilie, catalogue):
    course = _published(course_create(title="Téléphonie 3CX", catalogue=catalogue), by=emilie)
    with_exam = _published(course_create(title="Réseau : VLAN", catalogue=catalogue), by=emilie)
    Exam.objects.create(title="Examen VLAN", slug="examen-vlan", course=with_exam)
    unpublished = course_create(title="Brouillon jamais publié", catalogue=catalogue, live=False)

    panel = _panel(_dashboard(client, emilie), "academie-courses-without-exam")
    assert "Téléphonie 3CX" in panel
    assert reverse("wagtailadmin_pages:edit", args=[course.pk]) in panel
    assert "VLAN" not in panel
    assert unpublished.title not in panel

    Exam.objects.create(title="Examen 3CX", slug="examen-3cx", course=course)
    panel = _panel(_dashboard(client, emilie), "academie-courses-without-exam")
    assert "Téléphonie 3CX" not in panel
    assert "Chaque formation publiée a son évaluation finale" in panel


def test_a_closed_exam_does_not_count_as_the_final_exam(client, emilie, catalogue):
    course = _published(course_create(title="Téléphonie 3CX", catalogue=catalogue), by=emilie)
    Exam.objects.create(title="Examen 3CX", slug="examen-3cx", course=course, active=False)
    assert "Téléphonie 3CX" in _panel(_dashboard(client, emilie), "academie-courses-without-exam")


def test_a_course_nothing_was_published_in_for_a_year_is_due_for_review(client, emilie, catalogue):
    long_ago = timezone.now() - timedelta(days=400)
    stale = _published(course_create(title="Windows 7 : dépannage", catalogue=catalogue), by=emilie, when=long_ago)
    _published(lesson_create(parent=stale, title="Le registre"), by=emilie, when=long_ago)
    revised = _published(course_create(title="Intune : enrôlement", catalogue=catalogue), by=emilie, when=long_ago)
    _published(lesson_create(parent=revised, title="Autopilot"), by=emilie)  # a lesson revised this month
    recent = _published(course_create(title="Entra ID : MFA", catalogue=catalogue), by=emilie)

    panel = _panel(_dashboard(client, emilie), "academie-courses-due-for-review")
    assert "Windows 7 : dépannage" in panel
    assert reverse("wagtailadmin_pages:edit", args=[stale.pk]) in panel
    assert revised.title not in panel
    assert recent.title not in panel


def test_the_review_panel_says_when_every_course_is_up_to_date(client, emilie, catalogue):
    _published(course_create(title="Entra ID : MFA", catalogue=catalogue), by=emilie)
    panel = _panel(_dashboard(client, emilie), "academie-courses-due-for-review")
    assert "Aucune formation à relire" in panel


def test_the_panels_are_translated(client, emilie):
    UserProfile.objects.filter(pk=UserProfile.get_for_user(emilie).pk).update(preferred_language="en")
    html = _dashboard(client, emilie)
    assert "Your drafts" in html and "No draft waiting" in html and "Vos brouillons" not in html


def test_a_team_lead_gets_no_editor_panels(client, lead):
    roles.roles_sync()
    lead.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    html = _dashboard(client, lead.user)
    assert "academie-drafts" not in html
    assert "academie-courses-without-exam" not in html
    assert "academie-courses-due-for-review" not in html


def test_a_learner_cannot_open_the_dashboard(client, learner):
    client.force_login(learner.user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert CoursePage.objects.count() == 0
