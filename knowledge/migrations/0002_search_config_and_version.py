"""The French text search configuration without accents that the search backend uses on PostgreSQL
(settings.WAGTAILSEARCH_BACKENDS: "french_unaccent"), and the one row of KnowledgeVersion.

A database indexed before this migration with the "french" configuration must be indexed again
(`python manage.py update_index`): its stored vectors keep their accents."""
from django.db import migrations

CREATE_CONFIG = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""


def search_config_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_CONFIG)


def version_row_create(apps, schema_editor):
    apps.get_model("knowledge", "KnowledgeVersion").objects.get_or_create(pk=1, defaults={"value": 0})


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(search_config_create, migrations.RunPython.noop),
        migrations.RunPython(version_row_create, migrations.RunPython.noop),
    ]
