"""Wagtail admin: staff and teams (browse, search, filter, edit), the staff CSV import and the
deactivate / reactivate actions. Rules live in services; these are only the screens."""
import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from academy import admin_views
from academy.admin_viewsets import SnippetViewSet
from academy.models import Staff, Team
from academy.roles import user_is_admin
from academy.selectors import staff_visible_to, teams_led_by
from academy.services import audit_log, event_publish, staff_event_data


class StaffPermissionPolicy(ModelPermissionPolicy):
    """Staff are never deleted (their evidence, attempts and certificates hang off them):
    people who leave are deactivated instead."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


# Registered before the viewset asks for it (Wagtail creates a fallback policy on first use).
register_permission_policy(Staff, StaffPermissionPolicy(Staff))


class LanguagesField(forms.CharField):
    """Languages as the import writes them: ISO codes separated by ';' or ','."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "; ".join(value)
        return value

    def to_python(self, value):
        import re

        codes = []
        for code in re.split(r"[;,\s]+", (value or "").strip().lower()):
            if not code:
                continue
            if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", code):
                raise forms.ValidationError(_("« %(code)s » n'est pas un code de langue (ex. fr; en).") % {"code": code})
            if code not in codes:
                codes.append(code)
        return codes


class StaffAdminForm(WagtailAdminModelForm):
    languages = LanguagesField(label=_("langues"), required=False,
                               help_text=_("Codes ISO séparés par « ; », ex. fr; en"))


def _teams_visible(request):
    """The teams offered by the filters: those the user leads (every team for an admin)."""
    return teams_led_by(request.user) if request is not None else Team.objects.none()


class StaffFilterSet(WagtailFilterSet):
    team = django_filters.ModelChoiceFilter(queryset=_teams_visible)

    class Meta:
        model = Staff
        fields = ["team", "tier", "profile", "active"]


class TeamFilterSet(WagtailFilterSet):
    parent = django_filters.ModelChoiceFilter(queryset=_teams_visible)

    class Meta:
        model = Team
        fields = ["parent"]


class StaffViewSet(SnippetViewSet):
    model = Staff
    icon = "user"
    menu_label = _("Collaborateurs")
    menu_name = "staff"
    list_display = ["employee_id", "__str__", "team", "profile", "tier", "active"]
    filterset_class = StaffFilterSet  # the team filter lists only the teams one may see
    # Plain database search across the user's names (Wagtail's index does not follow relations here).
    search_fields = ["employee_id", "user__first_name", "user__last_name", "user__username", "user__email"]
    search_backend_name = None
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_handler = ObjectList([
        FieldPanel("user"),
        FieldPanel("employee_id"),
        FieldPanel("team"),
        FieldPanel("manager"),
        FieldPanel("profile"),
        FieldPanel("tier"),
        FieldPanel("languages"),
        FieldPanel("hire_date"),
    ], base_form_class=StaffAdminForm)

    def get_queryset(self, request):
        # A lead browsing the admin sees the teams they lead, as everywhere else.
        return staff_visible_to(request.user).select_related("user", "team")


class TeamViewSet(SnippetViewSet):
    model = Team
    icon = "group"
    menu_label = _("Équipes")
    menu_name = "teams"
    list_display = ["name", "parent"]
    filterset_class = TeamFilterSet
    search_fields = ["name", "description"]
    search_backend_name = None
    copy_view_enabled = False
    panels = [FieldPanel("name"), FieldPanel("parent"), FieldPanel("leads"), FieldPanel("description")]

    def get_queryset(self, request):
        # A lead sees the teams they lead (and their sub-teams), as on the site.
        return teams_led_by(request.user).select_related("parent")


class OrganisationGroup(SnippetViewSetGroup):
    items = (StaffViewSet, TeamViewSet)
    menu_icon = "group"
    menu_label = _("Organisation")
    menu_name = "organisation"
    menu_order = 300


register_snippet(OrganisationGroup)


@hooks.register("register_admin_urls")
def register_academy_admin_urls():
    return [
        path("collaborateurs/import/", admin_views.staff_import_view, name="academy_staff_import"),
        path("collaborateurs/<int:pk>/desactiver/", admin_views.staff_deactivate_view,
             name="academy_staff_deactivate"),
        path("collaborateurs/<int:pk>/reactiver/", admin_views.staff_reactivate_view,
             name="academy_staff_reactivate"),
        path("connexions-bloquees/", admin_views.login_locks_view, name="academy_login_locks"),
    ]


class StaffImportMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.user_may_import(request.user)


@hooks.register("register_admin_menu_item")
def register_staff_import_menu_item():
    return StaffImportMenuItem(_("Importer des collaborateurs"), reverse("academy_staff_import"),
                               icon_name="upload", name="staff-import", order=301)


class LoginLocksMenuItem(MenuItem):
    def is_shown(self, request):
        return user_is_admin(request.user)


@hooks.register("register_settings_menu_item")
def register_login_locks_menu_item():
    return LoginLocksMenuItem(_("Connexions bloquées"), reverse("academy_login_locks"),
                              icon_name="lock", name="login-locks", order=900)


@hooks.register("register_snippet_listing_buttons")
def staff_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Staff) or not user.has_perm("academy.change_staff"):
        return
    if snippet.active:
        yield ListingButton(_("Désactiver"), reverse("academy_staff_deactivate", args=[snippet.pk]),
                            icon_name="cross", priority=60)
    else:
        yield ListingButton(_("Réactiver"), reverse("academy_staff_reactivate", args=[snippet.pk]),
                            icon_name="tick", priority=60)


def _staff_saved(request, instance, action):
    if isinstance(instance, Staff):
        audit_log(actor=request.user, action=action, target=instance, reason=_("administration"),
                  data={"employee_id": instance.employee_id})
        event_publish(type="staff.updated", data=staff_event_data(instance))


@hooks.register("after_create_snippet")
def staff_created_in_admin(request, instance):
    _staff_saved(request, instance, "staff.create")


@hooks.register("after_edit_snippet")
def staff_edited_in_admin(request, instance):
    _staff_saved(request, instance, "staff.update")
