from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingBridgeConfig(AppConfig):
    name = "routing_bridge"
    label = "routing_bridge"
    verbose_name = _("Pont de routage")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from academy.services import event_listener_register
        from routing_bridge.tasks import webhooks_kick

        event_listener_register(webhooks_kick)
