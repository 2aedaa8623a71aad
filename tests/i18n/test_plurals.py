"""French text never writes "(s)": a count chooses the singular or the plural (ngettext,
{% blocktranslate count %})."""
import re
from pathlib import Path

from django.conf import settings

from academy.staff_import import StaffImportReport
from assessments.exchange import ImportReport as QuestionImportReport

APPS = ["academy", "assessments", "courses", "routing_bridge", "skills"]
PLURAL_S = re.compile(r"\w\(s\)")
# A translatable string in Python: _("…"), gettext_lazy("…"), ngettext("…", …), over several lines.
PY_STRING = re.compile(r"""(?:\b_|gettext(?:_lazy)?|ngettext(?:_lazy)?)\(\s*((?:"[^"\n]*"\s*)+)""")


def test_no_template_writes_an_s_in_brackets():
    found = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(directory).rglob("*.html"):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
                if PLURAL_S.search(line):
                    found.append(f"{template.relative_to(settings.BASE_DIR)}:{number}")
    assert not found, found


def test_no_translatable_python_string_writes_an_s_in_brackets():
    found = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in PY_STRING.finditer(path.read_text(encoding="utf-8")):
                if PLURAL_S.search(match.group(1)):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}: {match.group(1)[:60]}")
    assert not found, found


def test_an_import_of_one_person_says_so_in_the_singular():
    report = StaffImportReport()
    report.created, report.unchanged = 1, 2
    assert str(report.summary()) == "1 collaborateur créé, 0 mis à jour, 2 inchangés."


def test_a_question_import_counts_its_questions():
    assert QuestionImportReport(created=1, updated=2).summary == "1 question créée, 2 mises à jour."
    assert QuestionImportReport(created=3, updated=1).summary == "3 questions créées, 1 mise à jour."
