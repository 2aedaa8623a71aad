"""The counter row `staff_version` now names one state of everything routing_bridge.matrix copies
besides the ledger's evidences: staff, the users' names, skills and the scale. Ticket feedback (the
last assignments) sets `feedback_version`, and deletions of evidences (the ledger's inserts and revocations are followed by
`skills_evidence.ledger_seq`). A different number and the copy is read again. Deleting evidences
(which the ledger never does, but an administrator's SQL might) sets the row `ledger_reset` instead:
the copy of the ledger is then read again.

PostgreSQL also NOTIFYs the channel `routing_bridge_matrix` at the commit of every such write and of
every write to the ledger: each process's listener then knows its copy must read what changed, and
reads nothing between changes.

PostgreSQL: the statement trigger of migration 0002 on more tables (users: only when a name
changes, not at each login). SQLite (the demo): row triggers writing a random number (a rolled back
increment could come back to a number already seen)."""
from django.db import migrations

# PostgreSQL: the same, for the counter named by the trigger's argument.
PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION routing_bridge_counter_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO academy_counter (name, value) VALUES (TG_ARGV[0], nextval('routing_bridge_staff_version'))
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END
$fn$;
"""
# (table, events) for PostgreSQL; the staff table has its trigger since 0002.
PG_TRIGGERS = [
    ("auth_user", "INSERT OR UPDATE OF username, first_name, last_name OR DELETE OR TRUNCATE"),
    ("routing_bridge_ticketfeedback", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_skill", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_proficiencylevel", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_evidence", "DELETE OR TRUNCATE"),
]
COUNTER = {"skills_evidence": "ledger_reset", "routing_bridge_ticketfeedback": "feedback_version"}  # else staff_version
SQLITE_TRIGGERS = [
    ("academy_staff", ["INSERT", "UPDATE", "DELETE"]),
    ("auth_user", ["INSERT", "UPDATE OF username, first_name, last_name", "DELETE"]),
    ("routing_bridge_ticketfeedback", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_skill", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_proficiencylevel", ["INSERT", "UPDATE", "DELETE"]),
    ("skills_evidence", ["DELETE"]),
]
SQLITE_BUMP = ("INSERT INTO academy_counter (name, value) VALUES ('{counter}', abs(random())) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value;")


NOTIFY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION routing_bridge_matrix_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_notify('routing_bridge_matrix', '');
    RETURN NULL;
END
$fn$;
"""
NOTIFY_TABLES = [
    ("academy_staff", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("auth_user", "INSERT OR UPDATE OF username, first_name, last_name OR DELETE OR TRUNCATE"),
    ("routing_bridge_ticketfeedback", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_skill", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_proficiencylevel", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("skills_evidence", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
]


def _sqlite_name(table, event):
    return f"routing_bridge_mirror_{table}_{event.split()[0].lower()}"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(NOTIFY_FUNCTION)
        for table, events in NOTIFY_TABLES:
            name = f"routing_bridge_matrix_notify_{table}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_matrix_notify()")
        for table, events in PG_TRIGGERS:
            name = f"routing_bridge_mirror_{table}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                                  f"FOR EACH STATEMENT EXECUTE FUNCTION routing_bridge_counter_bump('{COUNTER.get(table, 'staff_version')}')")
    elif vendor == "sqlite":
        for table, events in SQLITE_TRIGGERS:
            for event in events:
                name = _sqlite_name(table, event)
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
                schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {SQLITE_BUMP.format(counter=COUNTER.get(table, 'staff_version'))} END")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, _events in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_mirror_{table} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS routing_bridge_counter_bump()")
        for table, _events in NOTIFY_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS routing_bridge_matrix_notify_{table} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS routing_bridge_matrix_notify()")
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
