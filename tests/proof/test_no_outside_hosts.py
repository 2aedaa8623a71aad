"""An internal tool calls no outside host: the admin's and the site's pages load nothing from
another server (no avatars from gravatar.com, which would send staff e-mail hashes out and show
broken pictures offline; no update check against releases.wagtail.org)."""
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from academy import roles
from courses.demo import editor_permissions_ensure
from tests.courses.factories import course_create, lesson_create
from tests.factories import UserFactory

# What a browser fetches by itself: src/srcset/poster/data attributes, <link href> (stylesheets,
# icons, preloads), CSS url(), and the update check Wagtail runs from its `w-upgrade` controller.
LOADED_URL = re.compile(
    r"""(?:\b(?:src|srcset|poster|data)\s*=\s*["']\s*|<link\b[^>]*\bhref\s*=\s*["']\s*|url\(\s*["']?)"""
    r"""((?:https?:)?//[^"' )>]+)""", re.IGNORECASE)


def outside_loads(html: str) -> list[str]:
    """The absolute URLs to another host that a browser would load from `html`."""
    return [url for url in LOADED_URL.findall(html) if not re.match(r"(?:https?:)?//testserver(?:[:/]|$)", url)]


def test_outside_loads_finds_what_a_browser_would_fetch():
    html = ('<img src="//www.gravatar.com/avatar/abc?d=mp" alt=""><link rel="stylesheet" '
            'href="https://fonts.googleapis.com/css"><a href="https://guide.wagtail.org/">guide</a>'
            '<img src="/media/a.png"><script src="http://testserver/static/x.js"></script>')
    assert outside_loads(html) == ["//www.gravatar.com/avatar/abc?d=mp", "https://fonts.googleapis.com/css"]


@pytest.fixture
def editor(db):
    roles.roles_sync()
    user = UserFactory(username="emilie", first_name="Émilie", last_name="Rousseau", email="emilie@example.test")
    user.groups.add(Group.objects.get(name=roles.CONTENT_EDITOR))
    return user


@pytest.fixture
def course(editor):
    course = course_create(title="Diagnostiquer une GPO")
    lesson_create(parent=course, title="Lire un rapport gpresult")
    editor_permissions_ensure(catalogue=course.get_parent())
    return course


def _pages(client, user, course):
    client.force_login(user)
    urls = [reverse("wagtailadmin_home"), reverse("wagtailadmin_account"),
            reverse("wagtailadmin_pages:edit", args=[course.pk]),
            reverse("wagtailadmin_explore", args=[course.pk]), course.url]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode()


def test_the_editors_admin_pages_load_nothing_from_another_host(client, editor, course):
    for url, html in _pages(client, editor, course):
        assert outside_loads(html) == [], url
        assert "gravatar" not in html, url


def test_the_administrator_gets_no_update_check_from_releases_wagtail_org(client, admin_user, course):
    for url, html in _pages(client, admin_user, course):
        assert outside_loads(html) == [], url
        assert 'data-controller="w-upgrade' not in html, url
