"""Webhooks against a real HTTP receiver on 127.0.0.1 that refuses its first attempts."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from academy.models import Event
from academy.services import event_publish, staff_deactivate
from routing_bridge.models import WebhookAttempt, WebhookDelivery
from routing_bridge.services import router_client_create, router_client_revoke
from routing_bridge.tasks import webhooks_deliver_task
from routing_bridge.webhooks import client_deliver, deliveries_replay, retry_delay
from skills.services import evidence_record


class Receiver:
    """A router's webhook endpoint: answers 503 to the first `fail_first` requests, then 204."""

    def __init__(self, fail_first=0):
        self.fail_first = fail_first
        self.requests = []  # every request received: (headers, raw body, status answered)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 503 if len(receiver.requests) < receiver.fail_first else 204
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/academie"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def acknowledged(self):
        return [json.loads(body) for _h, body, status in self.requests if status < 300]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    servers = []

    def make(fail_first=0):
        server = Receiver(fail_first)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def gpo(db):
    from tests.factories import SkillFactory

    return SkillFactory(code="AD.GPO")


def test_events_are_signed_ordered_retried_and_delivered_once_acknowledged(receiver, learner, gpo):
    endpoint = receiver(fail_first=2)
    created = router_client_create(name="glpi", scopes=["matrix:read"], webhook_url=endpoint.url)
    client = created.client
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    evidence_record(staff=learner, skill=gpo, level=3, source="certification")
    now = timezone.now()

    first = client_deliver(client_id=client.pk, now=now)
    assert first == {"delivered": 0, "failed": 1, "skipped": False}
    # The queue blocks on its oldest failing event: the second event was not sent.
    assert len(endpoint.requests) == 1
    head = WebhookDelivery.objects.get(client=client, position=Event.objects.order_by("position")[0].position)
    assert head.status == "retrying" and head.next_attempt_at == now + timedelta(seconds=retry_delay(1))

    # Not due yet: nothing is sent.
    client_deliver(client_id=client.pk, now=now + timedelta(seconds=1))
    assert len(endpoint.requests) == 1

    client_deliver(client_id=client.pk, now=head.next_attempt_at)  # fails again (2nd refusal)
    head.refresh_from_db()
    assert head.attempts == 2 and retry_delay(2) > retry_delay(1)
    client_deliver(client_id=client.pk, now=head.next_attempt_at)  # accepted, and the next follows

    delivered = endpoint.acknowledged()
    assert [(e["type"], e["data"]["new_level"]) for e in delivered] == [("skill_level.changed", 2),
                                                                        ("skill_level.changed", 3)]
    assert [e["seq"] for e in delivered] == [1, 2]
    assert set(delivered[0]) == {"id", "type", "seq", "occurred_at", "data"}
    assert WebhookDelivery.objects.filter(client=client, status="delivered").count() == 2
    assert WebhookAttempt.objects.filter(delivery__client=client).count() == 4

    for headers, body, _status in endpoint.requests:
        expected = "sha256=" + hmac.new(created.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Academie-Signature"] == expected
        event = json.loads(body)
        assert headers["X-Academie-Event"] == event["type"]
        assert headers["X-Academie-Delivery"] == event["id"]

    # Delivered events are not sent again.
    client_deliver(client_id=client.pk, now=now + timedelta(hours=1))
    assert len(endpoint.requests) == 4


def test_after_24_hours_of_refusals_the_queue_is_parked_and_a_replay_delivers_it_in_order(receiver, learner, gpo):
    endpoint = receiver(fail_first=1000)
    client = router_client_create(name="itop", scopes=["matrix:read"], webhook_url=endpoint.url).client
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    evidence_record(staff=learner, skill=gpo, level=3, source="exam")
    start = timezone.now()
    at = start
    while True:
        client_deliver(client_id=client.pk, now=at)
        head = WebhookDelivery.objects.filter(client=client).order_by("position").first()
        if head.status == "parked":
            break
        at = head.next_attempt_at
        assert at - start < timedelta(hours=26)
    assert at - start >= timedelta(hours=24)
    assert set(WebhookDelivery.objects.filter(client=client).values_list("status", flat=True)) == {"parked"}
    tried = len(endpoint.requests)
    client_deliver(client_id=client.pk, now=at + timedelta(hours=2))
    assert len(endpoint.requests) == tried  # parked: nothing more is tried

    endpoint.fail_first = 0
    assert deliveries_replay(deliveries=list(WebhookDelivery.objects.filter(client=client))) == 2
    client_deliver(client_id=client.pk, now=at + timedelta(hours=3))
    assert [e["data"]["new_level"] for e in endpoint.acknowledged()] == [2, 3]


def test_each_client_has_its_own_queue(receiver, learner, gpo):
    down = receiver(fail_first=1000)
    up = receiver()
    down_client = router_client_create(name="down", scopes=[], webhook_url=down.url).client
    up_client = router_client_create(name="up", scopes=[], webhook_url=up.url).client
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    client_deliver(client_id=down_client.pk)
    client_deliver(client_id=up_client.pk)
    assert len(up.acknowledged()) == 1 and down.acknowledged() == []


def test_a_new_client_starts_with_the_next_event_and_a_revoked_one_receives_nothing(receiver, learner, gpo):
    endpoint = receiver()
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")  # before the client exists
    client = router_client_create(name="late", scopes=[], webhook_url=endpoint.url).client
    event_publish(type="staff.updated", data={"employee_id": learner.employee_id})
    client_deliver(client_id=client.pk)
    assert [e["type"] for e in endpoint.acknowledged()] == ["staff.updated"]
    router_client_revoke(client=client)
    event_publish(type="staff.updated", data={"employee_id": learner.employee_id})
    assert client_deliver(client_id=client.pk)["skipped"] is True
    assert len(endpoint.requests) == 1


def test_an_unreachable_endpoint_is_logged_as_a_failed_attempt(learner, gpo):
    client = router_client_create(name="nowhere", scopes=[], webhook_url="http://127.0.0.1:9/hooks").client
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    assert client_deliver(client_id=client.pk)["failed"] == 1
    delivery = WebhookDelivery.objects.get(client=client)
    assert delivery.status == "retrying" and "Connection" in delivery.last_error


def test_publishing_an_event_queues_a_delivery_after_commit(receiver, learner, django_capture_on_commit_callbacks,
                                                            admin_user):
    endpoint = receiver()
    router_client_create(name="glpi", scopes=[], webhook_url=endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        staff_deactivate(staff=learner, by=admin_user, reason="départ")
    assert [e["type"] for e in endpoint.acknowledged()] == ["staff.deactivated"]
    assert endpoint.acknowledged()[0]["data"]["employee_id"] == "E10001"


def test_the_periodic_task_picks_up_what_is_due(receiver, learner, gpo):
    endpoint = receiver()
    router_client_create(name="glpi", scopes=[], webhook_url=endpoint.url)
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    assert webhooks_deliver_task.delay().get() == {"delivered": 1, "failed": 0}
    from routing_bridge.tasks import PERIODIC_TASKS

    assert any(entry["task"] == "routing_bridge.webhooks_deliver" for entry in PERIODIC_TASKS.values())


def test_celery_beat_runs_the_webhook_retries():
    """What `celery -A academy beat` schedules, not only what the module declares: without it a
    delivery waiting for its retry is never tried again once the router is back."""
    from academy.celery import app

    app.finalize(auto=True)
    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert scheduled["routing_bridge.webhooks_deliver"] == 30.0
    assert scheduled["routing_bridge.feedback_sweep"] == 600.0


def test_two_workers_never_deliver_to_the_same_client_at_once(receiver, learner, gpo):
    endpoint = receiver()
    client = router_client_create(name="glpi", scopes=[], webhook_url=endpoint.url).client
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    type(client).objects.filter(pk=client.pk).update(delivering_until=timezone.now() + timedelta(minutes=1))
    assert client_deliver(client_id=client.pk)["skipped"] is True
    assert endpoint.requests == []
