"""import_staff: the contract's CSV format, validated as a whole, line-numbered, all or nothing."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from academy.models import AuditEntry, Event, Staff, Team
from academy.staff_import import staff_import
from tests.factories import StaffFactory

HEADER = "employee_id,username,email,first_name,last_name,team,profile,tier,manager_employee_id,languages"

VALID = f"""{HEADER}
E1,alice,alice@example.test,Alice,Aubert,Support N1 Paris,technicien,N1,E3,fr;en
E2,bruno,bruno@example.test,Bruno,Blanc,Support N1 Paris,technician,N1,E3,fr
E3,carole,carole@example.test,Carole,Colin,Expertise N3,Ingénieur,N3,,fr;en;de
E4,damien,damien@example.test,Damien,Dubois,Projets,chef de projet technique,N2,E3,
"""


def run(text: str, **kwargs):
    return staff_import(content=text.encode("utf-8"), **kwargs)


def error_lines(report) -> list[int]:
    return sorted({e.line for e in report.errors})


def nothing_written():
    return not Staff.objects.exists() and not Team.objects.exists() and not Event.objects.exists()


def test_it_imports_a_valid_file_with_users_teams_managers_and_languages(db):
    report = run(VALID)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert sorted(report.teams_created) == ["Expertise N3", "Projets", "Support N1 Paris"]
    alice = Staff.objects.select_related("user", "team", "manager").get(employee_id="E1")
    assert alice.user.username == "alice" and alice.user.email == "alice@example.test"
    assert alice.display_name == "Alice Aubert"
    assert alice.team.name == "Support N1 Paris"
    assert alice.profile == "technician" and alice.tier == "N1"
    assert alice.manager.employee_id == "E3"
    assert alice.languages == ["fr", "en"]
    assert Staff.objects.get(employee_id="E3").profile == "engineer"
    assert Staff.objects.get(employee_id="E4").profile == "project_lead"
    assert Staff.objects.get(employee_id="E4").languages == []
    assert not alice.user.has_usable_password()


def test_it_publishes_staff_updated_for_routers_and_audits_the_import(db):
    run(VALID)

    events = list(Event.objects.filter(type="staff.updated"))
    assert len(events) == 4
    alice = next(e.data for e in events if e.data["employee_id"] == "E1")
    assert alice == {"employee_id": "E1", "username": "alice", "display_name": "Alice Aubert",
                     "team": "Support N1 Paris", "profile": "technician", "tier": "N1",
                     "languages": ["fr", "en"], "active": True}
    assert AuditEntry.objects.filter(action="staff.import").count() == 1
    assert AuditEntry.objects.filter(action="staff.create").count() == 4


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db):
    run(VALID)
    events, audits = Event.objects.count(), AuditEntry.objects.count()

    second = run(VALID)

    assert second.ok
    assert (second.created, second.updated, second.unchanged, second.changes) == (0, 0, 4, 0)
    assert "Aucune modification" in second.summary()
    assert Event.objects.count() == events and AuditEntry.objects.count() == audits


def test_a_changed_row_updates_the_person_and_tells_the_routers(db):
    run(VALID)
    changed = VALID.replace("E2,bruno,bruno@example.test,Bruno,Blanc,Support N1 Paris,technician,N1,E3,fr",
                            "E2,bruno,bruno@example.test,Bruno,Blanc,Expertise N3,engineer,N3,,fr")

    report = run(changed)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    bruno = Staff.objects.get(employee_id="E2")
    assert (bruno.tier, bruno.profile, bruno.team.name, bruno.manager) == ("N3", "engineer", "Expertise N3", None)
    last = Event.objects.filter(type="staff.updated").last()
    assert last.data["employee_id"] == "E2" and last.data["tier"] == "N3"


def test_a_manager_may_appear_later_in_the_file(db):
    report = run(f"{HEADER}\nE1,alice,,,,T,technician,N1,E9,fr\nE9,zoe,,,,T,engineer,N3,,fr\n")

    assert report.ok
    assert Staff.objects.get(employee_id="E1").manager.employee_id == "E9"


def test_a_manager_already_in_the_academie_may_be_named(db):
    StaffFactory(employee_id="M1")

    report = run(f"{HEADER}\nE1,alice,,,,T,technician,N1,M1,fr\n")

    assert report.ok
    assert Staff.objects.get(employee_id="E1").manager.employee_id == "M1"


@pytest.mark.parametrize("row, expected", [
    ("E5,eve,,,,T,stagiaire,N1,,fr", "profil « stagiaire » inconnu"),
    ("E5,eve,,,,T,technician,N4,,fr", "niveau de support (tier) « N4 » inconnu"),
    ("E5,eve,,,,T,technician,N1,E404,fr", "responsable « E404 » inconnu"),
    ("E5,eve,not-an-email,,,T,technician,N1,,fr", "adresse e-mail « not-an-email » invalide"),
    (",eve,,,,T,technician,N1,,fr", "matricule (employee_id) manquant"),
    ("E5,,,,,T,technician,N1,,fr", "identifiant (username) manquant"),
    ("E5,eve,,,,T,technician,N1,,french", "langue « french » invalide"),
    ("E5,eve,,,,T,technician,N1,E5,fr", "son propre responsable"),
    ("E5,eve,,,,T,technician,N1,fr", "9 valeurs au lieu de 10"),
])
def test_it_rejects_an_invalid_row_with_its_line_number_and_writes_nothing(db, row, expected):
    text = f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\n{row}\nE2,bruno,,,,T,technician,N1,,fr\n"

    report = run(text)

    assert not report.ok and not report.written
    assert error_lines(report) == [3]
    assert expected in str(report), str(report)
    assert "rien n'a été importé" in report.summary()
    assert nothing_written()
    assert not get_user_model().objects.exists()


def test_it_reports_every_error_of_the_file_not_only_the_first(db):
    text = (f"{HEADER}\nE1,alice,,,,T,stagiaire,N1,,fr\nE2,bruno,,,,T,technician,N9,,fr\n"
            f"E3,carole,,,,T,technician,N1,,fr\nE4,david,,,,T,technician,N1,NOBODY,fr\n")

    report = run(text)

    assert error_lines(report) == [2, 3, 5]
    assert nothing_written()


def test_it_rejects_a_duplicate_employee_id_on_both_lines(db):
    report = run(f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\nE2,bruno,,,,T,technician,N1,,fr\nE1,alicia,,,,T,technician,N1,,fr\n")

    assert error_lines(report) == [2, 4]
    assert "matricule « E1 » en double (lignes 2, 4)" in str(report)
    assert nothing_written()


def test_it_rejects_a_username_that_belongs_to_another_employee(db):
    StaffFactory(employee_id="OLD1", user__username="alice")

    report = run(f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\n")

    assert "déjà utilisé par le matricule OLD1" in str(report)
    assert error_lines(report) == [2]


def test_it_rejects_a_loop_of_managers(db):
    report = run(f"{HEADER}\nE1,alice,,,,T,technician,N1,E2,fr\nE2,bruno,,,,T,technician,N1,E1,fr\n")

    assert error_lines(report) == [2, 3]
    assert "boucle de responsables" in str(report)


def test_partial_imports_the_valid_rows_and_reports_the_others(db):
    text = (f"{HEADER}\nE1,alice,,,,T,technician,N1,E3,fr\nE2,bruno,,,,T,technician,N7,,fr\n"
            f"E3,carole,,,,T,engineer,N3,,fr\nE4,david,,,,T,technician,N1,E2,fr\n")

    report = run(text, partial=True)

    assert report.written and not report.ok
    assert report.created == 2
    # E4's manager is E2, rejected on line 3: E4 cannot be linked, so it is rejected too.
    assert error_lines(report) == [3, 5]
    assert "responsable E2 rejeté (ligne 3)" in str(report)
    assert set(Staff.objects.values_list("employee_id", flat=True)) == {"E1", "E3"}
    assert Staff.objects.get(employee_id="E1").manager.employee_id == "E3"


def test_it_accepts_semicolons_and_a_byte_order_mark_from_a_spreadsheet(db):
    text = ("\ufeff" + HEADER.replace(",", ";") + "\n"
            "E1;alice;alice@example.test;Alice;Aubert;Support N1 Paris;Technicien;N1;;\"fr;en\"\n"
            "E2;bruno;;Bruno;Blanc;Support N1 Paris;administrateur;N2;E1;fr,en\n")

    report = run(text)

    assert report.ok, str(report)
    assert Staff.objects.get(employee_id="E1").languages == ["fr", "en"]
    assert Staff.objects.get(employee_id="E2").languages == ["fr", "en"]
    assert Staff.objects.get(employee_id="E2").profile == "administrator"


def test_it_rejects_a_file_that_is_not_utf8_with_the_line_of_the_first_bad_byte(db):
    content = (f"{HEADER}\nE1,alice,,,,T,technician,N1,,fr\nE2,h\xe9l\xe8ne,,,,T,technician,N1,,fr\n").encode("latin-1")

    report = staff_import(content=content)

    assert error_lines(report) == [3]
    assert "n'est pas encodé en UTF-8" in str(report)
    assert nothing_written()


def test_it_rejects_an_empty_file(db):
    report = staff_import(content=b"")

    assert error_lines(report) == [1]
    assert "le fichier est vide" in str(report)


def test_it_rejects_a_file_with_only_the_header(db):
    report = run(HEADER + "\n")

    assert "ne contient que l'en-tête" in str(report)
    assert not report.ok


def test_it_rejects_a_missing_column_and_names_it(db):
    report = run("employee_id,username,email,first_name,last_name,team,profile,manager_employee_id\n"
                 "E1,alice,,,,T,technician,,\n")

    assert error_lines(report) == [1]
    assert "colonnes manquantes : tier, languages" in str(report)
    assert nothing_written()


def test_a_quoted_field_over_two_lines_keeps_the_following_line_numbers_right(db):
    text = f'{HEADER}\nE1,alice,,"Alice\nMarie",A,T,technician,N1,,fr\nE2,bruno,,,,T,technician,N9,,fr\n'

    report = run(text)

    assert error_lines(report) == [4]


def test_the_command_prints_the_report_and_exits_non_zero_on_errors(db, tmp_path, capsys):
    bad = tmp_path / "staff.csv"
    bad.write_text(f"{HEADER}\nE1,alice,,,,T,stagiaire,N1,,fr\n", encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("import_staff", str(bad))

    assert raised.value.returncode == 1
    assert "Ligne 2 : profil « stagiaire » inconnu" in capsys.readouterr().err
    assert not Staff.objects.exists()


def test_the_command_imports_with_partial_and_still_exits_non_zero(db, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(f"{HEADER}\nE1,alice,,,,T,stagiaire,N1,,fr\nE2,bruno,,,,T,technician,N1,,fr\n", encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_staff", str(path), "--partial")

    assert list(Staff.objects.values_list("employee_id", flat=True)) == ["E2"]


def test_the_command_reports_success_and_a_missing_file(db, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(VALID, encoding="utf-8")

    call_command("import_staff", str(path))

    assert "4 collaborateurs créés" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_staff", str(tmp_path / "absent.csv"))


def test_a_deactivated_person_in_the_file_is_updated_but_not_reactivated(db, learner):
    learner.active = False
    learner.save()
    text = f"{HEADER}\nE10001,lea,lea@example.test,Léa,Martin,Support N1 Paris,technician,N2,,fr\n"

    report = run(text)

    learner.refresh_from_db()
    assert learner.tier == "N2" and not learner.active
    assert "n'est pas réactivé" in str(report)


def test_an_e_mail_twice_in_the_file_is_refused_on_both_lines(db):
    text = VALID.replace("bruno@example.test", "Alice@Example.test")
    report = run(text)
    assert error_lines(report) == [2, 3]
    assert "adresse e-mail « alice@example.test » en double (lignes 2, 3)" in str(report).lower()
    assert nothing_written()


def test_an_e_mail_held_by_another_account_is_refused_with_its_line(db):
    StaffFactory(employee_id="X9", user__username="xavier", user__email="bruno@example.test")
    report = run(VALID)
    assert error_lines(report) == [3]
    assert "Ligne 3 : adresse e-mail « bruno@example.test » déjà utilisée par un autre compte (X9)." in str(report)
    assert not Staff.objects.filter(employee_id="E2").exists()


def test_an_account_keeping_its_own_e_mail_or_taking_one_given_up_is_accepted(db):
    assert run(VALID).ok
    swapped = VALID.replace("alice@example.test", "tmp").replace("bruno@example.test", "alice@example.test") \
        .replace("tmp", "bruno@example.test")
    report = run(swapped)
    assert report.ok, report.errors
    assert Staff.objects.get(employee_id="E1").user.email == "bruno@example.test"
    assert run(swapped).unchanged == 4
