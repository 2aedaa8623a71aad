"""Admin pages of the learning records: external LRSs (add, edit, state of forwarding per LRS
with pending count, last success, last error, dead letters and retry) and API clients of
/xapi/statements (secret shown once)."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSetGroup

from academy.admin_viewsets import SnippetViewSet
from academy.services import audit_log
from academy.tasks import task_kick
from learning_records.forwarding import lrs_default_sync, refusal_retry, refusals_retry_all
from learning_records.models import ApiClient, LrsEndpoint, RefusedStatement
from learning_records.selectors import dead_letters, lrs_status
from learning_records.services import api_client_create
from learning_records.tasks import xapi_forward_task


def _require(request, model, action):
    if not request.user.has_perm(f"xapi.{action}_{model._meta.model_name}"):
        raise PermissionDenied


# --- LRS endpoints -------------------------------------------------------------------------------


class LrsEndpointForm(WagtailAdminModelForm):
    """The password is never shown again; leaving it empty keeps the current one."""

    password = forms.CharField(label=gettext_lazy("Mot de passe"), required=False,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=gettext_lazy("Laisser vide pour conserver le mot de passe actuel."))

    def clean(self):
        data = super().clean()
        if self.instance.pk and self.instance.from_settings:
            raise forms.ValidationError(_("Ce LRS est défini par la configuration (ACADEMIE_LRS_URL) : "
                                          "modifiez les variables d'environnement."))
        if not data.get("password") and self.instance.pk:
            data["password"] = LrsEndpoint.objects.get(pk=self.instance.pk).password
        return data


class LrsEndpointViewSet(SnippetViewSet):
    model = LrsEndpoint
    icon = "upload"
    menu_label = gettext_lazy("LRS externes")
    list_display = [
        "name", "url", "active",
        Column("pending", label=gettext_lazy("En attente"), accessor=lambda e: lrs_status(endpoint=e).pending),
        Column("dead", label=gettext_lazy("Rejets définitifs"), accessor=lambda e: lrs_status(endpoint=e).dead),
    ]
    list_filter = ["active"]
    edit_handler = ObjectList([
        FieldPanel("name"), FieldPanel("url"), FieldPanel("username"), FieldPanel("password"), FieldPanel("active"),
        FieldPanel("batch_size"), FieldPanel("timeout"), FieldPanel("dead_letter_after"),
    ], base_form_class=LrsEndpointForm)

    def get_queryset(self, request):
        lrs_default_sync()
        return LrsEndpoint.objects.all()

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("status/<int:pk>/", self.status_view, name="status"),
            path("status/<int:pk>/forward/", self.forward_view, name="forward"),
            path("status/<int:pk>/retry-all/", self.retry_all_view, name="retry_all"),
            path("refusal/<int:pk>/retry/", self.retry_view, name="retry"),
        ]

    def status_view(self, request, pk):
        """State of forwarding to one LRS and its refused statements."""
        _require(request, LrsEndpoint, "view")
        endpoint = get_object_or_404(LrsEndpoint, pk=pk)
        page = Paginator(dead_letters(endpoint=endpoint), 50).get_page(request.GET.get("page"))
        return TemplateResponse(request, "xapi/admin/lrs_status.html", {
            "status": lrs_status(endpoint=endpoint), "endpoint": endpoint, "page": page,
            "can_change": request.user.has_perm("xapi.change_lrsendpoint"),
            "list_url": reverse(self.get_url_name("list")),
            "edit_url": reverse(self.get_url_name("edit"), args=[endpoint.pk]) if not endpoint.from_settings else "",
            "forward_url": reverse(self.get_url_name("forward"), args=[endpoint.pk]),
            "retry_all_url": reverse(self.get_url_name("retry_all"), args=[endpoint.pk]),
            "retry_url_name": self.get_url_name("retry"),
        })

    @staticmethod
    def _refuse(request):
        """None when the request may change forwarding (POST by someone allowed), else why not."""
        _require(request, LrsEndpoint, "change")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return None

    def forward_view(self, request, pk):
        if refused := self._refuse(request):
            return refused
        endpoint = get_object_or_404(LrsEndpoint, pk=pk, active=True)
        task_kick(xapi_forward_task, endpoint_id=endpoint.pk, force=True)
        audit_log(actor=request.user, action="xapi.lrs.forward", target=endpoint)
        messages.success(request, _("Envoi lancé vers « %(name)s ».") % {"name": endpoint.name})
        return redirect(self.get_url_name("status"), pk=endpoint.pk)

    def retry_all_view(self, request, pk):
        if refused := self._refuse(request):
            return refused
        endpoint = get_object_or_404(LrsEndpoint, pk=pk)
        count = refusals_retry_all(endpoint=endpoint, by=request.user)
        messages.success(request, ngettext("%(n)s rejet définitif remis en file pour « %(name)s ».",
                                           "%(n)s rejets définitifs remis en file pour « %(name)s ».", count)
                         % {"n": count, "name": endpoint.name})
        return redirect(self.get_url_name("status"), pk=endpoint.pk)

    def retry_view(self, request, pk):
        if refused := self._refuse(request):
            return refused
        refusal = get_object_or_404(RefusedStatement.objects.select_related("endpoint"), pk=pk)
        refusal_retry(refusal=refusal, by=request.user)
        messages.success(request, _("Déclaration %(id)s remise en file.") % {"id": refusal.statement_id})
        return redirect(self.get_url_name("status"), pk=refusal.endpoint_id)


lrs_endpoint_viewset = LrsEndpointViewSet()


@hooks.register("register_snippet_listing_buttons")
def _lrs_buttons(snippet, user, next_url=None):
    if isinstance(snippet, LrsEndpoint) and user.has_perm("xapi.view_lrsendpoint"):
        yield Button(_("État et rejets"), url=reverse(lrs_endpoint_viewset.get_url_name("status"), args=[snippet.pk]),
                     icon_name="info-circle", priority=20)


# --- API clients ---------------------------------------------------------------------------------


class ApiClientCreateView(CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        client, self._secret = api_client_create(name=data["name"], username=data["username"], by=self.request.user)
        return client

    def get_success_message(self, instance):
        return _("Client « %(name)s » créé. Identifiant : %(username)s — secret, à copier maintenant car il ne "
                 "sera plus jamais affiché : %(secret)s") % {
            "name": instance.name, "username": instance.username, "secret": self._secret}


class ApiClientViewSet(SnippetViewSet):
    model = ApiClient
    icon = "key"
    menu_label = gettext_lazy("Clients de l'API xAPI")
    add_view_class = ApiClientCreateView
    list_display = ["name", "username", "active", "created_at", "last_used_at"]
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("username"), FieldPanel("active")])


class XapiGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Traces xAPI")
    menu_icon = "history"
    items = (lrs_endpoint_viewset, ApiClientViewSet())


register_snippet(XapiGroup)
