"""The organisation in the Wagtail admin: browse, search, filter, import, deactivate."""
import re

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from academy import roles
from academy.models import AuditEntry, Event, Staff
from academy.services import staff_deactivate, staff_reactivate
from skills.models import Evidence
from skills.services import evidence_record
from tests.factories import SkillFactory

HEADER = "employee_id,username,email,first_name,last_name,team,profile,tier,manager_employee_id,languages"
STAFF_LIST = "/admin/snippets/academy/staff/"


def upload(client, text: str, *, partial=False, name="staff.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")}
    if partial:
        data["partial"] = "on"
    return client.post(reverse("academy_staff_import"), data)


def confirm(client, preview):
    """Press "Confirmer l'import" on a preview page."""
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    return client.post(reverse("academy_staff_import"), {"token": token})


def test_the_admin_upload_form_previews_then_imports_a_valid_file_and_shows_the_report(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("academy_staff_import")).status_code == 200
    preview = upload(client, f"{HEADER}\nE1,alice,,Alice,Aubert,Projets,architecte,N3,,fr\n")

    assert preview.status_code == 200
    assert "Aperçu" in preview.content.decode() and "1 collaborateur créé" in preview.content.decode()
    assert not Staff.objects.exists() and not AuditEntry.objects.exists() and not Event.objects.exists()
    response = confirm(client, preview)
    assert response.status_code == 200
    assert "1 collaborateur créé" in response.content.decode()
    staff = Staff.objects.get(employee_id="E1")
    assert staff.profile == "architect"
    entry = AuditEntry.objects.get(action="staff.create")
    assert entry.actor == admin_user


def test_the_admin_upload_form_shows_every_error_with_its_line_and_writes_nothing(client, admin_user):
    client.force_login(admin_user)

    response = upload(client, f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\nE2,bruno,,,,T,stagiaire,N1,NOBODY,fr\n")

    page = response.content.decode()
    assert response.status_code == 422
    assert "Ligne 3 : profil « stagiaire » inconnu" in page
    assert "Ligne 3 : responsable « NOBODY » inconnu" in page
    assert "rien n&#x27;a été importé" in page
    assert not Staff.objects.exists()


def test_the_admin_upload_form_imports_partially_when_asked(client, admin_user):
    client.force_login(admin_user)

    preview = upload(client, f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\nE2,bruno,,,,T,stagiaire,N1,,fr\n",
                     partial=True)
    assert preview.status_code == 200 and "Ligne 3" in preview.content.decode()
    assert not Staff.objects.exists()
    response = confirm(client, preview)

    assert response.status_code == 200
    assert "Ligne 3" in response.content.decode()
    assert list(Staff.objects.values_list("employee_id", flat=True)) == ["E1"]


def test_a_preview_is_confirmed_once_and_only_by_who_uploaded_it(client, admin_user):
    from tests.factories import UserFactory

    client.force_login(admin_user)
    preview = upload(client, f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\n")
    other = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(other)
    refused = confirm(client, preview)
    assert refused.status_code == 400 and "expiré" in refused.content.decode()
    assert not Staff.objects.exists()
    client.force_login(admin_user)
    assert confirm(client, preview).status_code == 200
    assert confirm(client, preview).status_code == 400
    assert Staff.objects.count() == 1
    assert client.post(reverse("academy_staff_import"), {"token": "forged"}).status_code == 400


def test_a_learner_cannot_open_the_import(client, learner):
    client.force_login(learner.user)

    response = upload(client, f"{HEADER}\nE9,intrus,,,,T,technician,N1,,fr\n")

    assert response.status_code in (302, 403)
    assert not Staff.objects.filter(employee_id="E9").exists()


def test_staff_are_searchable_and_filterable_in_the_admin(client, admin_user, learner, outsider, lead):
    client.force_login(admin_user)

    found = client.get(STAFF_LIST, {"q": "Martin"}).content.decode()
    assert "E10001" in found and "E20002" not in found

    n2 = client.get(STAFF_LIST, {"tier": "N2"}).content.decode()
    assert "E10002" in n2 and "E10001" not in n2

    by_team = client.get(STAFF_LIST, {"team": learner.team_id}).content.decode()
    assert "E10001" in by_team and "E20002" not in by_team


def test_a_lead_browsing_the_admin_sees_only_the_teams_they_lead(client, lead, learner, outsider):
    lead.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    client.force_login(lead.user)

    page = client.get(STAFF_LIST).content.decode()

    assert "E10001" in page
    assert "E20002" not in page


def test_teams_are_listed_and_searchable(client, admin_user, team, other_team):
    client.force_login(admin_user)

    page = client.get("/admin/snippets/academy/team/", {"q": "Lyon"}).content.decode()

    assert f"/admin/snippets/academy/team/edit/{other_team.pk}/" in page
    assert f"/admin/snippets/academy/team/edit/{team.pk}/" not in page


def test_deactivating_someone_keeps_their_history(client, admin_user, learner):
    skill = SkillFactory(code="AD.GPO")
    evidence_record(staff=learner, skill=skill, level=2, source="manager", recorded_by=admin_user)
    client.force_login(admin_user)

    form = client.get(reverse("academy_staff_deactivate", args=[learner.pk]))
    assert "Désactiver" in form.content.decode()
    response = client.post(reverse("academy_staff_deactivate", args=[learner.pk]), {"reason": "Départ le 27/11"})

    assert response.status_code == 302
    learner.refresh_from_db()
    learner.user.refresh_from_db()
    assert not learner.active and learner.deactivated_at is not None
    assert not learner.user.is_active
    assert Evidence.objects.filter(staff=learner).count() == 1
    entry = AuditEntry.objects.get(action="staff.deactivate")
    assert entry.reason == "Départ le 27/11" and entry.actor == admin_user
    event = Event.objects.filter(type="staff.deactivated").get()
    assert event.data["employee_id"] == "E10001" and event.data["active"] is False


def test_deactivation_asks_for_a_reason(client, admin_user, learner):
    client.force_login(admin_user)

    response = client.post(reverse("academy_staff_deactivate", args=[learner.pk]), {"reason": ""})

    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.active


def test_the_staff_listing_offers_deactivate_and_never_delete(client, admin_user, learner):
    client.force_login(admin_user)

    page = client.get(STAFF_LIST).content.decode()

    assert reverse("academy_staff_deactivate", args=[learner.pk]) in page
    delete = client.get(f"/admin/snippets/academy/staff/delete/{learner.pk}/")
    assert delete.status_code in (302, 403)
    assert Staff.objects.filter(pk=learner.pk).exists()


def test_deactivating_twice_changes_nothing_and_reactivation_restores_access(admin_user, learner):
    staff_deactivate(staff=learner, by=admin_user, reason="Départ")
    staff_deactivate(staff=learner, by=admin_user, reason="Départ")
    assert Event.objects.filter(type="staff.deactivated").count() == 1

    staff_reactivate(staff=learner, by=admin_user, reason="Retour")

    learner.refresh_from_db()
    learner.user.refresh_from_db()
    assert learner.active and learner.deactivated_at is None and learner.user.is_active
    assert Event.objects.filter(type="staff.updated").last().data["active"] is True


def test_a_learner_cannot_deactivate_anyone(client, learner, outsider):
    client.force_login(learner.user)

    response = client.post(reverse("academy_staff_deactivate", args=[outsider.pk]), {"reason": "x"})

    assert response.status_code in (302, 403)
    outsider.refresh_from_db()
    assert outsider.active


def test_editing_staff_in_the_admin_tells_the_routers(client, admin_user, learner):
    client.force_login(admin_user)
    url = f"/admin/snippets/academy/staff/edit/{learner.pk}/"
    assert client.get(url).status_code == 200

    response = client.post(url, {
        "user": learner.user_id, "employee_id": "E10001", "team": learner.team_id, "manager": "",
        "profile": "administrator", "tier": "N2", "languages": "fr; en", "hire_date": "",
    })

    assert response.status_code == 302, response.content.decode()[:3000]
    learner.refresh_from_db()
    assert (learner.tier, learner.languages) == ("N2", ["fr", "en"])
    assert Event.objects.filter(type="staff.updated").last().data["tier"] == "N2"


def test_a_lead_cannot_open_someone_outside_their_teams_in_the_admin(client, lead, learner, outsider):
    lead.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    client.force_login(lead.user)

    for action in ["edit", "history", "inspect", "usage"]:
        response = client.get(f"/admin/snippets/academy/staff/{action}/{outsider.pk}/")
        assert response.status_code in (302, 403, 404), action
        assert "E20002" not in response.content.decode(), action
