"""Forwarding to a real Ralph LRS process on loopback (`ralph runserver -b fs`): every statement
arrives exactly once, including when the LRS was down during the first attempts, when an answer
was lost and a batch is sent again, and when the LRS rejects one statement of a batch."""
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from learning_records.services import statement_position_next
from learning_records.forwarding import forward_all
from learning_records.learning_events import Activity, Result, learning_event_record
from learning_records.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement, Statement
from learning_records.ralph_lrs import RalphLrs, ralph_executable
from learning_records.selectors import endpoint_pending_count
from learning_records.tasks import xapi_forward_due_task

pytestmark = [pytest.mark.services, pytest.mark.slow]

COURSE = Activity("course", "ad-101", {"fr": "Active Directory : les bases"})
EXAM = Activity("assessment", "ad-101-final", {"fr": "Examen final AD"})


@pytest.fixture
def ralph(tmp_path):
    if ralph_executable() is None:
        pytest.skip("the `ralph` CLI (ralph-malph[cli,lrs]) is not installed")
    lrs = RalphLrs(tmp_path / "lrs")
    yield lrs
    lrs.stop()


def _start_or_skip(lrs):
    try:
        lrs.start()
    except RuntimeError as exc:
        pytest.skip(f"Ralph LRS could not start: {exc}")


def _record_many(staff, count, registration):
    for index in range(count):
        learning_event_record(
            staff=staff, verb="answered" if index % 2 else "experienced",
            activity=Activity("question" if index % 2 else "lesson", f"q{index}", {"fr": f"Élément {index}"}),
            parent=COURSE, registration=registration,
            result=Result(response="a", success=True) if index % 2 else None,
        )


def test_every_statement_reaches_ralph_exactly_once_even_when_it_was_down_at_first(
        learner, lead, ralph, settings, django_capture_on_commit_callbacks):
    settings.ACADEMIE_LRS_URL = ralph.url
    settings.ACADEMIE_LRS_USERNAME = ralph.username
    settings.ACADEMIE_LRS_PASSWORD = ralph.password
    registration = uuid.uuid4()

    # The LRS is not running yet: recording works, forwarding (queued after commit) fails.
    with django_capture_on_commit_callbacks(execute=True):
        learning_event_record(staff=learner, verb="launched", activity=COURSE, registration=registration)
    endpoint = LrsEndpoint.objects.get(from_settings=True)
    endpoint.batch_size = 7
    endpoint.save()
    state = DeliveryState.objects.get(endpoint=endpoint)
    assert state.consecutive_failures == 1
    assert "Connection" in state.last_error
    assert state.next_attempt_at > timezone.now()
    assert state.last_success_at is None

    with django_capture_on_commit_callbacks(execute=True):
        _record_many(learner, 20, registration)
        learning_event_record(staff=lead, verb="passed", activity=EXAM, parent=COURSE,
                              result=Result(score_raw=16, score_min=0, score_max=20))
    assert endpoint_pending_count(endpoint=endpoint) == 22
    # The periodic task leaves an LRS alone during its backoff.
    xapi_forward_due_task()
    assert endpoint_pending_count(endpoint=endpoint) == 22

    _start_or_skip(ralph)
    call_command("xapi_flush")

    state.refresh_from_db()
    assert endpoint_pending_count(endpoint=endpoint) == 0
    assert state.consecutive_failures == 0 and state.last_success_at is not None
    assert state.delivered_count == 22

    # A worker that died after its POST but before saving the cursor sends everything again.
    DeliveryState.objects.filter(pk=endpoint.pk).update(cursor=0)
    reports = forward_all(force=True)
    assert reports[0].error == "" and reports[0].delivered == 22

    received = ralph.statements()
    ids = [statement["id"] for statement in received]
    assert len(ids) == 22
    assert set(ids) == {str(pk) for pk in Statement.objects.values_list("pk", flat=True)}
    by_id = {statement["id"]: statement for statement in received}
    passed = Statement.objects.get(verb="http://adlnet.gov/expapi/verbs/passed")
    assert by_id[str(passed.pk)]["result"]["score"]["scaled"] == 0.8
    assert by_id[str(passed.pk)]["actor"]["account"] == {"homePage": "http://testserver", "name": "E10002"}


def test_one_statement_ralph_rejects_becomes_a_dead_letter_and_the_others_arrive(learner, ralph, settings):
    _start_or_skip(ralph)
    endpoint = LrsEndpoint.objects.create(name="Ralph", url=ralph.url, username=ralph.username,
                                          password=ralph.password, batch_size=50, dead_letter_after=0)
    _record_many(learner, 9, uuid.uuid4())
    # A row that never went through the service (e.g. written by an old version): Ralph refuses it.
    bad_id = uuid.uuid4()
    from django.db import transaction
    with transaction.atomic():
        Statement.objects.create(
            id=bad_id, position=statement_position_next(), verb="not an iri", actor_name="E10001",
            staff=learner, activity_id="x", timestamp=timezone.now(),
            data={"id": str(bad_id), "actor": {"account": {"homePage": "http://testserver"}},
                  "verb": {"id": "not an iri"}, "object": {"id": "x"}},
        )
    _record_many(learner, 5, uuid.uuid4())

    report = forward_all()[0]

    assert report.delivered == 14 and report.refused == 1
    refusal = RefusedStatement.objects.get(endpoint=endpoint)
    assert refusal.statement_id == bad_id
    assert refusal.state == RefusalState.DEAD
    assert refusal.status_code == 422 and "actor" in refusal.error
    received = {statement["id"] for statement in ralph.statements()}
    assert len(received) == 14 and str(bad_id) not in received
    assert endpoint_pending_count(endpoint=endpoint) == 0


def test_a_batch_ralph_refuses_with_409_for_one_id_loses_none_of_the_others(learner, lead, ralph):
    """Ralph answers 409 to the whole batch when one id is already stored with another content,
    and stores none of the batch: each statement is read back by id and settled alone."""
    import json

    import requests

    from learning_records.comparison import statement_differences

    _start_or_skip(ralph)
    endpoint = LrsEndpoint.objects.create(name="Ralph", url=ralph.url, username=ralph.username,
                                          password=ralph.password, batch_size=10)
    _record_many(learner, 8, uuid.uuid4())
    learning_event_record(staff=lead, verb="passed", activity=EXAM, parent=COURSE,
                          result=Result(score_raw=16, score_min=0, score_max=20))
    learning_event_record(staff=lead, verb="completed", activity=COURSE, result=Result(completion=True))
    ours = list(Statement.objects.order_by("position"))
    clash, twin = ours[3], ours[6]
    auth = (ralph.username, ralph.password)
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    # Another system stored a different statement under one of our ids; an earlier run whose
    # answer was lost stored another one exactly as we send it.
    other = {**clash.data, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en": "voided"}}}
    for statement in (other, twin.data):
        assert requests.post(f"{ralph.url}/statements", data=json.dumps([statement]), auth=auth, headers=headers,
                             timeout=30).status_code == 200

    report = forward_all()[0]

    received = {statement["id"]: statement for statement in ralph.statements()}
    assert set(received) == {str(s.pk) for s in ours}  # 9 of 10 were lost before
    assert received[str(clash.pk)]["verb"]["id"].endswith("/voided")  # Ralph keeps the first one
    assert report.delivered == 9 and report.refused == 1
    refusal = RefusedStatement.objects.get(endpoint=endpoint)
    assert refusal.statement_id == clash.pk and refusal.state == RefusalState.DEAD
    assert refusal.status_code == 409 and "verb" in refusal.error
    assert endpoint_pending_count(endpoint=endpoint) == 0
    # What Ralph serves back (stored, authority added) is the same statement as what we sent.
    for statement in ours:
        if statement.pk != clash.pk:
            assert statement_differences(statement.data, received[str(statement.pk)]) == []
