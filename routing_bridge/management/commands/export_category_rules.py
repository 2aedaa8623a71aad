from django.core.management.base import BaseCommand

from routing_bridge.services import category_rules_export


class Command(BaseCommand):
    help = "Exporte les règles de catégorie en CSV (même format que l'import) sur la sortie standard ou dans FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")

    def handle(self, *args, file=None, **options):
        content = category_rules_export()
        if file:
            with open(file, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
        else:
            self.stdout.write(content, ending="")
