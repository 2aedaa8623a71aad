"""Prepare a fresh installation's course catalogue: the catalogue page as the Wagtail site root
(served at /formations/) and the content editors' page, image and document permissions on it.
Idempotent; `seed_demo` does the same before adding demo courses."""
from django.core.management.base import BaseCommand
from django.db import transaction

from courses.demo import catalogue_ensure, editor_permissions_ensure


class Command(BaseCommand):
    help = "Crée le catalogue des formations (racine du site Wagtail) et les droits des éditeurs de contenu."

    def handle(self, *args, **options):
        with transaction.atomic():
            catalogue = catalogue_ensure(stdout=self.stdout)
            editor_permissions_ensure(catalogue=catalogue)
        self.stdout.write(self.style.SUCCESS(f"Catalogue prêt : {catalogue.title} (/formations/)"))
