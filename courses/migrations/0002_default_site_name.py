"""Name the default Wagtail site and give it the site's address, for databases migrated before
`seed_demo` did it: the admin showed editors "localhost" (see academy/sites.py)."""
from django.db import migrations

from wagtail.models import Site

from academy.sites import default_site_identify
from courses import site_cache


def identify(apps, schema_editor):
    if default_site_identify(apps.get_model("wagtailcore", "Site")):
        # Saving the historical model sends no signal the caches listen to: drop what they hold.
        Site.clear_site_root_paths_cache()
        site_cache.sites_changed()


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0001_initial"),
        # Wagtail's initial data: the default site this names.
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [
        migrations.RunPython(identify, migrations.RunPython.noop),
    ]
