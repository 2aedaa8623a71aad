"""JSON from outside nested deeper than Python's parser goes (it raises RecursionError) is a
clear 4xx or a reported error everywhere it is read, never a 500: the exam autosave, the bridge's
body and cursor, the xAPI `agent` parameter and the question import all read it with
academy.json_input.json_parse."""
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from academy.json_input import JsonInputError, NulCharacter, json_parse

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def test_json_parse_refuses_deep_nesting_bad_text_and_nul_with_a_reason():
    for text in (DEEP, '{"a": [1,', b"\xff\xfe{"):
        with pytest.raises(JsonInputError) as caught:
            json_parse(text)
        assert caught.value.message
    with pytest.raises(NulCharacter):
        json_parse('{"a": ["x\\u0000"]}')
    nested = "[" * 800 + '"ok"' + "]" * 800  # deep but parseable: the NUL check must not recurse
    assert json_parse(nested)


def test_the_exam_autosave_answers_400_to_deep_json(learner, client):
    from assessments.services import attempt_start
    from tests.assessments.factories import exam_create, question_create

    attempt = attempt_start(exam=exam_create(questions=[question_create("true_false")]), staff=learner)
    client.force_login(learner.user)
    url = reverse("assessments:attempt_answer", args=[attempt.pk])
    for body in (DEEP, '{"question": 1, "response": ' + DEEP + "}"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, response.status_code
        assert response.json()["code"] == "malformed" and "imbriqué" in response.json()["error"]


def test_the_exam_autosave_refuses_a_nul_character_postgresql_cannot_store(learner, client):
    from assessments.services import attempt_start
    from tests.assessments.factories import exam_create, question_create

    question = question_create("short_text")
    attempt = attempt_start(exam=exam_create(questions=[question]), staff=learner)
    client.force_login(learner.user)
    response = client.post(reverse("assessments:attempt_answer", args=[attempt.pk]),
                           json.dumps({"question": question.pk, "response": {"text": "a\x00b"}}),
                           content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["error"]


def test_the_question_import_reports_deep_json_as_an_error(db):
    from assessments.exchange import questions_import

    report = questions_import(text=DEEP)
    assert not report.ok and "imbriqué" in report.errors[0]


def test_a_bridge_body_of_deep_json_is_a_400_in_french(client):
    from routing_bridge.services import router_client_create

    token = router_client_create(name="deep", scopes=["matrix:read", "qualified:query"]).token
    response = client.post("/api/bridge/v1/qualified", DEEP, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and "JSON invalide" in response.json()["detail"]


def test_an_xapi_agent_of_deep_json_is_a_400(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/xapi/statements?" + urlencode({"agent": "[" * 5000 + "]" * 5000}))
    assert response.status_code == 400 and "agent" in response.json()["detail"]
