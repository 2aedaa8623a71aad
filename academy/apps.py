from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    name = "academy"
    label = "academy"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.models.signals import post_migrate

        from academy.roles import roles_sync_receiver

        post_migrate.connect(roles_sync_receiver, dispatch_uid="academy.roles_sync")
