from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingBridgeConfig(AppConfig):
    name = "routing_bridge"
    label = "routing_bridge"
    verbose_name = _("Pont de routage")
