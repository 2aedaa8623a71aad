from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from routing_bridge.services import router_client_create


class Command(BaseCommand):
    help = ("Crée un client routeur et affiche son jeton (et le secret du webhook si une URL est donnée), "
            "une valeur par ligne : token=... puis webhook_secret=...")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True,
                            help="taxonomy:read,matrix:read,qualified:query,feedback:write,availability:write (séparés par des virgules)")
        parser.add_argument("--webhook-url", default="")
        parser.add_argument("--rate-limit", type=int, default=None, help="requêtes par minute (défaut 600)")

    def handle(self, *args, name, scopes, webhook_url, rate_limit, **options):
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        try:
            created = router_client_create(name=name, scopes=scope_list, webhook_url=webhook_url,
                                           rate_limit_per_minute=rate_limit)
        except ValidationError as exc:
            messages = []
            for field, errors in getattr(exc, "message_dict", {"": exc.messages}).items():
                messages.extend(f"{field}: {e}" if field else e for e in errors)
            raise CommandError("\n".join(messages)) from None
        self.stdout.write(f"token={created.token}")
        if created.webhook_secret:
            self.stdout.write(f"webhook_secret={created.webhook_secret}")
