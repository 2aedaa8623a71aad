"""import_taxonomy, import_skill_levels and export_matrix, as the contract says: whole-file
validation with line numbers, nothing written on error, --partial, idempotent, round trip."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from academy.models import AuditEntry
from skills.demo import CATALOGUE
from skills.models import Domain, Evidence, Skill, SkillChange, SkillLevel
from skills.services import evidence_record
from tests.factories import SkillFactory, StaffFactory

pytestmark = pytest.mark.django_db


def write(tmp_path, text, name="f.csv", encoding="utf-8"):
    path = Path(tmp_path) / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


TAXONOMY = """domain_code,domain_name,skill_code,skill_name,description,reference
AD,Active Directory,AD.GPO,Stratégies de groupe,"Créer, lier, filtrer",SFIA ITOP
NET,Réseau,NET.VPN,VPN,,
"""


def test_the_default_catalogue_imports_cleanly_with_the_itil_practices():
    out, _err = run("import_taxonomy", str(CATALOGUE))
    assert Skill.objects.count() >= 60
    assert set(Domain.objects.values_list("code", flat=True)) == {
        "SEC", "AD", "M365", "MSG", "HEB", "TEL", "NET", "INFRA", "PDT", "ITIL"}
    assert Skill.objects.filter(code__in=["ITIL.INC", "ITIL.PRB", "ITIL.CHG"]).count() == 3
    assert Skill.objects.exclude(name_en="").count() == Skill.objects.count()
    assert Skill.objects.get(code="AD.GPO").name_en == "Group Policy (GPO)"


def test_taxonomy_import_is_idempotent_and_accepts_semicolons_and_a_bom(tmp_path):
    run("import_taxonomy", write(tmp_path, TAXONOMY))
    semicolons = ("domain_code;domain_name;skill_code;skill_name;description;reference\n"
                  "AD;Active Directory;AD.GPO;Stratégies de groupe;Créer, lier, filtrer;SFIA ITOP\n"
                  "NET;Réseau;NET.VPN;VPN;;\n")
    out, _err = run("import_taxonomy", write(tmp_path, "\ufeff" + semicolons, "g.csv"))
    assert Skill.objects.count() == 2
    assert "0 créé(s), 0 mis à jour, 2 inchangé(s)" in out


def test_a_bad_taxonomy_file_imports_nothing_and_names_each_line(tmp_path):
    bad = TAXONOMY + "ad,Active Directory,AD.GPO,Doublon,,\nNET,Réseau,bad code,,,\n"
    with pytest.raises(CommandError):
        run("import_taxonomy", write(tmp_path, bad))
    assert not Skill.objects.exists() and not Domain.objects.exists()
    out, err = run("import_taxonomy", write(tmp_path, bad), "--partial")
    assert "ligne 4" in err and "AD.GPO apparaît déjà ligne 2" in err
    assert "ligne 5" in err and "nom de la compétence manquant" in err
    assert Skill.objects.count() == 2


def test_a_file_without_the_expected_header_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Colonnes manquantes"):
        run("import_skill_levels", write(tmp_path, "matricule;competence;niveau\nE1;AD.GPO;2\n"))


@pytest.fixture
def org(learner, outsider):
    SkillFactory(code="AD.GPO")
    SkillFactory(code="NET.VPN")
    return learner, outsider


def test_skill_levels_import_records_evidence_with_source_import_by_default(tmp_path, org):
    learner, _outsider = org
    until = (timezone.localdate() + timedelta(days=200)).isoformat()
    out, _err = run("import_skill_levels", write(tmp_path, f"""employee_id,skill_code,level,valid_until,source,note
E10001,AD.GPO,3,{until},,matrice 2025
E10001,NET.VPN,2,,certification,
E20002,AD.GPO,1,,,
"""))
    evidence = Evidence.objects.get(staff=learner, skill__code="AD.GPO")
    assert evidence.source == "import" and evidence.note == "matrice 2025"
    # A date means "valid through that day".
    assert timezone.localtime(evidence.valid_until).isoformat().startswith(
        (timezone.localdate() + timedelta(days=201)).isoformat() + "T00:00:00")
    assert SkillLevel.objects.get(staff=learner, skill__code="NET.VPN").sources == ["certification"]
    assert "3 créé(s)" in out
    assert AuditEntry.objects.filter(action="skills.levels.import").count() == 1


def test_importing_the_same_levels_twice_changes_nothing(tmp_path, org):
    path = write(tmp_path, "employee_id,skill_code,level,valid_until,source,note\n"
                           "E10001,AD.GPO,3,2030-01-31T18:00:00+01:00,,\nE20002,NET.VPN,2,,manager,\n")
    run("import_skill_levels", path)
    evidences, changes = Evidence.objects.count(), SkillChange.objects.count()
    out, _err = run("import_skill_levels", path)
    assert (Evidence.objects.count(), SkillChange.objects.count()) == (evidences, changes)
    assert "0 créé(s), 0 mis à jour, 2 inchangé(s)" in out


def test_bad_level_rows_are_all_reported_with_their_line_and_nothing_is_written(tmp_path, org, learner):
    learner_gone = StaffFactory(employee_id="E99999", active=False)
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    text = f"""employee_id,skill_code,level,valid_until,source,note
E10001,AD.GPO,3,,,
E00000,AD.GPO,2,,,
E10001,XX.NOPE,2,,,
E20002,AD.GPO,9,,,
E20002,NET.VPN,2,{past},,
E10001,AD.GPO,2,,,
{learner_gone.employee_id},AD.GPO,2,,,
E20002,NET.VPN,deux,,,
E20002,AD.GPO,2,,magic,
"""
    with pytest.raises(CommandError, match="rien n'a été importé"):
        _out, err = run("import_skill_levels", write(tmp_path, text))
    assert not Evidence.objects.exists()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_skill_levels", write(tmp_path, text), stderr=err, stdout=io.StringIO())
    report = err.getvalue()
    for expected in ["ligne 3 : matricule inconnu : E00000", "ligne 4 : code de compétence inconnu : XX.NOPE",
                     "ligne 5 : Le niveau 9 n'est pas dans l'échelle", "ligne 6 : La date de fin de validité est "
                     "déjà passée", "ligne 7 : doublon : E10001 / AD.GPO figure déjà ligne 2",
                     "ligne 8 : E99999 est inactif", "ligne 9 : niveau « deux »", "ligne 10 : Source inconnue"]:
        assert expected in report, expected
    out, _err = run("import_skill_levels", write(tmp_path, text), "--partial")
    assert Evidence.objects.count() == 1 and "1 créé(s)" in out


def test_export_then_import_into_an_empty_ledger_gives_the_same_matrix(tmp_path, org, learner, outsider):
    gpo, vpn = Skill.objects.get(code="AD.GPO"), Skill.objects.get(code="NET.VPN")
    until = timezone.now() + timedelta(days=40)
    evidence_record(staff=learner, skill=gpo, level=3, source="certification", valid_until=until)
    evidence_record(staff=learner, skill=vpn, level=2, source="manager")
    evidence_record(staff=outsider, skill=gpo, level=1, source="course")
    evidence_record(staff=outsider, skill=vpn, level=3, source="self")
    before = sorted(SkillLevel.objects.filter(level__gt=0).values_list("staff__employee_id", "skill__code", "level",
                                                                         "valid_until"))
    path = str(tmp_path / "matrice.csv")
    run("export_matrix", "--output", path)
    Evidence.objects.all().delete()
    SkillLevel.objects.all().delete()
    run("import_skill_levels", path)
    after = sorted(SkillLevel.objects.filter(level__gt=0).values_list("staff__employee_id", "skill__code", "level",
                                                                        "valid_until"))
    assert after == before
    out, _err = run("import_skill_levels", path)
    assert "0 créé(s)" in out


def test_export_one_team_as_xlsx_with_levels_and_until_when(tmp_path, org, learner, outsider, team):
    gpo = Skill.objects.get(code="AD.GPO")
    evidence_record(staff=learner, skill=gpo, level=3, source="certification",
                    valid_until=timezone.now() + timedelta(days=40))
    evidence_record(staff=outsider, skill=gpo, level=2, source="exam")
    path = tmp_path / "m.xlsx"
    run("export_matrix", "--team", team.name, "--format", "xlsx", "--output", str(path))
    workbook = load_workbook(path)
    matrix = list(workbook["Matrice"].values)
    column = matrix[0].index("AD.GPO")
    assert [row[0] for row in matrix[1:]] == ["E10001"]
    assert matrix[1][column] == 3
    assert list(workbook["Jusqu'au"].values)[1][column]
    with pytest.raises(CommandError, match="équipe inconnue"):
        run("export_matrix", "--team", "Nulle part")


def test_a_binary_or_empty_file_is_refused_with_a_message(tmp_path):
    path = Path(tmp_path) / "image.csv"
    path.write_bytes(b"employee_id,skill_code,level\x00\x00\n")
    with pytest.raises(CommandError, match="caractère nul"):
        run("import_skill_levels", str(path))
    with pytest.raises(CommandError, match="vide"):
        run("import_taxonomy", write(tmp_path, ""))
    latin1 = write(tmp_path, "employee_id,skill_code,level\nE1,AD.GPO,2,é\n", encoding="latin-1")
    with pytest.raises(CommandError, match="UTF-8"):
        run("import_skill_levels", latin1)


@pytest.mark.parametrize("command,header", [
    ("import_skill_levels", "employee_id,skill_code,level"),
    ("import_taxonomy", "domain_code,domain_name,skill_code,skill_name,description,reference"),
])
def test_a_badly_encoded_file_names_the_line_of_the_bad_bytes(tmp_path, command, header):
    text = header + "\nE1,AD.GPO,2\nE2,AD.GPO,3\nE3,AD.GPO,1,Stratégies\n"
    with pytest.raises(CommandError) as caught:
        run(command, write(tmp_path, text, encoding="latin-1"))
    assert "ligne 4 : encodage invalide (octet 0xe9)" in str(caught.value)
    assert "UTF-8" in str(caught.value)
