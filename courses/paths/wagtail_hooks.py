"""Admin wiring: training paths (with their steps inline), assignment rules and assignments,
grouped under one "Parcours" menu. The lead-facing pages (/equipe/parcours/) go through the
services and their checks; the admin is for admins and leads who prefer it (paths.* permissions)."""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from courses.paths.models import PathAssignment, PathRule, TrainingPath


class TrainingPathViewSet(SnippetViewSet):
    model = TrainingPath
    icon = "list-ol"
    menu_label = _("Parcours")
    list_display = ["name", "role_profile", "created_by", "active"]
    list_filter = ["active", "role_profile"]
    search_fields = ["name", "description"]
    search_backend_name = None
    ordering = ["name"]


class PathRuleViewSet(SnippetViewSet):
    model = PathRule
    icon = "group"
    menu_label = _("Règles d'affectation")
    list_display = ["path", "scope_label", "due_mode", "active"]
    list_filter = ["active", "path", "team"]
    ordering = ["path", "created_at"]


class AssignmentPermissionPolicy(ModelPermissionPolicy):
    """Assignments are made on the lead pages or by rules (they enrol people in courses, check
    permissions and prerequisites); the admin may correct a due date or withdraw, never add."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [a for a in actions if a != "add"])

    def users_with_any_permission(self, actions):
        actions = [a for a in actions if a != "add"]
        return super().users_with_any_permission(actions) if actions else get_user_model().objects.none()


register_permission_policy(PathAssignment, AssignmentPermissionPolicy(PathAssignment))


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
    panels = [FieldPanel("due_on"), FieldPanel("withdrawn_at"), FieldPanel("withdrawn_reason")]


class PathsGroup(SnippetViewSetGroup):
    menu_label = _("Parcours")
    menu_icon = "list-ol"
    menu_order = 260
    items = (TrainingPathViewSet, PathRuleViewSet, PathAssignmentViewSet)


register_snippet(PathsGroup)
