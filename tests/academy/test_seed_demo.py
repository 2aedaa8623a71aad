"""seed_demo: a realistic organisation and the demo accounts, idempotent."""
import io

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest

from academy import roles
from academy.models import Staff, Team
from academy.selectors import staff_visible_to, user_leads_staff

PROJECT_APPS = {"academy", "xapi", "skills", "courses", "paths", "assessments", "routing_bridge", "auth"}


def row_counts() -> dict[str, int]:
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()
              if model._meta.app_label in PROJECT_APPS and not model._meta.proxy}
    # Other apps' demo imports may log an audit entry per run even when they change nothing;
    # the organisation's own entries must not grow.
    from academy.models import AuditEntry

    counts["academy.AuditEntry"] = AuditEntry.objects.filter(action__regex=r"^(staff|team)\.").count()
    return counts


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--staff", "20", *args, stdout=out)
    return out.getvalue()


def availability_reports() -> list:
    from routing_bridge.models import Availability

    return list(Availability.objects.order_by("staff_id").values_list(
        "staff_id", "available", "open_tickets", "until", "reported_at"))


def test_seed_demo_twice_creates_nothing_new_the_second_time(db):
    seed()
    first, reports = row_counts(), availability_reports()

    output = seed()

    assert row_counts() == first
    assert availability_reports() == reports  # not even reported again
    assert "0 équipes, 0 collaborateurs créés" in output
    assert first["academy.Staff"] == 23  # 20 generated + technicien, chef and expert
    assert first["academy.Team"] >= 6


def test_the_demo_accounts_log_in_with_the_announced_password_and_have_their_roles(client, db):
    seed("--password", "demo-2026")

    for username in ["technicien", "chef", "dispatch", "editeur", "expert", "admin"]:
        # The password-guessing throttle (axes) needs the request that every sign-in has.
        assert client.login(request=HttpRequest(), username=username, password="demo-2026"), username
        client.logout()
    # (Seeding is slow once every app adds its demo: the roles are checked on the same run.)
    User = get_user_model()
    technicien = Staff.objects.get(user__username="technicien")
    chef = User.objects.get(username="chef")

    assert (technicien.tier, technicien.profile, technicien.team.name) == ("N1", "technician", "Support N1 Paris")
    assert technicien.team.leads.filter(pk=chef.pk).exists()
    assert user_leads_staff(chef, technicien)
    assert technicien.manager.user == chef
    assert roles.user_is_dispatcher(User.objects.get(username="dispatch"))
    editeur = User.objects.get(username="editeur")
    assert roles.user_is_editor(editeur) and editeur.is_staff and editeur.has_perm("wagtailadmin.access_admin")
    assert User.objects.get(username="admin").is_superuser
    expert = User.objects.get(username="expert")
    assert expert.groups.filter(name=roles.KNOWLEDGE_EXPERT).exists() and roles.user_is_editor(expert)
    assert list(staff_visible_to(technicien.user)) == [technicien]


def test_the_demo_spreads_staff_over_teams_tiers_and_languages_with_stable_names(db):
    seed()
    staff = Staff.objects.exclude(employee_id__startswith="D")

    assert {s.tier for s in staff} >= {"N1", "N2", "N3"}
    assert len({s.team_id for s in staff}) >= 5
    assert any("en" in s.languages for s in staff)
    assert Team.objects.filter(parent__isnull=False).exists()
    first = Staff.objects.select_related("user").get(employee_id="E10001")
    assert first.user.get_full_name() and first.user.username == _expected_first_username()
    # Every team with members has a lead, who is their manager.
    for team in Team.objects.prefetch_related("leads"):
        if team.members.exists():
            assert team.leads.exists(), team.name
    member = Staff.objects.filter(team__name="Support N1 Lyon").exclude(user__led_teams__isnull=False).first()
    assert member.manager.user in member.team.leads.all()


def _expected_first_username():
    from academy.demo import _people

    return _people(1)[0]["username"]


def test_the_demo_has_client_companies_referred_by_n2_n3_staff_and_feedback_naming_them(client, db):
    from academy.models import Client
    from routing_bridge.models import TicketFeedback

    seed()

    clients = list(Client.objects.select_related("referent"))
    assert len(clients) == 10 and {c.referent.tier for c in clients} <= {"N2", "N3"}
    assert sum(c.backups.count() > 0 for c in clients) == 10
    assert TicketFeedback.objects.exclude(client=None).count() > TicketFeedback.objects.count() // 2
    # The demo accounts see their clients on their home page: chef refers one, technicien backs two.
    for username in ("chef", "technicien"):
        client.force_login(get_user_model().objects.get(username=username))
        assert "Mes clients" in client.get("/").content.decode()
    # The dispatcher asks who is qualified for a client's ticket and opens the client's page.
    client.force_login(get_user_model().objects.get(username="dispatch"))
    asked = {"category": "Active Directory > GPO", "client": "VASSEUR"}
    assert client.get("/qui-est-qualifie/", asked).status_code == 200
    assert client.get("/clients/VASSEUR/").status_code == 200


def test_the_demo_reports_availability_for_a_third_of_the_staff_and_clients_practice(db):
    from datetime import timedelta

    from django.utils import timezone

    from academy.models import Client
    from routing_bridge.availability import availability_list
    from routing_bridge.models import Availability, TicketFeedback

    seed()

    now = timezone.now()
    staff = Staff.objects.filter(active=True).count()
    reports = list(Availability.objects.select_related("staff"))
    assert staff // 5 <= len(reports) <= staff // 2
    present = [r for r in reports if r.available]
    assert len(present) > len(reports) // 2 and all(r.open_tickets <= 9 for r in present)
    assert any(not r.available for r in reports)
    assert all(r.until is None or now < r.until < now + timedelta(days=7) for r in reports)
    # Two clients whose referent the dispatcher sees absent (four days), then loaded (9 tickets).
    referents = {c.code: c.referent.employee_id for c in Client.objects.select_related("referent")}
    shown = {item["employee_id"]: item for item in availability_list(
        employee_ids=[referents["VASSEUR"], referents["BLEMOINE"]])[0]}
    assert shown[referents["VASSEUR"]]["available"] is False
    assert shown[referents["VASSEUR"]]["until"] > now + timedelta(days=3)
    assert (shown[referents["BLEMOINE"]]["available"], shown[referents["BLEMOINE"]]["open_tickets"]) == (True, 9)
    # Several clients have tickets resolved in the last 180 days by neither their referent nor a backup.
    practised = {f.client.code for f in TicketFeedback.objects.filter(
        outcome="resolved", occurred_at__gt=now - timedelta(days=180)).exclude(client=None).select_related("client")
        if f.staff_id != f.client.referent_id and not f.client.backups.filter(pk=f.staff_id).exists()}
    assert len(practised) >= 5
