"""Webhook delivery from the outbox (academy.Event) to router clients.

For each client with a webhook URL:
1. fan-out: events after the client's cursor become WebhookDelivery rows, in `position` order;
2. delivery: the oldest undelivered row is POSTed first; while it fails, nothing after it is
   sent (one client's queue blocks on its oldest failing event, so the order is kept), and it
   is retried with growing delays; once it has failed for RETRY_FOR (24 h by default) every
   waiting delivery of that client is parked, to be replayed from the admin;
3. one worker at a time per client: a short lease on the client row, taken with a
   conditional UPDATE, keeps two workers from interleaving.
"""
import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from academy.models import Event
from academy.services import audit_log
from academy.tasks import task_kick
from routing_bridge.models import RouterClient, WebhookAttempt, WebhookDelivery, webhook_url_allowed

logger = logging.getLogger(__name__)

WEBHOOK_DEFAULTS = {
    "TIMEOUT": 5.0,  # seconds to connect and answer
    "FIRST_DELAY": 30,  # seconds before the first retry, doubled each time...
    "MAX_DELAY": 3600,  # ...up to one hour between retries
    "RETRY_FOR": 24 * 3600,  # then parked, 24 hours after the first attempt
    "LEASE": 300,  # seconds a worker holds a client's queue
    "BATCH": 500,  # events fanned out per pass
}
SIGNATURE_HEADER = "X-Academie-Signature"


def webhook_settings() -> dict:
    conf = dict(WEBHOOK_DEFAULTS)
    conf.update(getattr(settings, "ROUTING_BRIDGE_WEBHOOKS", {}) or {})
    return conf


def signature(secret: str, body: bytes) -> str:
    """The `X-Academie-Signature` value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def event_body(event: Event) -> bytes:
    payload = {"id": str(event.id), "type": event.type, "seq": event.seq,
               "occurred_at": event.occurred_at, "data": event.data}
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s… capped."""
    conf = webhook_settings()
    return int(min(conf["FIRST_DELAY"] * (2 ** max(attempts - 1, 0)), conf["MAX_DELAY"]))


def webhook_clients():
    return RouterClient.objects.filter(active=True, revoked_at=None).exclude(webhook_url="")


def deliveries_fan_out(*, client: RouterClient) -> int:
    """Turn the events after the client's cursor into deliveries; returns how many. Event
    positions are handed out in commit order, so an event below the cursor never appears later."""
    conf = webhook_settings()
    created = 0
    while True:
        events = list(Event.objects.filter(position__gt=client.event_cursor).order_by("position")
                      .values_list("id", "position")[:conf["BATCH"]])
        if not events:
            return created
        with transaction.atomic():
            WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(client=client, event_id=event_id, position=position) for event_id, position in events],
                ignore_conflicts=True,
            )
            client.event_cursor = events[-1][1]
            RouterClient.objects.filter(pk=client.pk).update(event_cursor=client.event_cursor)
        created += len(events)


def _lease(client: RouterClient, now: datetime) -> bool:
    until = now + timedelta(seconds=webhook_settings()["LEASE"])
    return bool(
        RouterClient.objects.filter(pk=client.pk)
        .filter(Q(delivering_until__isnull=True) | Q(delivering_until__lt=now))
        .update(delivering_until=until)
    )


def _release(client: RouterClient) -> None:
    RouterClient.objects.filter(pk=client.pk).update(delivering_until=None)


def delivery_attempt(*, delivery: WebhookDelivery, now: datetime | None = None) -> bool:
    """POST one delivery once and record the outcome; True when acknowledged (2xx)."""
    now = now or timezone.now()
    client = delivery.client
    conf = webhook_settings()
    body = event_body(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Academie-Webhooks/1",
        "X-Academie-Event": delivery.event.type,
        "X-Academie-Delivery": str(delivery.event.id),
        SIGNATURE_HEADER: signature(client.webhook_secret, body),
    }
    started = time.monotonic()
    status_code, error = None, ""
    if not webhook_url_allowed(client.webhook_url):
        # A URL saved before https was required: staff data is never sent in clear.
        error = "https:// required (BRIDGE_WEBHOOK_HTTPS_ONLY): not sent"
    else:
        try:
            response = requests.post(client.webhook_url, data=body, headers=headers, timeout=conf["TIMEOUT"],
                                     allow_redirects=False)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:200]}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=status_code, error=error,
                                      duration_ms=duration)
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.last_attempt_at = now
        delivery.last_status_code = status_code
        delivery.last_error = error
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif now - delivery.first_attempt_at >= timedelta(seconds=conf["RETRY_FOR"]):
            delivery.status = WebhookDelivery.Status.PARKED
            delivery.next_attempt_at = None
        else:
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
        delivery.save()
        if delivery.status == WebhookDelivery.Status.PARKED:
            # The endpoint has refused for a day: park the whole queue behind it, keeping its order.
            WebhookDelivery.objects.filter(
                client=client, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING],
            ).update(status=WebhookDelivery.Status.PARKED, next_attempt_at=None)
            logger.warning("webhooks to %s parked after %s attempts: %s", client.name, delivery.attempts, error)
    return ok


def client_deliver(*, client_id: int, now: datetime | None = None, max_items: int = 1000) -> dict:
    """Fan out and deliver what is due for one client, oldest first, stopping at the first
    failure. Returns counts. Safe to call from several workers at once (a lease serialises them)."""
    now = now or timezone.now()
    client = RouterClient.objects.filter(pk=client_id).first()
    result = {"delivered": 0, "failed": 0, "skipped": False}
    if client is None or not client.is_usable or not client.webhook_url:
        result["skipped"] = True
        return result
    if not _lease(client, now):
        result["skipped"] = True
        return result
    try:
        deliveries_fan_out(client=client)
        for _ in range(max_items):
            head = (
                WebhookDelivery.objects.filter(
                    client=client, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING],
                ).select_related("event", "client").order_by("position").first()
            )
            if head is None:
                break
            if head.next_attempt_at is not None and head.next_attempt_at > now:
                break  # the head is waiting for its retry: everything behind it waits too
            if delivery_attempt(delivery=head, now=now):
                result["delivered"] += 1
            else:
                result["failed"] += 1
                break
    finally:
        _release(client)
    return result


def deliveries_replay(*, deliveries, by=None) -> int:
    """Put parked deliveries back in their client's queue (at their place in the order) to be
    tried again now. Returns how many."""
    ids = [d.pk for d in deliveries if d.status == WebhookDelivery.Status.PARKED]
    if not ids:
        return 0
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(pk__in=ids, status=WebhookDelivery.Status.PARKED).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=None, first_attempt_at=None,
        )
        audit_log(actor=by, action="webhook.replay", data={"deliveries": ids})
    task_kick("routing_bridge.webhooks_deliver")
    return count
