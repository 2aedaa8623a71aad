from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathsConfig(AppConfig):
    name = "courses.paths"
    label = "paths"
    verbose_name = _("Parcours de formation")

    def ready(self):
        # The lead's /equipe/ page (skills) shows the path sections through its registry, so
        # skills does not import paths.
        from courses.paths.views import team_sections_context
        from skills.views import team_section_register

        team_section_register("paths/_team_sections.html", team_sections_context)
