"""Formula injection in exports: a text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
tab, CR) goes out as text — `'`-prefixed in CSV, a text cell in XLSX — in every export."""
import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from academy.exports import cell_escape, cell_unescape, xlsx_append
from routing_bridge.services import category_rules_export, category_rules_import
from skills.imports import matrix_export
from skills.services import evidence_record
from tests.factories import SkillFactory, TeamFactory

LINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("value", [LINK, "+33 1 23", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_risky_text_gets_an_apostrophe_and_comes_back_unchanged(value):
    assert cell_escape(value) == "'" + value
    assert cell_unescape(cell_escape(value)) == value


def test_plain_texts_numbers_and_lone_apostrophes_are_left_alone():
    assert [cell_escape(v) for v in ("Léa", "", 3, -1, None)] == ["Léa", "", 3, -1, None]
    assert cell_unescape("'quoted") == "'quoted"


def test_an_xlsx_row_keeps_texts_as_text_cells():
    workbook = Workbook()
    xlsx_append(workbook.active, [LINK, 3, "Léa"])
    reloaded = load_workbook(_saved(workbook)).active
    assert [c.value for c in reloaded[1]] == [LINK, 3, "Léa"]
    assert [c.data_type for c in reloaded[1]] == ["s", "n", "s"]
    assert reloaded["A1"].quotePrefix


def _saved(workbook) -> io.BytesIO:
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


@pytest.fixture
def hostile(learner):
    """Léa renamed by an import, in a team and with a skill named by someone as hostile."""
    learner.user.first_name, learner.user.last_name = LINK, ""
    learner.user.save()
    learner.team = TeamFactory(name="@Equipe")
    learner.save()
    skill = SkillFactory(code="AD.GPO", name_fr="-Stratégies")
    evidence_record(staff=learner, skill=skill, level=2, source="manager")
    return learner


def test_the_matrix_csv_export_escapes_names_teams_and_skills(hostile):
    text = matrix_export(staff_qs=type(hostile).objects.all(), fmt="csv").decode("utf-8")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0:3] == ["E10001", "AD.GPO", "2"]
    assert "'" + LINK in row[6] and row[7] == "'@Equipe" and row[9] == "'-Stratégies"


def test_the_matrix_xlsx_export_has_no_formula_cell(hostile):
    content = matrix_export(staff_qs=type(hostile).objects.all(), fmt="xlsx")
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK")]
    assert names and all(cell.data_type == "s" for cell in names)


def test_the_matrix_export_command_escapes_too(hostile):
    out = io.StringIO()
    call_command("export_matrix", stdout=out)
    assert "'" + LINK.replace('"', '""') in out.getvalue()


def test_the_category_rules_export_escapes_and_imports_back(db):
    SkillFactory(code="NET.LAN")
    content = "category,required,optional,tiers,description\n" \
              "Réseau,NET.LAN:2,,N1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n"
    assert category_rules_import(content=content).created == 1
    exported = category_rules_export()
    header, row = list(csv.reader(io.StringIO(exported)))[:2]
    assert row[header.index("description")] == "'" + LINK
    assert category_rules_import(content=exported).unchanged == 1
