"""Prepare a fresh installation's knowledge base: the index page at /connaissances/, the
"Validation par un expert" workflow and the editors' and experts' page permissions. Idempotent;
`seed_demo` does the same before adding demo documents."""
from django.core.management.base import BaseCommand

from knowledge.services import knowledge_base_ensure


class Command(BaseCommand):
    help = ("Crée la base de connaissances (/connaissances/), le circuit « Validation par un expert » et les droits "
            "des éditeurs et des experts.")

    def handle(self, *args, **options):
        index_page = knowledge_base_ensure(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Base de connaissances prête : {index_page.title} (/connaissances/)"))
