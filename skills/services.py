"""Writes to the evidence ledger and the matrix. The only code that writes SkillLevel or
SkillChange rows: every other app calls `evidence_record` / `evidence_revoke` (imports:
`evidence_record_many`).

Lock order, in every write transaction: the change-log counter first, then the cell. Holding the
counter row for the whole transaction serialises the writers of the matrix, so change-log numbers
are handed out in commit order and never leave a gap (a reader that has seen N never later finds
N-1). The `event` counter is taken after it (by academy.services.event_publish).
"""
import json
from bisect import bisect_left
from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Counter, Staff
from academy.services import (
    audit_log, counter_add, event_listeners_notify, event_publish_many, notification_send,
)
from skills.models import (
    CHANGE_COUNTER, DEFAULT_SCALE, Evidence, EvidenceSource, ProficiencyLevel, RoleAssignment, RoleProfile,
    SelfAssessment, SelfAssessmentStatus, Skill, SkillChange, SkillLevel,
)
from skills import policy_sql
from skills.policy import evaluate

# An observation slightly in the future is clock skew between machines, not a forecast.
FUTURE_TOLERANCE = timedelta(minutes=5)
EVENT_COUNTER = "event"


def scale_levels() -> list[int]:
    """The levels of the scale, e.g. [0, 1, 2, 3, 4]."""
    levels = list(ProficiencyLevel.objects.values_list("level", flat=True))
    return levels or [level for level, *_rest in DEFAULT_SCALE]


def scale_ensure_default() -> int:
    """Create the default scale of DESIGN.md where a level is missing (labels already edited in
    the admin are kept). Returns how many levels were created."""
    created = 0
    for level, label_fr, label_en, description in DEFAULT_SCALE:
        _obj, was_created = ProficiencyLevel.objects.get_or_create(
            level=level, defaults={"label_fr": label_fr, "label_en": label_en, "description": description},
        )
        created += was_created
    return created


def _lock_change_log() -> int:
    """Lock the change-log counter row (creating it the first time) and return its value.
    Must run inside a transaction; the lock is held until it ends."""
    value = Counter.objects.select_for_update().filter(name=CHANGE_COUNTER).values_list("value", flat=True).first()
    if value is None:
        Counter.objects.get_or_create(name=CHANGE_COUNTER)
        value = Counter.objects.select_for_update().filter(name=CHANGE_COUNTER).values_list("value", flat=True)[0]
    return value


def _seq_take(count: int = 1) -> int:
    """Take `count` consecutive change-log numbers under the lock; returns the first one."""
    return counter_add(name=CHANGE_COUNTER, count=count) - count + 1


def _change_event_data(*, staff: Staff, skill: Skill, old_level: int, new_level: int,
                       valid_until: datetime | None, reason: str) -> dict:
    return {
        "employee_id": staff.employee_id, "skill": skill.code, "old_level": old_level,
        "new_level": new_level, "valid_until": valid_until.isoformat() if valid_until else None,
        "reason": reason[:200],
    }


def cell_refresh(*, staff: Staff, skill: Skill, reason: str, now: datetime | None = None) -> SkillLevel:
    """Recompute one cell from the ledger at `now`; when its level or drop instant changes, append
    to the change log and publish `skill_level.changed`. Runs in the caller's transaction (or its
    own when there is none)."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        _lock_change_log()
        return _cell_refresh_locked(staff=staff, skill=skill, reason=reason, now=now)


def _cell_refresh_locked(*, staff: Staff, skill: Skill, reason: str, now: datetime) -> SkillLevel:
    """`cell_refresh` for a caller that already holds the change-log lock."""
    # The change-log lock serialises every writer of cells, so a plain read-then-create is safe.
    cell = SkillLevel.objects.select_for_update().filter(staff=staff, skill=skill).first()
    if cell is None:
        cell = SkillLevel(staff=staff, skill=skill, level=0, sources=[], declared_level=0)
    result = evaluate(Evidence.objects.filter(staff=staff, skill=skill), now)
    changed = cell.level != result.level or cell.valid_until != result.valid_until
    old_level = cell.level
    dirty = (
        cell.pk is None or changed or list(cell.sources or []) != result.sources
        or cell.declared_level != result.declared_level or cell.declared_until != result.declared_until
    )
    if dirty:
        cell.level = result.level
        cell.valid_until = result.valid_until
        cell.sources = result.sources
        cell.declared_level = result.declared_level
        cell.declared_until = result.declared_until
        cell.updated_at = now
        cell.save()
    if changed:
        seq = _seq_take()
        SkillChange.objects.create(
            seq=seq, staff=staff, skill=skill, old_level=old_level, new_level=result.level,
            valid_until=result.valid_until, at=now, reason=reason[:200],
        )
        _events_append([(seq, now, _change_event_data(
            staff=staff, skill=skill, old_level=old_level, new_level=result.level,
            valid_until=result.valid_until, reason=reason))])
    return cell


def evidence_validate(*, staff: Staff, skill: Skill, level: int, source: str,
                      observed_at: datetime | None = None, valid_until: datetime | None = None,
                      levels: Iterable[int] | None = None, now: datetime | None = None) -> dict:
    """The errors `evidence_record` would raise, as {field: message} (empty when valid). Imports
    call it to validate a whole file before writing anything."""
    now = now or timezone.now()
    observed_at = observed_at or now
    levels = list(levels) if levels is not None else scale_levels()
    errors = {}
    if source not in EvidenceSource.values:
        errors["source"] = _("Source inconnue : %(source)s") % {"source": source}
    if level not in levels:
        errors["level"] = _("Le niveau %(level)s n'est pas dans l'échelle (%(min)s à %(max)s).") % {
            "level": level, "min": min(levels), "max": max(levels)}
    errors.update(_evidence_errors_but_level(staff=staff, skill=skill, observed_at=observed_at,
                                             valid_until=valid_until, now=now))
    return errors


def _evidence_errors_but_level(*, staff: Staff, skill: Skill, observed_at: datetime, valid_until: datetime | None,
                               now: datetime) -> dict:
    """The checks of `evidence_validate` that need no query (all but the scale)."""
    errors = {}
    if not staff.active:
        errors["staff"] = _("%(who)s est inactif.") % {"who": staff.employee_id}
    if not skill.active:
        errors["skill"] = _("La compétence %(code)s est désactivée.") % {"code": skill.code}
    if observed_at > now + FUTURE_TOLERANCE:
        errors["observed_at"] = _("La date d'observation est dans le futur.")
    if valid_until is not None and (valid_until <= observed_at or valid_until <= now):
        errors["valid_until"] = _("La date de fin de validité est déjà passée.")
    return errors


def evidence_record(
    *,
    staff: Staff,
    skill: Skill,
    level: int,
    source: str,
    recorded_by=None,
    observed_at: datetime | None = None,
    valid_until: datetime | None = None,
    reference_type: str = "",
    reference_id: str = "",
    note: str = "",
    reason: str = "",
) -> Evidence:
    """Append an evidence and update the matrix cell and change log in the same transaction.

    Raises ValidationError for a level outside the scale, an unknown source, an inactive staff
    member or skill, a `valid_until` that is not after `observed_at` or already past, or an
    observation in the future.
    """
    now = timezone.now()
    observed_at = observed_at or now
    if source not in EvidenceSource.values or _evidence_errors_but_level(
            staff=staff, skill=skill, observed_at=observed_at, valid_until=valid_until, now=now):
        raise ValidationError(evidence_validate(staff=staff, skill=skill, level=level, source=source,
                                                observed_at=observed_at, valid_until=valid_until, now=now))
    evidence = Evidence(
        staff=staff, skill=skill, level=level, source=source, observed_at=min(observed_at, now),
        valid_until=valid_until, recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
        reference_type=reference_type, reference_id=str(reference_id), note=note, created_at=now,
    )
    reason = reason or f"evidence:{source}"
    if _record_in_database():
        _evidence_record_in_database(evidence, reason=reason, now=now)
        return evidence
    levels = scale_levels()
    if level not in levels:
        raise ValidationError(evidence_validate(staff=staff, skill=skill, level=level, source=source,
                                                observed_at=observed_at, valid_until=valid_until, levels=levels,
                                                now=now))
    with transaction.atomic():
        _lock_change_log()
        evidence.save(force_insert=True)
        _cell_refresh_locked(staff=staff, skill=skill, reason=reason, now=now)
    return evidence


def _record_in_database() -> bool:
    """Does `evidence_record` write through the SQL function? (PostgreSQL; tests turn it off to
    compare it with the Python path on the same database.)"""
    return connection.vendor == "postgresql"


_RECORD_SQL = (
    "SELECT evidence_id, seq FROM skills_evidence_record(%s::bigint, %s::bigint, %s::integer, %s::text, "
    "%s::timestamptz, %s::timestamptz, %s::integer, %s::text, %s::text, %s::text, %s::timestamptz, %s::text, "
    "%s::text, %s::text, %s::integer[])"
)


def _evidence_record_in_database(evidence: Evidence, *, reason: str, now: datetime) -> None:
    """PostgreSQL: the write of `evidence_record` (evidence, cell, change-log row, event) by the
    function `skills_evidence_record` (skills.policy_sql) in one statement, the scale checked there
    too. Outside a transaction that statement is its own transaction (one round trip in all);
    inside one it joins it, under a savepoint when nested, as `transaction.atomic()` would."""
    params = [
        evidence.staff_id, evidence.skill_id, evidence.level, evidence.source, evidence.observed_at,
        evidence.valid_until, evidence.recorded_by_id, evidence.reference_type, evidence.reference_id,
        evidence.note, now, reason, evidence.staff.employee_id, evidence.skill.code,
        [level for level, *_rest in DEFAULT_SCALE],
    ]
    if connection.get_autocommit() and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(_RECORD_SQL, params)
            evidence_id, seq = cursor.fetchone()
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_RECORD_SQL, params)
            evidence_id, seq = cursor.fetchone()
    if evidence_id is None:  # the level is not in the scale; nothing was written
        raise ValidationError(evidence_validate(
            staff=evidence.staff, skill=evidence.skill, level=evidence.level, source=evidence.source,
            observed_at=evidence.observed_at, valid_until=evidence.valid_until, now=now) or {
                "level": _("Le niveau %(level)s n'est pas dans l'échelle.") % {"level": evidence.level}})
    evidence.pk = evidence_id
    evidence._state.adding = False
    evidence._state.db = connection.alias
    if seq is not None:
        event_listeners_notify()


def evidence_revoke(*, evidence: Evidence, revoked_by=None, reason: str) -> Evidence:
    """Revoke an evidence now (idempotent) and update the cell and change log with it."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Un motif est obligatoire pour révoquer une preuve.")})
    with transaction.atomic():
        _lock_change_log()
        evidence = Evidence.objects.select_for_update().select_related("staff", "skill").get(pk=evidence.pk)
        if evidence.revoked_at is not None:
            return evidence
        now = timezone.now()
        evidence.revoked_at = now
        evidence.revoked_by = revoked_by if getattr(revoked_by, "pk", None) else None
        evidence.revoke_reason = reason
        evidence.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        _cell_refresh_locked(staff=evidence.staff, skill=evidence.skill, reason=f"revoked: {reason}", now=now)
    return evidence


def cells_expire(*, now: datetime | None = None) -> int:
    """Apply expiries: refresh every cell whose drop instant has passed. Returns how many changed.
    Idempotent: a second run at the same instant finds nothing due."""
    now = now or timezone.now()
    count = 0
    # A cell is due when one of its evidences started or stopped counting since the cell was
    # last evaluated (policy.next_change): its level or declared level may drop, or `sources`
    # stop citing an evidence that expired while another held the level.
    changed_since_written = Evidence.objects.filter(
        policy_sql.changes_between(OuterRef("updated_at"), now),
        staff_id=OuterRef("staff_id"), skill_id=OuterRef("skill_id"))
    due = (SkillLevel.objects.filter(Q(valid_until__lte=now) | Q(declared_until__lte=now)
                                     | Q(Exists(changed_since_written)))
           .select_related("staff", "skill").order_by("id"))
    for cell in list(due):
        with transaction.atomic():
            refreshed = cell_refresh(staff=cell.staff, skill=cell.skill, reason="expired", now=now)
            if refreshed.updated_at != now:  # nothing to rewrite: mark it seen, not due again
                SkillLevel.objects.filter(pk=refreshed.pk).update(updated_at=now)
        count += refreshed.level != cell.level or refreshed.valid_until != cell.valid_until
    return count


def _events_append(items: list[tuple[int, datetime, dict]]) -> None:
    """Append `skill_level.changed` events [(seq, occurred_at, data)] to the outbox, in order."""
    event_publish_many(type="skill_level.changed", items=items)


# --- Bulk recomputation -----------------------------------------------------------------------

_Ev = namedtuple("_Ev", "level source observed_at valid_until revoked_at")


@dataclass
class RecomputeReport:
    cells_checked: int = 0  # cells that differed from the ledger
    cells_created: int = 0
    cells_updated: int = 0
    changes_logged: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    batches: int = 0


def _bulk_insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert many rows given as tuples of `fields` (attribute names, e.g. "staff_id"): COPY on
    PostgreSQL (several times faster than INSERT for the hundreds of thousands of rows of a
    recomputation, and no model instances), bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < 50:
        model.objects.bulk_create([model(**dict(zip(fields, row))) for row in rows], batch_size=2000)
        return
    opts = model._meta
    model_fields = [next(f for f in opts.concrete_fields if f.attname == name) for name in fields]
    json_positions = [i for i, f in enumerate(model_fields) if f.get_internal_type() == "JSONField"]
    table = connection.ops.quote_name(opts.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = json.dumps(row[i])
            copy.write_row(row)


CELL_FIELDS = ["staff_id", "skill_id", "level", "valid_until", "sources", "declared_level", "declared_until",
               "updated_at"]
CHANGE_FIELDS = ["seq", "staff_id", "skill_id", "old_level", "new_level", "valid_until", "at", "reason"]


def _diffs_python(low: int, high: int, now: datetime, pairs: set[tuple[int, int]] | None = None) -> list[tuple]:
    """The cells of staff ids low..high (only the (staff id, skill id) `pairs` when given) whose
    stored values differ from the policy evaluated at `now` (skills.policy.evaluate), as
    DIFF_COLUMNS tuples, sorted by (staff, skill)."""
    grouped = defaultdict(list)
    in_range = {"staff_id__gte": low, "staff_id__lte": high}
    if pairs is not None:
        in_range["skill_id__in"] = {skill_id for _staff_id, skill_id in pairs}
    rows = Evidence.objects.filter(**in_range).values_list(
        "staff_id", "skill_id", "level", "source", "observed_at", "valid_until", "revoked_at")
    for row in rows.iterator(chunk_size=10000):
        grouped[(row[0], row[1])].append(_Ev._make(row[2:]))
    cells = {
        (row[1], row[2]): row
        for row in SkillLevel.objects.filter(**in_range).values_list(
            "id", "staff_id", "skill_id", "level", "valid_until", "sources", "declared_level", "declared_until")
    }
    keys = grouped.keys() | cells.keys()
    diffs = []
    for key in sorted(keys if pairs is None else keys & pairs):
        result = evaluate(grouped.get(key, ()), now)
        new = (result.level, result.valid_until, result.sources, result.declared_level, result.declared_until)
        cell = cells.get(key)
        if cell is None:
            if result.level or result.declared_level:
                diffs.append((key[0], key[1], *new, None, 0, None, [], 0, None))
            continue
        old = (cell[3], cell[4], list(cell[5] or []), cell[6], cell[7])
        if old != new:
            diffs.append((key[0], key[1], *new, cell[0], *old))
    return diffs


# The same comparison as _diffs_python, done by PostgreSQL: the cells against the policy in SQL
# (skills.policy_sql.evaluation, held equal to skills.policy by tests/skills/test_policy_sql.py).
# It spares Python a million rows when nothing or little changed.
_RANGE = "staff_id BETWEEN %(low)s AND %(high)s"
_DIFFS_SELECT = f"""
WITH fresh AS ({policy_sql.evaluation(which=_RANGE, at="%(now)s")}
), cell AS (
    SELECT id, staff_id, skill_id, level, valid_until, sources, declared_level, declared_until
    FROM skills_skilllevel WHERE {_RANGE}
)
SELECT COALESCE(f.staff_id, c.staff_id) AS staff_id, COALESCE(f.skill_id, c.skill_id) AS skill_id,
       COALESCE(f.level, 0) AS level, f.valid_until AS valid_until,
       COALESCE(f.sources, ARRAY[]::text[]) AS sources, COALESCE(f.declared_level, 0) AS declared,
       f.declared_until AS declared_until,
       c.id AS cell_id, COALESCE(c.level, 0) AS old_level, c.valid_until AS old_valid_until,
       COALESCE(c.sources, '[]'::jsonb) AS old_sources, COALESCE(c.declared_level, 0) AS old_declared,
       c.declared_until AS old_declared_until
FROM fresh f FULL OUTER JOIN cell c ON c.staff_id = f.staff_id AND c.skill_id = f.skill_id
WHERE (c.id IS NULL AND (f.level > 0 OR f.declared_level > 0))
   OR (c.id IS NOT NULL AND (
        c.level <> COALESCE(f.level, 0)
        OR c.valid_until IS DISTINCT FROM f.valid_until
        OR c.declared_level <> COALESCE(f.declared_level, 0)
        OR c.declared_until IS DISTINCT FROM f.declared_until
        OR c.sources <> to_jsonb(COALESCE(f.sources, ARRAY[]::text[]))))
"""
_DIFFS_SQL = _DIFFS_SELECT + "ORDER BY 1, 2"
# The same comparison restricted to the (staff id, skill id) pairs given as two arrays (the cells an
# import touched): the evidences and cells read are those of the pairs only.
assert _DIFFS_SELECT.count(_RANGE) == 2
_DIFFS_SELECT_PAIRS = _DIFFS_SELECT.replace(_RANGE, _RANGE + (
    " AND (staff_id, skill_id) IN (SELECT * FROM unnest(%(pair_staff)s::bigint[], %(pair_skill)s::bigint[]))"))


def _diffs_sql(low: int, high: int, now: datetime) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_DIFFS_SQL, {"low": low, "high": high, "now": now})
        rows = cursor.fetchall()
    return [(st, sk, level, until, list(sources), declared, declared_until, cell_id, old_level, old_until,
             old_sources if isinstance(old_sources, list) else json.loads(old_sources or "[]"), old_declared,
             old_declared_until)
            for (st, sk, level, until, sources, declared, declared_until, cell_id, old_level, old_until, old_sources,
                 old_declared, old_declared_until) in rows]


_WRITE_HEAD = """
WITH d AS MATERIALIZED (
    SELECT diff.*, count(*) FILTER (WHERE diff.changed) OVER (ORDER BY diff.staff_id, diff.skill_id) AS n
    FROM (SELECT diff.*,
                 (diff.old_level <> diff.level OR diff.old_valid_until IS DISTINCT FROM diff.valid_until) AS changed
          FROM ("""
_WRITE_TAIL = """) diff) diff
), total AS (
    SELECT count(*) AS differing, count(*) FILTER (WHERE changed) AS changed FROM d
), seqs AS (
    UPDATE academy_counter SET value = value + total.changed FROM total
    WHERE name = %(change_counter)s AND total.changed > 0
    RETURNING value - total.changed AS base
), created AS (
    INSERT INTO skills_skilllevel (staff_id, skill_id, level, valid_until, sources, declared_level, declared_until,
                                   updated_at)
    SELECT staff_id, skill_id, level, valid_until, to_jsonb(sources), declared, declared_until, %(now)s
    FROM d WHERE cell_id IS NULL
    RETURNING 1
), updated AS (
    UPDATE skills_skilllevel c
    SET level = d.level, valid_until = d.valid_until, sources = to_jsonb(d.sources), declared_level = d.declared,
        declared_until = d.declared_until, updated_at = %(now)s
    FROM d WHERE d.cell_id = c.id AND c.staff_id BETWEEN %(low)s AND %(high)s
    RETURNING 1
), logged AS (
    INSERT INTO skills_skillchange (seq, staff_id, skill_id, old_level, new_level, valid_until, at, reason)
    SELECT seqs.base + d.n, d.staff_id, d.skill_id, d.old_level, d.level, d.valid_until, %(now)s, %(reason)s
    FROM d CROSS JOIN seqs WHERE d.changed
    RETURNING 1
)"""
_WRITE_SQL = _WRITE_HEAD + _DIFFS_SELECT + _WRITE_TAIL
_WRITE_PAIRS_SQL = _WRITE_HEAD + _DIFFS_SELECT_PAIRS + _WRITE_TAIL

_EVENTS_SQL = """, positions AS (
    INSERT INTO academy_counter AS counter (name, value) SELECT %(event_counter)s, total.changed FROM total
    WHERE total.changed > 0
    ON CONFLICT (name) DO UPDATE SET value = counter.value + excluded.value
    RETURNING counter.value AS last
), published AS (
    INSERT INTO academy_event (id, position, type, seq, occurred_at, data)
    SELECT gen_random_uuid(), positions.last - total.changed + d.n, 'skill_level.changed', seqs.base + d.n, %(now)s,
           jsonb_build_object('employee_id', s.employee_id, 'skill', k.code, 'old_level', d.old_level,
                              'new_level', d.level, 'valid_until', """ + policy_sql.iso_utc("d.valid_until") + """,
                              'reason', %(reason)s::text)
    FROM d CROSS JOIN seqs CROSS JOIN positions CROSS JOIN total
    JOIN academy_staff s ON s.id = d.staff_id JOIN skills_skill k ON k.id = d.skill_id
    WHERE d.changed
    RETURNING 1
)"""

_REPORT_SQL = """
SELECT total.differing, total.changed, (SELECT count(*) FROM created), (SELECT count(*) FROM updated),
       (SELECT count(*) FROM logged), (SELECT base FROM seqs)
FROM total"""


def _recompute_range_in_database(low: int, high: int, now: datetime, reason: str, publish_events: bool,
                                 report: "RecomputeReport", pairs: set[tuple[int, int]] | None = None) -> None:
    """PostgreSQL: one statement per staff range compares the cells with the policy (_DIFFS_SELECT)
    and writes the differences — new and changed cells, change-log rows numbered from the counter,
    `skill_level.changed` events — in (staff, skill) order: the same rows as the Python path,
    without moving them through Python, materialising the differences once. Runs inside the
    caller's transaction, which holds the change-log lock."""
    params = {"low": low, "high": high, "now": now, "reason": reason, "change_counter": CHANGE_COUNTER,
              "event_counter": EVENT_COUNTER}
    if pairs is not None:
        params["pair_staff"], params["pair_skill"] = [list(column) for column in zip(*sorted(pairs))] or [[], []]
    sql = (_WRITE_SQL if pairs is None else _WRITE_PAIRS_SQL) + (_EVENTS_SQL if publish_events else "") + _REPORT_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        differing, changed, created, updated, logged, base = cursor.fetchone()
    assert logged == changed and created + updated == differing, (differing, changed, created, updated, logged)
    report.cells_checked += differing
    report.cells_created += created
    report.cells_updated += updated
    if changed:
        report.first_seq = report.first_seq or base + 1
        report.last_seq = base + changed
        report.changes_logged += changed
        if publish_events:
            event_listeners_notify()


def _recompute_range_in_python(low: int, high: int, now: datetime, reason: str, publish_events: bool,
                               report: "RecomputeReport", codes: dict, skill_codes: dict,
                               pairs: set[tuple[int, int]] | None = None) -> None:
    """Other databases: compare with skills.policy.evaluate and write through the ORM."""
    to_create, to_update, changes = [], [], []
    for (staff_id, skill_id, level, until, sources, declared, declared_until, cell_id, old_level, old_until,
         *_old) in _diffs_python(low, high, now, pairs):
        report.cells_checked += 1
        if cell_id is None:
            to_create.append((staff_id, skill_id, level, until, sources, declared, declared_until, now))
        else:
            to_update.append(SkillLevel(id=cell_id, level=level, valid_until=until, sources=sources,
                                        declared_level=declared, declared_until=declared_until,
                                        updated_at=now))
        if old_level != level or old_until != until:
            changes.append([None, staff_id, skill_id, old_level, level, until, now, reason])
    _bulk_insert(SkillLevel, CELL_FIELDS, to_create)
    SkillLevel.objects.bulk_update(to_update, ["level", "valid_until", "sources", "declared_level",
                                               "declared_until", "updated_at"], batch_size=1000)
    if changes:
        first = _seq_take(len(changes))
        for offset, change in enumerate(changes):
            change[0] = first + offset
        _bulk_insert(SkillChange, CHANGE_FIELDS, changes)
        report.first_seq = report.first_seq or first
        report.last_seq = changes[-1][0]
        if publish_events:
            _events_append([(seq, at, {
                "employee_id": codes[staff_id], "skill": skill_codes[skill_id], "old_level": old,
                "new_level": new, "valid_until": until.isoformat() if until else None, "reason": why,
            }) for seq, staff_id, skill_id, old, new, until, at, why in changes])
    report.cells_created += len(to_create)
    report.cells_updated += len(to_update)
    report.changes_logged += len(changes)


def _recompute_in_database() -> bool:
    """Does the bulk recomputation run in SQL? (PostgreSQL; tests turn it off to compare it with the
    Python path on the same database.)"""
    return connection.vendor == "postgresql"


def _recompute_range(low: int, high: int, now: datetime, reason: str, publish_events: bool,
                     report: "RecomputeReport", pairs: set[tuple[int, int]] | None = None) -> None:
    """Recompute the cells of staff ids low..high (only `pairs` when given) in the caller's
    transaction, which holds the change-log lock."""
    if _recompute_in_database():
        with connection.cursor() as cursor:
            # The range's sorts (policy, then (staff, skill) order) stay in memory.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        _recompute_range_in_database(low, high, now, reason, publish_events, report, pairs)
    else:
        in_range = {"id__gte": low, "id__lte": high}
        codes = dict(Staff.objects.filter(**in_range).values_list("id", "employee_id"))
        skill_codes = dict(Skill.objects.values_list("id", "code"))
        _recompute_range_in_python(low, high, now, reason, publish_events, report, codes, skill_codes, pairs)
    report.batches += 1


def cells_recompute_all(*, now: datetime | None = None, batch_staff: int = 250, reason: str = "recompute",
                        publish_events: bool = True, stdout=None) -> RecomputeReport:
    """Recompute every cell from the ledger at `now` and write only what differs: new or changed
    cells, one change-log row (and `skill_level.changed` event) per changed level or drop instant.

    Works by ranges of staff ids; each range is read and written in one transaction holding the
    change-log lock, so concurrent `evidence_record` calls wait for at most one range. On
    PostgreSQL the comparison and the writes run in the database. Running it twice in a row changes nothing the
    second time. Returns a RecomputeReport (`cells_checked` counts the cells that differed).
    """
    now = now or timezone.now()
    reason = reason[:200]
    report = RecomputeReport()
    staff_ids = list(Staff.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(staff_ids), batch_staff):
        low, high = staff_ids[start], staff_ids[min(start + batch_staff, len(staff_ids)) - 1]
        with transaction.atomic():
            _lock_change_log()
            _recompute_range(low, high, now, reason, publish_events, report)
        if stdout is not None and report.batches % 10 == 0:
            stdout.write(f"  {min(start + batch_staff, len(staff_ids))}/{len(staff_ids)} staff…")
    return report


EVIDENCE_FIELDS = ["staff_id", "skill_id", "level", "source", "observed_at", "valid_until", "recorded_by_id",
                   "reference_type", "reference_id", "note", "created_at", "revoked_at", "revoked_by_id",
                   "revoke_reason"]


def evidence_record_many(evidences: list[Evidence], *, reason: str,
                         batch_staff: int = 250) -> tuple[RecomputeReport, list[Evidence]]:
    """Append many evidences and bring their cells, change log and `skill_level.changed` events up
    to date, in one transaction holding the change-log lock: the evidences in bulk (COPY on
    PostgreSQL), then the bulk recomputation of `cells_recompute_all` restricted to the
    (staff, skill) pairs they touch. For imports, which validate every row first
    (`evidence_validate`); at most one evidence per (staff, skill).

    The instant of the write is taken once the lock is held (so the cells see every evidence
    committed before): it is the evidences' `created_at`, their `observed_at` when they have
    none, and the cells' and change log's instant. An evidence whose `valid_until` has passed by
    then is not written: it is returned in the second value (the caller reports it).

    The result is that of `evidence_record` called for each evidence in turn (same evidences,
    cells, change-log rows and events; tests/skills/test_imports.py compares them), except that
    change-log numbers and event positions follow (staff, skill) order instead of the list's."""
    pairs = {(evidence.staff_id, evidence.skill_id) for evidence in evidences}
    if len(pairs) != len(evidences):
        raise ValueError("evidence_record_many: at most one evidence per (staff, skill)")
    report = RecomputeReport()
    reason = reason[:200]
    with transaction.atomic():
        _lock_change_log()
        now = timezone.now()
        refused = [e for e in evidences if e.valid_until is not None and e.valid_until <= now]
        if refused:
            evidences = [e for e in evidences if e.valid_until is None or e.valid_until > now]
            pairs = {(evidence.staff_id, evidence.skill_id) for evidence in evidences}
        for evidence in evidences:
            evidence.observed_at = min(evidence.observed_at or now, now)
            evidence.created_at = now
        _bulk_insert(Evidence, EVIDENCE_FIELDS, [tuple(getattr(e, name) for name in EVIDENCE_FIELDS)
                                                 for e in evidences])
        ordered = sorted(pairs)
        staff_ids = sorted({staff_id for staff_id, _skill_id in ordered})
        for start in range(0, len(staff_ids), batch_staff):
            low, high = staff_ids[start], staff_ids[min(start + batch_staff, len(staff_ids)) - 1]
            in_range = ordered[bisect_left(ordered, (low,)):bisect_left(ordered, (high + 1,))]
            _recompute_range(low, high, now, reason, True, report, set(in_range))
    return report, refused


# --- Role profiles ----------------------------------------------------------------------------

def role_assignment_set(*, staff: Staff, role_profile: RoleProfile | None, by=None, reason: str = "") -> None:
    """Give someone an explicit role profile (None: back to the profile/tier match). Audited."""
    with transaction.atomic():
        if role_profile is None:
            RoleAssignment.objects.filter(staff=staff).delete()
        else:
            RoleAssignment.objects.update_or_create(
                staff=staff, defaults={"role_profile": role_profile, "assigned_by": by if getattr(by, "pk", None)
                                       else None, "assigned_at": timezone.now()})
        audit_log(actor=by, action="skills.role_assignment", target=staff, reason=reason,
                  data={"role_profile": role_profile.name if role_profile else None})


# --- Self-assessment and validation -----------------------------------------------------------

def self_assessment_submit(*, staff: Staff, skill: Skill, level: int, comment: str = "") -> SelfAssessment:
    """Record a declared level (a `self` evidence, which never qualifies) and queue it for the
    person's lead. A newer declaration for the same skill replaces a pending one, and its `self`
    evidence, so the declared level is always the latest one."""
    if level < 1:
        raise ValidationError({"level": _("Choisissez un niveau entre 1 et 4.")})
    with transaction.atomic():
        _lock_change_log()
        for previous in SelfAssessment.objects.select_for_update().filter(
                staff=staff, skill=skill, status=SelfAssessmentStatus.PENDING):
            previous.status = SelfAssessmentStatus.SUPERSEDED
            previous.save(update_fields=["status"])
        for old in Evidence.objects.filter(staff=staff, skill=skill, source=EvidenceSource.SELF, revoked_at=None):
            evidence_revoke(evidence=old, revoked_by=staff.user, reason=_("Remplacée par une nouvelle auto-évaluation"))
        evidence = evidence_record(staff=staff, skill=skill, level=level, source=EvidenceSource.SELF,
                                   recorded_by=staff.user, note=comment, reason="self-assessment")
        assessment = SelfAssessment.objects.create(staff=staff, skill=skill, level=level, comment=comment,
                                                   evidence=evidence)
        audit_log(actor=staff.user, action="skills.self_assessment.submit", target=assessment, reason=comment,
                  data={"employee_id": staff.employee_id, "skill": skill.code, "level": level})
    return assessment


def _self_assessment_lock_pending(assessment: SelfAssessment) -> SelfAssessment:
    assessment = SelfAssessment.objects.select_for_update().select_related("staff__user", "skill").get(
        pk=assessment.pk)
    if assessment.status != SelfAssessmentStatus.PENDING:
        raise ValidationError(_("Cette auto-évaluation a déjà été traitée."))
    return assessment


def self_assessment_accept(*, assessment: SelfAssessment, by, level: int | None = None,
                           valid_until: datetime | None = None, comment: str = "") -> Evidence:
    """Validate a declared level: records a `manager` evidence (at `level`, default the declared
    one), closes the request, notifies the person. Raises ValidationError if already decided."""
    with transaction.atomic():
        _lock_change_log()
        assessment = _self_assessment_lock_pending(assessment)
        level = assessment.level if level is None else level
        evidence = evidence_record(
            staff=assessment.staff, skill=assessment.skill, level=level, source=EvidenceSource.MANAGER,
            recorded_by=by, valid_until=valid_until, reference_type="skills.selfassessment",
            reference_id=str(assessment.pk), note=comment, reason="self-assessment validated",
        )
        assessment.status = SelfAssessmentStatus.ACCEPTED
        assessment.decided_by, assessment.decided_at = by, timezone.now()
        assessment.decision_comment, assessment.validated_evidence = comment, evidence
        assessment.save()
        audit_log(actor=by, action="skills.self_assessment.accept", target=assessment, reason=comment,
                  data={"employee_id": assessment.staff.employee_id, "skill": assessment.skill.code,
                        "level": level, "evidence": evidence.pk})
        notification_send(
            recipient=assessment.staff.user, kind="skills.self_assessment.accepted",
            title=_("Niveau validé : %(skill)s") % {"skill": assessment.skill.name},
            body=_("Votre niveau %(level)s en %(skill)s a été validé.") % {"level": level,
                                                                          "skill": assessment.skill.name}
            + (f"\n\n{comment}" if comment else ""),
            url="/mes-competences/", dedupe_key=f"self-assessment:{assessment.pk}",
        )
    return evidence


def self_assessment_reject(*, assessment: SelfAssessment, by, comment: str) -> SelfAssessment:
    """Refuse a declared level with a comment (required): the `self` evidence is revoked, so the
    declaration no longer shows; the person is notified."""
    if not comment or not comment.strip():
        raise ValidationError({"comment": _("Expliquez le refus en quelques mots.")})
    with transaction.atomic():
        _lock_change_log()
        assessment = _self_assessment_lock_pending(assessment)
        if assessment.evidence_id:
            evidence_revoke(evidence=assessment.evidence, revoked_by=by, reason=_("Auto-évaluation refusée : %s")
                            % comment)
        assessment.status = SelfAssessmentStatus.REJECTED
        assessment.decided_by, assessment.decided_at, assessment.decision_comment = by, timezone.now(), comment
        assessment.save()
        audit_log(actor=by, action="skills.self_assessment.reject", target=assessment, reason=comment,
                  data={"employee_id": assessment.staff.employee_id, "skill": assessment.skill.code,
                        "level": assessment.level})
        notification_send(
            recipient=assessment.staff.user, kind="skills.self_assessment.rejected",
            title=_("Auto-évaluation non validée : %(skill)s") % {"skill": assessment.skill.name},
            body=comment, url="/mes-competences/", dedupe_key=f"self-assessment:{assessment.pk}",
        )
    return assessment


def manager_evidence_record(*, staff: Staff, skill: Skill, level: int, by, valid_until: datetime | None = None,
                            note: str = "") -> Evidence:
    """A lead records a level directly (a `manager` evidence, optional validity). Audited."""
    with transaction.atomic():
        evidence = evidence_record(staff=staff, skill=skill, level=level, source=EvidenceSource.MANAGER,
                                   recorded_by=by, valid_until=valid_until, note=note,
                                   reason="manager validation")
        audit_log(actor=by, action="skills.evidence.record", target=evidence, reason=note,
                  data={"employee_id": staff.employee_id, "skill": skill.code, "level": level,
                        "valid_until": valid_until.isoformat() if valid_until else None})
    return evidence


def evidence_revoke_audited(*, evidence: Evidence, by, reason: str) -> Evidence:
    """`evidence_revoke` by a person, with an audit entry."""
    with transaction.atomic():
        evidence = evidence_revoke(evidence=evidence, revoked_by=by, reason=reason)
        audit_log(actor=by, action="skills.evidence.revoke", target=evidence, reason=reason,
                  data={"employee_id": evidence.staff.employee_id, "skill": evidence.skill.code,
                        "level": evidence.level, "source": evidence.source})
    return evidence
