"""Forwarding the statement store to external LRSs.

Each active LRS has a cursor (`DeliveryState.cursor`): the position of the last statement it
received or that was set aside as refused. A run claims the LRS with a lease (a conditional
UPDATE, so two workers never send to the same LRS at once), then POSTs batches of the next
statements in position order. Statements keep their ids, so a batch sent again after a lost
answer is recognised by the LRS ("already stored": 204, or 409) and counted as delivered.

Answers:
- 2xx, 409, or a body saying the statement already exists: delivered, the cursor moves on;
- 400/413/422 for a batch: the batch is split in halves until each rejected statement is alone;
  a statement refused alone is recorded in RefusedStatement with the LRS's message, the others
  go on. A refused statement is retried with backoff until `dead_letter_after` seconds have
  passed since its first refusal, then it is a dead letter (admin page, retry on request);
- anything else (connection refused, timeout, 401/403/404/429, 5xx): the LRS is unavailable, the
  cursor stays, and the LRS is left alone for an exponential backoff (30 s, 60 s, … up to 1 h).
  The periodic task picks it up again.
"""
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from academy.services import audit_log
from academy.tasks import task_kick
from academy.xapi.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement, Statement
from academy.xapi.profile import XAPI_VERSION
from academy.xapi.tasks import xapi_forward_task

logger = logging.getLogger(__name__)

SETTINGS_LRS_NAME = "LRS par défaut (ACADEMIE_LRS_URL)"
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
LEASE_SECONDS = 300
REFUSED_STATUSES = {400, 413, 422}


class LrsUnavailable(Exception):
    """The LRS could not take the batch now (down, slow, overloaded, misconfigured)."""


@dataclass
class ForwardReport:
    endpoint: str
    skipped: bool = False
    delivered: int = 0
    refused: int = 0
    batches: int = 0
    error: str = ""
    refused_ids: list[str] = field(default_factory=list)


def backoff_seconds(failures: int) -> int:
    """30 s after the first failure, doubling each time, at most one hour."""
    if failures <= 0:
        return 0
    return min(BACKOFF_BASE_SECONDS * 2 ** (failures - 1), BACKOFF_MAX_SECONDS)


def lrs_default_sync() -> LrsEndpoint | None:
    """Keep the LRS configured by ACADEMIE_LRS_URL in the endpoints table: created or updated
    from the settings, deactivated when the setting is removed. Returns it, or None."""
    url = settings.ACADEMIE_LRS_URL
    endpoint = LrsEndpoint.objects.filter(from_settings=True).first()
    if not url:
        if endpoint and endpoint.active:
            LrsEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
        return None
    if endpoint is None:
        endpoint = LrsEndpoint.objects.create(
            name=SETTINGS_LRS_NAME, url=url, username=settings.ACADEMIE_LRS_USERNAME or "", from_settings=True,
        )
    elif endpoint.url != url or not endpoint.active or endpoint.username != (settings.ACADEMIE_LRS_USERNAME or ""):
        endpoint.url, endpoint.active = url, True
        endpoint.username = settings.ACADEMIE_LRS_USERNAME or ""
        endpoint.save(update_fields=["url", "active", "username"])
    return endpoint


def forwarding_configured() -> bool:
    return bool(settings.ACADEMIE_LRS_URL) or LrsEndpoint.objects.filter(active=True).exists()


def delivery_state(endpoint: LrsEndpoint) -> DeliveryState:
    state, _created = DeliveryState.objects.get_or_create(endpoint=endpoint)
    return state


@dataclass(frozen=True)
class Outgoing:
    """A statement on its way out: its JSON text as stored, never decoded and re-encoded."""

    pk: uuid.UUID
    position: int
    body: str


def _outgoing(queryset) -> list[Outgoing]:
    rows = queryset.annotate(body=Cast("data", TextField())).values_list("pk", "position", "body")
    return [Outgoing(pk, position, body) for pk, position, body in rows]


def _post(endpoint: LrsEndpoint, statements: list[Outgoing], session: requests.Session) -> tuple[str, int, str]:
    """POST a batch. Returns ("ok" | "refused", status code, message); raises LrsUnavailable."""
    try:
        response = session.post(
            endpoint.statements_url, data=("[" + ",".join(s.body for s in statements) + "]").encode(),
            auth=endpoint.credentials(), timeout=endpoint.timeout,
            headers={"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"},
        )
    except requests.RequestException as exc:
        raise LrsUnavailable(f"{type(exc).__name__}: {exc}") from exc
    message = response.text[:2000]
    if 200 <= response.status_code < 300 or response.status_code == 409:
        return "ok", response.status_code, message
    if "already exist" in message.lower() and response.status_code < 500:
        return "ok", response.status_code, message
    if response.status_code in REFUSED_STATUSES:
        return "refused", response.status_code, message
    raise LrsUnavailable(f"HTTP {response.status_code}: {message}")


def _refusal_record(endpoint: LrsEndpoint, statement: Outgoing, status: int, message: str) -> RefusedStatement:
    now = timezone.now()
    refusal, created = RefusedStatement.objects.get_or_create(
        endpoint=endpoint, statement_id=statement.pk,
        defaults={"status_code": status, "error": message, "first_refused_at": now, "last_refused_at": now},
    )
    if not created:
        if refusal.state == RefusalState.DELIVERED:
            refusal.first_refused_at = now
        refusal.attempts += 1
        refusal.last_refused_at, refusal.status_code, refusal.error = now, status, message
    if (now - refusal.first_refused_at).total_seconds() >= endpoint.dead_letter_after:
        refusal.state, refusal.next_attempt_at = RefusalState.DEAD, None
        logger.warning("xAPI statement %s is a dead letter for %s: %s", statement.pk, endpoint, message)
    else:
        refusal.state = RefusalState.RETRYING
        refusal.next_attempt_at = now + timedelta(seconds=backoff_seconds(refusal.attempts))
    refusal.resolved_at = None
    refusal.save()
    return refusal


def _send(endpoint: LrsEndpoint, rows: list[Outgoing], report: ForwardReport,
          session: requests.Session) -> list[Outgoing]:
    """Send rows, splitting refused batches. Returns the rows the LRS accepted; records the
    rows it refused one by one. Raises LrsUnavailable (nothing is recorded for unsent rows)."""
    outcome, status, message = _post(endpoint, rows, session)
    if outcome == "ok":
        return rows
    if len(rows) == 1:
        _refusal_record(endpoint, rows[0], status, message)
        report.refused += 1
        report.refused_ids.append(str(rows[0].pk))
        return []
    middle = len(rows) // 2
    return _send(endpoint, rows[:middle], report, session) + _send(endpoint, rows[middle:], report, session)


def _mark_delivered(endpoint: LrsEndpoint, rows: list[Outgoing]) -> None:
    if rows:
        RefusedStatement.objects.filter(endpoint=endpoint, statement_id__in=[row.pk for row in rows]).exclude(
            state=RefusalState.DELIVERED).update(state=RefusalState.DELIVERED, resolved_at=timezone.now(),
                                                 next_attempt_at=None)


def _claim(endpoint: LrsEndpoint, *, force: bool) -> bool:
    now = timezone.now()
    delivery_state(endpoint)
    claim = DeliveryState.objects.filter(pk=endpoint.pk).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    if not force:
        claim = claim.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return claim.update(lease_until=now + timedelta(seconds=LEASE_SECONDS)) == 1


def endpoint_forward(*, endpoint: LrsEndpoint, force: bool = False) -> ForwardReport:
    """Forward everything pending for one LRS: new statements past its cursor, then the refused
    statements whose retry is due (all of them when `force`). `force` also ignores the backoff
    after a failure. Returns what happened; never raises for LRS errors (they are recorded)."""
    report = ForwardReport(endpoint=endpoint.name)
    if not endpoint.active or not _claim(endpoint, force=force):
        report.skipped = True
        return report
    try:
        with requests.Session() as session:
            _forward_new(endpoint, report, session)
            _forward_refused(endpoint, report, session, force=force)
    except LrsUnavailable as exc:
        report.error = str(exc)
        now = timezone.now()
        state = DeliveryState.objects.get(pk=endpoint.pk)
        failures = state.consecutive_failures + 1
        DeliveryState.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=failures, last_attempt_at=now, last_error=report.error[:4000], last_error_at=now,
            next_attempt_at=now + timedelta(seconds=backoff_seconds(failures)),
        )
        logger.warning("LRS %s unavailable (failure %d): %s", endpoint, failures, report.error)
    finally:
        DeliveryState.objects.filter(pk=endpoint.pk).update(lease_until=None)
    return report


def _forward_new(endpoint: LrsEndpoint, report: ForwardReport, session: requests.Session) -> None:
    while True:
        cursor = DeliveryState.objects.values_list("cursor", flat=True).get(pk=endpoint.pk)
        rows = _outgoing(Statement.objects.filter(position__gt=cursor).order_by("position")[:endpoint.batch_size])
        if not rows:
            return
        accepted = _send(endpoint, rows, report, session)
        _mark_delivered(endpoint, accepted)
        now = timezone.now()
        DeliveryState.objects.filter(pk=endpoint.pk, cursor__lt=rows[-1].position).update(
            cursor=rows[-1].position, delivered_count=F("delivered_count") + len(accepted),
        )
        DeliveryState.objects.filter(pk=endpoint.pk).update(
            last_attempt_at=now, last_success_at=now, consecutive_failures=0, next_attempt_at=None,
            lease_until=now + timedelta(seconds=LEASE_SECONDS),
        )
        report.delivered += len(accepted)
        report.batches += 1


def _forward_refused(endpoint: LrsEndpoint, report: ForwardReport, session: requests.Session, *,
                     force: bool) -> None:
    due = RefusedStatement.objects.filter(endpoint=endpoint, state=RefusalState.RETRYING)
    if not force:
        due = due.filter(next_attempt_at__lte=timezone.now())
    ids = list(due.values_list("statement_id", flat=True))
    for row in _outgoing(Statement.objects.filter(pk__in=ids).order_by("position")):
        accepted = _send(endpoint, [row], report, session)
        if accepted:
            _mark_delivered(endpoint, accepted)
            DeliveryState.objects.filter(pk=endpoint.pk).update(
                delivered_count=F("delivered_count") + 1, last_success_at=timezone.now())
            report.delivered += 1


def forward_all(*, force: bool = False) -> list[ForwardReport]:
    """Forward pending statements to every active LRS (the default one is synced from the
    settings first). Used by the task, the periodic task and `xapi_flush`."""
    lrs_default_sync()
    return [endpoint_forward(endpoint=endpoint, force=force) for endpoint in LrsEndpoint.objects.filter(active=True)]


def refusal_retry(*, refusal: RefusedStatement, by) -> RefusedStatement:
    """Give a dead letter (or a refused statement waiting for its retry) a new chance now:
    it is retried at once and gets a full `dead_letter_after` window again."""
    if refusal.state == RefusalState.DELIVERED:
        return refusal
    now = timezone.now()
    with transaction.atomic():
        RefusedStatement.objects.filter(pk=refusal.pk).update(
            state=RefusalState.RETRYING, first_refused_at=now, next_attempt_at=now)
        audit_log(actor=by, action="xapi.refusal.retry", target=refusal,
                  data={"statement": str(refusal.statement_id), "endpoint": refusal.endpoint.name})
        task_kick(xapi_forward_task, endpoint_id=refusal.endpoint_id)
    refusal.refresh_from_db()
    return refusal


def refusals_retry_all(*, endpoint: LrsEndpoint, by) -> int:
    """Retry every dead letter of one LRS now. Returns how many were put back in line."""
    now = timezone.now()
    with transaction.atomic():
        count = RefusedStatement.objects.filter(endpoint=endpoint, state=RefusalState.DEAD).update(
            state=RefusalState.RETRYING, first_refused_at=now, next_attempt_at=now)
        audit_log(actor=by, action="xapi.refusal.retry_all", target=endpoint, data={"count": count})
        task_kick(xapi_forward_task, endpoint_id=endpoint.pk)
    return count
