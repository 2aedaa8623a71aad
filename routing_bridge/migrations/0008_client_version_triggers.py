"""Every write to the client companies or their backups sets the counter row `staff_version` (and,
on PostgreSQL, NOTIFYs the channel `routing_bridge_matrix` at its commit), as migration 0003 does
for the staff: the copy of routing_bridge.matrix holds each client's referent and backups (client
familiarity, contract 1.1), read again with the people. PostgreSQL: statement triggers; SQLite
(the demo): row triggers writing a random number."""
from django.db import migrations

TABLES = ["academy_client", "academy_client_backups"]
COUNTER = "staff_version"
PG_EVENTS = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]
SQLITE_BUMP = (f"INSERT INTO academy_counter (name, value) VALUES ('{COUNTER}', abs(random())) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value;")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            # The functions routing_bridge_counter_bump() and routing_bridge_matrix_notify() are 0003's.
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{table} ON {table}")
            schema_editor.execute(f"CREATE TRIGGER routing_bridge_mirror_{table} AFTER {PG_EVENTS} ON {table} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_counter_bump('{COUNTER}')")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_matrix_notify_{table} ON {table}")
            schema_editor.execute(f"CREATE TRIGGER routing_bridge_matrix_notify_{table} AFTER {PG_EVENTS} ON {table} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_matrix_notify()")
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                name = f"routing_bridge_mirror_{table}_{event.lower()}"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP} END")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{table} ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_matrix_notify_{table} ON {table}")
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{table}_{event.lower()}")


class Migration(migrations.Migration):

    dependencies = [
        ("routing_bridge", "0007_merge_feedback_client"),
        ("academy", "0002_client"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
