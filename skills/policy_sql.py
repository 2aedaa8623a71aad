"""The level policy in SQL, for speed on PostgreSQL. The reference is skills.policy: this module
only restates it, piece by piece, and tests/skills/test_policy_sql.py replays random histories
through both and compares every answer at random instants, exact boundaries included. Change the
rule in skills.policy first; those tests fail until this module says the same.

Two places run the policy in the database, because there it costs a fraction of the Python path
(PostgreSQL, 10,000 staff × 60 skills, 1,000,000 evidences; CPU, Python + PostgreSQL):
  - `evaluation`, the policy for many (staff, skill) pairs at once: the bulk recomputation and
    imports (skills.services): 26 s instead of 88 s from empty cells, 3.3 s instead of 24 s when
    nothing changed;
  - the function `skills_evidence_record`, the whole write of skills.services.evidence_record in
    one statement: 1.4 ms instead of 5.8 ms per call, 1 statement instead of 8.
SQLite (the demo) runs the Python path for both.

The function is installed by `install`, from migration 0009 and again after every `migrate`
(SkillsConfig.ready connects `install_after_migrate`): a change here reaches the database at the
next migrate, without a migration. `CREATE OR REPLACE` cannot change the function's parameters:
changing them takes a migration that drops the old one first.
"""
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q

from skills.policy import SELF

# --- The policy, piece by piece (skills.policy) -----------------------------------------------

_SELF = f"'{SELF}'"
# `self` evidences declare a level and never qualify.
QUALIFIES = f"source <> {_SELF}"
DECLARES = f"source = {_SELF}"


def counts_at(at: str) -> str:
    """policy.evidence_counts_at(include_self=True): observed by `at`, not revoked at `at`, not
    expired at `at` (`at == valid_until` is expired). `at` is an SQL expression."""
    return (f"observed_at <= {at} AND (revoked_at IS NULL OR revoked_at > {at}) "
            f"AND (valid_until IS NULL OR valid_until > {at})")


# An evidence counting now stops counting at its expiry or its revocation, whichever comes first;
# NULL: never (LEAST ignores NULLs).
STOPS = "LEAST(valid_until, revoked_at)"


def drop_instant(holding: str) -> str:
    """policy._drop_instant, as an aggregate over counting rows: when every row matching
    `holding` has stopped counting; NULL when one never stops, or when no row matches."""
    return (f"CASE WHEN bool_or(stops IS NULL) FILTER (WHERE {holding}) THEN NULL "
            f"ELSE MAX(stops) FILTER (WHERE {holding}) END")


# The evidences holding the level up: qualifying ones at the top qualifying level; likewise for
# the declared level among `self` ones. Level 0 is held up by none (no drop instant, no sources).
HOLDS_LEVEL = f"{QUALIFIES} AND level = top AND level > 0"
HOLDS_DECLARED = f"{DECLARES} AND level = declared_top AND level > 0"


def evaluation(*, which: str, at: str) -> str:
    """A SELECT of policy.evaluate at `at` for every (staff, skill) pair whose evidences match
    `which` (a condition on skills_evidence): staff_id, skill_id, level, valid_until, sources
    (text[], sorted by code point as Python sorts), declared_level, declared_until. A pair with
    no evidence counting at `at` has no row: level 0, nothing declared."""
    return f"""
SELECT staff_id, skill_id,
       COALESCE(MAX(top), 0) AS level,
       {drop_instant(HOLDS_LEVEL)} AS valid_until,
       COALESCE(array_agg(DISTINCT source::text COLLATE "C" ORDER BY source::text COLLATE "C")
                FILTER (WHERE {HOLDS_LEVEL}), ARRAY[]::text[]) AS sources,
       COALESCE(MAX(declared_top), 0) AS declared_level,
       {drop_instant(HOLDS_DECLARED)} AS declared_until
FROM (
    SELECT staff_id, skill_id, level, source, {STOPS} AS stops,
           MAX(level) FILTER (WHERE {QUALIFIES}) OVER pair AS top,
           MAX(level) FILTER (WHERE {DECLARES}) OVER pair AS declared_top
    FROM skills_evidence
    WHERE ({which}) AND {counts_at(at)}
    WINDOW pair AS (PARTITION BY staff_id, skill_id)
) counting
GROUP BY staff_id, skill_id"""


def iso_utc(expression: str) -> str:
    """A timestamptz as Python's `datetime.isoformat()` writes it in UTC (the `valid_until` of
    `skill_level.changed` events): microseconds only when there are some."""
    return (f"to_char({expression} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {expression}) = {expression} "
            f"THEN 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"' END)")


def changes_between(after, until) -> Q:
    """An ORM filter on evidences: those with an instant of policy.next_change in (after, until]
    (observed, expired or revoked then). A pair with none has the same evaluation at `until` as at
    `after`, so a cell evaluated at `after` is still right (skills.services.cells_expire)."""
    return (Q(observed_at__gt=after, observed_at__lte=until) | Q(valid_until__gt=after, valid_until__lte=until)
            | Q(revoked_at__gt=after, revoked_at__lte=until))


# --- skills_evidence_record: evidence_record in one statement -----------------------------------

_PARAMETERS = ("bigint, bigint, integer, text, timestamptz, timestamptz, integer, text, text, text, timestamptz, "
               "text, text, text, integer[]")

# Lock order as in skills.services: the change-log counter row first, then the cell, then the
# `event` counter. Returns (evidence_id, seq): evidence_id NULL when `p_level` is not in the scale
# (nothing written), seq NULL when the cell's level and drop instant did not change.
FUNCTION_SQL = rf"""
CREATE OR REPLACE FUNCTION skills_evidence_record(
    p_staff_id bigint, p_skill_id bigint, p_level integer, p_source text, p_observed_at timestamptz,
    p_valid_until timestamptz, p_recorded_by_id integer, p_reference_type text, p_reference_id text,
    p_note text, p_now timestamptz, p_reason text, p_employee_id text, p_skill_code text,
    p_default_levels integer[],
    OUT evidence_id bigint, OUT seq bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    new_level integer; new_until timestamptz; new_sources text[]; new_declared integer;
    new_declared_until timestamptz;
    cell_id bigint; old_level integer := 0; old_until timestamptz; old_sources jsonb;
    old_declared integer; old_declared_until timestamptz;
    event_position bigint;
BEGIN
    -- The scale (skills.services.scale_levels): the editable levels, or the default scale when empty.
    IF NOT EXISTS (SELECT 1 FROM skills_proficiencylevel WHERE level = p_level)
       AND (EXISTS (SELECT 1 FROM skills_proficiencylevel) OR NOT p_level = ANY (p_default_levels)) THEN
        RETURN;
    END IF;
    -- The change-log lock (skills.services._lock_change_log), held until the transaction ends.
    PERFORM 1 FROM academy_counter WHERE name = 'skill_change' FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO academy_counter (name, value) VALUES ('skill_change', 0) ON CONFLICT (name) DO NOTHING;
        PERFORM 1 FROM academy_counter WHERE name = 'skill_change' FOR UPDATE;
    END IF;
    INSERT INTO skills_evidence (staff_id, skill_id, level, source, observed_at, valid_until, recorded_by_id,
                                 reference_type, reference_id, note, created_at, revoked_at, revoked_by_id,
                                 revoke_reason)
    VALUES (p_staff_id, p_skill_id, p_level, p_source, p_observed_at, p_valid_until, p_recorded_by_id,
            p_reference_type, p_reference_id, p_note, p_now, NULL, NULL, '')
    RETURNING id INTO evidence_id;

    -- skills.policy.evaluate at p_now over the evidences of the pair (the new one included).
    SELECT e.level, e.valid_until, e.sources, e.declared_level, e.declared_until
    INTO new_level, new_until, new_sources, new_declared, new_declared_until
    FROM ({evaluation(which="staff_id = p_staff_id AND skill_id = p_skill_id", at="p_now")}) e;
    new_level := COALESCE(new_level, 0);
    new_sources := COALESCE(new_sources, ARRAY[]::text[]);
    new_declared := COALESCE(new_declared, 0);

    -- The cell (skills.services._cell_refresh_locked).
    SELECT l.id, l.level, l.valid_until, l.sources, l.declared_level, l.declared_until
    INTO cell_id, old_level, old_until, old_sources, old_declared, old_declared_until
    FROM skills_skilllevel l WHERE l.staff_id = p_staff_id AND l.skill_id = p_skill_id FOR UPDATE;
    IF cell_id IS NULL THEN
        old_level := 0;
        INSERT INTO skills_skilllevel (staff_id, skill_id, level, valid_until, sources, declared_level,
                                       declared_until, updated_at)
        VALUES (p_staff_id, p_skill_id, new_level, new_until, to_jsonb(new_sources), new_declared,
                new_declared_until, p_now);
    ELSIF old_level <> new_level OR old_until IS DISTINCT FROM new_until OR old_sources <> to_jsonb(new_sources)
          OR old_declared <> new_declared OR old_declared_until IS DISTINCT FROM new_declared_until THEN
        UPDATE skills_skilllevel
        SET level = new_level, valid_until = new_until, sources = to_jsonb(new_sources),
            declared_level = new_declared, declared_until = new_declared_until, updated_at = p_now
        WHERE id = cell_id;
    END IF;

    -- A change of level or drop instant: the change log and `skill_level.changed`.
    IF old_level <> new_level OR old_until IS DISTINCT FROM new_until THEN
        UPDATE academy_counter SET value = value + 1 WHERE name = 'skill_change' RETURNING value INTO seq;
        INSERT INTO skills_skillchange (seq, staff_id, skill_id, old_level, new_level, valid_until, at, reason)
        VALUES (seq, p_staff_id, p_skill_id, old_level, new_level, new_until, p_now, left(p_reason, 200));
        INSERT INTO academy_counter AS counter (name, value) VALUES ('event', 1)
        ON CONFLICT (name) DO UPDATE SET value = counter.value + 1
        RETURNING counter.value INTO event_position;
        INSERT INTO academy_event (id, position, type, seq, occurred_at, data)
        VALUES (gen_random_uuid(), event_position, 'skill_level.changed', seq, p_now, jsonb_build_object(
            'employee_id', p_employee_id, 'skill', p_skill_code, 'old_level', old_level, 'new_level', new_level,
            'valid_until', {iso_utc("new_until")}, 'reason', left(p_reason, 200)));
    END IF;
END
$fn$;
"""

DROP_SQL = f"DROP FUNCTION IF EXISTS skills_evidence_record({_PARAMETERS})"

# The migration that first installs the function from this module.
INSTALLED_BY = ("skills", "0009_policy_sql_function")


def install(connection) -> None:
    """Create or replace the function on a PostgreSQL connection (nothing elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(FUNCTION_SQL)


def uninstall(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(DROP_SQL)


def install_after_migrate(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate: reinstall the function once migration 0009 is applied, so that the database
    runs this module's text, not the text of the day the migration ran."""
    connection = connections[using]
    if connection.vendor == "postgresql" and INSTALLED_BY in MigrationRecorder(connection).applied_migrations():
        install(connection)
