"""Admin wiring: training paths, assignment rules and assignments, grouped under one "Parcours"
menu, for admins to read. Every change to them goes through the services (who may change what,
withdrawing a rule's open assignments, the audit entry), so the admin changes nothing: its
listings send admins to the site's pages (/equipe/parcours/), which call the services. Leads use
those pages; the admin shows them none of it, whatever the team_lead group holds."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from academy.admin_viewsets import AdminReadOnlyPolicy, SnippetViewSet
from courses.paths.models import PathAssignment, PathRule, TrainingPath

# Registered before the viewsets ask for them (Wagtail creates a fallback policy on first use).
for _model in (TrainingPath, PathRule, PathAssignment):
    register_permission_policy(_model, AdminReadOnlyPolicy(_model))


class TrainingPathViewSet(SnippetViewSet):
    model = TrainingPath
    icon = "list-ol"
    menu_label = _("Parcours")
    list_display = ["name", "role_profile", "created_by", "active"]
    list_filter = ["active", "role_profile"]
    search_fields = ["name", "description"]
    search_backend_name = None
    ordering = ["name"]
    inspect_view_enabled = True


class PathRuleViewSet(SnippetViewSet):
    model = PathRule
    icon = "group"
    menu_label = _("Règles d'affectation")
    list_display = ["path", "scope_label", "due_mode", "active"]
    list_filter = ["active", "path", "team"]
    ordering = ["path", "created_at"]
    inspect_view_enabled = True


class PathAssignmentViewSet(SnippetViewSet):
    model = PathAssignment
    icon = "user"
    menu_label = _("Affectations")
    list_display = ["path", "staff", "origin", "due_on", "assigned_at", "withdrawn_at"]
    list_filter = ["path", "origin"]
    search_fields = ["staff__employee_id", "staff__user__last_name", "path__name"]
    search_backend_name = None
    list_per_page = 50
    ordering = ["due_on", "assigned_at"]
    inspect_view_enabled = True


class PathsGroup(SnippetViewSetGroup):
    menu_label = _("Parcours")
    menu_icon = "list-ol"
    menu_order = 260
    items = (TrainingPathViewSet, PathRuleViewSet, PathAssignmentViewSet)


register_snippet(PathsGroup)


def site_page_url(snippet) -> str | None:
    """The site's page where `snippet` is changed through the services, or None."""
    if isinstance(snippet, TrainingPath):
        return reverse("paths:path_detail", args=[snippet.pk])
    if isinstance(snippet, PathRule):
        return reverse("paths:path_detail", args=[snippet.path_id])
    if isinstance(snippet, PathAssignment):
        return reverse("paths:assignment_detail", args=[snippet.pk])
    return None


@hooks.register("register_snippet_listing_buttons")
def paths_site_page_button(snippet, user, next_url=None):
    url = site_page_url(snippet)
    if url:
        yield ListingButton(_("Gérer sur le site"), url, icon_name="link-external", priority=10)
