"""PostgreSQL: every statement that writes `academy_staff` sets the counter row `staff_version`
to a new number of the sequence `routing_bridge_staff_version`, in the writing transaction.
routing_bridge.matrix keeps a copy of the staff rows it ranks with (active, tier, profile,
employee id) and reads this row on each use: a different number means the copy must be read
again. A sequence number is never handed out twice, even when its transaction rolls back, so the
row's value names one state of the table (an increment could come back to a value already seen
after a rollback). SQLite and other databases have no such copy."""
from django.db import migrations

INSTALL_SQL = r"""
CREATE SEQUENCE IF NOT EXISTS routing_bridge_staff_version;
CREATE OR REPLACE FUNCTION routing_bridge_staff_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO academy_counter (name, value) VALUES ('staff_version', nextval('routing_bridge_staff_version'))
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$fn$;
DROP TRIGGER IF EXISTS routing_bridge_staff_version ON academy_staff;
CREATE TRIGGER routing_bridge_staff_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON academy_staff
    FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_staff_version_bump();
"""

DROP_SQL = r"""
DROP TRIGGER IF EXISTS routing_bridge_staff_version ON academy_staff;
DROP FUNCTION IF EXISTS routing_bridge_staff_version_bump();
DROP SEQUENCE IF EXISTS routing_bridge_staff_version;
DELETE FROM academy_counter WHERE name = 'staff_version';
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL_SQL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('academy', '0001_initial'),
        ('routing_bridge', '0001_initial'),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
