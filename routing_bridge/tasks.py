"""Celery tasks of the routing bridge: webhook delivery, feedback processing, ticketing connectors."""
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from academy.tasks import task_kick
from routing_bridge.connectors.sync import connector_sync, connectors_due
from routing_bridge.models import TicketFeedback
from routing_bridge.services import practice_evidence_apply
from routing_bridge.webhooks import client_deliver, webhook_clients


@shared_task(name="routing_bridge.webhooks_deliver")
def webhooks_deliver_task(client_id: int | None = None) -> dict:
    """Deliver what is due to one client, or to every client with a webhook URL. Idempotent:
    runs after each commit that published events and periodically for retries."""
    ids = [client_id] if client_id else list(webhook_clients().values_list("pk", flat=True))
    totals = {"delivered": 0, "failed": 0}
    for pk in ids:
        result = client_deliver(client_id=pk)
        totals["delivered"] += result["delivered"]
        totals["failed"] += result["failed"]
    return totals


@shared_task(name="routing_bridge.feedback_process")
def feedback_process_task(feedback_id: int) -> int:
    """Apply the practice evidence policy to one stored feedback; returns evidences recorded."""
    feedback = TicketFeedback.objects.select_related("staff").filter(pk=feedback_id).first()
    if feedback is None:
        return 0
    return len(practice_evidence_apply(feedback=feedback))


@shared_task(name="routing_bridge.feedback_sweep")
def feedback_sweep_task() -> int:
    """Process the feedback whose processing was never queued (a broker outage): idempotent."""
    due = TicketFeedback.objects.filter(processed_at=None, received_at__lt=timezone.now() - timedelta(minutes=2))
    ids = list(due.order_by("received_at").values_list("pk", flat=True)[:1000])
    return sum(feedback_process_task(pk) for pk in ids)


@shared_task(name="routing_bridge.connector_sync")
def connector_sync_task(connector_id: int) -> dict:
    """One poll of one ticketing connector (routing_bridge.connectors.sync): idempotent, never
    raises (a failure is kept on the connector, which then waits before its next poll)."""
    return connector_sync(connector_id=connector_id).as_dict()


@shared_task(name="routing_bridge.connectors_poll")
def connectors_poll_task() -> int:
    """Queue a poll of each connector that is due, each in its own task so that a slow or
    unreachable system holds up no other. Returns how many were queued."""
    ids = list(connectors_due().values_list("pk", flat=True))
    for pk in ids:
        task_kick(connector_sync_task, connector_id=pk)
    return len(ids)


def _has_webhook_clients() -> bool:
    return webhook_clients().exists()


def webhooks_kick() -> None:
    """Registered with academy.services.event_listener_register: queue a delivery pass after the
    commit of a transaction that published events (a broker outage is logged, never raised; the
    periodic task catches up)."""
    task_kick(webhooks_deliver_task, when=_has_webhook_clients)


PERIODIC_TASKS = {
    "routing-bridge-webhooks-every-30-seconds": {"task": "routing_bridge.webhooks_deliver", "schedule": 30.0},
    "routing-bridge-feedback-every-10-minutes": {"task": "routing_bridge.feedback_sweep", "schedule": 600.0},
    "routing-bridge-connectors-every-20-seconds": {"task": "routing_bridge.connectors_poll", "schedule": 20.0},
}
