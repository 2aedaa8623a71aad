from django.core.management.base import BaseCommand

from skills.imports import skill_levels_import
from skills.management.commands._import import run_import


class Command(BaseCommand):
    help = ("Enregistre des preuves de niveau depuis un CSV employee_id,skill_code,level,valid_until,source,note "
            "(source par défaut : import ; valid_until : date ou date-heure ISO, facultative).")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--partial", action="store_true", help="importe les lignes valides, signale les autres")

    def handle(self, *args, **options):
        run_import(self, skill_levels_import, path=options["file"], partial=options["partial"])
