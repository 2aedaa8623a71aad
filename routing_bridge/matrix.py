"""The matrix the qualification engine reads (routing_bridge.qualification), as columns.

`Matrix` is what the rules of DESIGN.md read, whatever the instant: the staff as columns in
employee-id order (row i of every column is the same person), each skill's effective levels as one
array, the last assignments, and the evidences that hold each level up (for the reasons). Two
sources fill it, with the same policy (skills.policy):

- **now**: `matrix_now()`, the copy each process keeps in memory and brings up to date at each
  use. It holds the ledger's evidences that can still count (not `self`, not revoked, not
  expired) and evaluates the policy itself, so a level drops at its exact instant whether the
  expiry sweep has run or not. Keeping it current costs one statement per use, which reads three
  version numbers and the ledger's rows after the last one applied (nearly always none):
    * `skills_evidence.ledger_seq` numbers every insert and revocation in commit order (a trigger;
      writers hold the change-log lock), so the rows after N are exactly what changed;
    * the counter row `staff_version` changes with every write to the staff, the users' names,
      skills, the scale and the client companies with their referents and backups (triggers,
      routing_bridge migrations 0002, 0003 and 0008): the people columns are read again and the
      level arrays re-indexed (about 30 ms at 10,000 staff);
    * the counter row `feedback_version` changes with every write to ticket feedback: the last
      assignments and the tickets resolved for clients are read again;
    * the counter row `availability_version` changes with every write to the availability
      reports (migration 0005): the reports that apply now are read again (one read); each stops
      applying at its `until`, by itself, like a level at its expiry;
    * the counter row `ledger_reset` changes when evidences are deleted, and the last row applied
      must still be there, unchanged: otherwise (a rollback, as between tests, or a restore) the
      copy is built again from the ledger.
- **another instant**: `matrix_at(at, skill_ids)`, the policy evaluated over the ledger at `at`
  for the skills asked, built for one query.

Availability (who is present, how many tickets each holds) is always the one that applies now,
whatever the instant of the matrix (contract 1.1): `matrix_at` reads the reports that apply now.

Memory: about 200 bytes per evidence that can count (10,000 staff holding 20 skills each: about
40 MB per process).
"""
import gc
import heapq
import os
import threading
import time
from collections import namedtuple
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils import timezone

from academy.models import TIER_ORDER, Client, Counter, Staff, display_name
from routing_bridge.db import datetime_param, datetime_read, one_snapshot, sql_rows, table_name
from routing_bridge.models import Availability, TicketFeedback
from skills.models import DEFAULT_SCALE, Evidence, ProficiencyLevel, Skill
from skills.policy import SELF, evaluate, next_change, qualified_until

# What the policy and the reasons read of an evidence (skills.policy.EvidenceLike). Instants are
# integers, microseconds since 1970-01-01 UTC: the policy only compares them, and integers are
# read and compared many times faster than datetimes (`instant()` turns one back).
Held = namedtuple("Held", "pk level source observed_at valid_until revoked_at")
# A client company as the rules read it: its referent's row and its backups' rows in the people
# columns (None / left out when not among them).
ClientRef = namedtuple("ClientRef", "id code name active referent_row backup_rows")

# Beyond this many ledger rows to apply at once, building the copy again is cheaper.
MAX_CATCH_UP = 5000
# From this many (staff, skill) pairs held, the copy is frozen out of the garbage collector's walks.
FREEZE_FROM = 50_000
NEVER = -1  # last assignment of someone never assigned: ranked first
# How far back the copy keeps the tickets resolved for a client (the practice of client
# familiarity): more than any rule reads (routing_bridge.qualification.PRACTICE_WINDOW).
PRACTICE_KEPT = timedelta(days=366)
PEOPLE_VERSION = "staff_version"
LEDGER_RESET = "ledger_reset"
FEEDBACK_VERSION = "feedback_version"
AVAILABILITY_VERSION = "availability_version"
_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


def micros(value: datetime | None) -> int | None:
    """An instant as microseconds since the epoch (None stays None)."""
    if value is None:
        return None
    return (value - _EPOCH) // timedelta(microseconds=1)


def instant(value: int | None) -> datetime | None:
    """Microseconds since the epoch as an aware datetime in UTC (None stays None)."""
    return None if value is None else _EPOCH + timedelta(microseconds=value)


def _micros_sql(column: str) -> str:
    """A timestamp column read as microseconds since the epoch: by PostgreSQL (exact, no datetime
    built per row); elsewhere as stored, turned into microseconds by `_micros_read`."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    return column


def _micros_read(value) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return micros(datetime_read(value))


class People:
    """The staff as columns, row i being the i-th employee id in code-point order (the order of
    the last ranking key), with the reference data a query is checked against."""

    def __init__(self, rows, skill_codes: dict[str, int], scale: list[int], clients=(), backups=()):
        # (id, employee_id, tier, profile, languages, active, first name, last name, username)
        rows = sorted(rows, key=lambda row: row[1])
        self.size = len(rows)
        self.staff_ids = [row[0] for row in rows]
        self.row_of = {staff_id: i for i, staff_id in enumerate(self.staff_ids)}
        self.employee_ids = [row[1] for row in rows]
        self.row_of_employee = {employee_id: i for i, employee_id in enumerate(self.employee_ids)}
        self.tier = [row[2] for row in rows]
        self.profile = [row[3] for row in rows]
        self.active = np.array([bool(row[5]) for row in rows], dtype=bool)
        self.tier_rank = np.array([TIER_ORDER.get(tier, 99) for tier in self.tier], dtype=np.int16)
        self.display_name = [display_name(*row[6:9]) for row in rows]
        self._tiers = _masks(self.tier, self.size)
        self._profiles = _masks(self.profile, self.size)
        spoken = [{str(x).lower() for x in (row[4] or []) if isinstance(x, str)} for row in rows]
        self._languages = _masks_many(spoken, self.size)
        self.skill_codes = skill_codes
        self.scale = scale
        # The client companies by code: (id, code, name, active, referent's staff id), and
        # (client id, staff id) for each backup.
        backup_rows: dict[int, list] = {}
        for client_id, staff_id in backups:
            if staff_id in self.row_of:
                backup_rows.setdefault(client_id, []).append(self.row_of[staff_id])
        self.clients = {code: ClientRef(client_id, code, name, bool(active), self.row_of.get(referent_id),
                                        tuple(sorted(backup_rows.get(client_id, ()))))
                        for client_id, code, name, active, referent_id in clients}

    def tiers(self, names) -> np.ndarray:
        return _any(self._tiers, names, self.size)

    def profiles(self, names) -> np.ndarray:
        return _any(self._profiles, names, self.size)

    def speaking(self, language: str) -> np.ndarray:
        return self._languages.get(language.lower(), np.zeros(self.size, dtype=bool))


def _masks(values, size) -> dict:
    masks = {}
    for i, value in enumerate(values):
        masks.setdefault(value, np.zeros(size, dtype=bool))[i] = True
    return masks


def _masks_many(value_sets, size) -> dict:
    masks = {}
    for i, values in enumerate(value_sets):
        for value in values:
            masks.setdefault(value, np.zeros(size, dtype=bool))[i] = True
    return masks


def _any(masks, names, size) -> np.ndarray:
    result = np.zeros(size, dtype=bool)
    for name in names:
        if name in masks:
            result |= masks[name]
    return result


class Matrix:
    """What the rules read at one instant: the people, each skill's levels, the last assignments,
    the evidences behind each level, and each person's availability now (available, open tickets:
    as if nobody had reported until `availability_fill`)."""

    def __init__(self, people: People, at: datetime):
        self.people = people
        self.at = at
        self.at_us = micros(at)
        self.levels: dict[int, np.ndarray] = {}  # skill id -> level by row (uint8)
        self.last_assigned = np.full(people.size, NEVER, dtype=np.int64)  # microseconds, NEVER when never
        self.available = np.ones(people.size, dtype=bool)
        self.open_tickets = np.zeros(people.size, dtype=np.int64)
        # client id -> (instants in microseconds, ascending; the rows of who resolved a ticket of
        # that client at each), from the feedback read (`practice_fill`).
        self.practice: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.evidences: dict[tuple[int, int], list] = {}  # (staff id, skill id) -> [Held]
        # (staff id, skill id) -> the policy's Evaluation at the matrix's instant (skills.policy).
        self.evaluations: dict[tuple[int, int], object] = {}
        # (staff id, skill id) -> (level, valid_until and evidences shown, {min level: qualified_until}).
        self._reasons: dict[tuple[int, int], tuple] = {}

    def moved_to(self, at: datetime) -> None:
        """The same matrix now read at `at` (the caller has applied what changed up to `at`)."""
        self.at, self.at_us = at, micros(at)

    def level(self, skill_id: int) -> np.ndarray:
        levels = self.levels.get(skill_id)
        return levels if levels is not None else np.zeros(self.people.size, dtype=np.uint8)

    def assigned(self, row: int, at_us: int) -> None:
        """Someone was assigned at `at_us` (kept when later than their last assignment known)."""
        if at_us > self.last_assigned[row]:
            self.last_assigned[row] = at_us

    def practice_fill(self, resolved) -> None:
        """The tickets resolved for clients, [(client id, instant in microseconds, staff id)]."""
        by_client: dict[int, list] = {}
        for client_id, at_us, staff_id in resolved:
            row = self.people.row_of.get(staff_id)
            if row is not None:
                by_client.setdefault(client_id, []).append((at_us, row))
        self.practice = {}
        for client_id, items in by_client.items():
            items.sort()
            self.practice[client_id] = (np.array([at_us for at_us, _row in items], dtype=np.int64),
                                        np.array([row for _at, row in items], dtype=np.int64))

    def resolved_for(self, client_id: int, after_us: int, until_us: int) -> np.ndarray:
        """The rows of who resolved a ticket of the client in (after_us, until_us] (repeated once
        per ticket)."""
        practice = self.practice.get(client_id)
        if practice is None:
            return np.zeros(0, dtype=np.int64)
        instants, rows = practice
        return rows[np.searchsorted(instants, after_us, side="right"):np.searchsorted(instants, until_us, side="right")]

    def last_assigned_at(self, row: int) -> datetime | None:
        value = int(self.last_assigned[row])
        return None if value == NEVER else instant(value)

    def reason(self, row: int, skill_id: int, min_level: int) -> tuple[dict, datetime | None]:
        """What holds `skill_id` up for the person of `row` at the matrix's instant (skills.policy):
        ({level, valid_until, evidence}, until when `min_level` stays met). Kept until the pair
        changes: a router asks about the same people again and again."""
        key = (self.people.staff_ids[row], skill_id)
        memo = self._reasons.get(key)
        if memo is None:
            result = self.evaluations.get(key) or evaluate(self.evidences.get(key, ()), self.at_us)
            holding = result.holding if len(result.holding) < 2 else sorted(
                result.holding, key=lambda e: (e.observed_at, e.pk))
            memo = self._reasons[key] = ({
                "level": result.level, "valid_until": instant(result.valid_until),
                "evidence": [{"id": e.pk, "source": e.source, "level": e.level, "observed_at": instant(e.observed_at),
                              "valid_until": instant(e.valid_until)} for e in holding],
            }, {})
        held, untils = memo
        until = untils.get(min_level, _UNREAD)
        if until is _UNREAD:
            until = untils[min_level] = instant(qualified_until(self.evidences.get(key, ()), self.at_us, min_level))
        return held, until

    def availability_fill(self, reports: dict) -> None:
        """Each person's availability from the reports that apply ({staff id: (available, open
        tickets, until)}); a person with none is available with 0 open tickets."""
        self.available = np.ones(self.people.size, dtype=bool)
        self.open_tickets = np.zeros(self.people.size, dtype=np.int64)
        for staff_id, (available, open_tickets, _until) in reports.items():
            row = self.people.row_of.get(staff_id)
            if row is not None:
                self.available[row] = available
                self.open_tickets[row] = open_tickets

    def evaluated(self, staff_id: int, skill_id: int, result) -> None:
        """The policy's answer for one pair at the matrix's instant (what the reasons show)."""
        key = (staff_id, skill_id)
        self._reasons.pop(key, None)
        if result.level or result.holding:
            self.evaluations[key] = result
        else:
            self.evaluations.pop(key, None)


# --- Reading the database -------------------------------------------------------------------------


def _people_read() -> People:
    staff = Staff.objects.values_list("id", "employee_id", "tier", "profile", "languages", "active",
                                      "user__first_name", "user__last_name", "user__username")
    codes = dict(Skill.objects.values_list("code", "id"))
    scale = sorted(ProficiencyLevel.objects.values_list("level", flat=True)) or [level for level, *_ in DEFAULT_SCALE]
    clients = Client.objects.values_list("id", "code", "name", "active", "referent_id")
    backups = Client.backups.through.objects.values_list("client_id", "staff_id")
    return People(list(staff), codes, scale, list(clients), list(backups))


def _assignments_read(matrix: Matrix) -> list[tuple[int, int]]:
    """Fill the last assignments up to the matrix's instant, and the tickets resolved for clients
    since PRACTICE_KEPT before it (later ones too: their instants say when they start to count);
    returns the later assignments [(instant in microseconds, staff id)]."""
    table, occurred = table_name(TicketFeedback), _micros_sql("occurred_at")
    at = datetime_param(matrix.at)
    resolved = sql_rows(f"SELECT client_id, {occurred}, staff_id FROM {table} WHERE client_id IS NOT NULL "
                        f"AND outcome = %s AND occurred_at > %s",
                        [TicketFeedback.Outcome.RESOLVED.value, datetime_param(matrix.at - PRACTICE_KEPT)])
    matrix.practice_fill((client_id, _micros_read(occurred_at), staff_id) for client_id, occurred_at, staff_id in resolved)
    for staff_id, last in sql_rows(f"SELECT staff_id, MAX({occurred}) FROM {table} WHERE occurred_at <= %s "
                                   f"GROUP BY staff_id", [at]):
        row = matrix.people.row_of.get(staff_id)
        if row is not None:
            matrix.assigned(row, _micros_read(last))
    later = sql_rows(f"SELECT {occurred}, staff_id FROM {table} WHERE occurred_at > %s", [at])
    return [(_micros_read(occurred_at), staff_id) for occurred_at, staff_id in later]


def _availability_read(now: datetime) -> dict:
    """The availability reports that apply at `now` (routing_bridge.models.report_applies), in one
    read: {staff id: (available, open tickets, until in microseconds or None)}."""
    rows = sql_rows(f"SELECT staff_id, available, open_tickets, {_micros_sql('until')} FROM {table_name(Availability)} "
                    f"WHERE until IS NULL OR until > %s", [datetime_param(now)])
    return {staff_id: (bool(available), open_tickets, _micros_read(until))
            for staff_id, available, open_tickets, until in rows}


def _evidence_columns() -> str:
    return (f"staff_id, skill_id, id, level, source, {_micros_sql('observed_at')}, {_micros_sql('valid_until')}, "
            f"{_micros_sql('revoked_at')}")


def _held(row) -> Held:
    pk, level, source, observed_at, valid_until, revoked_at = row
    if connection.vendor == "postgresql":
        return Held(pk, level, source, observed_at, valid_until, revoked_at)
    return Held(pk, level, source, _micros_read(observed_at), _micros_read(valid_until), _micros_read(revoked_at))


def _levels_fill(matrix: Matrix, skill_ids) -> None:
    """Each skill's levels at the matrix's instant, from the evidences it holds."""
    people, at_us = matrix.people, matrix.at_us
    for skill_id in skill_ids:
        matrix.levels[skill_id] = np.zeros(people.size, dtype=np.uint8)
    for (staff_id, skill_id), items in matrix.evidences.items():
        row = people.row_of.get(staff_id)
        if row is not None:
            result = evaluate(items, at_us)
            matrix.levels[skill_id][row] = result.level
            matrix.evaluated(staff_id, skill_id, result)


def matrix_at(at: datetime, skill_ids: list[int], now: datetime | None = None) -> Matrix:
    """The matrix at `at` for `skill_ids`, by the policy over the ledger: the people as they are
    now (the staff table keeps no history), the levels and last assignments at `at`, the
    availability that applies `now` (default: now), read from the reports."""
    matrix = Matrix(_mirror_people(), at)
    matrix.availability_fill(_availability_read(now or timezone.now()))
    if skill_ids:
        marks = ", ".join(["%s"] * len(skill_ids))
        rows = sql_rows(f"SELECT {_evidence_columns()} FROM {table_name(Evidence)} "
                        f"WHERE skill_id IN ({marks}) AND observed_at <= %s AND source <> %s",
                        [*skill_ids, datetime_param(at), SELF])
        for row in rows:
            matrix.evidences.setdefault((row[0], row[1]), []).append(_held(row[2:]))
        _levels_fill(matrix, skill_ids)
    _assignments_read(matrix)
    return matrix


# --- The copy kept by each process --------------------------------------------------------------


class _Mirror:
    """The matrix now, kept current (see the module's docstring)."""

    def __init__(self):
        self.matrix: Matrix | None = None
        self.people_version = _UNREAD
        self.ledger_reset = _UNREAD
        self.feedback_version = _UNREAD
        self.read_at: datetime | None = None  # when the database was last read
        self.last: tuple | None = None  # identity of the last ledger row applied (ledger_seq, id, created_at, …)
        self.changes: list = []  # heap of (instant, staff id, skill id): when a level may change by itself
        self.assignments: list = []  # heap of (instant, staff id): assignments after the matrix's instant
        self.availability_version = _UNREAD
        self.reports: dict = {}  # the availability reports that apply: {staff id: (available, open tickets, until)}
        self.report_ends: list = []  # heap of (until, staff id): when a report stops applying

    def build(self, now: datetime) -> None:
        """Read everything, in one snapshot."""
        with one_snapshot():
            counters, ledger = self._read(seq=None)
            people = _people_read()
            matrix = Matrix(people, now)
            self.assignments = _assignments_read(matrix)
            self._reports_set(_availability_read(now))
            rows = sql_rows(
                f"SELECT {_evidence_columns()} FROM {table_name(Evidence)} WHERE source <> %s "
                f"AND (revoked_at IS NULL OR revoked_at > %s) AND (valid_until IS NULL OR valid_until > %s)",
                [SELF, datetime_param(now), datetime_param(now)])
        heapq.heapify(self.assignments)
        matrix.availability_fill(self.reports)
        evidences = matrix.evidences
        for row in rows:
            key = (row[0], row[1])
            held = _held(row[2:])
            if key in evidences:
                evidences[key].append(held)
            else:
                evidences[key] = [held]
        _levels_fill(matrix, {skill_id for _staff_id, skill_id in evidences})
        at_us = matrix.at_us
        self.changes = [(instant_us, staff_id, skill_id) for (staff_id, skill_id), items in evidences.items()
                        if (instant_us := next_change(items, at_us)) is not None]
        heapq.heapify(self.changes)
        self.matrix = matrix
        self.people_version, self.ledger_reset = counters.get(PEOPLE_VERSION), counters.get(LEDGER_RESET)
        self.feedback_version = counters.get(FEEDBACK_VERSION)
        self.availability_version = counters.get(AVAILABILITY_VERSION)
        self.last = ledger[-1][:4] if ledger else None

    def _reports_set(self, reports: dict) -> None:
        self.reports = reports
        self.report_ends = [(until, staff_id) for staff_id, (_a, _o, until) in reports.items() if until is not None]
        heapq.heapify(self.report_ends)

    def _read(self, seq: int | None) -> tuple[dict, list]:
        """({counter name: value}, the ledger's rows from `seq` on, as (ledger_seq, id, created_at,
        revoked_at, staff id, skill id, level, source, observed_at, valid_until); with `seq` None,
        the last row only)."""
        rows = sql_rows(_read_sql(connection.vendor, seq is None),
                        [PEOPLE_VERSION, LEDGER_RESET, FEEDBACK_VERSION, AVAILABILITY_VERSION]
                        + ([] if seq is None else [seq, MAX_CATCH_UP + 2]),
                        prepare=True)
        counters = {row[1]: row[2] for row in rows if row[0] == "c"}
        ledger = [tuple(_micros_read(v) if i in _LEDGER_INSTANTS else v for i, v in enumerate(row[2:]))
                  for row in rows if row[0] == "e"]
        return counters, ledger

    def catch_up(self, now: datetime) -> bool:
        """Bring the copy up to `now`; False when it must be built again."""
        counters, ledger = self._read(seq=self.last[0] if self.last else 0)
        if counters.get(LEDGER_RESET) != self.ledger_reset:
            return False
        if self.last is not None:
            if not ledger or ledger[0][:4] != self.last:
                return False  # the last row applied is gone or changed: a rollback or a restore
            ledger = ledger[1:]
        if len(ledger) > MAX_CATCH_UP:
            return False
        if counters.get(PEOPLE_VERSION) != self.people_version:
            self._people_refresh(now)
            self.people_version = counters.get(PEOPLE_VERSION)
            self.feedback_version = counters.get(FEEDBACK_VERSION)
        matrix = self.matrix
        matrix.moved_to(now)
        if counters.get(FEEDBACK_VERSION) != self.feedback_version:
            matrix.last_assigned[:] = NEVER
            self.assignments = _assignments_read(matrix)
            heapq.heapify(self.assignments)
            self.feedback_version = counters.get(FEEDBACK_VERSION)
        if counters.get(AVAILABILITY_VERSION) != self.availability_version:
            self._reports_set(_availability_read(now))
            matrix.availability_fill(self.reports)
            self.availability_version = counters.get(AVAILABILITY_VERSION)
        touched = set()
        for row in ledger:
            row_seq, pk, created_at, revoked_at, staff_id, skill_id, level, source, observed_at, valid_until = row
            self.last = row[:4]
            if source == SELF:
                continue
            key = (staff_id, skill_id)
            items = [e for e in matrix.evidences.get(key, ()) if e.pk != pk]
            items.append(Held(pk, level, source, observed_at, valid_until, revoked_at))
            matrix.evidences[key] = items
            touched.add(key)
        self.advance(now, touched)
        return True

    def advance(self, now: datetime, touched=()) -> None:
        """Move the copy to `now` with no read: the levels whose evidences start or stop counting
        by then (and the pairs `touched` by the ledger) evaluated again, the assignments that
        have come to pass applied, the availability reports whose `until` has come forgotten."""
        matrix = self.matrix
        matrix.moved_to(now)
        now_us = matrix.at_us
        touched = set(touched)
        while self.changes and self.changes[0][0] <= now_us:
            _instant, staff_id, skill_id = heapq.heappop(self.changes)
            touched.add((staff_id, skill_id))
        for staff_id, skill_id in touched:
            self._evaluate(staff_id, skill_id, now_us)
        while self.assignments and self.assignments[0][0] <= now_us:
            at_us, staff_id = heapq.heappop(self.assignments)
            row = matrix.people.row_of.get(staff_id)
            if row is not None:
                matrix.assigned(row, at_us)
        while self.report_ends and self.report_ends[0][0] <= now_us:
            until_us, staff_id = heapq.heappop(self.report_ends)
            report = self.reports.get(staff_id)
            if report is not None and report[2] == until_us:
                del self.reports[staff_id]
                row = matrix.people.row_of.get(staff_id)
                if row is not None:
                    matrix.available[row], matrix.open_tickets[row] = True, 0

    def _evaluate(self, staff_id: int, skill_id: int, now_us: int) -> None:
        """The level of one pair at `now_us`, from the evidences kept (those that can no longer
        count are forgotten), and when it may next change by itself."""
        matrix = self.matrix
        key = (staff_id, skill_id)
        items = [e for e in matrix.evidences.get(key, ()) if (e.revoked_at is None or e.revoked_at > now_us)
                 and (e.valid_until is None or e.valid_until > now_us)]
        if items:
            matrix.evidences[key] = items
        else:
            matrix.evidences.pop(key, None)
        result = evaluate(items, now_us)
        matrix.evaluated(staff_id, skill_id, result)
        row = matrix.people.row_of.get(staff_id)
        if row is not None:
            levels = matrix.levels.get(skill_id)
            if levels is None:
                levels = matrix.levels[skill_id] = np.zeros(matrix.people.size, dtype=np.uint8)
            levels[row] = result.level
        instant_us = next_change(items, now_us)
        if instant_us is not None:
            heapq.heappush(self.changes, (instant_us, staff_id, skill_id))

    def _people_refresh(self, now: datetime) -> None:
        """The people read again; the level arrays follow them to their new rows."""
        old = self.matrix
        people = _people_read()
        matrix = Matrix(people, now)
        matrix.evidences, matrix.evaluations = old.evidences, old.evaluations
        moved = np.array([old.people.row_of.get(staff_id, -1) for staff_id in people.staff_ids], dtype=np.int64)
        kept = moved >= 0
        for skill_id, levels in old.levels.items():
            new = np.zeros(people.size, dtype=np.uint8)
            new[kept] = levels[moved[kept]]
            matrix.levels[skill_id] = new
        self.assignments = _assignments_read(matrix)
        heapq.heapify(self.assignments)
        matrix.availability_fill(self.reports)
        self.matrix = matrix


# In the rows of _read_sql after the kind: the positions of created_at, revoked_at, observed_at, valid_until.
_LEDGER_INSTANTS = {2, 3, 8, 9}


@lru_cache(maxsize=8)
def _read_sql(vendor: str, last_only: bool) -> str:
    """The one statement of each use: the version numbers, and the ledger's rows from the last
    one applied on (or only the last row). Parameters: the four counters' names, then the last
    ledger_seq applied and how many rows at most."""
    columns = (f"ledger_seq, id, {_micros_sql('created_at')}, {_micros_sql('revoked_at')}, staff_id, skill_id, "
               f"level, source, {_micros_sql('observed_at')}, {_micros_sql('valid_until')}")
    ledger = (f"SELECT 'e', NULL, {columns} FROM {table_name(Evidence)} WHERE ledger_seq IS NOT NULL "
              f"ORDER BY ledger_seq DESC LIMIT 1" if last_only else
              f"SELECT 'e', NULL, {columns} FROM {table_name(Evidence)} WHERE ledger_seq >= %s "
              f"ORDER BY ledger_seq LIMIT %s")
    return (f"SELECT 'c', name, value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
            f"FROM {table_name(Counter)} WHERE name IN (%s, %s, %s, %s) UNION ALL SELECT * FROM ({ledger}) ledger")


_UNREAD = object()
_lock = threading.RLock()
_mirrors: dict[tuple, _Mirror] = {}


def _database() -> tuple:
    named = connection.settings_dict
    return connection.alias, named.get("NAME"), named.get("HOST"), named.get("PORT")


def matrix_now(now: datetime | None = None) -> Matrix:
    """The matrix now, from this process's copy (built the first time). The database is read
    only when it may have changed: always inside a transaction (which may hold its own writes)
    and on SQLite; on PostgreSQL when the listener heard of a change, is not listening, or the
    last read is older than MAX_QUIET."""
    now = now or timezone.now()
    database = _database()
    with _lock:
        mirror = _mirrors.get(database)
        listener = _listener(database)
        if mirror is not None and listener is not None and listener.quiet_since(mirror.read_at, now) \
                and not connection.in_atomic_block:
            mirror.advance(now)
            return mirror.matrix
        read_at = timezone.now()
        if listener is not None:
            listener.changed.clear()  # a change heard from here on is read at the next question
        if mirror is None or not mirror.catch_up(now):
            mirror = _Mirror()
            mirror.build(now)
            _mirrors[database] = mirror
            if len(mirror.matrix.evidences) >= FREEZE_FROM:
                # A large copy lives as long as the process: the garbage collector need not walk
                # its hundreds of thousands of objects at each full collection (pauses of tens of
                # milliseconds in a worker otherwise). Small copies (the demo, tests) are left alone.
                gc.freeze()
        mirror.read_at = read_at
        return mirror.matrix


# --- Hearing of changes (PostgreSQL) ------------------------------------------------------------

# Even with nothing heard, the database is read again after this long (a lost notification).
MAX_QUIET = timedelta(seconds=1)
CHANNEL = "routing_bridge_matrix"  # NOTIFY'd by the triggers of migration routing_bridge 0003


class _Listener:
    """A thread of this process holding its own connection, LISTENing on CHANNEL: the triggers
    notify it at the commit of every write the copy follows (the ledger, the staff, the users'
    names, feedback, skills, the scale, the availability reports). Between notifications, `qualified` reads nothing from
    the database. Started in each process at its first question (after a fork, too)."""

    def __init__(self, params: dict):
        self.changed = threading.Event()
        self.changed.set()
        self.listening = False
        self.stopped = False
        self.thread = threading.Thread(target=self._run, args=(params,), name="matrix-listener", daemon=True)
        self.thread.start()

    def quiet_since(self, read_at, now) -> bool:
        return self.listening and not self.changed.is_set() and read_at is not None and now - read_at < MAX_QUIET

    def _run(self, params: dict) -> None:
        import psycopg  # PostgreSQL only: the driver is not loaded on SQLite

        while not self.stopped:
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    self.changed.set()  # what happened while not listening is read at the next question
                    while not self.stopped:
                        for _notification in conn.notifies(timeout=1.0):
                            self.changed.set()
            except Exception:  # the server restarted, the network failed: read at every question meanwhile
                pass
            finally:
                self.listening = False
                self.changed.set()
            if not self.stopped:
                time.sleep(1)

    def stop(self) -> None:
        """Stop listening and close the connection (within a second)."""
        self.stopped = True
        self.listening = False
        self.thread.join(timeout=5)


_listeners: dict[tuple, _Listener] = {}


def _listener(database: tuple) -> _Listener | None:
    """This process's listener for the current database; None on SQLite or when
    BRIDGE_MATRIX_LISTEN is off (then every question reads what changed)."""
    if connection.vendor != "postgresql" or not settings.BRIDGE_MATRIX_LISTEN:
        return None
    key = (os.getpid(), database)
    listener = _listeners.get(key)
    if listener is None:
        params = {k: v for k, v in connection.get_connection_params().items()
                  if k in ("dbname", "user", "password", "host", "port", "sslmode", "sslrootcert", "sslcert",
                           "sslkey", "options", "passfile", "service")}
        listener = _listeners[key] = _Listener(params)
    return listener


def matrix_listeners_stop() -> None:
    """Stop this process's listeners (tests; a process about to drop its database)."""
    for key in [key for key in _listeners if key[0] == os.getpid()]:
        _listeners.pop(key).stop()


def _mirror_people() -> People:
    return matrix_now().people


def matrix_reset() -> None:
    """Forget every copy: each is built again at its next use (after a bulk load that bypassed
    the triggers, or in tests)."""
    with _lock:
        _mirrors.clear()
