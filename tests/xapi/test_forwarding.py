"""Forwarding edge cases against an LRS double served over HTTP on loopback: one bad statement in
a batch, an LRS that is down or too slow, "already exists" answers, dead letters and their retry,
the default LRS from the settings, and the operators' `xapi_flush`."""
import base64
import uuid
from datetime import timedelta

import pytest
import requests
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from academy.models import AuditEntry
from learning_records.forwarding import (ForwardReport, LeaseLost, _claim, _Run, backoff_seconds, endpoint_forward,
                                     forward_all, lrs_default_sync, refusal_retry, refusals_retry_all)
from learning_records.learning_events import Activity, learning_event_record
from learning_records.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement
from learning_records.selectors import endpoint_pending_count, lrs_status
from learning_records.wagtail_hooks import lrs_endpoint_viewset
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


def _held_elsewhere(lrs, statement, **changes):
    """Put in the LRS a statement under this id: as recorded, or with `changes`."""
    lrs.stored[str(statement.pk)] = {**statement.data, **changes}


@pytest.mark.parametrize("answer", ["409", "exists"])
def test_a_batch_refused_for_one_id_the_lrs_already_holds_as_sent_delivers_the_others(learner, lrs, endpoint,
                                                                                      answer):
    endpoint.batch_size = 10
    endpoint.save()
    statements = _record(learner, 10)
    _held_elsewhere(lrs, statements[3])  # an earlier run whose answer was lost
    lrs.conflict, lrs.same_is_conflict = answer, True

    report = endpoint_forward(endpoint=endpoint)

    assert set(lrs.stored) == {str(s.pk) for s in statements}
    assert report.delivered == 10 and report.refused == 0 and report.error == ""
    assert str(statements[3].pk) in lrs.reads
    assert not RefusedStatement.objects.exists()
    assert endpoint_pending_count(endpoint=endpoint) == 0
    assert DeliveryState.objects.get(pk=endpoint.pk).delivered_count == 10


def test_an_id_the_lrs_holds_with_another_content_is_a_dead_letter_and_the_others_are_delivered(
        learner, lrs, endpoint, client, admin_user):
    endpoint.batch_size = 10
    endpoint.save()
    statements = _record(learner, 10)
    clash = statements[3]
    _held_elsewhere(lrs, clash, verb={"id": "http://adlnet.gov/expapi/verbs/voided"})

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 9 and report.refused == 1 and report.refused_ids == [str(clash.pk)]
    assert {str(s.pk) for s in statements} <= set(lrs.stored)
    assert lrs.stored[str(clash.pk)]["verb"]["id"].endswith("/voided")  # never overwritten
    refusal = RefusedStatement.objects.get(endpoint=endpoint)
    assert refusal.statement_id == clash.pk and refusal.state == RefusalState.DEAD
    assert refusal.status_code == 409
    assert "autre déclaration sous cet identifiant" in refusal.error and "verb" in refusal.error
    assert endpoint_pending_count(endpoint=endpoint) == 0
    assert lrs_status(endpoint=endpoint).dead == 1
    client.force_login(admin_user)
    page = client.get(reverse(lrs_endpoint_viewset.get_url_name("status"), args=[endpoint.pk]))
    assert page.status_code == 200
    assert str(clash.pk) in page.content.decode() and "autre déclaration" in page.content.decode()


def test_a_conflict_the_lrs_will_not_let_us_read_sets_the_one_statement_aside_and_delivers_the_others(
        learner, lrs, endpoint):
    endpoint.batch_size = 8
    endpoint.save()
    statements = _record(learner, 8)
    clash = statements[5]
    _held_elsewhere(lrs, clash, verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    lrs.readable = False

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 7 and report.refused_ids == [str(clash.pk)]
    refusal = RefusedStatement.objects.get(endpoint=endpoint)
    assert refusal.state == RefusalState.RETRYING and "Differing statements" in refusal.error
    assert "403" in refusal.error
    assert {str(s.pk) for s in statements} <= set(lrs.stored)


def test_an_lrs_that_says_conflict_for_everything_never_makes_forwarding_loop(learner, lrs, endpoint):
    statements = _record(learner, 3)
    lrs.conflict_everything = True

    report = endpoint_forward(endpoint=endpoint)

    assert report.delivered == 0 and report.refused == 3
    assert set(RefusedStatement.objects.values_list("state", flat=True)) == {RefusalState.RETRYING}
    assert len(lrs.requests) <= 2 * len(statements)


def test_a_refused_statement_retried_after_a_lost_answer_counts_as_delivered(learner, lrs, endpoint):
    statement = _record(learner, 1)[0]
    lrs.reject_ids = {str(statement.pk)}
    endpoint_forward(endpoint=endpoint)
    assert RefusedStatement.objects.get().state == RefusalState.RETRYING
    # The LRS took it in the end, but its answer was lost: the retry meets a 409.
    lrs.reject_ids = set()
    _held_elsewhere(lrs, statement)
    lrs.same_is_conflict = True

    report = endpoint_forward(endpoint=endpoint, force=True)

    assert report.delivered == 1
    assert RefusedStatement.objects.get().state == RefusalState.DELIVERED


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

    report = endpoint_forward(endpoint=endpoint, force=True)

    assert report.skipped and report.lease_held_until is not None
    assert lrs.requests == []


def test_a_killed_worker_blocks_an_lrs_for_one_minute_at_most(learner, lrs, endpoint):
    _record(learner, 1)
    report = ForwardReport(endpoint=endpoint.name)
    before = timezone.now()
    assert _claim(endpoint, force=False, take_over=False, report=report)  # then the worker is killed

    lease_until = DeliveryState.objects.get(pk=endpoint.pk).lease_until
    assert lease_until <= before + timedelta(seconds=61)
    assert endpoint_forward(endpoint=endpoint).skipped


def test_the_lapsed_lease_of_a_killed_worker_is_taken_over(learner, lrs, endpoint):
    statements = _record(learner, 3)
    DeliveryState.objects.create(endpoint=endpoint, lease_until=timezone.now() - timedelta(seconds=1),
                                 lease_token=uuid.uuid4())

    report = endpoint_forward(endpoint=endpoint)

    assert not report.skipped and report.lease_taken_over == "expired"
    assert set(lrs.stored) == {str(s.pk) for s in statements}
    state = DeliveryState.objects.get(pk=endpoint.pk)
    assert state.lease_until is None and state.lease_token is None


def test_a_run_whose_lease_was_taken_over_stops_before_its_next_request(learner, lrs, endpoint):
    _record(learner, 2)
    first = ForwardReport(endpoint=endpoint.name)
    token = _claim(endpoint, force=False, take_over=False, report=first)

    second = endpoint_forward(endpoint=endpoint, take_over=True)

    assert second.lease_taken_over == "forced" and second.delivered == 2
    with requests.Session() as session:
        with pytest.raises(LeaseLost):
            _Run(endpoint=endpoint, session=session, report=first, token=token).renew()


def test_xapi_flush_fails_and_names_force_when_another_run_holds_the_lrs(learner, lrs, endpoint, capsys):
    _record(learner, 2)
    DeliveryState.objects.create(endpoint=endpoint, lease_until=timezone.now() + timedelta(minutes=1),
                                 lease_token=uuid.uuid4())

    with pytest.raises(CommandError, match="--force"):
        call_command("xapi_flush")

    assert "déjà en cours d'envoi par un autre processus" in capsys.readouterr().err
    assert lrs.requests == []


def test_xapi_flush_force_takes_the_lrs_over_with_a_warning(learner, lrs, endpoint, capsys):
    statements = _record(learner, 2)
    DeliveryState.objects.create(endpoint=endpoint, lease_until=timezone.now() + timedelta(minutes=1),
                                 lease_token=uuid.uuid4())

    call_command("xapi_flush", "--force")

    out = capsys.readouterr()
    assert "repris de force" in out.err
    assert "LRS analytique : 2 envoyée(s), 0 refusée(s), 0 en attente" in out.out
    assert set(lrs.stored) == {str(s.pk) for s in statements}


def test_xapi_flush_takes_over_a_lapsed_lease_and_says_so(learner, lrs, endpoint, capsys):
    _record(learner, 1)
    DeliveryState.objects.create(endpoint=endpoint, lease_until=timezone.now() - timedelta(seconds=5),
                                 lease_token=uuid.uuid4())

    call_command("xapi_flush")

    assert "bail expiré d'un processus interrompu, repris" in capsys.readouterr().out
    assert len(lrs.stored) == 1


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
    from learning_records.tasks import PERIODIC_TASKS, xapi_forward_due_task

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
