"""Item analysis for editors: share correct, discrimination (upper − lower 27 %), most chosen
wrong answer; the Wagtail admin view and the snippet screens."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from assessments.models import AttemptQuestion
from assessments.selectors import item_analysis
from assessments.services import attempt_answer, attempt_start, attempt_submit
from tests.assessments.factories import exam_create, question_create
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def key_of(row, text):
    return next(o["key"] for o in row.spec["options"] if o["text"] == text)


@pytest.fixture
def analysed():
    """Ten candidates: the strong ones (first five) answer the good question right, the weak ones
    choose « Lyon »; everyone gets the « noise » question right."""
    good = question_create("single")
    noise = question_create("true_false")
    exam = exam_create(questions=[good, noise], pass_mark=50)
    for i in range(10):
        staff = StaffFactory()
        attempt = attempt_start(exam=exam, staff=staff)
        row = AttemptQuestion.objects.get(attempt=attempt, question=good)
        choice = "Paris" if i < 5 else ("Lyon" if i < 9 else "Marseille")
        attempt_answer(attempt=attempt, question_id=good.pk, response={"choice": key_of(row, choice)})
        attempt_answer(attempt=attempt, question_id=noise.pk, response={"value": True})
        attempt_submit(attempt=attempt)
    return exam, good, noise


def test_it_reports_share_correct_discrimination_and_the_top_wrong_answer(analysed):
    exam, good, noise = analysed
    rows = {r.question_id: r for r in item_analysis(exam=exam)}
    assert rows[good.pk].responses == 10
    assert rows[good.pk].share_correct == 0.5
    assert rows[good.pk].discrimination == 1.0  # upper 27 % all right, lower 27 % all wrong
    assert (rows[good.pk].top_wrong, rows[good.pk].top_wrong_count) == ("Lyon", 4)
    assert rows[noise.pk].share_correct == 1.0
    assert rows[noise.pk].discrimination == 0.0 and rows[noise.pk].flagged  # separates no one
    assert rows[noise.pk].top_wrong == ""


def test_too_few_answers_give_no_discrimination_index(db):
    q = question_create("true_false")
    exam = exam_create(questions=[q])
    attempt_submit(attempt=attempt_start(exam=exam, staff=StaffFactory()))
    [row] = item_analysis(exam=exam)
    assert row.responses == 1 and row.discrimination is None and row.share_correct == 0.0


@pytest.fixture
def editor_client(db):
    user = UserFactory(username="edith")
    user.groups.add(Group.objects.get_or_create(name="content_editor")[0])
    from academy.roles import roles_sync

    roles_sync()
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_view_shows_the_analysis_to_editors(analysed, editor_client):
    exam, good, _noise = analysed
    response = editor_client.get(reverse("assessments_item_analysis"), {"exam": exam.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert good.code in html and "Lyon (4)" in html and "50 %" in html


def test_the_admin_view_is_closed_to_learners(analysed, learner):
    client = Client()
    client.force_login(learner.user)
    assert client.get(reverse("assessments_item_analysis")).status_code in (302, 403)


def test_editors_can_open_the_snippet_screens(editor_client):
    question_create("matching")
    for name in ("question", "exam", "certification"):
        response = editor_client.get(reverse(f"wagtailsnippets_assessments_{name}:list"))
        assert response.status_code == 200, name
        response = editor_client.get(reverse(f"wagtailsnippets_assessments_{name}:add"))
        assert response.status_code == 200, name
    question = question_create("single")
    assert editor_client.get(reverse("wagtailsnippets_assessments_question:edit", args=[question.pk])).status_code == 200


def _question_post(rows, **fields):
    data = {"code": "ED-001", "type": "single", "text": "Quelle console ?", "difficulty": "2", "points": "1",
            "numeric_tolerance": "0", "text_match": "normalised", "explanation": "", "active": "on",
            "true_false_answer": "unknown",
            "choices-TOTAL_FORMS": str(len(rows)), "choices-INITIAL_FORMS": "0", "choices-MIN_NUM_FORMS": "0",
            "choices-MAX_NUM_FORMS": "1000"}
    for i, (text, correct) in enumerate(rows):
        data.update({f"choices-{i}-text": text, f"choices-{i}-match_text": "", f"choices-{i}-ORDER": str(i + 1),
                     f"choices-{i}-id": "", f"choices-{i}-DELETE": ""})
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(fields)
    return data


def test_an_editor_creates_a_question_in_the_admin(editor_client):
    from assessments.models import Question

    url = reverse("wagtailsnippets_assessments_question:add")
    response = editor_client.post(url, _question_post([("gpmc.msc", True), ("regedit", False)]))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(code="ED-001")
    assert [(c.text, c.is_correct) for c in question.choices.order_by("sort_order")] == [
        ("gpmc.msc", True), ("regedit", False)]


def test_the_admin_refuses_a_single_choice_question_with_two_right_answers(editor_client):
    from assessments.models import Question

    url = reverse("wagtailsnippets_assessments_question:add")
    response = editor_client.post(url, _question_post([("gpmc.msc", True), ("regedit", True)]))
    assert response.status_code == 200
    assert "exactement une bonne réponse" in response.content.decode()
    assert not Question.objects.exists()


def _exam_post(**fields):
    data = {"title": "Examen GPO", "slug": "examen-gpo", "description": "", "course": "", "selection": "random",
            "pass_mark": "70", "time_limit_minutes": "", "max_attempts": "", "cooldown_minutes": "0",
            "shuffle_questions": "on", "shuffle_choices": "on", "feedback": "after_pass",
            "evidence_validity_months": "", "active": "on"}
    for prefix in ("exam_questions", "pools", "grants"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
                     f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(fields)
    return data


def test_the_admin_refuses_a_random_exam_whose_pool_is_too_small(editor_client):
    from assessments.models import Exam
    from tests.factories import SkillFactory

    skill = SkillFactory(code="AD.GPO")
    question_create("true_false", skills=[skill])
    url = reverse("wagtailsnippets_assessments_exam:add")
    data = _exam_post(**{"pools-TOTAL_FORMS": "1", "pools-0-skill": str(skill.pk), "pools-0-difficulty": "",
                         "pools-0-count": "3", "pools-0-ORDER": "1", "pools-0-id": "", "pools-0-DELETE": ""})
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "n&#x27;en contient que 1" in response.content.decode() or "n'en contient que 1" in response.content.decode()
    assert not Exam.objects.exists()
    data["pools-0-count"] = "1"
    response = editor_client.post(url, data)
    assert response.status_code == 302
    assert Exam.objects.get().pools.get().count == 1
