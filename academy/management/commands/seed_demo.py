"""python manage.py seed_demo [--staff N] [--password P] — the demo, idempotent."""
import importlib

from django.core.management.base import BaseCommand, CommandError

from academy import demo

# Each app's demo module, in dependency order: skills first (taxonomy), the router last.
APP_DEMOS = [
    "skills.demo",
    "courses.demo",
    "assessments.demo",
    "courses.paths.demo",
    "knowledge.demo",
    "routing_bridge.demo",
]


class Command(BaseCommand):
    help = ("Crée les données de démonstration (équipes, collaborateurs, comptes technicien, chef, dispatch, "
            "editeur, admin) puis celles de chaque application. Relancer ne crée rien de plus.")

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=150, help="nombre de collaborateurs générés (150)")
        parser.add_argument("--password", default=demo.DEMO_PASSWORD,
                            help="mot de passe des comptes de démonstration (academie)")

    def handle(self, *args, staff: int, password: str, **options):
        if staff < 0:
            raise CommandError("--staff doit être positif ou nul.")
        if not password:
            raise CommandError("--password ne peut pas être vide.")
        demo.seed(stdout=self.stdout, staff_count=staff, password=password)
        for module_name in APP_DEMOS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                self.stdout.write(f"({module_name} absent : ignoré)")
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"Démo prête. Comptes : technicien, chef, dispatch, editeur, expert, admin — mot de passe : {password}"
        ))
