"""python manage.py import_clients FILE [--partial] — see academy.clients and the contract."""
from django.core.management.base import BaseCommand, CommandError

from academy.clients import clients_import
from academy.imports import command_file_read


class Command(BaseCommand):
    help = ("Importe les clients d'un CSV (client_code,name,referent_employee_id,backup_employee_ids,active). "
            "Le fichier est validé en entier : rien n'est écrit si une ligne est invalide, sauf avec --partial. "
            "Code de sortie 1 dès qu'une ligne est rejetée.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="chemin du fichier CSV (UTF-8, « , » ou « ; »), ou - pour l'entrée standard")
        parser.add_argument("--partial", action="store_true", help="importer les lignes valides et signaler les autres")

    def handle(self, *args, file: str, partial: bool, **options):
        content, _name = command_file_read(file)
        report = clients_import(content=content, partial=partial)
        for error in sorted(report.errors, key=lambda e: e.line):
            self.stderr.write(str(error))
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            return
        raise CommandError(report.summary(), returncode=1)
