from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from routing_bridge.services import category_rules_import


class Command(BaseCommand):
    help = ("Importe des règles de catégorie depuis un CSV (category,required,optional,tiers,ticket_type,description ; "
            "ticket_type facultative, vide : tout type). "
            "Le fichier est validé en entier : à la moindre erreur rien n'est importé, sauf avec --partial.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--partial", action="store_true", help="importer les lignes valides malgré les erreurs")

    def handle(self, *args, file, partial, **options):
        path = Path(file)
        try:
            content = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} : {exc}") from None
        report = category_rules_import(content=content, partial=partial)
        for error in report.errors:
            self.stderr.write(error)
        if report.errors and not partial:
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'a été importé.")
        self.stdout.write(f"créées={report.created} modifiées={report.updated} inchangées={report.unchanged} "
                          f"erreurs={len(report.errors)}")
