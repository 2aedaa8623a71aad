"""Forward every pending xAPI statement now, ignoring backoff delays (for operators)."""
from django.core.management.base import BaseCommand, CommandError

from academy.xapi.forwarding import endpoint_forward, forward_all
from academy.xapi.models import LrsEndpoint
from academy.xapi.selectors import endpoint_pending_count


class Command(BaseCommand):
    help = "Envoie maintenant toutes les déclarations xAPI en attente à chaque LRS actif."

    def add_arguments(self, parser):
        parser.add_argument("--lrs", help="nom d'un seul LRS (par défaut : tous les LRS actifs)")

    def handle(self, *args, lrs=None, **options):
        if lrs:
            endpoint = LrsEndpoint.objects.filter(name=lrs, active=True).first()
            if endpoint is None:
                raise CommandError(f"aucun LRS actif nommé {lrs!r}")
            reports = [endpoint_forward(endpoint=endpoint, force=True)]
        else:
            reports = forward_all(force=True)
        if not reports:
            self.stdout.write("Aucun LRS actif : rien à envoyer (ACADEMIE_LRS_URL n'est pas défini).")
            return
        failed = False
        for report in reports:
            endpoint = LrsEndpoint.objects.get(name=report.endpoint)
            pending = endpoint_pending_count(endpoint=endpoint)
            if report.skipped:
                line = f"{report.endpoint} : déjà en cours d'envoi par un autre processus"
            else:
                line = (f"{report.endpoint} : {report.delivered} envoyée(s), {report.refused} refusée(s), "
                        f"{pending} en attente")
            if report.error:
                failed = True
                line += f" — erreur : {report.error}"
                self.stderr.write(line)
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("au moins un LRS est injoignable ; nouvel essai automatique plus tard")
