"""academy.tasks.task_kick, the one way a task is queued after a commit: once per transaction,
and a broker outage never fails the request whose data is already saved."""
import logging

import pytest
from django.db import transaction

from academy.services import event_publish
from academy.tasks import on_commit_once, task_kick
from routing_bridge.models import WebhookDelivery
from routing_bridge.services import router_client_create
from routing_bridge.tasks import webhooks_deliver_task
from routing_bridge.webhooks import client_deliver, deliveries_replay
from tests.broker import broker_down


@pytest.fixture
def webhook_tasks(monkeypatch):
    """Delivery passes sent to the broker (which leaves the machine)."""
    calls = []
    monkeypatch.setattr(webhooks_deliver_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def test_a_task_kicked_while_the_broker_is_down_is_logged_not_raised(db, monkeypatch, caplog,
                                                                      django_capture_on_commit_callbacks):
    with broker_down(monkeypatch), caplog.at_level(logging.WARNING, logger="academy.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            task_kick(webhooks_deliver_task, client_id=1)

    assert "could not queue routing_bridge.webhooks_deliver (OperationalError" in caplog.text


@pytest.mark.django_db(transaction=True)  # real commits: the listeners run outside any transaction
def test_a_transaction_publishing_many_events_queues_one_webhook_delivery_pass(webhook_tasks):
    router_client_create(name="GLPI", scopes=["matrix:read"], webhook_url="http://127.0.0.1:9/hooks")
    webhook_tasks.clear()

    with transaction.atomic():
        for index in range(50):
            event_publish(type="staff.updated", data={"n": index})

    assert webhook_tasks == [{}]


def test_replaying_parked_webhooks_while_the_broker_is_down_still_puts_them_back_in_line(
        db, monkeypatch, django_capture_on_commit_callbacks):
    client = router_client_create(name="GLPI", scopes=["matrix:read"], webhook_url="http://127.0.0.1:9/hooks").client
    event_publish(type="staff.updated", data={"n": 1})
    client_deliver(client_id=client.pk)
    WebhookDelivery.objects.filter(client=client).update(status=WebhookDelivery.Status.PARKED)

    with broker_down(monkeypatch), django_capture_on_commit_callbacks(execute=True):
        count = deliveries_replay(deliveries=list(WebhookDelivery.objects.filter(client=client)))

    assert count == 1
    assert WebhookDelivery.objects.get(client=client).status == WebhookDelivery.Status.PENDING


def test_a_kick_registered_in_a_savepoint_that_rolls_back_is_registered_again(db, django_capture_on_commit_callbacks):
    ran = []

    def call():
        ran.append(1)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    on_commit_once(call)
                    raise ValueError("rolled back")
            except ValueError:
                pass
            on_commit_once(call)
            on_commit_once(call)

    assert ran == [1]


def test_a_task_kicked_by_its_name_runs_after_the_commit(db, caplog, django_capture_on_commit_callbacks):
    """Services kick their app's tasks by name (their tasks module imports them); every app
    registers its tasks when ready, so the name finds the task in any process (here it runs
    eagerly; a name no process had registered would be logged as not queued)."""
    with caplog.at_level(logging.WARNING, logger="academy.tasks"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            task_kick("xapi.forward")
            task_kick("routing_bridge.feedback_sweep")
            task_kick("xapi.forward")  # once per transaction

    assert len(callbacks) == 2
    assert "could not queue" not in caplog.text


def test_a_task_kicked_by_an_unknown_name_is_logged_not_raised(db, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.ERROR, logger="academy.tasks"), django_capture_on_commit_callbacks(execute=True):
        task_kick("academy.no_such_task")

    assert "could not queue academy.no_such_task" in caplog.text
