from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from skills.policy_sql import install_after_migrate


class SkillsConfig(AppConfig):
    name = "skills"
    label = "skills"
    verbose_name = _("Compétences")

    def ready(self):
        # The SQL twin of the level policy follows skills.policy_sql at every migrate.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="skills.policy_sql")
