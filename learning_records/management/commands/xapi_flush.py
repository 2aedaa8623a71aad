"""Forward every pending xAPI statement now, ignoring backoff delays (for operators). Exits
non-zero when an LRS could not be sent to: unreachable, or held by another run."""
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from learning_records.forwarding import endpoint_forward, forward_all
from learning_records.models import LrsEndpoint
from learning_records.selectors import endpoint_pending_count


class Command(BaseCommand):
    help = "Envoie maintenant toutes les déclarations xAPI en attente à chaque LRS actif."

    def add_arguments(self, parser):
        parser.add_argument("--lrs", help="nom d'un seul LRS (par défaut : tous les LRS actifs)")
        parser.add_argument(
            "--force", action="store_true",
            help="reprend le LRS même si un autre processus le tient encore (par exemple un worker arrêté "
                 "sans avoir rendu la main) ; ce processus s'arrête avant sa prochaine requête")

    def handle(self, *args, lrs=None, force=False, **options):
        if lrs:
            endpoint = LrsEndpoint.objects.filter(name=lrs, active=True).first()
            if endpoint is None:
                raise CommandError(f"aucun LRS actif nommé {lrs!r}")
            reports = [endpoint_forward(endpoint=endpoint, force=True, take_over=force)]
        else:
            reports = forward_all(force=True, take_over=force)
        if not reports:
            self.stdout.write("Aucun LRS actif : rien à envoyer (ACADEMIE_LRS_URL n'est pas défini).")
            return
        failed = held = False
        for report in reports:
            endpoint = LrsEndpoint.objects.get(name=report.endpoint)
            pending = endpoint_pending_count(endpoint=endpoint)
            if report.lease_taken_over == "forced":
                self.stderr.write(f"Attention : {report.endpoint} était tenu par un autre processus ; repris de "
                                  f"force (--force). S'il tourne encore, il s'arrête avant sa prochaine requête.")
            elif report.lease_taken_over == "expired":
                self.stdout.write(f"{report.endpoint} : bail expiré d'un processus interrompu, repris.")
            if report.skipped:
                held = True
                until = timezone.localtime(report.lease_held_until).strftime("%H:%M:%S") \
                    if report.lease_held_until else "?"
                self.stderr.write(f"{report.endpoint} : déjà en cours d'envoi par un autre processus (bail "
                                  f"jusqu'à {until}) ; rien n'a été envoyé, {pending} en attente")
                continue
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
        if held:
            raise CommandError("au moins un LRS est tenu par un autre processus : relancez plus tard, ou avec "
                               "--force si ce processus est mort")
