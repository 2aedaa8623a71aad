"""Reads of the statement store and of the forwarding state."""
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from academy.roles import user_is_admin
from academy.selectors import staff_visible_to
from learning_records.models import DeliveryState, LrsEndpoint, RefusalState, RefusedStatement, Statement


def statements_visible_to(user) -> QuerySet[Statement]:
    """Statements `user` may read: everything for an admin, else those of the staff they may
    see (themselves, and the members of the teams they lead)."""
    if not user.is_authenticated:
        return Statement.objects.none()
    if user_is_admin(user):
        return Statement.objects.all()
    return Statement.objects.filter(staff__in=staff_visible_to(user))


@dataclass(frozen=True)
class StatementFilter:
    """Parsed parameters of a GET /xapi/statements query (see learning_records.views)."""

    agent_account: tuple[str, str] | None = None  # (homePage, name)
    agent_email: str | None = None
    verb: str | None = None
    activity: str | None = None
    related_activities: bool = False
    registration: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False
    after_position: int | None = None  # keyset cursor of the `more` link


def statements_filter(*, statements: QuerySet[Statement], query: StatementFilter, site_url: str,
                      limit: int) -> tuple[list[Statement], bool]:
    """Apply the xAPI filters and keyset pagination (by storage order, newest first unless
    `ascending`). Returns up to `limit` statements and whether more remain."""
    qs = statements
    if query.agent_account is not None:
        home_page, name = query.agent_account
        if home_page.rstrip("/") != site_url.rstrip("/"):
            return [], False
        qs = qs.filter(actor_name=name)
    if query.agent_email is not None:
        qs = qs.filter(staff__user__email__iexact=query.agent_email)
    if query.verb:
        qs = qs.filter(verb=query.verb)
    if query.activity:
        if query.related_activities:
            qs = qs.filter(related_activity_ids__contains=f"\n{query.activity}\n")
        else:
            qs = qs.filter(activity_id=query.activity)
    if query.registration:
        qs = qs.filter(registration=query.registration)
    if query.since:
        qs = qs.filter(stored__gt=query.since)
    if query.until:
        qs = qs.filter(stored__lte=query.until)
    if query.after_position is not None:
        qs = qs.filter(position__gt=query.after_position) if query.ascending \
            else qs.filter(position__lt=query.after_position)
    qs = qs.order_by("position" if query.ascending else "-position")
    rows = list(qs[: limit + 1])
    return rows[:limit], len(rows) > limit


def endpoint_pending_count(*, endpoint: LrsEndpoint) -> int:
    """Statements not yet delivered to this LRS: past its cursor, or refused and awaiting a retry."""
    state = DeliveryState.objects.filter(pk=endpoint.pk).first()
    cursor = state.cursor if state else 0
    return Statement.objects.filter(position__gt=cursor).count() + RefusedStatement.objects.filter(
        endpoint=endpoint, state=RefusalState.RETRYING).count()


@dataclass
class LrsStatus:
    endpoint: LrsEndpoint
    state: DeliveryState | None
    pending: int
    retrying: int
    dead: int


def lrs_status_list() -> list[LrsStatus]:
    """Every LRS with its forwarding state, for the admin page."""
    return [lrs_status(endpoint=endpoint) for endpoint in LrsEndpoint.objects.all()]


def lrs_status(*, endpoint: LrsEndpoint) -> LrsStatus:
    state = DeliveryState.objects.filter(pk=endpoint.pk).first()
    counts = RefusedStatement.objects.filter(endpoint=endpoint).aggregate(
        retrying=Count("pk", filter=Q(state=RefusalState.RETRYING)),
        dead=Count("pk", filter=Q(state=RefusalState.DEAD)),
    )
    return LrsStatus(endpoint=endpoint, state=state, pending=endpoint_pending_count(endpoint=endpoint),
                     retrying=counts["retrying"], dead=counts["dead"])


def dead_letters(*, endpoint: LrsEndpoint) -> QuerySet[RefusedStatement]:
    return RefusedStatement.objects.filter(endpoint=endpoint).exclude(state=RefusalState.DELIVERED).select_related(
        "statement").order_by("-last_refused_at")
