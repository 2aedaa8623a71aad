"""Client companies and their referents: the import (command and admin page), the export, the
admin per role, "Mes clients" on the referent's home page, and the warning when a referent leaves."""
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from academy import roles
from academy.clients import client_create, clients_export, clients_import
from academy.models import AuditEntry, Client
from academy.services import staff_deactivate
from tests.factories import StaffFactory, UserFactory

HEADER = "client_code,name,referent_employee_id,backup_employee_ids,active"
CLIENT_LIST = "/admin/snippets/academy/client/"


@pytest.fixture
def n2(team):
    return StaffFactory(user=UserFactory(username="nadia", first_name="Nadia", last_name="Roux"),
                        employee_id="E30001", team=team, tier="N2")


@pytest.fixture
def n3(team):
    return StaffFactory(user=UserFactory(username="yann", first_name="Yann", last_name="Faure"),
                        employee_id="E30002", team=team, tier="N3")


def _state():
    return sorted((c.code, c.name, c.active, c.referent.employee_id,
                   tuple(sorted(c.backups.values_list("employee_id", flat=True))))
                  for c in Client.objects.all())


# --- The import ---------------------------------------------------------------------------------


def test_a_good_file_creates_the_clients_with_their_referent_and_backups(n2, n3, learner):
    report = clients_import(content=(
        f"{HEADER}\n"
        "BLEMOINE,Boulangeries Lemoine,E30001,E30002;E10001,true\n"
        "VASSEUR,Cabinet Vasseur Avocats,E30002,,false\n"
    ).encode())

    assert report.ok and (report.created, report.updated) == (2, 0)
    assert _state() == [("BLEMOINE", "Boulangeries Lemoine", True, "E30001", ("E10001", "E30002")),
                        ("VASSEUR", "Cabinet Vasseur Avocats", False, "E30002", ())]
    assert AuditEntry.objects.filter(action="clients.import").count() == 1


def test_empty_optional_values_and_missing_optional_columns_mean_no_backup_and_active(n2):
    clients_import(content=f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,,\n")
    clients_import(content="client_code;name;referent_employee_id\nVASSEUR;Cabinet Vasseur;E30001\n")

    assert _state() == [("BLEMOINE", "Boulangeries Lemoine", True, "E30001", ()),
                        ("VASSEUR", "Cabinet Vasseur", True, "E30001", ())]


def test_each_bad_line_is_named_and_nothing_is_written(n2, n3):
    report = clients_import(content=(
        f"{HEADER}\n"
        "BLEMOINE,Boulangeries Lemoine,E30001,,true\n"  # line 2: good
        "VASSEUR,Cabinet Vasseur,E99999,,true\n"  # 3: unknown referent
        "MAIRIE,Mairie,E30001,E30002;E88888,true\n"  # 4: unknown backup
        "BLEMOINE,Encore,E30001,,true\n"  # 5: code seen on line 2
        ",Sans code,E30001,,true\n"  # 6: no code
        "CLINIQUE,Clinique,E30001,,peut-être\n"  # 7: active neither true nor false
        "HOTEL,Hôtel,E30001,E30001,true\n"  # 8: the referent as their own backup
        "LYCEE,,E30002,,true\n"  # 9: no name
    ))

    assert not report.written and Client.objects.count() == 0
    by_line = {}
    for error in report.errors:
        by_line.setdefault(error.line, []).append(error.message)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    assert "E99999" in by_line[3][0] and "E88888" in by_line[4][0] and "ligne 2" in by_line[5][0]
    assert "peut-être" in by_line[7][0] and "E30001" in by_line[8][0] and by_line[9][0].startswith("name")
    assert "Ligne 3 :" in str(report.errors[0])
    assert report.summary() == "7 erreurs : rien n'a été importé."


def test_partial_imports_the_valid_lines_and_reports_the_others(n2):
    report = clients_import(content=f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,,\nVASSEUR,Vasseur,E404,,\n",
                            partial=True)

    assert report.written and report.created == 1 and [e.line for e in report.errors] == [3]
    assert [c.code for c in Client.objects.all()] == ["BLEMOINE"]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(n2, n3):
    content = f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,E30002,true\n"
    clients_import(content=content)
    before = _state()

    again = clients_import(content=content)

    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 1, False)
    assert _state() == before
    assert AuditEntry.objects.filter(action="clients.import").count() == 1


def test_a_changed_line_updates_the_client(n2, n3):
    clients_import(content=f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,E30002,true\n")

    report = clients_import(content=f"{HEADER}\nBLEMOINE,Boulangeries Lemoine SA,E30002,,false\n")

    assert report.updated == 1
    assert _state() == [("BLEMOINE", "Boulangeries Lemoine SA", False, "E30002", ())]


def test_the_command_imports_a_file_and_fails_naming_the_lines_without_writing(n2, tmp_path):
    good = tmp_path / "clients.csv"
    good.write_text(f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,,true\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nVASSEUR,Vasseur,E30001,,true\nMAIRIE,Mairie,E404,,true\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_clients", str(good), stdout=out)
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_clients", str(bad), stdout=out, stderr=err)

    assert "1 client créé" in out.getvalue()
    assert "Ligne 3" in err.getvalue() and "E404" in err.getvalue()
    assert [c.code for c in Client.objects.all()] == ["BLEMOINE"]
    with pytest.raises(CommandError):
        call_command("import_clients", str(bad), "--partial", stdout=out, stderr=io.StringIO())
    assert [c.code for c in Client.objects.all()] == ["BLEMOINE", "VASSEUR"]


def test_the_export_has_the_import_columns_and_imports_back_unchanged(n2, n3):
    client_create(code="=HACK", name="Boulangeries Lemoine", referent=n2, backups=[n3])
    client_create(code="VASSEUR", name="Cabinet Vasseur", referent=n3, active=False)

    csv_text = clients_export(fmt="csv").decode("utf-8-sig")
    lines = csv_text.splitlines()

    assert lines[0] == HEADER
    assert lines[1] == "'=HACK,Boulangeries Lemoine,E30001,E30002,true"  # guarded against formulas
    assert lines[2] == "VASSEUR,Cabinet Vasseur,E30002,,false"
    report = clients_import(content=csv_text)
    assert (report.unchanged, report.created, report.updated) == (2, 0, 0)
    assert clients_export(fmt="xlsx")[:2] == b"PK"


# --- The admin ----------------------------------------------------------------------------------


def _admin(username="adele"):
    user = UserFactory(username=username)
    roles.roles_sync()
    user.groups.add(Group.objects.get(name=roles.ACADEMIE_ADMIN))
    return user


def test_a_lead_browses_and_searches_clients_but_cannot_add_import_or_edit(client, lead, n2):
    roles.roles_sync()
    lead.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    acme = client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=n2)
    client_create(code="VASSEUR", name="Cabinet Vasseur", referent=n2)
    client.force_login(lead.user)

    found = client.get(CLIENT_LIST, {"q": "Lemoine"}).content.decode()

    assert "Boulangeries Lemoine" in found and "Cabinet Vasseur" not in found
    assert "Nadia Roux" in client.get(CLIENT_LIST, {"q": "Roux"}).content.decode()
    assert client.get(f"{CLIENT_LIST}add/").status_code in (302, 403)
    assert client.get(f"{CLIENT_LIST}edit/{acme.pk}/").status_code in (302, 403)
    assert client.get(reverse("academy_clients_import")).status_code in (302, 403)
    export = client.get(reverse("academy_clients_export"), {"format": "csv"})
    assert export.status_code == 200 and "BLEMOINE" in export.content.decode("utf-8-sig")


def test_an_admin_adds_a_client_with_a_referent_and_backups_and_it_is_audited(client, n2, n3):
    admin = _admin()
    client.force_login(admin)

    response = client.post(f"{CLIENT_LIST}add/", {"code": "BLEMOINE", "name": "Boulangeries Lemoine",
                                                   "referent": n2.pk, "backups": "E30002", "active": "on"})

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert _state() == [("BLEMOINE", "Boulangeries Lemoine", True, "E30001", ("E30002",))]
    entry = AuditEntry.objects.get(action="client.create")
    assert entry.actor == admin and entry.data["backups"] == ["E30002"]

    acme = Client.objects.get()
    bad = client.post(f"{CLIENT_LIST}edit/{acme.pk}/", {"code": "BLEMOINE", "name": "Boulangeries Lemoine",
                                                        "referent": n2.pk, "backups": "E30001; E404"})
    assert bad.status_code == 200 and "E404" in bad.content.decode()
    client.post(f"{CLIENT_LIST}edit/{acme.pk}/", {"code": "BLEMOINE", "name": "Boulangeries Lemoine",
                                                  "referent": n3.pk, "backups": ""})
    assert _state() == [("BLEMOINE", "Boulangeries Lemoine", False, "E30002", ())]
    assert AuditEntry.objects.get(action="client.update").data["changed"]["referent"] == ["E30001", "E30002"]


def test_an_admin_imports_clients_on_the_import_page_after_a_preview(client, n2):
    client.force_login(_admin())
    upload = SimpleUploadedFile("clients.csv", f"{HEADER}\nBLEMOINE,Boulangeries Lemoine,E30001,,\n".encode())

    preview = client.post(reverse("academy_clients_import"), {"file": upload})

    assert preview.status_code == 200 and "1 client créé" in preview.content.decode()
    assert not Client.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    client.post(reverse("academy_clients_import"), {"token": token})
    assert [c.code for c in Client.objects.all()] == ["BLEMOINE"]


# --- The referent's home page and their leaving -------------------------------------------------


def test_the_referent_sees_my_clients_on_their_home_page_linking_to_each_client(client, n2, n3, learner):
    client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=n2, backups=[n3])
    client_create(code="VASSEUR", name="Cabinet Vasseur", referent=n3, backups=[n2])
    client_create(code="OLD", name="Ancien client", referent=n2, active=False)
    client.force_login(n2.user)

    page = client.get(reverse("home")).content.decode()

    assert "Mes clients" in page
    assert page.index("Boulangeries Lemoine") < page.index("Cabinet Vasseur")  # referent first, then backup
    assert reverse("routing_bridge:client_detail", args=["BLEMOINE"]) in page
    assert "Ancien client" not in page
    client.force_login(learner.user)
    assert "Mes clients" not in client.get(reverse("home")).content.decode()


def test_deactivating_a_referent_warns_that_their_clients_need_a_new_one_without_blocking(client, n2, n3):
    client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=n2)
    client_create(code="VASSEUR", name="Cabinet Vasseur", referent=n3, backups=[n2])
    admin = _admin()
    client.force_login(admin)
    url = reverse("academy_staff_deactivate", args=[n2.pk])

    confirm = client.get(url).content.decode()
    done = client.post(url, {"reason": "Départ"}, follow=True).content.decode()

    assert "nouveau référent" in confirm and "Boulangeries Lemoine" in confirm
    assert "nouveau référent" in done and "Boulangeries Lemoine (BLEMOINE)" in done
    n2.refresh_from_db()
    assert not n2.active and Client.objects.get(code="BLEMOINE").referent == n2
    entry = AuditEntry.objects.get(action="staff.deactivate")
    assert entry.data["clients_needing_referent"] == ["BLEMOINE"]


def test_deactivating_someone_who_refers_no_client_says_nothing_of_clients(n3, admin_user):
    staff_deactivate(staff=n3, by=admin_user)

    assert "clients_needing_referent" not in AuditEntry.objects.get(action="staff.deactivate").data
