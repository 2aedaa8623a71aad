"""python manage.py import_staff FILE [--partial] — see academy.staff_import and the contract."""
from django.core.management.base import BaseCommand, CommandError

from academy.imports import command_file_read
from academy.staff_import import staff_import


class Command(BaseCommand):
    help = ("Importe les collaborateurs d'un CSV (employee_id,username,email,first_name,last_name,team,"
            "profile,tier,manager_employee_id,languages). Rien n'est écrit si une ligne est invalide, "
            "sauf avec --partial. Code de sortie 1 dès qu'une ligne est rejetée.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="chemin du fichier CSV (UTF-8, « , » ou « ; »), ou - pour l'entrée standard")
        parser.add_argument("--partial", action="store_true",
                            help="importer les lignes valides et signaler les autres")

    def handle(self, *args, file: str, partial: bool, **options):
        content, name = command_file_read(file)
        report = staff_import(content=content, partial=partial, filename=name)
        for error in report.errors:
            self.stderr.write(str(error))
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(str(warning)))
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            return
        raise CommandError(report.summary(), returncode=1)
