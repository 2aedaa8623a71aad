"""An attempt as a learner lives it: a draft keeps whatever she answered (an ordering half
ranked included) and never loses what she typed; "Terminer et rendre" asks for confirmation and
says how many questions are unanswered; the result shows readable answers (no grading pattern,
no « 9E+1 »)."""
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import AttemptQuestion
from assessments.services import attempt_start, attempt_submit
from tests.assessments.factories import exam_create, question_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def lea_client(learner):
    client = Client()
    client.force_login(learner.user)
    return client


@pytest.fixture
def questions():
    return {t: question_create(t) for t in ("true_false", "numeric", "ordering")}


@pytest.fixture
def attempt(questions, learner):
    return attempt_start(exam=exam_create(questions=list(questions.values()), slug="brouillon"), staff=learner)


def _row(attempt, question):
    return AttemptQuestion.objects.get(attempt=attempt, question=question)


def _half_ranked(attempt, questions) -> dict:
    """The form with the statement answered and the ordering's first item only ranked."""
    first = _row(attempt, questions["ordering"]).spec["correct_order"][0]
    return {f"q{questions['true_false'].pk}": "true", f"q{questions['ordering'].pk}-{first}": "1"}


def test_a_draft_with_a_half_ranked_ordering_is_saved_and_shown_again(attempt, questions, lea_client):
    url = reverse("assessments:attempt_take", args=[attempt.pk])
    data = {**_half_ranked(attempt, questions), "action": "save"}
    response = lea_client.post(url, data)
    assert response.status_code == 302
    assert _row(attempt, questions["true_false"]).response == {"value": True}
    first = _row(attempt, questions["ordering"]).spec["correct_order"][0]
    assert _row(attempt, questions["ordering"]).response == {"ranks": {first: 1}}
    html = lea_client.get(url).content.decode()
    select = html.split(f'name="q{questions["ordering"].pk}-{first}"')[1].split("</select>")[0]
    assert '<option value="1" selected>' in select


def test_an_invalid_entry_is_shown_as_typed_and_the_other_answers_are_saved(attempt, questions, lea_client):
    data = {**_half_ranked(attempt, questions), f"q{questions['numeric'].pk}": "quarante-deux", "action": "save"}
    response = lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "nombre attendu" in html and 'value="quarante-deux"' in html
    assert _row(attempt, questions["true_false"]).response == {"value": True}
    assert _row(attempt, questions["ordering"]).response is not None
    assert _row(attempt, questions["numeric"]).response is None


def test_handing_in_a_half_ranked_ordering_is_refused_but_the_draft_is_kept(attempt, questions, lea_client):
    data = {**_half_ranked(attempt, questions), "action": "review"}
    response = lea_client.post(reverse("assessments:attempt_take", args=[attempt.pk]), data)
    assert response.status_code == 400 and "Classement incomplet" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert _row(attempt, questions["ordering"]).response is not None


def test_the_autosave_keeps_a_half_ranked_ordering_as_a_draft(attempt, questions, lea_client):
    first = _row(attempt, questions["ordering"]).spec["correct_order"][0]
    response = lea_client.post(reverse("assessments:attempt_answer", args=[attempt.pk]),
                               json.dumps({"question": questions["ordering"].pk, "response": {"ranks": {first: 1}}}),
                               content_type="application/json")
    assert response.status_code == 200 and response.json()["complete"] is False
    assert _row(attempt, questions["ordering"]).response == {"ranks": {first: 1}}


def test_a_draft_handed_in_at_the_deadline_earns_the_items_in_their_place(learner):
    from assessments.services import attempt_answers_save

    question = question_create("ordering", partial_credit=True)
    attempt = attempt_start(exam=exam_create(questions=[question]), staff=learner)
    order = _row(attempt, question).spec["correct_order"]
    attempt_answers_save(attempt=attempt, responses={question.pk: {"ranks": {order[0]: 1, order[1]: 3}}})
    graded, _ = attempt_submit(attempt=attempt)
    assert graded.status == "graded" and _row(attempt, question).credit == pytest.approx(1 / 3)


def test_terminer_et_rendre_asks_for_confirmation_with_the_unanswered_count(attempt, questions, lea_client):
    url = reverse("assessments:attempt_take", args=[attempt.pk])
    page = lea_client.get(url).content.decode()
    button = page.split('id="submit-attempt"')[0].rsplit("<button", 1)[1]
    assert 'value="review"' in button  # the button asks, it does not hand in
    response = lea_client.post(url, {f"q{questions['true_false'].pk}": "true", "action": "review"})
    confirm = reverse("assessments:attempt_submit", args=[attempt.pk])
    assert response.status_code == 302 and response.url == confirm
    attempt.refresh_from_db()
    assert attempt.status == "open"
    page = lea_client.get(confirm).content.decode()
    assert "2 questions sur 3 sont sans réponse" in page and "Rendre définitivement" in page
    assert f'href="{url}"' in page  # back to the questions
    response = lea_client.post(confirm)
    assert response.status_code == 302 and response.url == reverse("assessments:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == "graded"


def test_the_confirmation_page_of_a_finished_attempt_leads_to_its_result(attempt, lea_client):
    attempt_submit(attempt=attempt)
    response = lea_client.get(reverse("assessments:attempt_submit", args=[attempt.pk]))
    assert response.status_code == 302 and response.url.endswith("/resultat/")


def test_someone_else_cannot_hand_in_her_attempt(attempt, outsider):
    client = Client()
    client.force_login(outsider.user)
    assert client.post(reverse("assessments:attempt_submit", args=[attempt.pk])).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == "open"


def _result(learner, client, question, form_value):
    attempt = attempt_start(exam=exam_create(questions=[question]), staff=learner)
    client.post(reverse("assessments:attempt_take", args=[attempt.pk]),
                {f"q{question.pk}": form_value, "action": "submit"})
    return client.get(reverse("assessments:attempt_result", args=[attempt.pk])).content.decode()


def test_the_result_shows_an_answer_the_pattern_accepts_never_the_pattern(learner, lea_client):
    question = question_create("short_text", text_match="pattern", rows=[(r"sfc\s+/scannow", True, "")])
    page = _result(learner, lea_client, question, "chkdsk")
    assert r"sfc\s+" not in page
    assert "Réponse attendue</dt><dd>sfc /scannow</dd>" in page


def test_a_pattern_that_is_no_literal_shows_no_expected_answer(learner, lea_client):
    question = question_create("short_text", text_match="pattern", rows=[(r"gpupdate(\s+/force)?", True, "")])
    page = _result(learner, lea_client, question, "gpresult")
    assert "gpupdate(" not in page and "Réponse attendue" not in page
    assert "Explication" in page  # the correction still explains


def test_numbers_read_as_numbers_in_french(learner, lea_client):
    question = question_create("numeric", numeric_answer=Decimal("90"), numeric_tolerance=Decimal("0.5"))
    page = _result(learner, lea_client, question, "2.5")
    assert "E+" not in page
    assert "Réponse attendue</dt><dd>90 (± 0,5)</dd>" in page
    assert "Votre réponse</dt><dd>2,5</dd>" in page
