"""Security as a user or an attacker would notice it: forms refuse a POST without the CSRF token,
script payloads typed into names, answers, comments and rich text come back escaped, the
production settings pass `check --deploy`, and tokens, webhook secrets and LRS passwords never
reach the logs."""
from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.proof.test_permission_matrix import MATRIX, OK, PERSONAS, REDIRECT, _client, _url
from tests.proof.world import World, build

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def world(learner, outsider, lead, other_lead) -> World:
    return build(learner=learner, outsider=outsider, lead=lead, other_lead=other_lead)


# CSRF -------------------------------------------------------------------------------------------

FORM_POSTS = sorted(name for name, (method, *_rest) in MATRIX.items() if method == "post") + ["login"]


@pytest.mark.parametrize("name", FORM_POSTS)
def test_every_form_refuses_a_post_without_its_csrf_token(name, world):
    """Signed in as someone allowed to use the form (or anonymous for the public ones), a POST
    without the token is refused with 403 and changes nothing."""
    if name == "login":
        expected, kwargs_of, body = {p: 200 for p in PERSONAS}, None, {"username": "lea", "password": "academie"}
    else:
        _method, kwargs_of, expected, body = MATRIX[name]
    allowed = [p for p in PERSONAS if p != "dispatcher_token" and expected[p] in (OK, REDIRECT, 200)]
    persona = allowed[0] if allowed else "anonymous"
    client = _client(world, persona)
    client.handler.enforce_csrf_checks = True
    body = body(world) if callable(body) else body
    response = client.post(_url(name, kwargs_of, world), body or {})
    assert response.status_code == 403, f"{name} as {persona}: {response.status_code}"
    assert b"CSRF" in response.content


def test_the_exam_autosave_needs_the_csrf_header(world):
    client = _client(world, "learner")
    client.handler.enforce_csrf_checks = True
    url = reverse("assessments:attempt_answer", args=[world.open_attempt.pk])
    response = client.post(url, json.dumps({"question": 1, "response": {}}), content_type="application/json")
    assert response.status_code == 403


def test_the_bridge_api_needs_no_csrf_token_because_it_only_takes_bearer_tokens(world):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {world.token}")
    response = client.post("/api/bridge/v1/qualified", {"required": [{"skill": "AD.GPO", "min_level": 1}]},
                           content_type="application/json")
    assert response.status_code == 200
    # A signed-in session is not a way into the API: no cross-site request can use it.
    session = _client(world, "lead")
    session.handler.enforce_csrf_checks = True
    response = session.post("/api/bridge/v1/qualified", {"required": []}, content_type="application/json")
    assert response.status_code == 401


# Escaping ---------------------------------------------------------------------------------------

@pytest.fixture
def hostile_world(world):
    """Léa's first name is a script; so are her self-assessment comment and an evidence note."""
    from skills.services import manager_evidence_record, self_assessment_submit

    user = world.learner.user
    user.first_name = PAYLOAD
    user.save()
    world.learner.refresh_from_db()
    from tests.factories import SkillFactory

    skill = SkillFactory(code="NET.VPN", name_fr="VPN", domain=world.skill.domain)
    self_assessment_submit(staff=world.learner, skill=skill, level=3, comment=PAYLOAD)
    manager_evidence_record(staff=world.learner, skill=skill, level=1, by=world.lead.user, note=PAYLOAD)
    return world


def _assert_escaped(response, where: str):
    content = response.content.decode()
    assert response.status_code == 200, f"{where}: {response.status_code}"
    assert PAYLOAD not in content, f"{where} shows the script unescaped"
    assert ESCAPED in content, f"{where} does not show the name at all"


def test_a_name_that_is_a_script_is_shown_as_text_everywhere(hostile_world):
    world = hostile_world
    lead = _client(world, "lead")
    _assert_escaped(lead.get(reverse("skills:team")), "/equipe/")
    _assert_escaped(lead.get(reverse("skills:staff_detail", args=[world.learner.employee_id])), "the staff page")
    _assert_escaped(lead.get(reverse("skills:validation_queue")), "the validation queue")
    _assert_escaped(lead.get(reverse("assessments:team_certifications")), "the team's certifications")
    if world.path is not None:
        _assert_escaped(lead.get(reverse("paths:path_detail", args=[world.path.pk])), "the path page")
    _assert_escaped(Client().get(reverse("assessments:verify", args=[world.award.code])),
                    "the public certificate verification")
    _assert_escaped(_client(world, "learner").get(reverse("home")), "her own home page")


def test_the_dispatcher_page_shows_a_hostile_name_as_text(hostile_world):
    from routing_bridge.services import category_rule_save

    world = hostile_world
    category_rule_save(category="Active Directory > GPO", required=[(world.skill, 1)])
    # The hostile learner is reported absent: the page shows absent people too when asked.
    response = _client(world, "lead").get(reverse("routing_bridge:qualified"),
                                          {"category": "Active Directory > GPO", "present_only": "false"})
    _assert_escaped(response, "/qui-est-qualifie/")


def test_comments_and_notes_that_are_scripts_are_shown_as_text(hostile_world):
    world = hostile_world
    response = _client(world, "lead").get(reverse("skills:validation_queue"))
    assert PAYLOAD not in response.content.decode()
    response = _client(world, "learner").get(reverse("skills:my_skills"))
    _assert_escaped(response, "/mes-competences/ (evidence note)")


def test_a_free_text_answer_that_is_a_script_is_shown_as_text_in_the_result(world):
    from assessments.models import AttemptQuestion, Choice, Exam, ExamQuestion, Question

    question = Question.objects.create(code="XSS-1", type="short_text", text="Commande ?", text_match="normalised")
    Choice.objects.create(question=question, sort_order=0, text="gpupdate /force", is_correct=True)
    exam = Exam.objects.create(title="Texte libre", slug="texte-libre", pass_mark=50, feedback="full",
                               shuffle_questions=False, shuffle_choices=False)
    ExamQuestion.objects.create(exam=exam, question=question, sort_order=0)
    client = _client(world, "learner")
    client.post(reverse("assessments:attempt_start", args=[exam.slug]))
    attempt = world.learner.exam_attempts.get(exam=exam)
    row = AttemptQuestion.objects.get(attempt=attempt)
    response = client.post(reverse("assessments:attempt_take", args=[attempt.pk]),
                           {f"q{row.question_id}": PAYLOAD, "action": "submit"})
    assert response.status_code == 302
    result = client.get(reverse("assessments:attempt_result", args=[attempt.pk]))
    _assert_escaped(result, "the attempt result")
    lead_view = _client(world, "lead").get(reverse("assessments:attempt_result", args=[attempt.pk]))
    assert PAYLOAD not in lead_view.content.decode()


def test_rich_text_typed_in_the_editor_cannot_carry_a_script(world):
    """What the Wagtail editor (Draftail) submits is content state, converted to HTML by the
    server: a script typed into it is stored and rendered as text."""
    from wagtail.admin.rich_text import DraftailRichTextArea

    from courses.models import CoursePage

    contentstate = {"blocks": [{"key": "a1", "text": PAYLOAD, "type": "unstyled", "depth": 0,
                                "inlineStyleRanges": [], "entityRanges": [], "data": {}}], "entityMap": {}}
    widget = DraftailRichTextArea(features=["bold", "italic", "ul", "ol"])
    html = widget.value_from_datadict({"objectives": json.dumps(contentstate)}, {}, "objectives")
    course = CoursePage.objects.get(pk=world.course.pk)
    course.objectives = html
    course.save_revision().publish()
    response = _client(world, "learner").get(course.url)
    _assert_escaped(response, "the course page (objectives)")


def test_a_page_title_that_is_a_script_is_shown_as_text(world):
    from courses.models import CoursePage

    course = CoursePage.objects.get(pk=world.course.pk)
    course.summary = PAYLOAD
    course.save_revision().publish()
    _assert_escaped(_client(world, "learner").get(course.url), "the course page (summary)")
    _assert_escaped(_client(world, "learner").get("/formations/"), "the catalogue (summary)")


# check --deploy ---------------------------------------------------------------------------------

def test_production_settings_pass_check_deploy():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.prod",
           "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "academie.example.com",
           "ACADEMIE_VAR_DIR": str(settings.VAR_DIR)}
    env.pop("DEBUG", None)
    from tests.academy.test_settings import GOOD_BADGE_KEY  # production needs the Open Badges signing key
    env["ACADEMIE_BADGE_SIGNING_KEY"] = GOOD_BADGE_KEY
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Secrets in logs ----------------------------------------------------------------------------------

@pytest.fixture
def all_logs(caplog):
    """Every record of every logger, DEBUG and up (the project's loggers and the libraries')."""
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "routing_bridge", "academy", "urllib3", "requests", "celery"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def _logged(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'request', '')!r}" for r in caplog.records)


def test_a_router_client_token_and_webhook_secret_never_reach_the_logs(all_logs, capsys, db):
    from routing_bridge.services import router_client_create

    created = router_client_create(name="ServiceNow", scopes=["matrix:read"],
                                   webhook_url="https://router.example.com/hooks")
    call_command("create_router_client", "GLPI", "--scopes", "matrix:read,qualified:query",
                 "--webhook-url", "https://glpi.example.com/hooks")
    printed = capsys.readouterr().out
    token = next(line.split("=", 1)[1] for line in printed.splitlines() if line.startswith("token="))
    secret = next(line.split("=", 1)[1] for line in printed.splitlines() if line.startswith("webhook_secret="))
    logs = _logged(all_logs)
    for value in (created.token, created.webhook_secret, token, secret):
        assert value and value not in logs


def test_a_token_used_on_the_api_never_reaches_the_logs(all_logs, world):
    good = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    assert good.get("/api/bridge/v1/taxonomy").status_code == 200
    assert good.post("/api/bridge/v1/qualified", {"required": [{"skill": "NOPE", "min_level": 9}]},
                     content_type="application/json").status_code == 400
    wrong_token = world.token[:-4] + "XXXX"
    bad = Client(HTTP_AUTHORIZATION=f"Bearer {wrong_token}")
    assert bad.get("/api/bridge/v1/staff").status_code == 401
    logs = _logged(all_logs)
    assert world.token not in logs and wrong_token not in logs
    assert world.token[8:] not in logs


def test_an_lrs_password_never_reaches_the_logs_even_when_the_lrs_fails(all_logs, world):
    from learning_records.forwarding import endpoint_forward
    from learning_records.models import LrsEndpoint
    from tests.xapi.fake_lrs import FakeLrs

    password = "S3cret-" + secrets.token_hex(8)
    with FakeLrs() as lrs:
        endpoint = LrsEndpoint.objects.create(name="LRS du groupe", url=lrs.url, username="academie",
                                              password=password)
        lrs.mode = "down"
        report = endpoint_forward(endpoint=endpoint, force=True)
        assert report.error
        lrs.mode = "ok"
        report = endpoint_forward(endpoint=endpoint, force=True)
        assert report.delivered > 0
        assert lrs.requests[-1]["headers"]["Authorization"].startswith("Basic ")
    # An LRS that cannot be reached at all: the error names the address, never the password.
    endpoint.url = "http://127.0.0.1:9/xAPI"
    endpoint.save()
    endpoint_forward(endpoint=endpoint, force=True)
    logs = _logged(all_logs)
    basic = base64.b64encode(f"academie:{password}".encode()).decode()
    assert password not in logs and basic not in logs
    assert "LRS du groupe" in logs  # the failures were logged, without the secret
