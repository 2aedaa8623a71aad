"""Create a Basic-auth client allowed to read /xapi/statements; prints its secret once."""
from django.core.management.base import BaseCommand, CommandError

from learning_records.services import api_client_create


class Command(BaseCommand):
    help = "Crée un client de l'API xAPI (authentification Basic) et affiche son secret une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args, username, name, **options):
        try:
            client, secret = api_client_create(name=name or username, username=username)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Client {client.username} créé. Secret (affiché une seule fois) : {secret}")
