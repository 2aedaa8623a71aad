"""Double submission under real concurrency on PostgreSQL: threads with their own connections
submit the same attempt at once; it is graded once (one set of xAPI statements, one evidence)."""
import threading

import pytest
from django.db import connections

from assessments.models import Attempt
from assessments.services import attempt_answer, attempt_start, attempt_submit
from skills.models import Evidence
from tests.assessments.factories import exam_create, question_create
from tests.factories import SkillFactory
from tests.services import skip_unless_postgresql

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_concurrent_submissions_grade_once(learner):
    skip_unless_postgresql()
    skill = SkillFactory(code="AD.GPO")
    question = question_create("true_false", skills=[skill])
    exam = exam_create(questions=[question], grants=[(skill, 2)])
    attempt = attempt_start(exam=exam, staff=learner)
    attempt_answer(attempt=attempt, question_id=question.pk, response={"value": True})

    workers = 6
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            _attempt, graded = attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
            results.append(graded)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(results) == [False] * (workers - 1) + [True]
    assert Evidence.objects.filter(staff=learner, source="exam").count() == 1
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.passed
