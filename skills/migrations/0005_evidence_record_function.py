"""Installed the first version of the PostgreSQL function `skills_evidence_record`. Its text now
lives in skills.policy_sql, beside the other SQL twin of the level policy: migration 0009 installs
it, and every `migrate` reinstalls it (skills.policy_sql.install_after_migrate). This migration
stays, empty, for the history of databases that applied it."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('academy', '0001_initial'),
        ('skills', '0004_skilllevel_skilllevel_skill_level_staff'),
    ]

    operations = []
