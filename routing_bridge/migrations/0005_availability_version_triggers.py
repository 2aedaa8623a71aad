"""Every write to the availability reports sets the counter row `availability_version` (and, on
PostgreSQL, NOTIFYs the channel `routing_bridge_matrix` at its commit), as migration 0003 does for
the other tables routing_bridge.matrix copies: each process's copy then reads the reports again at
its next question. PostgreSQL: statement triggers (one per statement, however many rows a bulk
upsert writes); SQLite (the demo): row triggers writing a random number."""
from django.db import migrations

TABLE = "routing_bridge_availability"
COUNTER = "availability_version"
PG_EVENTS = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]
SQLITE_BUMP = (f"INSERT INTO academy_counter (name, value) VALUES ('{COUNTER}', abs(random())) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value;")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The functions routing_bridge_counter_bump() and routing_bridge_matrix_notify() are 0003's.
        schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{TABLE} ON {TABLE}")
        schema_editor.execute(f"CREATE TRIGGER routing_bridge_mirror_{TABLE} AFTER {PG_EVENTS} ON {TABLE} "
                              f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_counter_bump('{COUNTER}')")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_matrix_notify_{TABLE} ON {TABLE}")
        schema_editor.execute(f"CREATE TRIGGER routing_bridge_matrix_notify_{TABLE} AFTER {PG_EVENTS} ON {TABLE} "
                              f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_matrix_notify()")
    elif vendor == "sqlite":
        for event in SQLITE_EVENTS:
            name = f"routing_bridge_mirror_{TABLE}_{event.lower()}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} BEGIN {SQLITE_BUMP} END")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{TABLE} ON {TABLE}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_matrix_notify_{TABLE} ON {TABLE}")
    elif vendor == "sqlite":
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{TABLE}_{event.lower()}")


class Migration(migrations.Migration):

    dependencies = [
        ("routing_bridge", "0004_availability"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
