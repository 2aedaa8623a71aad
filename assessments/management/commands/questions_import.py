"""python manage.py questions_import FILE [--dry-run] — import the question bank (JSON format of
docs/assessments.md). Prints an item-numbered error report and writes nothing on error."""
from django.core.management.base import BaseCommand, CommandError

from assessments.exchange import questions_import


class Command(BaseCommand):
    help = "Importe des questions depuis un fichier JSON (voir docs/assessments.md)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier sans rien enregistrer.")

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc}") from None
        report = questions_import(text=text, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
        verb = "à créer" if dry_run else "créée(s)"
        self.stdout.write(f"{report.created} question(s) {verb}, {report.updated} mise(s) à jour"
                          + (" (vérification seulement)." if dry_run else "."))
