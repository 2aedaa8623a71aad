"""Admin wiring: the taxonomy, the scale and role profiles as snippets, plus the import/export page,
grouped under one "Compétences" menu."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from academy.admin_viewsets import SnippetViewSet
from skills import admin_views
from skills.models import Domain, ProficiencyLevel, RoleProfile, Skill


class DomainViewSet(SnippetViewSet):
    model = Domain
    icon = "folder-open-inverse"
    menu_label = _("Domaines")
    list_display = ["code", "name_fr", "name_en", "sort_order"]
    search_fields = ["code", "name_fr", "name_en"]
    search_backend_name = None
    ordering = ["sort_order", "code"]


class SkillViewSet(SnippetViewSet):
    model = Skill
    icon = "tag"
    menu_label = _("Compétences")
    list_display = ["code", "name_fr", "domain", "reference", "active"]
    list_filter = ["domain", "active"]
    search_fields = ["code", "name_fr", "name_en", "description", "reference"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["code"]


class ScaleViewSet(SnippetViewSet):
    model = ProficiencyLevel
    icon = "list-ol"
    menu_label = _("Échelle de maîtrise")
    list_display = ["level", "label_fr", "label_en"]
    ordering = ["level"]


class RoleProfileViewSet(SnippetViewSet):
    model = RoleProfile
    icon = "user"
    menu_label = _("Profils de poste")
    list_display = ["name", "profile", "tier", "domain", "active"]
    list_filter = ["profile", "tier", "domain", "active"]
    search_fields = ["name", "description"]
    search_backend_name = None


class TransferViewSet(ViewSet):
    name = "skills-transfer"
    icon = "table"
    menu_label = _("Import / export")

    def get_urlpatterns(self):
        return [path("", admin_views.transfer, name="index")]


class SkillsGroup(SnippetViewSetGroup):
    menu_label = _("Compétences")
    menu_icon = "tag"
    menu_order = 250
    items = (SkillViewSet, DomainViewSet, RoleProfileViewSet, ScaleViewSet, TransferViewSet)


register_snippet(SkillsGroup)
