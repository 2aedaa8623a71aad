"""Forwarding the statement store to external LRSs.

Each active LRS has a cursor (`DeliveryState.cursor`): the position of the last statement it
received or that was set aside as refused. A run claims the LRS with a lease (a conditional
UPDATE, so two workers never send to the same LRS at once), then POSTs batches of the next
statements in position order. The lease is short and renewed before every request to the LRS:
a worker killed mid-batch blocks the LRS for `lease_seconds` at most, then the next run takes
the lapsed lease over; a run whose lease was taken over stops before its next request.

Answers:
- 2xx: delivered, the cursor moves on;
- 409, or a body saying a statement already exists: an LRS rejects the whole batch for one id it
  already holds (Ralph stores none of the others). Each statement of the batch is then read back
  by id (GET …/statements?statementId=): one held with the same content (learning_records.comparison)
  was delivered before; one held with another content is refused at once as a conflict (a dead
  letter shown in the admin, never overwritten); the others are sent again;
- 400/413/422 for a batch: the batch is split in halves until each rejected statement is alone;
  a statement refused alone is recorded in RefusedStatement with the LRS's message, the others
  go on. A refused statement is retried with backoff until `dead_letter_after` seconds have
  passed since its first refusal, then it is a dead letter (admin page, retry on request);
- anything else (connection refused, timeout, 401/403/404/429, 5xx): the LRS is unavailable, the
  cursor stays, and the LRS is left alone for an exponential backoff (30 s, 60 s, … up to 1 h).
  The periodic task picks it up again.
"""
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.services import audit_log
from academy.tasks import task_kick
from learning_records.comparison import statement_differences
from learning_records.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement, Statement
from learning_records.profile import XAPI_VERSION

logger = logging.getLogger(__name__)

SETTINGS_LRS_NAME = "LRS par défaut (ACADEMIE_LRS_URL)"
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# The shortest lease; it also covers three request timeouts of the LRS (see lease_seconds).
LEASE_SECONDS = 60
REFUSED_STATUSES = {400, 413, 422}
CONFLICT_STATUS = 409


class LrsUnavailable(Exception):
    """The LRS could not take the batch now (down, slow, overloaded, misconfigured)."""


class LeaseLost(Exception):
    """Another run took this run's lease over (it had lapsed, or `xapi_flush --force`)."""


@dataclass
class ForwardReport:
    endpoint: str
    skipped: bool = False
    delivered: int = 0
    refused: int = 0
    batches: int = 0
    error: str = ""
    refused_ids: list[str] = field(default_factory=list)
    # Skipped because another run holds the LRS: until when its lease runs.
    lease_held_until: datetime | None = None
    # The lease of another run was taken over: "expired" (it had lapsed: a killed worker) or
    # "forced" (`xapi_flush --force`, the lease still ran).
    lease_taken_over: str = ""


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


def lease_seconds(endpoint: LrsEndpoint) -> int:
    """How long a claim on an LRS lasts unless renewed: a run renews it before every request,
    so it only has to outlast one request (up to `timeout` to connect and again to read)."""
    return max(LEASE_SECONDS, 3 * endpoint.timeout)


@dataclass
class _Run:
    """One run's hold on one LRS: what it sends with, what it reports, the lease it holds."""

    endpoint: LrsEndpoint
    session: requests.Session
    report: ForwardReport
    token: uuid.UUID

    def renew(self) -> None:
        """Extend the lease before a request. Raises LeaseLost when another run took it over."""
        until = timezone.now() + timedelta(seconds=lease_seconds(self.endpoint))
        if not DeliveryState.objects.filter(pk=self.endpoint.pk, lease_token=self.token).update(lease_until=until):
            raise LeaseLost(str(self.endpoint))


def _post(run: _Run, statements: list[Outgoing]) -> tuple[str, int, str]:
    """POST a batch. Returns ("ok" | "conflict" | "refused", status code, message); raises
    LrsUnavailable."""
    run.renew()
    endpoint = run.endpoint
    try:
        response = run.session.post(
            endpoint.statements_url, data=("[" + ",".join(s.body for s in statements) + "]").encode(),
            auth=endpoint.credentials(), timeout=endpoint.timeout,
            headers={"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json"},
        )
    except requests.RequestException as exc:
        raise LrsUnavailable(f"{type(exc).__name__}: {exc}") from exc
    message = response.text[:2000]
    if 200 <= response.status_code < 300:
        return "ok", response.status_code, message
    if response.status_code == CONFLICT_STATUS or ("already exist" in message.lower() and response.status_code < 500):
        return "conflict", response.status_code, message
    if response.status_code in REFUSED_STATUSES:
        return "refused", response.status_code, message
    raise LrsUnavailable(f"HTTP {response.status_code}: {message}")


class _NotReadable(Exception):
    """The LRS does not say which statement it holds under an id (no read right, odd answer)."""


def _held(run: _Run, statement: Outgoing) -> dict | None:
    """The statement the LRS holds under this statement's id, None when it holds none. Raises
    _NotReadable when it will not tell, LrsUnavailable when it cannot be reached."""
    run.renew()
    endpoint = run.endpoint
    try:
        response = run.session.get(
            endpoint.statements_url, params={"statementId": str(statement.pk)}, auth=endpoint.credentials(),
            timeout=endpoint.timeout, headers={"X-Experience-API-Version": XAPI_VERSION},
        )
    except requests.RequestException as exc:
        raise LrsUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        if response.status_code >= 500:
            raise LrsUnavailable(f"HTTP {response.status_code}: {response.text[:2000]}")
        raise _NotReadable(f"GET statementId: HTTP {response.status_code} {response.text[:500]}")
    try:
        body = response.json()
    except ValueError as exc:
        raise _NotReadable(f"GET statementId: {exc}") from exc
    # The specification answers the statement itself; Ralph answers a StatementResult.
    if isinstance(body, dict) and isinstance(body.get("statements"), list):
        body = next((item for item in body["statements"] if str(item.get("id", "")).lower() == str(statement.pk)),
                    None)
    if body is not None and not isinstance(body, dict):
        raise _NotReadable("GET statementId: not a statement")
    return body


def _refusal_record(endpoint: LrsEndpoint, statement: Outgoing, status: int, message: str, *,
                    final: bool = False) -> RefusedStatement:
    """Record that the LRS refused this statement: retried with backoff until
    `dead_letter_after`, then a dead letter; at once a dead letter when `final` (a conflict,
    which no retry can settle)."""
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
    if final or (now - refusal.first_refused_at).total_seconds() >= endpoint.dead_letter_after:
        refusal.state, refusal.next_attempt_at = RefusalState.DEAD, None
        logger.warning("xAPI statement %s is a dead letter for %s: %s", statement.pk, endpoint, message)
    else:
        refusal.state = RefusalState.RETRYING
        refusal.next_attempt_at = now + timedelta(seconds=backoff_seconds(refusal.attempts))
    refusal.resolved_at = None
    refusal.save()
    return refusal


def _refuse(run: _Run, row: Outgoing, status: int, message: str, *, final: bool = False) -> None:
    _refusal_record(run.endpoint, row, status, message, final=final)
    run.report.refused += 1
    run.report.refused_ids.append(str(row.pk))


def _send(run: _Run, rows: list[Outgoing]) -> list[Outgoing]:
    """Send rows, splitting refused batches and resolving conflicts statement by statement.
    Returns the rows the LRS holds as sent; records the rows it refused one by one. Raises
    LrsUnavailable (nothing is recorded for unsent rows) or LeaseLost."""
    outcome, status, message = _post(run, rows)
    if outcome == "ok":
        return rows
    if outcome == "conflict":
        return _resolve_conflict(run, rows, status, message)
    return _split(run, rows, status, message)


def _split(run: _Run, rows: list[Outgoing], status: int, message: str) -> list[Outgoing]:
    """A batch the LRS would not take whole: halves until the statement it refuses is alone."""
    if len(rows) == 1:
        _refuse(run, rows[0], status, message)
        return []
    middle = len(rows) // 2
    return _send(run, rows[:middle]) + _send(run, rows[middle:])


def _resolve_conflict(run: _Run, rows: list[Outgoing], status: int, message: str) -> list[Outgoing]:
    """The LRS already holds some of these ids (409 or "already exists"). Reads each one back:
    held as sent, it was delivered; held with another content, it is refused for good (the LRS
    keeps the first statement under an id); not held, it is sent again. When the LRS will not
    say what it holds, the batch is split until the conflicting statement is alone, then refused
    with the LRS's message (retried later)."""
    accepted, unsent = [], []
    for index, row in enumerate(rows):
        try:
            held = _held(run, row)
        except _NotReadable as exc:
            return accepted + _split(run, unsent + rows[index:], status, f"{message}\n{exc}")
        if held is None:
            unsent.append(row)
            continue
        differences = statement_differences(json.loads(row.body), held)
        if not differences:
            accepted.append(row)
            continue
        _refuse(run, row, status, _(
            "Le LRS détient déjà une autre déclaration sous cet identifiant (différences : %(fields)s) ; "
            "il la garde et refuse celle-ci. Réponse du LRS : HTTP %(status)s %(message)s") % {
            "fields": ", ".join(differences), "status": status, "message": message}, final=True)
    if len(unsent) == len(rows):
        # The LRS named a conflict but holds none of these ids: never loop, narrow it down.
        return accepted + _split(run, unsent, status, message)
    return accepted + (_send(run, unsent) if unsent else [])


def _mark_delivered(endpoint: LrsEndpoint, rows: list[Outgoing]) -> None:
    if rows:
        RefusedStatement.objects.filter(endpoint=endpoint, statement_id__in=[row.pk for row in rows]).exclude(
            state=RefusalState.DELIVERED).update(state=RefusalState.DELIVERED, resolved_at=timezone.now(),
                                                 next_attempt_at=None)


def _claim(endpoint: LrsEndpoint, *, force: bool, take_over: bool, report: ForwardReport) -> uuid.UUID | None:
    """Claim the LRS for this run with a conditional UPDATE. Returns the lease token, or None
    (and notes in `report` until when another run holds it) when it is taken or backing off.
    A lapsed lease (a killed worker's) is taken over; a running one only with `take_over`."""
    now = timezone.now()
    state = delivery_state(endpoint)
    token = uuid.uuid4()
    claim = DeliveryState.objects.filter(pk=endpoint.pk)
    if not take_over:
        claim = claim.filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
    if not force:
        claim = claim.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if claim.update(lease_until=now + timedelta(seconds=lease_seconds(endpoint)), lease_token=token) != 1:
        report.lease_held_until = DeliveryState.objects.values_list("lease_until", flat=True).get(pk=endpoint.pk)
        return None
    if state.lease_until is not None:
        report.lease_taken_over = "forced" if state.lease_until > now else "expired"
        logger.warning("LRS %s: lease of another run (until %s) taken over (%s)", endpoint,
                       state.lease_until.isoformat(), report.lease_taken_over)
    return token


def endpoint_forward(*, endpoint: LrsEndpoint, force: bool = False, take_over: bool = False) -> ForwardReport:
    """Forward everything pending for one LRS: new statements past its cursor, then the refused
    statements whose retry is due (all of them when `force`). `force` also ignores the backoff
    after a failure; `take_over` takes the LRS from another run even if its lease still runs
    (that run stops before its next request). Returns what happened; never raises for LRS
    errors (they are recorded)."""
    report = ForwardReport(endpoint=endpoint.name)
    token = _claim(endpoint, force=force, take_over=take_over, report=report) if endpoint.active else None
    if token is None:
        report.skipped = True
        return report
    try:
        with requests.Session() as session:
            run = _Run(endpoint=endpoint, session=session, report=report, token=token)
            _forward_new(run)
            _forward_refused(run, force=force)
    except LeaseLost:
        report.error = "lease taken over by another run"
        logger.warning("LRS %s: lease taken over by another run, this run stops", endpoint)
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
        DeliveryState.objects.filter(pk=endpoint.pk, lease_token=token).update(lease_until=None, lease_token=None)
    return report


def _forward_new(run: _Run) -> None:
    endpoint, report = run.endpoint, run.report
    while True:
        cursor = DeliveryState.objects.values_list("cursor", flat=True).get(pk=endpoint.pk)
        rows = _outgoing(Statement.objects.filter(position__gt=cursor).order_by("position")[:endpoint.batch_size])
        if not rows:
            return
        accepted = _send(run, rows)
        _mark_delivered(endpoint, accepted)
        now = timezone.now()
        DeliveryState.objects.filter(pk=endpoint.pk, cursor__lt=rows[-1].position).update(
            cursor=rows[-1].position, delivered_count=F("delivered_count") + len(accepted),
        )
        DeliveryState.objects.filter(pk=endpoint.pk).update(
            last_attempt_at=now, last_success_at=now, consecutive_failures=0, next_attempt_at=None,
        )
        report.delivered += len(accepted)
        report.batches += 1


def _forward_refused(run: _Run, *, force: bool) -> None:
    endpoint, report = run.endpoint, run.report
    due = RefusedStatement.objects.filter(endpoint=endpoint, state=RefusalState.RETRYING)
    if not force:
        due = due.filter(next_attempt_at__lte=timezone.now())
    ids = list(due.values_list("statement_id", flat=True))
    for row in _outgoing(Statement.objects.filter(pk__in=ids).order_by("position")):
        accepted = _send(run, [row])
        if accepted:
            _mark_delivered(endpoint, accepted)
            DeliveryState.objects.filter(pk=endpoint.pk).update(
                delivered_count=F("delivered_count") + 1, last_success_at=timezone.now())
            report.delivered += 1


def forward_all(*, force: bool = False, take_over: bool = False) -> list[ForwardReport]:
    """Forward pending statements to every active LRS (the default one is synced from the
    settings first). Used by the task, the periodic task and `xapi_flush`."""
    lrs_default_sync()
    return [endpoint_forward(endpoint=endpoint, force=force, take_over=take_over)
            for endpoint in LrsEndpoint.objects.filter(active=True)]


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
        task_kick("xapi.forward", endpoint_id=refusal.endpoint_id)
    refusal.refresh_from_db()
    return refusal


def refusals_retry_all(*, endpoint: LrsEndpoint, by) -> int:
    """Retry every dead letter of one LRS now. Returns how many were put back in line."""
    now = timezone.now()
    with transaction.atomic():
        count = RefusedStatement.objects.filter(endpoint=endpoint, state=RefusalState.DEAD).update(
            state=RefusalState.RETRYING, first_refused_at=now, next_attempt_at=now)
        audit_log(actor=by, action="xapi.refusal.retry_all", target=endpoint, data={"count": count})
        task_kick("xapi.forward", endpoint_id=endpoint.pk)
    return count
