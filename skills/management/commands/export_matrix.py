from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from academy.models import Staff, Team
from academy.selectors import team_descendant_ids
from skills.imports import matrix_export


class Command(BaseCommand):
    help = ("Exporte la matrice (niveaux effectifs et date de fin de validité) en CSV — au format de "
            "import_skill_levels, réimportable — ou en XLSX.")

    def add_arguments(self, parser):
        parser.add_argument("--team", help="nom d'une équipe (ses sous-équipes comprises) ; par défaut tout le monde")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="fichier de sortie ; par défaut la sortie standard (CSV seulement)")
        parser.add_argument("--include-inactive", action="store_true", help="inclut les collaborateurs inactifs")

    def handle(self, *args, **options):
        staff = Staff.objects.all()
        if not options["include_inactive"]:
            staff = staff.filter(active=True)
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"équipe inconnue : {options['team']}")
            staff = staff.filter(team_id__in=team_descendant_ids([team.id]))
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("--format xlsx demande --output FICHIER")
        content = matrix_export(staff_qs=staff, fmt=options["format"])
        if options["output"]:
            Path(options["output"]).write_bytes(content)
            self.stdout.write(f"matrice écrite dans {options['output']}")
        else:
            self.stdout.write(content.decode("utf-8"), ending="")
