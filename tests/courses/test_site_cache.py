"""With a shared cache, the catalogue's pages skip Wagtail's site lookup and its view-restriction
check; an administrator's change to a site or to page privacy still applies at once."""
import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(settings):
    """The settings of a deployment with Redis (the tests' local-memory cache stands in: one process)."""
    settings.ACADEMIE_SHARED_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries]


def test_the_catalogue_pages_read_neither_the_site_nor_the_restrictions_twice(lea, course, shared_cache):
    for url in ("/formations/", course.url):
        first, _sql = _queries(lea, url)
        again, sql = _queries(lea, url)
        assert first.status_code == again.status_code == 200
        assert first.content.decode().count("Diagnostiquer une GPO") == again.content.decode().count("Diagnostiquer une GPO") >= 1
        assert not any("wagtailcore_site" in q or "wagtailcore_pageviewrestriction" in q for q in sql)


def test_without_a_shared_cache_wagtail_reads_them_as_usual(lea, course):
    _first, _sql = _queries(lea, course.url)
    response, sql = _queries(lea, course.url)
    assert response.status_code == 200
    assert any("wagtailcore_site" in q for q in sql) and any("wagtailcore_pageviewrestriction" in q for q in sql)


def test_a_view_restriction_added_later_applies_at_once(lea, course, shared_cache):
    assert lea.get(course.url).status_code == 200  # cached: no restriction anywhere
    restriction = PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.set([Group.objects.create(name="Formateurs")])
    assert lea.get(course.url).status_code == 302  # Wagtail sends her to log in as someone allowed
    assert lea.get("/formations/").status_code == 200  # the catalogue itself is not restricted
    restriction.delete()
    assert lea.get(course.url).status_code == 200


def test_a_change_of_site_applies_at_once(lea, course, shared_cache):
    assert lea.get(course.url).status_code == 200
    site = Site.objects.get()
    site.hostname, site.is_default_site = "ailleurs.example", False
    site.save()
    assert lea.get(course.url).status_code == 404  # no site serves this host any more
    site.hostname, site.is_default_site = "localhost", True
    site.save()
    assert lea.get(course.url).status_code == 200


def test_an_edited_catalogue_shows_its_new_title_at_once(lea, catalogue, course, shared_cache):
    assert lea.get("/formations/").status_code == 200
    catalogue.title = "Catalogue des formations du support"
    catalogue.save_revision().publish()
    assert "Catalogue des formations du support" in lea.get("/formations/").content.decode()


def test_the_filter_choices_follow_publishing_and_renaming_at_once(lea, catalogue, course, gpo_skill, shared_cache):
    from tests.courses.factories import course_create
    from tests.factories import DomainFactory, SkillFactory

    def choices():
        html = lea.get("/formations/").content.decode()
        return html.split('name="domaine"')[1].split("</select>")[0], html.split('name="competence"')[1].split("</select>")[0]

    domains, skills = choices()
    assert "Active Directory" in domains and "NET.VLAN" not in skills
    vlan = SkillFactory(code="NET.VLAN", name_fr="VLAN", domain=DomainFactory(code="NET", name_fr="Réseau"))
    network = course_create(title="Un VLAN qui n'arrive pas au port", catalogue=catalogue, domain=vlan.domain,
                            skills=[(vlan, 3)])
    domains, skills = choices()
    assert "Réseau" in domains and "VLAN (NET.VLAN)" in skills
    vlan.name_fr = "Réseaux locaux virtuels"
    vlan.save()
    assert "Réseaux locaux virtuels (NET.VLAN)" in choices()[1]
    network.unpublish()
    domains, skills = choices()
    assert "Réseau" not in domains and "NET.VLAN" not in skills
