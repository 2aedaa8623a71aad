from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The top floor: pages that gather what every other app owns (the home dashboard, the lead's
    navigation). It imports from any app; no app imports it."""

    name = "workspace"
    label = "workspace"
    verbose_name = _("Espace de travail")
