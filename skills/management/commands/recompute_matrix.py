import time

from django.core.management.base import BaseCommand

from skills.services import cells_recompute_all


class Command(BaseCommand):
    help = ("Recalcule toutes les cellules de la matrice depuis le registre des preuves et n'écrit que ce qui "
            "diffère (avec le journal des changements). Sans effet si tout est à jour.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=250, help="collaborateurs par transaction (250)")

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = cells_recompute_all(batch_staff=options["batch"], stdout=self.stdout)
        self.stdout.write(
            f"{report.cells_checked} cellules à corriger : {report.cells_created} créées, {report.cells_updated} "
            f"mises à jour, {report.changes_logged} changements journalisés en {time.perf_counter() - started:.1f} s."
        )
