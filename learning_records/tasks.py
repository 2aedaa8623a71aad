"""Celery tasks of the learning records: forwarding the statement store to external LRSs."""
from celery import shared_task

from learning_records.forwarding import endpoint_forward, forward_all
from learning_records.models import LrsEndpoint


@shared_task(name="xapi.forward", acks_late=True)
def xapi_forward_task(endpoint_id: int | None = None, force: bool = False) -> list[dict]:
    """Forward pending statements to one LRS (or all active ones). Idempotent: a lease keeps two
    runs from sending to the same LRS at once, and statements keep their ids. Failures are
    recorded with their backoff; the periodic task picks them up again."""
    if endpoint_id is None:
        reports = forward_all(force=force)
    else:
        endpoint = LrsEndpoint.objects.filter(pk=endpoint_id, active=True).first()
        reports = [endpoint_forward(endpoint=endpoint, force=force)] if endpoint else []
    return [report.__dict__ for report in reports]


@shared_task(name="xapi.forward_due")
def xapi_forward_due_task() -> list[dict]:
    """Periodic: forward whatever is left (new statements, retries whose backoff has passed)."""
    return xapi_forward_task(endpoint_id=None, force=False)


PERIODIC_TASKS = {
    "xapi-forward-due": {"task": "xapi.forward_due", "schedule": 30.0},
}
