from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    name = "academy"
    label = "academy"
    verbose_name = _("Organisation")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from academy.roles import roles_sync_receiver

        post_migrate.connect(roles_sync_receiver, dispatch_uid="academy.roles_sync")
