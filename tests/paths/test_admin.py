"""The Wagtail admin of training paths keeps the site's rules: leads (who hold the team_lead
group) cannot read, change or delete another team's assignments there, nor rename a path they
did not write, nor stop a rule behind the service's back. Admins read paths, rules and
assignments there and change them on the site's pages, where the services withdraw, check and
audit."""
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy import roles
from academy.models import AuditEntry
from courses.paths import services
from courses.paths.models import PathAssignment, PathRule, TrainingPath

ADMIN = "/admin/snippets/paths"


def _as_lead(client, staff):
    staff.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    staff.user.is_staff = True
    staff.user.save()
    client.force_login(staff.user)
    return client


@pytest.fixture
def sophies_assignment(other_lead, outsider, path):
    """Olivier, of Sophie's team, on Marc's shared path, assigned by Sophie."""
    return services.assignment_create(path=path, staff=outsider, by=other_lead.user, due_mode="absolute",
                                      due_on=timezone.localdate() + timedelta(days=30))


def _denied(response) -> bool:
    """Wagtail refuses an admin view with a 403 or a redirect to the admin's home page."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def test_a_lead_does_not_see_another_teams_assignments_in_the_admin(client, lead, sophies_assignment):
    response = _as_lead(client, lead).get(f"{ADMIN}/pathassignment/")
    assert _denied(response)
    assert "Olivier" not in response.content.decode()


def test_a_lead_cannot_inspect_change_or_delete_another_teams_assignment(client, lead, sophies_assignment):
    due = sophies_assignment.due_on
    _as_lead(client, lead)
    inspect = client.get(f"{ADMIN}/pathassignment/inspect/{sophies_assignment.pk}/")
    assert _denied(inspect) and "Olivier" not in inspect.content.decode()
    assert _denied(client.get(f"{ADMIN}/pathassignment/edit/{sophies_assignment.pk}/"))
    client.post(f"{ADMIN}/pathassignment/edit/{sophies_assignment.pk}/",
                {"due_on": "2030-01-01", "withdrawn_at": "", "withdrawn_reason": ""})
    client.post(f"{ADMIN}/pathassignment/delete/{sophies_assignment.pk}/")
    sophies_assignment.refresh_from_db()
    assert sophies_assignment.due_on == due and sophies_assignment.due_on != date(2030, 1, 1)


def test_another_lead_cannot_rename_marcs_path_through_the_admin(client, other_lead, path):
    _as_lead(client, other_lead)
    assert client.get(f"/equipe/parcours/{path.pk}/modifier/").status_code == 403  # the site refuses it
    response = client.post(f"{ADMIN}/trainingpath/edit/{path.pk}/",
                           {"name": "Parcours renommé", "description": "", "active": "on"})
    assert _denied(response)
    path.refresh_from_db()
    assert path.name == "Parcours GPO"
    client.post(f"{ADMIN}/trainingpath/delete/{path.pk}/")
    assert TrainingPath.objects.filter(pk=path.pk).exists()


def test_a_rule_is_not_deactivated_through_the_admin_behind_the_services_back(client, lead, learner, path,
                                                                            admin_user):
    rule, _report = services.assignment_rule_create(path=path, by=lead.user, team=lead.team)
    assert PathAssignment.objects.filter(rule=rule, staff=learner, withdrawn_at__isnull=True).exists()
    form = {"path": path.pk, "team": lead.team.pk, "profile": "", "tier": "", "due_mode": "none", "due_on": "",
            "due_days": "", "created_at": "2026-12-01 10:00:00"}  # "active" left out: unticked
    for user in (lead.user, admin_user):
        _as_lead(client, lead) if user == lead.user else client.force_login(user)
        assert _denied(client.post(f"{ADMIN}/pathrule/edit/{rule.pk}/", form))
        rule.refresh_from_db()
        assert rule.active
    # The admin's listing sends them to the site's page, where the service withdraws and audits.
    client.force_login(admin_user)
    listing = client.get(f"{ADMIN}/pathrule/").content.decode()
    assert f"/equipe/parcours/{path.pk}/" in listing
    client.post(f"/equipe/parcours/regles/{rule.pk}/desactiver/")
    rule.refresh_from_db()
    assert not rule.active
    assert not PathAssignment.objects.filter(rule=rule, withdrawn_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="path.rule.deactivate", actor=admin_user).exists()


def test_an_admin_reads_paths_rules_and_assignments_and_is_sent_to_the_site_to_change_them(
        client, admin_user, lead, path, sophies_assignment):
    client.force_login(admin_user)
    for model in ("trainingpath", "pathrule", "pathassignment"):
        assert client.get(f"{ADMIN}/{model}/").status_code == 200
    listing = client.get(f"{ADMIN}/pathassignment/").content.decode()
    assert "Olivier" in listing and f"/equipe/parcours/affectations/{sophies_assignment.pk}/" in listing
    assert client.get(f"{ADMIN}/pathassignment/inspect/{sophies_assignment.pk}/").status_code == 200
    assert client.get(f"{ADMIN}/trainingpath/inspect/{path.pk}/").status_code == 200
    assert _denied(client.get(f"{ADMIN}/trainingpath/edit/{path.pk}/"))
    assert _denied(client.get(f"{ADMIN}/trainingpath/add/"))
    assert f"/equipe/parcours/{path.pk}/" in client.get(f"{ADMIN}/trainingpath/").content.decode()


def test_a_lead_cannot_list_assignments_through_the_snippet_chooser(client, lead, sophies_assignment):
    _as_lead(client, lead)
    response = client.get("/admin/snippets/choose/paths/pathassignment/")
    assert _denied(response) and "Olivier" not in response.content.decode()
    chosen = client.get(f"/admin/snippets/choose/paths/pathassignment/chosen/{sophies_assignment.pk}/")
    assert _denied(chosen) and "Olivier" not in chosen.content.decode()
