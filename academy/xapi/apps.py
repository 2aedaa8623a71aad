from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "academy.xapi"
    label = "xapi"
    verbose_name = _("Traces xAPI")

    def ready(self):
        # Services kick the forwarding task by its name (academy.tasks.task_kick): register it.
        from academy.xapi import tasks  # noqa: F401
