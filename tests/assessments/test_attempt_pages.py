"""Exam pages: without JavaScript (plain form POST) and with it (JSON autosave), never a
correct answer in an open attempt, clear 4xx for bad input."""
import json

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Attempt, AttemptQuestion
from assessments.services import attempt_start
from tests.assessments.factories import exam_create, question_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions():
    return {t: question_create(t) for t in ("single", "multiple", "true_false", "numeric", "short_text",
                                             "ordering", "matching")}


@pytest.fixture
def exam(questions):
    return exam_create(questions=list(questions.values()), time_limit_minutes=20, shuffle_choices=True,
                       shuffle_questions=True, slug="ad-n1")


@pytest.fixture
def lea_client(learner):
    client = Client()
    client.force_login(learner.user)
    return client


def post_json(client, url, payload, **kwargs):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **kwargs)


def right_form(attempt) -> dict:
    """The form a learner who knows every answer would post."""
    data = {"action": "submit"}
    for row in AttemptQuestion.objects.filter(attempt=attempt):
        spec, name = row.spec, f"q{row.question_id}"
        if spec["type"] == "single":
            data[name] = next(o["key"] for o in spec["options"] if o["correct"])
        elif spec["type"] == "multiple":
            data[name] = [o["key"] for o in spec["options"] if o["correct"]]
        elif spec["type"] == "true_false":
            data[name] = "true" if spec["answer"] else "false"
        elif spec["type"] == "numeric":
            data[name] = "42,2"
        elif spec["type"] == "short_text":
            data[name] = "GPUPDATE /Force"
        elif spec["type"] == "ordering":
            for rank, key in enumerate(spec["correct_order"], start=1):
                data[f"{name}-{key}"] = str(rank)
        elif spec["type"] == "matching":
            for left, right in spec["pairs"].items():
                data[f"{name}-{left}"] = right
    return data


def test_an_open_attempt_sends_no_correct_answer_in_html_or_json(exam, learner, lea_client):
    attempt = attempt_start(exam=exam, staff=learner)
    html = lea_client.get(reverse("assessments:attempt_take", args=[attempt.pk])).content.decode()
    state = lea_client.get(reverse("assessments:attempt_state", args=[attempt.pk])).content.decode()
    for page in (html, state):
        assert "gpupdate" not in page.lower()  # accepted short answer
        assert "correct" not in page  # no correctness flag on choices
        assert "Explication" not in page
        assert '"pairs"' not in page and "correct_order" not in page and '"answer"' not in page
    assert "Capitale de la France" in html and "Paris" in html  # the question and its choices are there
    data = json.loads(state)
    assert {q["id"] for q in data["questions"]} == set(exam.exam_questions.values_list("question_id", flat=True))
    assert 0 < data["remaining_seconds"] <= 20 * 60


def test_the_exam_can_be_passed_without_javascript(exam, lea_client):
    response = lea_client.post(reverse("assessments:attempt_start", args=["ad-n1"]))
    attempt = Attempt.objects.get()
    assert response.status_code == 302 and response.url == reverse("assessments:attempt_take", args=[attempt.pk])
    response = lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), right_form(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.percent == 100 and attempt.passed
    page = lea_client.get(response.url).content.decode()
    assert "100 %" in page and "Examen réussi" in page
    assert "Explication" in page  # full corrections after grading


def test_saving_the_form_keeps_answers_and_a_reload_shows_them(exam, learner, lea_client):
    attempt = attempt_start(exam=exam, staff=learner)
    data = right_form(attempt)
    data["action"] = "save"
    url = reverse("assessments:attempt_take", args=[attempt.pk])
    assert lea_client.post(url, data).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert not AttemptQuestion.objects.filter(attempt=attempt, response__isnull=True).exists()
    html = lea_client.get(url).content.decode()
    assert html.count(" checked") >= 3 and 'value="GPUPDATE /Force"' in html


def test_an_invalid_form_is_not_handed_in_and_says_why_keeping_the_valid_answers(exam, learner, lea_client,
                                                                                 questions):
    attempt = attempt_start(exam=exam, staff=learner)
    data = right_form(attempt)
    data["action"] = "submit"
    data[f"q{questions['numeric'].pk}"] = "quarante-deux"
    response = lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), data)
    assert response.status_code == 400
    assert "nombre attendu" in response.content.decode() and 'value="quarante-deux"' in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "open"
    saved = AttemptQuestion.objects.filter(attempt=attempt).filter(response__isnull=False)
    assert set(saved.values_list("question_id", flat=True)) == {q.pk for t, q in questions.items() if t != "numeric"}


class TestAutosave:
    def test_it_saves_one_answer(self, exam, learner, lea_client, questions):
        attempt = attempt_start(exam=exam, staff=learner)
        url = reverse("assessments:attempt_answer", args=[attempt.pk])
        response = post_json(lea_client, url, {"question": questions["true_false"].pk, "response": {"value": True}})
        assert response.status_code == 200 and response.json()["saved"] is True
        row = AttemptQuestion.objects.get(attempt=attempt, question=questions["true_false"])
        assert row.response == {"value": True}

    def test_it_needs_the_csrf_token(self, exam, learner, questions):
        attempt = attempt_start(exam=exam, staff=learner)
        client = Client(enforce_csrf_checks=True)
        client.force_login(learner.user)
        url = reverse("assessments:attempt_answer", args=[attempt.pk])
        response = post_json(client, url, {"question": questions["true_false"].pk, "response": {"value": True}})
        assert response.status_code == 403
        client.get(reverse("assessments:attempt_take", args=[attempt.pk]))
        token = client.cookies["csrftoken"].value
        response = post_json(client, url, {"question": questions["true_false"].pk, "response": {"value": True}},
                             HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 200

    @pytest.mark.parametrize("payload", [
        "{not json", "[]", {"question": 1}, {"response": {}}, {"question": True, "response": {}},
        {"question": {"id": 1}, "response": {}},
    ])
    def test_it_rejects_malformed_payloads(self, exam, learner, lea_client, payload):
        attempt = attempt_start(exam=exam, staff=learner)
        response = post_json(lea_client, reverse("assessments:attempt_answer", args=[attempt.pk]), payload)
        assert response.status_code == 400 and response.json()["error"]
        assert not AttemptQuestion.objects.filter(attempt=attempt).filter(response__isnull=False).exists()

    def test_it_rejects_a_question_that_is_not_in_the_attempt(self, exam, learner, lea_client):
        attempt = attempt_start(exam=exam, staff=learner)
        stranger = question_create("true_false")
        response = post_json(lea_client, reverse("assessments:attempt_answer", args=[attempt.pk]),
                             {"question": stranger.pk, "response": {"value": True}})
        assert response.status_code == 400 and response.json()["code"] == "not_in_attempt"

    def test_it_rejects_an_invalid_response(self, exam, learner, lea_client, questions):
        attempt = attempt_start(exam=exam, staff=learner)
        response = post_json(lea_client, reverse("assessments:attempt_answer", args=[attempt.pk]),
                             {"question": questions["single"].pk, "response": {"choice": "zz"}})
        assert response.status_code == 400 and response.json()["code"] == "invalid"

    def test_after_the_deadline_it_refuses_and_submits_the_attempt(self, exam, learner, lea_client, questions, clock):
        attempt = attempt_start(exam=exam, staff=learner)
        clock.advance(minutes=21)
        response = post_json(lea_client, reverse("assessments:attempt_answer", args=[attempt.pk]),
                             {"question": questions["true_false"].pk, "response": {"value": True}})
        assert response.status_code == 409 and response.json()["code"] == "deadline"
        assert response.json()["result_url"] == reverse("assessments:attempt_result", args=[attempt.pk])
        attempt.refresh_from_db()
        assert attempt.status == "graded" and attempt.score == 0

    def test_someone_else_cannot_answer_or_see_the_attempt(self, exam, learner, outsider, questions):
        attempt = attempt_start(exam=exam, staff=learner)
        client = Client()
        client.force_login(outsider.user)
        response = post_json(client, reverse("assessments:attempt_answer", args=[attempt.pk]),
                             {"question": questions["true_false"].pk, "response": {"value": True}})
        assert response.status_code == 403
        assert client.get(reverse("assessments:attempt_take", args=[attempt.pk])).status_code == 403
        assert client.get(reverse("assessments:attempt_state", args=[attempt.pk])).status_code == 403

    def test_get_is_not_allowed(self, exam, learner, lea_client):
        attempt = attempt_start(exam=exam, staff=learner)
        assert lea_client.get(reverse("assessments:attempt_answer", args=[attempt.pk])).status_code == 405


def test_opening_an_expired_attempt_submits_it_and_shows_the_result(exam, learner, lea_client, clock):
    attempt = attempt_start(exam=exam, staff=learner)
    clock.advance(minutes=25)
    response = lea_client.get(reverse("assessments:attempt_take", args=[attempt.pk]))
    assert response.status_code == 302 and response.url.endswith("/resultat/")
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.submitted_at == attempt.deadline


def test_starting_beyond_the_maximum_is_a_409_with_the_reason(exam, learner, lea_client):
    exam.max_attempts = 1
    exam.save()
    lea_client.post(reverse("assessments:attempt_start", args=["ad-n1"]))
    attempt = Attempt.objects.get()
    lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), {"action": "submit"})
    response = lea_client.post(reverse("assessments:attempt_start", args=["ad-n1"]))
    assert response.status_code == 409
    assert "toutes vos tentatives" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_starting_during_the_cooldown_is_a_409(exam, learner, lea_client):
    exam.cooldown_minutes = 30
    exam.save()
    lea_client.post(reverse("assessments:attempt_start", args=["ad-n1"]))
    attempt = Attempt.objects.get()
    lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), {"action": "submit"})
    response = lea_client.post(reverse("assessments:attempt_start", args=["ad-n1"]))
    assert response.status_code == 409 and "Prochaine tentative" in response.content.decode()


class TestFeedbackPolicy:
    def _fail(self, exam, learner, client):
        attempt = attempt_start(exam=exam, staff=learner)
        client.post(reverse("assessments:attempt_take", args=[attempt.pk]), {"action": "submit"})
        return client.get(reverse("assessments:attempt_result", args=[attempt.pk])).content.decode()

    def test_score_only_shows_no_correction(self, exam, learner, lea_client):
        exam.feedback = "score_only"
        exam.save()
        page = self._fail(exam, learner, lea_client)
        assert "Réponse attendue" not in page and "Paris" not in page

    def test_after_pass_hides_corrections_of_a_failed_attempt(self, exam, learner, lea_client):
        exam.feedback = "after_pass"
        exam.save()
        page = self._fail(exam, learner, lea_client)
        assert "Réponse attendue" not in page and "après une tentative réussie" in page

    def test_full_shows_corrections_even_after_a_fail(self, exam, learner, lea_client):
        page = self._fail(exam, learner, lea_client)
        assert "Réponse attendue" in page and "Paris" in page


def test_a_lead_sees_the_result_of_their_team_member_but_an_outsider_does_not(exam, learner, lead, outsider):
    from assessments.services import attempt_submit

    attempt, _ = attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
    url = reverse("assessments:attempt_result", args=[attempt.pk])
    marc, olivier = Client(), Client()
    marc.force_login(lead.user)
    olivier.force_login(outsider.user)
    assert marc.get(url).status_code == 200
    assert olivier.get(url).status_code == 403


def test_the_exam_list_and_detail_pages_render(exam, lea_client):
    assert "ad-n1" in lea_client.get(reverse("assessments:exam_list")).content.decode()
    page = lea_client.get(reverse("assessments:exam_detail", args=["ad-n1"])).content.decode()
    assert "Commencer l'examen" in page and "20 minutes" in page


def test_the_exam_page_lists_her_attempts_latest_first_with_the_open_one_to_resume(exam, learner, lea_client):
    from assessments.services import attempt_submit

    attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
    attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
    open_attempt = attempt_start(exam=exam, staff=learner)
    page = lea_client.get(reverse("assessments:exam_detail", args=["ad-n1"])).content.decode()
    rows = page.split("Vos tentatives")[1].split("</tbody>")[0].split("<tr>")[2:]
    assert [row.split("<td>")[1].split("</td>")[0] for row in rows] == ["3", "2", "1"]
    assert "en cours" in rows[0] and "non réussie" in rows[1] and "non réussie" in rows[2]
    assert reverse("assessments:attempt_take", args=[open_attempt.pk]) in page
    assert "Reprendre la tentative en cours" in page and "3 utilisées, sans limite" in page
    lea_client.cookies["django_language"] = "en"
    page = lea_client.get(reverse("assessments:exam_detail", args=["ad-n1"])).content.decode()
    assert "3 used, no limit" in page
