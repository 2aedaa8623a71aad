from django.core.management.base import BaseCommand

from skills.imports import taxonomy_import
from skills.management.commands._import import run_import


class Command(BaseCommand):
    help = ("Importe domaines et compétences depuis un CSV "
            "domain_code,domain_name,skill_code,skill_name,description,reference "
            "(colonnes facultatives : domain_name_en, skill_name_en, active).")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--partial", action="store_true", help="importe les lignes valides, signale les autres")

    def handle(self, *args, **options):
        run_import(self, taxonomy_import, path=options["file"], partial=options["partial"])
