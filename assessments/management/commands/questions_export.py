"""python manage.py questions_export [-o FILE] [--skill CODE] — export the question bank."""
from django.core.management.base import BaseCommand

from assessments.exchange import questions_export
from assessments.models import Question


class Command(BaseCommand):
    help = "Exporte la banque de questions au format JSON (voir docs/assessments.md)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="Fichier de sortie (par défaut : sortie standard).")
        parser.add_argument("--skill", action="append", default=[], help="Seulement les questions de cette compétence.")

    def handle(self, *args, output=None, skill=(), **options):
        qs = Question.objects.all()
        if skill:
            qs = qs.filter(skills__code__in=skill).distinct()
        text = questions_export(queryset=qs)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stdout.write(f"{qs.count()} question(s) exportée(s) dans {output}.")
        else:
            self.stdout.write(text, ending="")
