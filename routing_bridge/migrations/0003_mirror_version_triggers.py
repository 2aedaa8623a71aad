"""The counter row `staff_version` now names one state of everything routing_bridge.matrix copies
besides the ledger's evidences: staff, the users' names, ticket feedback (last assignments), skills
and the scale, and deletions of evidences (the ledger's inserts and revocations are followed by
`skills_evidence.ledger_seq`). A different number and the copy is read again.

PostgreSQL: the statement trigger of migration 0002 on more tables (users: only when a name
changes, not at each login). SQLite (the demo): row triggers writing a random number (a rolled back
increment could come back to a number already seen)."""
from django.db import migrations

BUMP = "routing_bridge_staff_version_bump()"
# (table, events) for PostgreSQL; the staff table has its trigger since 0002.
PG_TRIGGERS = [
    ("auth_user", "INSERT OR UPDATE OF username, first_name, last_name OR DELETE OR TRUNCATE"),
    ("routing_bridge_ticketfeedback", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_skill", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_proficiencylevel", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_evidence", "DELETE OR TRUNCATE"),
]
SQLITE_TRIGGERS = [
    ("academy_staff", ["INSERT", "UPDATE", "DELETE"]),
    ("auth_user", ["INSERT", "UPDATE OF username, first_name, last_name", "DELETE"]),
    ("routing_bridge_ticketfeedback", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_skill", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_proficiencylevel", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_evidence", ["DELETE"]),
]
SQLITE_BUMP = ("INSERT INTO academy_counter (name, value) VALUES ('staff_version', abs(random())) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value;")


def _sqlite_name(table, event):
    return f"routing_bridge_mirror_{table}_{event.split()[0].lower()}"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, events in PG_TRIGGERS:
            name = f"routing_bridge_mirror_{table}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION {BUMP}")
    elif vendor == "sqlite":
        for table, events in SQLITE_TRIGGERS:
            for event in events:
                name = _sqlite_name(table, event)
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP} END")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, _events in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{table} ON {table}")
    elif vendor == "sqlite":
        for table, events in SQLITE_TRIGGERS:
            for event in events:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")


class Migration(migrations.Migration):

    dependencies = [
        ("routing_bridge", "0002_staff_version_trigger"),
        ("skills", "0008_evidence_ledger_seq"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
