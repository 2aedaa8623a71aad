"""PostgreSQL: the function `skills_evidence_record` from skills.policy_sql (on a database that
applied 0005, this replaces 0005's text; on a fresh one, it creates it). Later changes of the
module are applied by every `migrate` (skills.policy_sql.install_after_migrate)."""
from django.db import migrations

from skills import policy_sql


def install(apps, schema_editor):
    policy_sql.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    policy_sql.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("academy", "0001_initial"),
        ("skills", "0008_evidence_ledger_seq"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
