from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingBridgeConfig(AppConfig):
    name = "routing_bridge"
    label = "routing_bridge"
    verbose_name = _("Pont de routage")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from django.db.models.signals import post_delete, post_save

        from academy.services import event_listener_register
        from routing_bridge.access import clients_changed
        from routing_bridge.models import RouterClient
        from routing_bridge.tasks import webhooks_kick

        event_listener_register(webhooks_kick)
        # Every process keeps the clients it authenticated: a saved or deleted one is read again.
        post_save.connect(clients_changed, sender=RouterClient, dispatch_uid="routing_bridge.access")
        post_delete.connect(clients_changed, sender=RouterClient, dispatch_uid="routing_bridge.access")
