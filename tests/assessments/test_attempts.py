"""Attempts: start, answer, submit, time enforced by the server with a controlled clock,
maximum attempts, cooldown, resuming, sub-scores per skill, evidence on a pass."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Attempt, AttemptQuestion
from assessments.services import attempt_answer, attempt_answers_save, attempt_start, attempt_submit, \
    attempts_close_expired
from skills.models import Evidence
from tests.assessments.factories import exam_create, question_create
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def answer_right(attempt, question):
    row = AttemptQuestion.objects.get(attempt=attempt, question=question)
    spec = row.spec
    if spec["type"] == "single":
        return {"choice": next(o["key"] for o in spec["options"] if o["correct"])}
    if spec["type"] == "true_false":
        return {"value": spec["answer"]}
    raise AssertionError(spec["type"])


def answer_wrong(attempt, question):
    row = AttemptQuestion.objects.get(attempt=attempt, question=question)
    spec = row.spec
    if spec["type"] == "single":
        return {"choice": next(o["key"] for o in spec["options"] if not o["correct"])}
    return {"value": not spec["answer"]}


@pytest.fixture
def skills():
    return SkillFactory(code="AD.GPO"), SkillFactory(code="AD.DNS")


@pytest.fixture
def exam(skills):
    gpo, dns = skills
    q1 = question_create("single", skills=[gpo])
    q2 = question_create("true_false", skills=[gpo])
    q3 = question_create("single", skills=[dns])
    q4 = question_create("true_false", skills=[dns])
    return exam_create(questions=[q1, q2, q3, q4], grants=[(gpo, 2)], pass_mark=75, time_limit_minutes=30)


def test_starting_draws_the_questions_and_sets_a_server_deadline(exam, learner, clock):
    attempt = attempt_start(exam=exam, staff=learner)
    assert attempt.number == 1 and attempt.status == "open"
    assert attempt.deadline == clock.now + timedelta(minutes=30)
    assert attempt.questions.count() == 4


def test_starting_again_resumes_the_open_attempt(exam, learner):
    first = attempt_start(exam=exam, staff=learner)
    q = exam.exam_questions.first().question
    attempt_answer(attempt=first, question_id=q.pk, response=answer_right(first, q))
    again = attempt_start(exam=exam, staff=learner)
    assert again.pk == first.pk
    assert AttemptQuestion.objects.get(attempt=again, question=q).response is not None


def test_a_pass_grades_sub_scores_per_skill_and_records_exam_evidence(exam, learner, skills):
    gpo, dns = skills
    attempt = attempt_start(exam=exam, staff=learner)
    questions = [eq.question for eq in exam.exam_questions.all()]
    for q in questions[:3]:
        attempt_answer(attempt=attempt, question_id=q.pk, response=answer_right(attempt, q))
    attempt_answer(attempt=attempt, question_id=questions[3].pk, response=answer_wrong(attempt, questions[3]))
    attempt, graded = attempt_submit(attempt=attempt)
    assert graded and attempt.passed and attempt.percent == 75
    assert attempt.skill_scores["AD.GPO"]["percent"] == 100.0
    assert attempt.skill_scores["AD.DNS"]["percent"] == 50.0
    evidence = Evidence.objects.get(staff=learner, skill=gpo)
    assert (evidence.source, evidence.level, evidence.reference_id) == ("exam", 2, str(attempt.pk))
    assert evidence.valid_until is None
    assert learner.skill_levels.get(skill=gpo).level == 2


def test_a_fail_records_no_evidence(exam, learner):
    attempt = attempt_start(exam=exam, staff=learner)
    attempt, _ = attempt_submit(attempt=attempt)
    assert attempt.passed is False and attempt.percent == 0
    assert not Evidence.objects.filter(staff=learner).exists()


def test_exam_evidence_expires_when_the_exam_says_so(skills, learner, clock):
    gpo, _dns = skills
    q = question_create("true_false", skills=[gpo])
    exam = exam_create(questions=[q], grants=[(gpo, 1)], evidence_validity_months=12)
    attempt = attempt_start(exam=exam, staff=learner)
    attempt_answer(attempt=attempt, question_id=q.pk, response={"value": True})
    attempt_submit(attempt=attempt)
    evidence = Evidence.objects.get(staff=learner, skill=gpo)
    assert evidence.valid_until.date().year == clock.now.year + 1


def test_a_second_submission_grades_once(exam, learner):
    attempt = attempt_start(exam=exam, staff=learner)
    q = exam.exam_questions.first().question
    attempt_answer(attempt=attempt, question_id=q.pk, response=answer_right(attempt, q))
    first, graded_first = attempt_submit(attempt=attempt)
    second, graded_second = attempt_submit(attempt=attempt)
    assert (graded_first, graded_second) == (True, False)
    assert second.percent == first.percent and second.submitted_at == first.submitted_at


class TestTime:
    def test_answers_after_the_deadline_are_refused_and_do_not_count(self, exam, learner, clock):
        attempt = attempt_start(exam=exam, staff=learner)
        q1, q2 = [eq.question for eq in exam.exam_questions.all()][:2]
        clock.advance(minutes=29, seconds=59)
        attempt_answer(attempt=attempt, question_id=q1.pk, response=answer_right(attempt, q1))
        clock.advance(seconds=1)
        with pytest.raises(ValidationError) as exc:
            attempt_answer(attempt=attempt, question_id=q2.pk, response=answer_right(attempt, q2))
        assert exc.value.code == "deadline"
        assert AttemptQuestion.objects.get(attempt=attempt, question=q2).response is None

    def test_an_answer_saved_late_by_any_path_is_not_graded(self, exam, learner, clock):
        attempt = attempt_start(exam=exam, staff=learner)
        q1 = exam.exam_questions.first().question
        row = AttemptQuestion.objects.get(attempt=attempt, question=q1)
        # A row written behind the service's back, after the deadline, still does not count.
        row.response = answer_right(attempt, q1)
        row.answered_at = attempt.deadline + timedelta(seconds=5)
        row.save()
        clock.advance(hours=1)
        attempt, _ = attempt_submit(attempt=attempt)
        assert attempt.score == 0

    def test_submitting_late_dates_the_attempt_at_its_deadline(self, exam, learner, clock):
        attempt = attempt_start(exam=exam, staff=learner)
        deadline = attempt.deadline
        clock.advance(hours=2)
        attempt, graded = attempt_submit(attempt=attempt)
        assert graded and attempt.submitted_at == deadline and attempt.auto_submitted

    def test_the_periodic_sweep_closes_expired_attempts_only(self, exam, learner, outsider, clock):
        late = attempt_start(exam=exam, staff=learner)
        clock.advance(minutes=20)
        fresh = attempt_start(exam=exam, staff=outsider)
        clock.advance(minutes=11)
        assert attempts_close_expired() == 1
        late.refresh_from_db()
        fresh.refresh_from_db()
        assert late.status == "graded" and late.auto_submitted
        assert fresh.status == "open"
        assert attempts_close_expired() == 0

    def test_an_exam_without_time_limit_never_expires(self, skills, learner, clock):
        q = question_create("true_false")
        exam = exam_create(questions=[q])
        attempt = attempt_start(exam=exam, staff=learner)
        clock.advance(days=3)
        attempt_answer(attempt=attempt, question_id=q.pk, response={"value": True})
        assert attempts_close_expired() == 0


class TestLimits:
    def test_it_refuses_an_attempt_beyond_the_maximum(self, exam, learner):
        exam.max_attempts = 1
        exam.save()
        attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
        with pytest.raises(ValidationError) as exc:
            attempt_start(exam=exam, staff=learner)
        assert exc.value.code == "max_attempts"
        assert Attempt.objects.filter(staff=learner).count() == 1

    def test_it_refuses_an_attempt_during_the_cooldown_then_allows_it(self, exam, learner, clock):
        exam.cooldown_minutes = 60
        exam.save()
        attempt_submit(attempt=attempt_start(exam=exam, staff=learner))
        clock.advance(minutes=59)
        with pytest.raises(ValidationError) as exc:
            attempt_start(exam=exam, staff=learner)
        assert exc.value.code == "cooldown"
        clock.advance(minutes=1)
        assert attempt_start(exam=exam, staff=learner).number == 2

    def test_a_closed_exam_cannot_be_started(self, exam, learner):
        exam.active = False
        exam.save()
        with pytest.raises(ValidationError) as exc:
            attempt_start(exam=exam, staff=learner)
        assert exc.value.code == "closed"


class TestBadAnswers:
    def test_an_answer_to_a_question_not_in_the_attempt_is_refused(self, exam, learner):
        attempt = attempt_start(exam=exam, staff=learner)
        stranger = question_create("true_false")
        with pytest.raises(ValidationError) as exc:
            attempt_answer(attempt=attempt, question_id=stranger.pk, response={"value": True})
        assert exc.value.code == "not_in_attempt"

    def test_a_batch_with_one_bad_answer_saves_nothing(self, exam, learner):
        attempt = attempt_start(exam=exam, staff=learner)
        q1, q2 = [eq.question for eq in exam.exam_questions.all()][:2]
        with pytest.raises(ValidationError) as exc:
            attempt_answers_save(attempt=attempt, responses={
                q1.pk: answer_right(attempt, q1), q2.pk: {"value": "peut-être"}})
        assert exc.value.code == "invalid"
        assert not AttemptQuestion.objects.filter(attempt=attempt).filter(response__isnull=False).exists()

    def test_answers_to_a_submitted_attempt_are_refused(self, exam, learner):
        attempt = attempt_start(exam=exam, staff=learner)
        attempt_submit(attempt=attempt)
        q = exam.exam_questions.first().question
        with pytest.raises(ValidationError) as exc:
            attempt_answer(attempt=attempt, question_id=q.pk, response=answer_right(attempt, q))
        assert exc.value.code == "closed"


class TestRandomDraw:
    def test_pools_draw_by_skill_and_difficulty_without_repeats(self, learner, skills):
        from assessments.models import ExamPool

        gpo, dns = skills
        easy_gpo = [question_create("true_false", skills=[gpo], difficulty=1) for _ in range(4)]
        hard_gpo = [question_create("true_false", skills=[gpo], difficulty=3) for _ in range(2)]
        dns_qs = [question_create("true_false", skills=[dns], difficulty=1) for _ in range(3)]
        exam = exam_create(selection="random")
        ExamPool.objects.create(exam=exam, skill=gpo, difficulty=1, count=3)
        ExamPool.objects.create(exam=exam, skill=dns, count=2)
        attempt = attempt_start(exam=exam, staff=learner)
        drawn = set(attempt.questions.values_list("question_id", flat=True))
        assert len(drawn) == 5
        assert len(drawn & {q.pk for q in easy_gpo}) == 3
        assert len(drawn & {q.pk for q in dns_qs}) == 2
        assert not drawn & {q.pk for q in hard_gpo}

    def test_a_pool_too_small_is_a_clear_error(self, learner, skills):
        from assessments.models import ExamPool

        exam = exam_create(selection="random")
        ExamPool.objects.create(exam=exam, skill=skills[0], count=3)
        with pytest.raises(ValidationError, match=r"ne contient pas assez de questions \(disponibles : 0"):
            attempt_start(exam=exam, staff=learner)
        assert not Attempt.objects.exists()


def test_editing_the_bank_does_not_change_an_attempt_in_progress(exam, learner):
    attempt = attempt_start(exam=exam, staff=learner)
    q = exam.exam_questions.first().question
    response = answer_right(attempt, q)
    q.choices.update(is_correct=False)
    attempt_answer(attempt=attempt, question_id=q.pk, response=response)
    attempt, _ = attempt_submit(attempt=attempt)
    assert AttemptQuestion.objects.get(attempt=attempt, question=q).credit == 1.0


def test_learning_events_are_recorded_per_question_and_per_exam(exam, learner):
    from learning_records.models import Statement

    attempt = attempt_start(exam=exam, staff=learner)
    attempt_submit(attempt=attempt)
    verbs = [s.data["verb"]["id"].rsplit("/", 1)[-1] for s in Statement.objects.filter(registration=attempt.registration)
             .order_by("position")]
    assert verbs == ["launched", "answered", "answered", "answered", "answered", "failed"]
