"""Writes for the organisation: sequences, events, audit entries, notifications."""
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from academy.models import CHANGE_COUNTER, AuditEntry, Counter, Event, Notification, Staff
from academy.selectors import clients_referred_by
from academy.tasks import on_commit_once

# Callables run after the commit of a transaction that published events (routing_bridge registers
# its delivery kick here, so academy does not import it).
_event_listeners: list[Callable[[], None]] = []


def counter_next(*, name: str) -> int:
    """Return the next value of the named sequence. Must be called inside a transaction: the row
    stays locked until it ends, which serialises writers and keeps the sequence gap-free."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside transaction.atomic()")
    return counter_add(name=name, count=1)


def counter_current(*, name: str) -> int:
    """The last value handed out (0 when none)."""
    return Counter.objects.filter(name=name).values_list("value", flat=True).first() or 0


def event_listener_register(listener: Callable[[], None]) -> None:
    if listener not in _event_listeners:
        _event_listeners.append(listener)


def event_publish(*, type: str, data: dict, seq: int | None = None, occurred_at=None) -> Event:
    """Append an event in the current transaction (seq None: the change log's current value;
    occurred_at None: now); listeners are told after commit."""
    return event_publish_many(type=type, items=[(seq, occurred_at, data)])[0]


def event_publish_many(*, type: str, items: Sequence[tuple[int | None, datetime | None, dict]]) -> list[Event]:
    """Append many events of one type in the current transaction, in order: `items` are
    (seq, occurred_at, data), each as `event_publish` takes them. Two round trips in all (the
    positions, then one bulk insert). Listeners are told after commit. Returns the events."""
    if not items:
        return []
    with transaction.atomic(savepoint=False):
        current_seq = None
        if any(seq is None for seq, _at, _data in items):
            current_seq = counter_current(name=CHANGE_COUNTER)
        first = counter_add(name="event", count=len(items)) - len(items) + 1
        now = timezone.now()
        events = Event.objects.bulk_create([
            Event(position=first + offset, type=type, seq=current_seq if seq is None else seq,
                  occurred_at=occurred_at or now, data=data)
            for offset, (seq, occurred_at, data) in enumerate(items)
        ], batch_size=2000)
    event_listeners_notify()
    return events


def event_listeners_notify() -> None:
    """Tell the event listeners after the current transaction commits (at once outside one). For
    code that writes events in bulk in the database itself (e.g. the matrix recomputation's
    INSERT … SELECT): call it in the same transaction."""
    for listener in _event_listeners:
        on_commit_once(listener)  # once per transaction, however many events it published


def counter_add(*, name: str, count: int) -> int:
    """Add `count` to a named counter in one round trip (creating it the first time) and return
    the new value; the row stays locked until the transaction ends, as with counter_next."""
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + %s WHERE name = %s RETURNING value", [count, name])
        row = cursor.fetchone()
    if row is None:
        Counter.objects.get_or_create(name=name)
        return counter_add(name=name, count=count)
    return row[0]


def _audit_entry(*, actor, action: str, target=None, reason: str = "", data: dict | None = None) -> AuditEntry:
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        reason=reason or "",
        data=data or {},
    )


def audit_log(*, actor, action: str, target=None, reason: str = "", data: dict | None = None) -> AuditEntry:
    """Record who did what to which object, and why."""
    entry = _audit_entry(actor=actor, action=action, target=target, reason=reason, data=data)
    entry.save(force_insert=True)
    return entry


def audit_log_many(*, actor, entries: Iterable[tuple[str, object, str, dict]]) -> None:
    """`audit_log` for many entries (action, target, reason, data) in one INSERT, in order."""
    AuditEntry.objects.bulk_create([
        _audit_entry(actor=actor, action=action, target=target, reason=reason, data=data)
        for action, target, reason, data in entries], batch_size=2000)


def notification_send(*, recipient, kind: str, title: str, body: str = "", url: str = "",
                      dedupe_key: str = "", email: bool = True) -> Notification | None:
    """Create an in-app notification and, after commit, e-mail it. Returns None (and sends
    nothing) when a notification with the same `dedupe_key` already exists for the recipient."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None
    if email and recipient.email:
        link = f"{settings.ACADEMIE_SITE_URL}{url}" if url.startswith("/") else url
        message = f"{body}\n\n{link}".strip()
        transaction.on_commit(
            lambda: send_mail(title, message, settings.DEFAULT_FROM_EMAIL, [recipient.email], fail_silently=True)
        )
    return notification


def staff_event_data(staff) -> dict:
    """The staff record of the bridge contract, without `skills`: the `data` of `staff.updated`
    and `staff.deactivated` events."""
    return {
        "employee_id": staff.employee_id,
        "username": staff.user.username,
        "display_name": staff.display_name,
        "team": staff.team.name if staff.team_id else None,
        "profile": staff.profile,
        "tier": staff.tier,
        "languages": list(staff.languages or []),
        "active": staff.active,
    }


@transaction.atomic
def staff_deactivate(*, staff, by, reason: str = ""):
    """Mark someone who left as inactive without deleting anything: their evidence, attempts,
    certificates and audit trail stay. They can no longer log in, are never proposed by the
    routing bridge, and routers receive `staff.deactivated`. Deactivating twice changes nothing.
    The active clients they are the referent of keep them (nothing is blocked) and are named in the
    audit entry (`clients_needing_referent`): they need a new referent."""
    staff = Staff.objects.select_for_update(of=("self",)).select_related("user", "team").get(pk=staff.pk)
    if not staff.active:
        return staff
    staff.active = False
    staff.deactivated_at = timezone.now()
    staff.save(update_fields=["active", "deactivated_at", "updated_at"])
    if staff.user.is_active:
        staff.user.is_active = False
        staff.user.save(update_fields=["is_active"])
    data = {"employee_id": staff.employee_id}
    clients = clients_referred_by(staff=staff)
    if clients:
        data["clients_needing_referent"] = [client.code for client in clients]
    audit_log(actor=by, action="staff.deactivate", target=staff, reason=reason, data=data)
    data = staff_event_data(staff)
    data["deactivated_at"] = staff.deactivated_at.isoformat()
    event_publish(type="staff.deactivated", data=data)
    return staff


@transaction.atomic
def staff_reactivate(*, staff, by, reason: str = ""):
    """Undo `staff_deactivate` (someone who comes back): active again, may log in again;
    routers receive `staff.updated`. Reactivating an active person changes nothing."""
    staff = Staff.objects.select_for_update(of=("self",)).select_related("user", "team").get(pk=staff.pk)
    if staff.active:
        return staff
    staff.active = True
    staff.deactivated_at = None
    staff.save(update_fields=["active", "deactivated_at", "updated_at"])
    if not staff.user.is_active:
        staff.user.is_active = True
        staff.user.save(update_fields=["is_active"])
    audit_log(actor=by, action="staff.reactivate", target=staff, reason=reason,
              data={"employee_id": staff.employee_id})
    event_publish(type="staff.updated", data=staff_event_data(staff))
    return staff
