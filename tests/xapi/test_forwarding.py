"""Forwarding edge cases against an LRS double served over HTTP on loopback: one bad statement in
a batch, an LRS that is down or too slow, "already exists" answers, dead letters and their retry,
the default LRS from the settings, and the operators' `xapi_flush`."""
import base64
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from academy.models import AuditEntry
from academy.xapi.forwarding import (backoff_seconds, endpoint_forward, forward_all, lrs_default_sync,
                                     refusal_retry, refusals_retry_all)
from academy.xapi.learning_events import Activity, learning_event_record
from academy.xapi.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement
from academy.xapi.selectors import endpoint_pending_count, lrs_status
from tests.xapi.fake_lrs import FakeLrs


@pytest.fixture
def lrs():
    with FakeLrs() as fake:
        yield fake


@pytest.fixture
def endpoint(lrs):
    return LrsEndpoint.objects.create(name="LRS analytique", url=lrs.url, username="academie", password="s3cret",
                                      batch_size=4, timeout=1, dead_letter_after=3600)


def _record(staff, count):
    return [learning_event_record(staff=staff, verb="experienced",
                                  activity=Activity("lesson", f"l{i}", {"fr": f"Leçon {i}"}))
            for i in range(count)]


def test_it_sends_batches_with_the_xapi_version_and_basic_auth(learner, lrs, endpoint):
    statements = _record(learner, 10)

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 10 and report.batches == 3
    assert [len(request["ids"]) for request in lrs.requests] == [4, 4, 2]
    assert lrs.requests[0]["ids"] == [str(s.pk) for s in statements[:4]]  # recording order
    headers = lrs.requests[0]["headers"]
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"academie:s3cret").decode()
    assert set(lrs.stored) == {str(s.pk) for s in statements}
    assert endpoint_pending_count(endpoint=endpoint) == 0


def test_a_second_run_sends_nothing_again(learner, lrs, endpoint):
    _record(learner, 3)
    endpoint_forward(endpoint=endpoint)
    endpoint_forward(endpoint=endpoint)

    assert len(lrs.requests) == 1


def test_one_statement_refused_with_400_goes_aside_with_the_lrs_message_and_the_others_go_on(
        learner, lrs, endpoint):
    statements = _record(learner, 8)
    bad = statements[5]
    lrs.reject_ids = {str(bad.pk)}

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 7 and report.refused == 1
    assert set(lrs.stored) == {str(s.pk) for s in statements} - {str(bad.pk)}
    refusal = RefusedStatement.objects.get()
    assert refusal.statement == bad and refusal.status_code == 400
    assert "result.score.raw out of range" in refusal.error
    # Not a dead letter yet: it is retried later, until dead_letter_after has passed.
    assert refusal.state == RefusalState.RETRYING
    assert refusal.next_attempt_at > timezone.now()
    assert endpoint_pending_count(endpoint=endpoint) == 1


def test_a_statement_still_refused_after_the_configured_time_becomes_a_dead_letter(learner, lrs, endpoint):
    bad = _record(learner, 1)[0]
    lrs.reject_ids = {str(bad.pk)}
    endpoint_forward(endpoint=endpoint)
    RefusedStatement.objects.update(first_refused_at=timezone.now() - timedelta(hours=2),
                                    next_attempt_at=timezone.now() - timedelta(seconds=1))
    endpoint.dead_letter_after = 3600
    endpoint.save()

    endpoint_forward(endpoint=endpoint)

    refusal = RefusedStatement.objects.get()
    assert refusal.state == RefusalState.DEAD and refusal.attempts == 2
    assert endpoint_pending_count(endpoint=endpoint) == 0
    assert lrs_status(endpoint=endpoint).dead == 1
    # A dead letter is no longer retried on its own.
    count = len(lrs.requests)
    endpoint_forward(endpoint=endpoint, force=True)
    assert len(lrs.requests) == count


def test_a_dead_letter_retried_by_an_admin_is_delivered_once_the_lrs_accepts_it(learner, admin_user, lrs, endpoint):
    bad = _record(learner, 1)[0]
    lrs.reject_ids = {str(bad.pk)}
    endpoint.dead_letter_after = 0
    endpoint.save()
    endpoint_forward(endpoint=endpoint)
    refusal = RefusedStatement.objects.get()
    assert refusal.state == RefusalState.DEAD

    lrs.reject_ids = set()  # the LRS's profile was fixed
    refusal_retry(refusal=refusal, by=admin_user)
    endpoint_forward(endpoint=endpoint)

    refusal.refresh_from_db()
    assert refusal.state == RefusalState.DELIVERED and refusal.resolved_at
    assert str(bad.pk) in lrs.stored
    assert AuditEntry.objects.filter(action="xapi.refusal.retry", actor=admin_user).exists()


def test_retry_all_puts_every_dead_letter_of_an_lrs_back_in_line(learner, admin_user, lrs, endpoint):
    statements = _record(learner, 3)
    lrs.reject_ids = {str(s.pk) for s in statements}
    endpoint.dead_letter_after = 0
    endpoint.save()
    endpoint_forward(endpoint=endpoint)
    assert RefusedStatement.objects.filter(state=RefusalState.DEAD).count() == 3

    assert refusals_retry_all(endpoint=endpoint, by=admin_user) == 3
    assert RefusedStatement.objects.filter(state=RefusalState.RETRYING).count() == 3


def test_an_lrs_that_is_down_keeps_everything_pending_and_backs_off_exponentially(learner, lrs, endpoint):
    _record(learner, 5)
    lrs.mode = "down"

    first = endpoint_forward(endpoint=endpoint)

    assert "HTTP 503" in first.error and first.delivered == 0
    state = DeliveryState.objects.get(pk=endpoint.pk)
    assert state.cursor == 0 and state.consecutive_failures == 1 and "maintenance" in state.last_error
    assert timedelta(seconds=25) < state.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert endpoint_pending_count(endpoint=endpoint) == 5
    # During the backoff the LRS is left alone; a forced run (xapi_flush) tries anyway.
    assert endpoint_forward(endpoint=endpoint).skipped
    endpoint_forward(endpoint=endpoint, force=True)
    state.refresh_from_db()
    assert state.consecutive_failures == 2
    assert timedelta(seconds=55) < state.next_attempt_at - timezone.now() <= timedelta(seconds=60)

    lrs.mode = "ok"
    endpoint_forward(endpoint=endpoint, force=True)
    state.refresh_from_db()
    assert state.consecutive_failures == 0 and state.next_attempt_at is None
    assert len(lrs.stored) == 5 and endpoint_pending_count(endpoint=endpoint) == 0
    assert "503" in state.last_error  # the last error stays visible, with its time


def test_backoff_doubles_up_to_one_hour():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600


def test_a_slow_lrs_times_out_and_is_retried_later_without_duplicates(learner, lrs, endpoint):
    statements = _record(learner, 2)
    lrs.mode = "slow"

    report = endpoint_forward(endpoint=endpoint)

    assert "Timeout" in report.error
    assert DeliveryState.objects.get(pk=endpoint.pk).cursor == 0
    # The slow LRS stored the batch after the client gave up; the retry sends the same ids.
    lrs.mode = "ok"
    endpoint_forward(endpoint=endpoint, force=True)
    assert set(lrs.stored) == {str(s.pk) for s in statements}
    assert all(request["ids"] == [str(s.pk) for s in statements] for request in lrs.requests)


def test_an_already_exists_answer_counts_as_delivered(learner, lrs, endpoint):
    _record(learner, 2)
    lrs.mode = "exists"

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 2 and report.refused == 0
    assert not RefusedStatement.objects.exists()


def test_the_default_lrs_comes_from_the_settings_without_copying_its_password(settings, lrs, learner):
    settings.ACADEMIE_LRS_URL = lrs.url
    settings.ACADEMIE_LRS_USERNAME = "from-env"
    settings.ACADEMIE_LRS_PASSWORD = "env-secret"
    _record(learner, 1)

    forward_all()

    endpoint = LrsEndpoint.objects.get(from_settings=True)
    assert endpoint.url == lrs.url and endpoint.password == ""
    assert lrs.requests[0]["headers"]["Authorization"] == "Basic " + base64.b64encode(
        b"from-env:env-secret").decode()
    settings.ACADEMIE_LRS_URL = None
    assert lrs_default_sync() is None
    endpoint.refresh_from_db()
    assert not endpoint.active


def test_an_inactive_lrs_receives_nothing(learner, lrs, endpoint):
    endpoint.active = False
    endpoint.save()
    _record(learner, 2)

    assert forward_all() == []
    assert lrs.requests == []


def test_another_worker_holding_the_lease_makes_a_run_skip(learner, lrs, endpoint):
    _record(learner, 1)
    DeliveryState.objects.create(endpoint=endpoint, lease_until=timezone.now() + timedelta(minutes=1))

    assert endpoint_forward(endpoint=endpoint, force=True).skipped
    assert lrs.requests == []


def test_xapi_flush_forwards_everything_pending_now(learner, lrs, endpoint, capsys):
    _record(learner, 6)
    DeliveryState.objects.create(endpoint=endpoint, consecutive_failures=3,
                                 next_attempt_at=timezone.now() + timedelta(hours=1))

    call_command("xapi_flush")

    assert len(lrs.stored) == 6
    assert "LRS analytique : 6 envoyée(s), 0 refusée(s), 0 en attente" in capsys.readouterr().out


def test_xapi_flush_fails_loudly_when_an_lrs_is_unreachable(learner, lrs, endpoint):
    _record(learner, 1)
    lrs.mode = "down"

    with pytest.raises(CommandError, match="injoignable"):
        call_command("xapi_flush")


def test_xapi_flush_says_when_there_is_no_lrs(db, capsys):
    call_command("xapi_flush")
    assert "Aucun LRS actif" in capsys.readouterr().out


def test_the_periodic_task_picks_up_what_is_left(learner, lrs, endpoint):
    from academy.xapi.tasks import PERIODIC_TASKS, xapi_forward_due_task

    _record(learner, 3)  # the after-commit kick never ran (no commit in this test)
    assert lrs.requests == []

    xapi_forward_due_task()

    assert len(lrs.stored) == 3
    assert PERIODIC_TASKS["xapi-forward-due"]["task"] == xapi_forward_due_task.name


def test_celery_beat_runs_the_periodic_forwarding():
    """What `celery -A academy beat` schedules, not only what the module declares: without it an
    LRS that was down never receives what was left once it is back."""
    from academy.celery import app

    app.finalize(auto=True)
    entry = app.conf.beat_schedule["xapi-forward-due"]
    assert entry["task"] == "xapi.forward_due" and entry["schedule"] == 30.0
