import importlib

from django.apps import AppConfig
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext_lazy as _


class RoutingBridgeConfig(AppConfig):
    name = "routing_bridge"
    label = "routing_bridge"
    verbose_name = _("Pont de routage")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from django.db.models.signals import post_delete, post_migrate, post_save

        from academy.services import event_listener_register
        from knowledge.extensions import extensions_register
        from routing_bridge.reports import document_usage
        from routing_bridge.access import clients_changed
        from routing_bridge.models import RouterClient
        from routing_bridge.tasks import webhooks_kick

        event_listener_register(webhooks_kick)
        # Each knowledge-base document shows how often tickets that used it were resolved or escalated.
        extensions_register(document_usage=document_usage)
        # Every process keeps the clients it authenticated: a saved or deleted one is read again.
        post_save.connect(clients_changed, sender=RouterClient, dispatch_uid="routing_bridge.access")
        post_delete.connect(clients_changed, sender=RouterClient, dispatch_uid="routing_bridge.access")
        post_migrate.connect(triggers_reinstall, sender=self, dispatch_uid="routing_bridge.triggers")


# The triggers the matrix copy relies on (routing_bridge.matrix), with the migration that installs
# them. SQLite loses a table's triggers whenever a later migration rebuilds that table (as altering
# a column does there), so every migrate installs them again; on PostgreSQL this changes nothing.
TRIGGER_MIGRATIONS = [("routing_bridge", "0003_mirror_version_triggers"),
                      ("routing_bridge", "0005_availability_version_triggers"),
                      ("routing_bridge", "0008_client_version_triggers")]
LEDGER_MIGRATION = ("skills", "0008_evidence_ledger_seq")


def triggers_reinstall(sender, using="default", **kwargs):
    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    with connection.schema_editor() as schema_editor:
        for app, name in TRIGGER_MIGRATIONS:
            if (app, name) in applied:
                importlib.import_module(f"{app}.migrations.{name}").install(None, schema_editor)
        if connection.vendor == "sqlite" and LEDGER_MIGRATION in applied:
            ledger = importlib.import_module(f"{LEDGER_MIGRATION[0]}.migrations.{LEDGER_MIGRATION[1]}")
            for statement in ledger.SQLITE_INSTALL:
                if statement.startswith(("DROP TRIGGER", "CREATE TRIGGER")):  # not the renumbering
                    schema_editor.execute(statement)
