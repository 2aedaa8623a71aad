"""`Evidence.ledger_seq`: the order in which the ledger changed, stamped by the database itself so
that every writer (services, bulk COPY, factories, the admin) is covered. A new number at every
insert and at every update of what the policy reads (level, source, observed_at, valid_until,
revoked_at); other updates keep it. PostgreSQL: a sequence and a BEFORE trigger. SQLite: AFTER
triggers taking the largest number plus one (SQLite has one writer at a time). Existing rows are
numbered in id order."""
from django.db import migrations, models

POLICY_COLUMNS = ("level", "source", "observed_at", "valid_until", "revoked_at")

PG_INSTALL = r"""
CREATE SEQUENCE IF NOT EXISTS skills_evidence_ledger;
UPDATE skills_evidence e SET ledger_seq = n.rank FROM (
    SELECT id, row_number() OVER (ORDER BY id) AS rank FROM skills_evidence) n WHERE n.id = e.id;
SELECT setval('skills_evidence_ledger', COALESCE((SELECT MAX(ledger_seq) FROM skills_evidence), 0) + 1, false);
CREATE OR REPLACE FUNCTION skills_evidence_ledger_stamp() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.level IS DISTINCT FROM OLD.level OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.observed_at IS DISTINCT FROM OLD.observed_at OR NEW.valid_until IS DISTINCT FROM OLD.valid_until
       OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
        NEW.ledger_seq := nextval('skills_evidence_ledger');
    ELSE
        NEW.ledger_seq := OLD.ledger_seq;
    END IF;
    RETURN NEW;
END
$fn$;
DROP TRIGGER IF EXISTS skills_evidence_ledger ON skills_evidence;
CREATE TRIGGER skills_evidence_ledger BEFORE INSERT OR UPDATE ON skills_evidence
    FOR EACH ROW EXECUTE FUNCTION skills_evidence_ledger_stamp();
"""

PG_DROP = r"""
DROP TRIGGER IF EXISTS skills_evidence_ledger ON skills_evidence;
DROP FUNCTION IF EXISTS skills_evidence_ledger_stamp();
DROP SEQUENCE IF EXISTS skills_evidence_ledger;
"""

_SQLITE_STAMP = ("UPDATE skills_evidence SET ledger_seq = (SELECT COALESCE(MAX(ledger_seq), 0) + 1 FROM skills_evidence)"
                 " WHERE id = NEW.id;")
SQLITE_INSTALL = [
    "UPDATE skills_evidence SET ledger_seq = id",
    "DROP TRIGGER IF EXISTS skills_evidence_ledger_insert",
    f"CREATE TRIGGER skills_evidence_ledger_insert AFTER INSERT ON skills_evidence BEGIN {_SQLITE_STAMP} END",
    "DROP TRIGGER IF EXISTS skills_evidence_ledger_update",
    f"CREATE TRIGGER skills_evidence_ledger_update AFTER UPDATE OF {', '.join(POLICY_COLUMNS)} ON skills_evidence "
    f"BEGIN {_SQLITE_STAMP} END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS skills_evidence_ledger_insert",
               "DROP TRIGGER IF EXISTS skills_evidence_ledger_update"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("skills", "0007_skill_level_staff_index_with_valid_until"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence", name="ledger_seq",
            field=models.BigIntegerField(db_index=True, editable=False, null=True),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
