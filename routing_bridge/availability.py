"""Availability and load (contract 1.1): what routers report about who is present and how many
tickets each person holds (`availability_report`, the write of `PUT availability`), and what
`GET availability` reads (`availability_list`).

    a report replaces the person's previous one;
    a report applies until its `until` (routing_bridge.models.report_applies); one sent with an
    `until` already past changes nothing (the earlier report stays in place);
    a person with no report that applies is available with 0 open tickets.

The qualification engine reads the same reports through its copy (routing_bridge.matrix)."""
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Staff
from routing_bridge.db import sql_rows, table_name
from routing_bridge.errors import InvalidQuery
from routing_bridge.models import Availability, RouterClient, report_applies


@dataclass(frozen=True)
class Report:
    employee_id: str
    available: bool
    open_tickets: int = 0
    until: datetime | None = None


class UnknownStaff(InvalidQuery):
    """Reports name people who do not exist; `positions` maps each report's position in the
    request to its employee id."""

    def __init__(self, positions: dict[int, str]):
        codes = sorted(set(positions.values()))
        super().__init__(_("Collaborateurs inconnus : %(ids)s") % {"ids": ", ".join(codes)},
                         extra={"unknown_employee_ids": codes})
        self.positions = positions


def staff_ids_of(employee_ids) -> dict[str, int]:
    """{employee id: staff id} for those of `employee_ids` that exist (one read)."""
    wanted = list(set(employee_ids))
    if connection.vendor == "postgresql":  # one array parameter rather than hundreds (a third of the time)
        return dict(sql_rows(f"SELECT employee_id, id FROM {table_name(Staff)} WHERE employee_id = ANY(%s)", [wanted]))
    return dict(Staff.objects.filter(employee_id__in=wanted).values_list("employee_id", "id"))


# PostgreSQL: the upsert from arrays, one parameter per column (bulk_create builds a model per row
# and takes about three times as long for 500 reports: docs/bridge.md, bench/availability.py).
_UPSERT_SQL = (
    "INSERT INTO {table} (staff_id, available, open_tickets, until, reported_at, reported_by_id) "
    "SELECT * FROM UNNEST(%s::bigint[], %s::boolean[], %s::integer[], %s::timestamptz[], %s::timestamptz[], "
    "%s::bigint[]) ON CONFLICT (staff_id) DO UPDATE SET available = EXCLUDED.available, "
    "open_tickets = EXCLUDED.open_tickets, until = EXCLUDED.until, reported_at = EXCLUDED.reported_at, "
    "reported_by_id = EXCLUDED.reported_by_id")


def _upsert(rows: dict[int, Report], *, now: datetime, by: RouterClient | None) -> None:
    """Each report of `rows` ({staff id: report}) replaces that person's, in one statement."""
    if connection.vendor == "postgresql":
        reports = list(rows.values())
        sql_rows(_UPSERT_SQL.format(table=table_name(Availability)) + " RETURNING 1", [
            list(rows), [r.available for r in reports], [r.open_tickets for r in reports],
            [r.until for r in reports], [now] * len(reports), [by.pk if by else None] * len(reports)])
        return
    # INSERT … ON CONFLICT (staff_id) DO UPDATE too.
    Availability.objects.bulk_create(
        [Availability(staff_id=staff_id, available=r.available, open_tickets=r.open_tickets, until=r.until,
                      reported_at=now, reported_by=by) for staff_id, r in rows.items()],
        update_conflicts=True, unique_fields=["staff"],
        update_fields=["available", "open_tickets", "until", "reported_at", "reported_by"])


def availability_report(*, reports: list[Report], by: RouterClient | None = None,
                        now: datetime | None = None) -> int:
    """Record a router's reports in one statement (an upsert: each replaces the person's previous
    report; of two reports for one person in the list, the later wins). A report whose `until`
    has already passed is accepted and writes nothing. Raises UnknownStaff naming every unknown
    employee id, having written nothing. Returns how many reports were received."""
    now = now or timezone.now()
    staff_ids = staff_ids_of(r.employee_id for r in reports)
    unknown = {i: r.employee_id for i, r in enumerate(reports) if r.employee_id not in staff_ids}
    if unknown:
        raise UnknownStaff(unknown)
    rows = {staff_ids[r.employee_id]: r for r in reports if report_applies(r.until, now)}
    if rows:
        _upsert(rows, now=now, by=by)
    return len(reports)


def _item(employee_id: str, available, open_tickets, until, reported_at, now: datetime) -> dict:
    if available is None or not report_applies(until, now):
        return {"employee_id": employee_id, "available": True, "open_tickets": 0, "until": None, "reported_at": None}
    return {"employee_id": employee_id, "available": available, "open_tickets": open_tickets, "until": until,
            "reported_at": reported_at}


def availability_list(*, employee_ids: list[str] | None = None, after: str | None = None, limit: int = 100,
                      now: datetime | None = None) -> tuple[list[dict], str | None]:
    """Each person's availability now, in employee-id order, as `GET availability` shows it
    (`{employee_id, available, open_tickets, until, reported_at}`; with no report that applies:
    available, 0 open tickets, until and reported_at None). With `employee_ids`, those people
    (raises UnknownStaff for any that does not exist); otherwise every staff member after `after`,
    `limit` at most. Returns (items, the last employee id when more follow, else None)."""
    now = now or timezone.now()
    staff = Staff.objects.order_by("employee_id")
    if employee_ids is not None:
        staff = staff.filter(employee_id__in=set(employee_ids))
    elif after is not None:
        staff = staff.filter(employee_id__gt=after)
    rows = list(staff.values_list("employee_id", "availability__available", "availability__open_tickets",
                                  "availability__until", "availability__reported_at")
                [:None if employee_ids is not None else limit + 1])
    if employee_ids is not None:
        found = {row[0] for row in rows}
        unknown = {i: e for i, e in enumerate(employee_ids) if e not in found}
        if unknown:
            raise UnknownStaff(unknown)
        return [_item(*row, now) for row in rows], None
    more = len(rows) > limit
    rows = rows[:limit]
    return [_item(*row, now) for row in rows], (rows[-1][0] if more else None)
