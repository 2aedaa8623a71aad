"""Question import/export (JSON): round trip, item-numbered error report, nothing written on
error; management commands and the admin upload."""
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.exchange import questions_export, questions_import
from assessments.models import Question
from tests.assessments.factories import question_create
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "format": "academie-questions",
    "version": 1,
    "questions": [
        {"code": "AD-001", "type": "single", "text": "Quel outil ?", "skills": ["AD.GPO"], "difficulty": 1,
         "choices": [{"text": "gpmc.msc", "correct": True}, {"text": "regedit", "correct": False}],
         "explanation": "La console GPMC."},
        {"code": "AD-002", "type": "multiple", "text": "Ports ?", "partial_credit": True,
         "choices": [{"text": "88", "correct": True}, {"text": "389", "correct": True}, {"text": "80"}]},
        {"code": "AD-003", "type": "true_false", "text": "Vrai ?", "answer": False},
        {"code": "AD-004", "type": "numeric", "text": "Combien ?", "answer": "5", "tolerance": "0"},
        {"code": "AD-005", "type": "short_text", "text": "Commande ?", "match": "pattern",
         "accepted": ["gpupdate\\s+/force"]},
        {"code": "AD-006", "type": "ordering", "text": "Ordre ?", "items": ["un", "deux", "trois"]},
        {"code": "AD-007", "type": "matching", "text": "Ports ?", "pairs": [["DNS", "53"], ["LDAP", "389"]]},
    ],
}


@pytest.fixture
def gpo():
    return SkillFactory(code="AD.GPO")


def test_a_valid_file_creates_every_type_and_exports_back_the_same(gpo):
    report = questions_import(text=json.dumps(GOOD))
    assert report.ok and (report.created, report.updated) == (7, 0)
    assert Question.objects.get(code="AD-001").skills.get() == gpo
    exported = json.loads(questions_export())
    assert exported["format"] == "academie-questions"
    by_code = {q["code"]: q for q in exported["questions"]}
    assert by_code["AD-006"]["items"] == ["un", "deux", "trois"]
    assert by_code["AD-007"]["pairs"] == [["DNS", "53"], ["LDAP", "389"]]
    assert by_code["AD-004"]["answer"] == "5"
    # Importing the export again updates in place.
    again = questions_import(text=json.dumps(exported))
    assert again.ok and (again.created, again.updated) == (0, 7)
    assert Question.objects.count() == 7


def test_an_error_anywhere_writes_nothing_and_names_the_item_and_line(gpo):
    bad = json.loads(json.dumps(GOOD))
    bad["questions"][2]["answer"] = "non"
    bad["questions"][5]["items"] = ["seul"]
    bad["questions"][6]["skills"] = ["NOPE.X"]
    text = json.dumps(bad, indent=2)
    report = questions_import(text=text)
    assert not report.ok
    assert len(report.errors) == 3
    assert report.errors[0].startswith("Question 3 (AD-003, ligne ")
    assert "« answer » doit valoir true ou false" in report.errors[0]
    assert "Question 6 (AD-006" in report.errors[1]
    assert "NOPE.X" in report.errors[2]
    line = int(report.errors[0].split("ligne ")[1].split(")")[0])
    assert '"code": "AD-003"' in text.splitlines()[line] or '"code": "AD-003"' in "\n".join(text.splitlines()[line - 1:line + 2])
    assert not Question.objects.exists()


def test_a_json_syntax_error_gives_its_line_and_column():
    report = questions_import(text='{"format": "academie-questions",\n "version": 1,\n "questions": [,]}')
    assert report.errors == [report.errors[0]] and report.errors[0].startswith("Ligne 3, colonne")


@pytest.mark.parametrize("payload, message", [
    ({"format": "autre", "version": 1, "questions": []}, "« format »"),
    ({"format": "academie-questions", "version": 9, "questions": []}, "Version 9"),
    ({"format": "academie-questions", "version": 1, "questions": {}}, "doit être une liste"),
])
def test_it_rejects_a_file_of_another_kind(payload, message):
    report = questions_import(text=json.dumps(payload))
    assert message in report.errors[0]


def test_duplicate_codes_invalid_patterns_and_single_choice_rules_are_reported(gpo):
    payload = {"format": "academie-questions", "version": 1, "questions": [
        {"code": "X-1", "type": "single", "text": "?", "choices": [{"text": "a", "correct": True},
                                                                 {"text": "b", "correct": True}]},
        {"code": "X-1", "type": "true_false", "text": "?", "answer": True},
        {"code": "X-3", "type": "short_text", "text": "?", "match": "pattern", "accepted": ["(unclosed"]},
        {"code": "bad code", "type": "quiz", "text": ""},
    ]}
    errors = questions_import(text=json.dumps(payload)).errors
    joined = "\n".join(errors)
    assert "exactement une bonne réponse" in joined
    assert "code déjà utilisé par la question 1" in joined
    assert "motif invalide" in joined
    assert "« code » manquant ou invalide" in joined and "« type » doit être" in joined
    assert not Question.objects.exists()


def test_dry_run_counts_without_writing(gpo):
    report = questions_import(text=json.dumps(GOOD), dry_run=True)
    assert report.ok and report.created == 7
    assert not Question.objects.exists()


class TestCommands:
    def test_import_and_export_commands(self, gpo, tmp_path, capsys):
        source = tmp_path / "q.json"
        source.write_text(json.dumps(GOOD), encoding="utf-8")
        call_command("questions_import", str(source))
        assert Question.objects.count() == 7
        target = tmp_path / "out.json"
        call_command("questions_export", "-o", str(target), "--skill", "AD.GPO")
        assert [q["code"] for q in json.loads(target.read_text())["questions"]] == ["AD-001"]

    def test_the_import_command_fails_loudly_with_the_report(self, tmp_path, capsys):
        source = tmp_path / "q.json"
        source.write_text('{"format": "academie-questions", "version": 1, "questions": [{"code": "A"}]}')
        with pytest.raises(CommandError, match="rien n'a été enregistré"):
            call_command("questions_import", str(source))
        assert "Question 1 (A" in capsys.readouterr().err


class TestAdminUpload:
    @pytest.fixture
    def editor(self, db):
        from django.contrib.auth.models import Group

        from tests.factories import UserFactory

        user = UserFactory(username="edith")
        user.groups.add(Group.objects.get_or_create(name="content_editor")[0])
        client = Client()
        client.force_login(user)
        return client

    def upload(self, client, payload, **extra):
        data = {"file": SimpleUploadedFile("q.json", json.dumps(payload).encode(), "application/json"), **extra}
        return client.post(reverse("assessments_questions_import"), data)

    def test_an_editor_previews_a_file_then_imports_it(self, editor, gpo):
        preview = self.upload(editor, GOOD)
        assert preview.status_code == 200
        assert "Aperçu" in preview.content.decode() and "7 questions créées" in preview.content.decode()
        assert not Question.objects.exists()  # the preview writes nothing

        token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
        response = editor.post(reverse("assessments_questions_import"), {"token": token})
        assert response.status_code == 200
        assert Question.objects.count() == 7

    def test_a_bad_file_shows_the_numbered_report_and_writes_nothing(self, editor, gpo):
        bad = json.loads(json.dumps(GOOD))
        bad["questions"][1]["choices"] = []
        response = self.upload(editor, bad)
        assert response.status_code == 422
        html = response.content.decode()
        assert "Question 2 (AD-002" in html and "rien n'a été enregistré" in html.replace("&#x27;", "'")
        assert 'name="token"' not in html  # nothing to confirm
        assert not Question.objects.exists()

    def test_a_learner_cannot_import(self, learner, gpo):
        client = Client()
        client.force_login(learner.user)
        response = self.upload(client, GOOD)
        assert response.status_code in (302, 403)
        assert not Question.objects.exists()

    def test_export_downloads_json(self, editor):
        question_create("true_false")
        response = editor.get(reverse("assessments_questions_export"))
        assert response.status_code == 200 and json.loads(response.content)["questions"][0]["type"] == "true_false"
