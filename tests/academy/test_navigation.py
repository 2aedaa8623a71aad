"""The main navigation shows each person what they may open, and costs the same few queries on
every page whatever the role."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from academy.roles import CONTENT_EDITOR, DISPATCHER, user_is_admin, user_is_dispatcher, user_is_editor, user_is_lead, user_role_flags
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = ["Formations", "Mes formations", "Examens", "Mes compétences", "Certifications", "Procédures"]


def _labels(client, user):
    client.force_login(user)
    response = client.get("/mes-formations/")
    assert response.status_code == 200
    return [str(item["label"]) for item in response.context["nav_items"]]


def _with_group(name: str):
    staff = StaffFactory(user=UserFactory())
    staff.user.groups.add(Group.objects.get_or_create(name=name)[0])
    return staff.user


def test_a_learner_sees_only_her_own_pages(client, learner):
    assert _labels(client, learner.user) == BASE


def test_a_lead_sees_her_team_the_dispatch_page_and_the_administration(client, lead):
    assert _labels(client, lead.user) == BASE + ["Mon équipe", "Qui est qualifié ?", "Clients", "Administration"]


def test_a_dispatcher_sees_the_dispatch_page_but_not_a_team(client):
    assert _labels(client, _with_group(DISPATCHER)) == BASE + ["Qui est qualifié ?", "Clients"]


def test_an_editor_sees_the_administration_but_not_the_dispatch_page(client):
    assert _labels(client, _with_group(CONTENT_EDITOR)) == BASE + ["Administration"]


def test_an_admin_sees_everything(client, admin_user):
    assert _labels(client, admin_user) == BASE + ["Mon équipe", "Qui est qualifié ?", "Clients", "Administration"]


@pytest.mark.parametrize("who", ["learner", "lead", "dispatcher", "editor", "admin"])
def test_the_role_flags_give_the_same_answers_as_each_role_check(who, learner, lead, admin_user):
    user = {"learner": learner.user, "lead": lead.user, "admin": admin_user}.get(who)
    if user is None:
        user = _with_group(DISPATCHER if who == "dispatcher" else CONTENT_EDITOR)
    expected = {"admin": user_is_admin(user), "lead": user_is_lead(user),
                "dispatcher": user_is_dispatcher(user), "editor": user_is_editor(user)}
    assert user_role_flags(user) == expected
    from academy.roles import user_role_flags_and_unread

    assert user_role_flags_and_unread(user)[0] == expected  # the navigation's version agrees


def test_the_navigation_costs_one_query_whatever_the_role(rf, lead):
    from workspace.context_processors import navigation

    request = rf.get("/mes-formations/")
    request.user = lead.user
    with CaptureQueriesContext(connection) as queries:
        navigation(request)
    assert len(queries) == 1  # the roles, whether she leads a team and the unread notifications at once


def test_the_badge_counts_only_her_unread_notifications(rf, learner, lead):
    from django.utils import timezone

    from workspace.context_processors import navigation
    from academy.models import Notification

    Notification.objects.create(recipient=learner.user, kind="k", title="a")
    Notification.objects.create(recipient=learner.user, kind="k", title="b")
    Notification.objects.create(recipient=learner.user, kind="k", title="read", read_at=timezone.now())
    Notification.objects.create(recipient=lead.user, kind="k", title="someone else's")
    request = rf.get("/")
    request.user = learner.user
    assert navigation(request)["unread_notifications"] == 2


def test_the_menu_leads_a_learner_to_the_exams(client, learner):
    client.force_login(learner.user)
    page = client.get("/mes-formations/").content.decode()
    nav = page.split('aria-label="Navigation principale"')[1].split("</nav>")[0]
    assert 'href="/examens/"' in nav and "Examens" in nav
