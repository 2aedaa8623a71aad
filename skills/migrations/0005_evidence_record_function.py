"""PostgreSQL: `skills_evidence_record`, the whole write of skills.services.evidence_record in one
statement (one round trip instead of a dozen). SQLite and other databases keep the Python path;
tests/skills/test_evidence_record_sql.py checks both write the same evidence, cell, change-log row
and `skill_level.changed` event. The policy is DESIGN.md "Level policy", as in skills.policy.

Lock order as in skills.services: the change-log counter row first, then the cell, then the
`event` counter. Returns (evidence_id, seq): evidence_id NULL when `p_level` is not in the scale
(nothing written), seq NULL when the cell's level and drop instant did not change."""
from django.db import migrations

FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION skills_evidence_record(
    p_staff_id bigint, p_skill_id bigint, p_level integer, p_source text, p_observed_at timestamptz,
    p_valid_until timestamptz, p_recorded_by_id integer, p_reference_type text, p_reference_id text,
    p_note text, p_now timestamptz, p_reason text, p_employee_id text, p_skill_code text,
    p_default_levels integer[],
    OUT evidence_id bigint, OUT seq bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    new_level integer; new_until timestamptz; new_sources jsonb; new_declared integer;
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
    WITH counting AS (
        SELECT e.level, e.source, LEAST(e.valid_until, e.revoked_at) AS ends
        FROM skills_evidence e
        WHERE e.staff_id = p_staff_id AND e.skill_id = p_skill_id AND e.observed_at <= p_now
          AND (e.revoked_at IS NULL OR e.revoked_at > p_now)
          AND (e.valid_until IS NULL OR e.valid_until > p_now)
    ), top AS (
        SELECT COALESCE(MAX(level) FILTER (WHERE source <> 'self'), 0) AS level,
               COALESCE(MAX(level) FILTER (WHERE source = 'self'), 0) AS declared
        FROM counting
    )
    SELECT top.level,
           CASE WHEN top.level = 0 OR bool_or(c.ends IS NULL) FILTER (WHERE c.source <> 'self' AND c.level = top.level)
                THEN NULL ELSE MAX(c.ends) FILTER (WHERE c.source <> 'self' AND c.level = top.level) END,
           CASE WHEN top.level = 0 THEN '[]'::jsonb
                ELSE to_jsonb(array_agg(DISTINCT c.source::text COLLATE "C" ORDER BY c.source::text COLLATE "C")
                              FILTER (WHERE c.source <> 'self' AND c.level = top.level)) END,
           top.declared,
           CASE WHEN top.declared = 0
                     OR bool_or(c.ends IS NULL) FILTER (WHERE c.source = 'self' AND c.level = top.declared)
                THEN NULL ELSE MAX(c.ends) FILTER (WHERE c.source = 'self' AND c.level = top.declared) END
    INTO new_level, new_until, new_sources, new_declared, new_declared_until
    FROM top LEFT JOIN counting c ON true
    GROUP BY top.level, top.declared;

    -- The cell (skills.services._cell_refresh_locked).
    SELECT l.id, l.level, l.valid_until, l.sources, l.declared_level, l.declared_until
    INTO cell_id, old_level, old_until, old_sources, old_declared, old_declared_until
    FROM skills_skilllevel l WHERE l.staff_id = p_staff_id AND l.skill_id = p_skill_id FOR UPDATE;
    IF cell_id IS NULL THEN
        old_level := 0;
        INSERT INTO skills_skilllevel (staff_id, skill_id, level, valid_until, sources, declared_level,
                                       declared_until, updated_at)
        VALUES (p_staff_id, p_skill_id, new_level, new_until, new_sources, new_declared, new_declared_until, p_now);
    ELSIF old_level <> new_level OR old_until IS DISTINCT FROM new_until OR old_sources <> new_sources
          OR old_declared <> new_declared OR old_declared_until IS DISTINCT FROM new_declared_until THEN
        UPDATE skills_skilllevel
        SET level = new_level, valid_until = new_until, sources = new_sources, declared_level = new_declared,
            declared_until = new_declared_until, updated_at = p_now
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
            'valid_until', to_char(new_until AT TIME ZONE 'UTC',
                                   CASE WHEN date_trunc('second', new_until) = new_until
                                        THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'
                                        ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END),
            'reason', left(p_reason, 200)));
    END IF;
END
$fn$;
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS skills_evidence_record(bigint, bigint, integer, text, timestamptz, timestamptz, integer,
                                               text, text, text, timestamptz, text, text, text, integer[]);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('academy', '0001_initial'),
        ('skills', '0004_skilllevel_skilllevel_skill_level_staff'),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
