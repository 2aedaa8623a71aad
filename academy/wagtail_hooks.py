"""Wagtail admin: staff, teams and client companies (browse, search, filter, edit), the staff and
clients CSV imports, the clients export and the deactivate / reactivate actions. Rules live in
services; these are only the screens."""
import re

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.widgets import HeaderButton, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSetGroup

from academy import admin_views
from academy.admin_viewsets import SnippetViewSet
from academy.clients import EXPORT_FORMATS, client_create, client_update, clients_export
from academy.models import Client, Staff, Team
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


class ClientPermissionPolicy(ModelPermissionPolicy):
    """Clients are deactivated, never deleted: ticket feedback names them."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Client, ClientPermissionPolicy(Client))


class StaffIdsField(forms.CharField):
    """Staff named by their employee ids separated by ';' (as the clients import writes them),
    cleaned into the list of those staff; an unknown id is an error naming it."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "; ".join(sorted(s.employee_id if isinstance(s, Staff) else str(s) for s in value))
        return value

    def to_python(self, value):
        ids = list(dict.fromkeys(i for i in re.split(r"[;,\s]+", (value or "").strip()) if i))
        found = {s.employee_id: s for s in Staff.objects.filter(employee_id__in=ids)}
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise forms.ValidationError(_("Matricule inconnu : %(ids)s") % {"ids": ", ".join(unknown)})
        return [found[i] for i in ids]


class ClientAdminForm(WagtailAdminModelForm):
    backups = StaffIdsField(label=_("suppléants"), required=False,
                            help_text=_("Matricules des suppléants séparés par « ; », ex. E10002; E10007"))

    def clean(self):
        data = super().clean()
        referent = data.get("referent")
        if referent is not None and any(s.pk == referent.pk for s in data.get("backups") or []):
            self.add_error("backups", _("Le référent ne peut pas être aussi son propre suppléant."))
        return data


class _ClientSaveMixin:
    """The admin's create and edit forms write through the services (checks, audit entry)."""

    def _service_save(self, write):
        data = self.form.cleaned_data
        try:
            return write(code=data["code"], name=data["name"], referent=data["referent"],
                         backups=data.get("backups") or [], active=data.get("active", True), by=self.request.user)
        except ValidationError as exc:  # validated by the form already; keep the message if not
            raise PermissionDenied(" ".join(exc.messages)) from exc


class ClientCreateView(_ClientSaveMixin, CreateView):
    def save_instance(self):
        return self._service_save(client_create)


class ClientEditView(_ClientSaveMixin, EditView):
    def save_instance(self):
        return self._service_save(lambda **kw: client_update(client=self.object, **kw))


def user_may_import_clients(user) -> bool:
    return user.has_perm("academy.add_client") and user.has_perm("academy.change_client")


class ClientIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if user_may_import_clients(self.request.user):
            buttons.append(HeaderButton(_("Importer un CSV"), url=reverse("academy_clients_import"),
                                        icon_name="upload"))
        for fmt in EXPORT_FORMATS:
            buttons.append(HeaderButton(_("Exporter en %(format)s") % {"format": fmt.upper()},
                                        url=reverse("academy_clients_export") + f"?format={fmt}",
                                        icon_name="download"))
        return buttons


class ClientViewSet(SnippetViewSet):
    model = Client
    icon = "site"
    menu_label = _("Clients")
    menu_name = "clients"
    index_view_class = ClientIndexView
    add_view_class = ClientCreateView
    edit_view_class = ClientEditView
    list_display = ["code", "name", "referent", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["code", "name", "referent__employee_id", "referent__user__first_name",
                     "referent__user__last_name"]
    search_backend_name = None
    list_per_page = 50
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_handler = ObjectList([
        FieldPanel("code"), FieldPanel("name"), FieldPanel("referent"), FieldPanel("backups"), FieldPanel("active"),
    ], base_form_class=ClientAdminForm)

    def get_queryset(self, request):
        # Every client is seen by whoever may view clients (leads, dispatchers, admins).
        return Client.objects.select_related("referent__user")


class OrganisationGroup(SnippetViewSetGroup):
    items = (StaffViewSet, TeamViewSet, ClientViewSet)
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
        path("clients/import/", admin_views.clients_import_view, name="academy_clients_import"),
        path("clients/export/", clients_export_view, name="academy_clients_export"),
    ]


def clients_export_view(request):
    """The clients as the import reads them (?format=csv or xlsx), to whoever may view them."""
    if not request.user.has_perm("academy.view_client"):
        raise PermissionDenied
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Format inconnu : choisissez csv ou xlsx."), status=400, content_type="text/plain")
    content_type = ("text/csv; charset=utf-8" if fmt == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(clients_export(fmt=fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="clients-{timezone.localdate().isoformat()}.{fmt}"'
    return response


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
