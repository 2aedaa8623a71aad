"""Admin pages of the routing bridge: router clients (token shown once, revoke, replay parked
webhooks), category rules (CSV import and export), the webhook delivery log, ticket feedback, the
availability reports, the ticketing connectors (secret write-only) and what they routed."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSetGroup

from academy.admin_viewsets import ReadOnlyPolicy, SnippetViewSet
from academy.import_views import ImportView, Outcome
from academy.models import Tier
from academy.selectors import staff_visible_to
from routing_bridge.connectors.credentials import secret_encrypt
from routing_bridge.models import (
    SCOPE_CHOICES, Availability, CategoryRule, Connector, RoutedTicket, RouterClient, TicketFeedback, WebhookDelivery,
    category_key,
)
from routing_bridge.services import (
    CATEGORY_CSV_HEADER, category_rules_export, category_rules_import, router_client_create, router_client_revoke,
    router_client_webhook_enable,
)
from routing_bridge.webhooks import deliveries_replay


# Logs are written by the bridge, never edited by hand.
register_permission_policy(WebhookDelivery, ReadOnlyPolicy(WebhookDelivery))
register_permission_policy(TicketFeedback, ReadOnlyPolicy(TicketFeedback))
register_permission_policy(Availability, ReadOnlyPolicy(Availability))
register_permission_policy(RoutedTicket, ReadOnlyPolicy(RoutedTicket))


def _require(request, model, action):
    perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- Router clients ------------------------------------------------------------------------------


class RouterClientForm(WagtailAdminModelForm):
    scopes = forms.MultipleChoiceField(label=gettext_lazy("Droits"), choices=SCOPE_CHOICES,
                                       widget=forms.CheckboxSelectMultiple, required=True)


class RouterClientCreateView(CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        try:
            created = router_client_create(
                name=data["name"], scopes=data["scopes"], webhook_url=data.get("webhook_url") or "",
                created_by=self.request.user, rate_limit_per_minute=data.get("rate_limit_per_minute"),
            )
        except ValidationError as exc:  # validated by the form already; keep the message if not
            raise PermissionDenied(" ".join(exc.messages)) from exc
        self._created = created
        return created.client

    def get_success_message(self, instance):
        text = _("Client « %(name)s » créé. Copiez maintenant son jeton, il ne sera plus jamais affiché : %(token)s") % {
            "name": instance.name, "token": self._created.token}
        if self._created.webhook_secret:
            text += " — " + _("secret du webhook : %(secret)s") % {"secret": self._created.webhook_secret}
        return text


class RouterClientEditView(EditView):
    def save_instance(self):
        instance = super().save_instance()
        self._secret = router_client_webhook_enable(client=instance, by=self.request.user)
        return instance

    def get_success_message(self):
        text = super().get_success_message()
        if getattr(self, "_secret", ""):
            text = f"{text} " + _("Secret du webhook (affiché une seule fois) : %(secret)s") % {"secret": self._secret}
        return text


class RouterClientViewSet(SnippetViewSet):
    model = RouterClient
    icon = "key"
    menu_label = gettext_lazy("Clients routeurs")
    add_view_class = RouterClientCreateView
    edit_view_class = RouterClientEditView
    list_display = ["name", "token_prefix", Column("scopes", label=gettext_lazy("Droits")), "webhook_url", "active",
                    "last_used_at", "revoked_at"]
    list_filter = ["active"]
    edit_handler = ObjectList([
        FieldPanel("name"), FieldPanel("scopes"), FieldPanel("webhook_url"), FieldPanel("rate_limit_per_minute"),
        FieldPanel("active"),
    ], base_form_class=RouterClientForm)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
            path("replay/<int:pk>/", self.replay_view, name="replay"),
        ]

    def revoke_view(self, request, pk):
        _require(request, RouterClient, "change")
        client = get_object_or_404(RouterClient, pk=pk)
        if request.method == "POST":
            router_client_revoke(client=client, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Client « %(name)s » révoqué : son jeton ne fonctionne plus.")
                             % {"name": client.name})
            return redirect(self.get_url_name("list"))
        return TemplateResponse(request, "routing_bridge/admin/confirm.html", {
            "title": _("Révoquer « %(name)s » ?") % {"name": client.name},
            "text": _("Son jeton cessera de fonctionner immédiatement et aucun webhook ne lui sera plus envoyé. "
                      "Cette action est définitive."),
            "button": _("Révoquer"), "with_reason": True,
            "cancel_url": reverse(self.get_url_name("list")),
        })

    def replay_view(self, request, pk):
        _require(request, RouterClient, "change")
        client = get_object_or_404(RouterClient, pk=pk)
        parked = list(WebhookDelivery.objects.filter(client=client, status=WebhookDelivery.Status.PARKED))
        if request.method == "POST":
            count = deliveries_replay(deliveries=parked, by=request.user)
            messages.success(request, ngettext("%(n)s livraison remise en file pour « %(name)s ».",
                                               "%(n)s livraisons remises en file pour « %(name)s ».", count)
                             % {"n": count, "name": client.name})
            return redirect(self.get_url_name("list"))
        return TemplateResponse(request, "routing_bridge/admin/confirm.html", {
            "title": _("Rejouer les webhooks suspendus de « %(name)s » ?") % {"name": client.name},
            "text": ngettext("%(n)s livraison suspendue sera renvoyée.",
                             "%(n)s livraisons suspendues seront renvoyées dans l'ordre.", len(parked))
            % {"n": len(parked)},
            "button": _("Rejouer"), "cancel_url": reverse(self.get_url_name("list")),
        })


router_client_viewset = RouterClientViewSet()


@hooks.register("register_snippet_listing_buttons")
def _client_buttons(snippet, user, next_url=None):
    if isinstance(snippet, RouterClient) and user.has_perm("routing_bridge.change_routerclient"):
        if snippet.revoked_at is None:
            yield Button(_("Révoquer"), url=reverse(router_client_viewset.get_url_name("revoke"), args=[snippet.pk]),
                         icon_name="cross", priority=30)
        if snippet.webhook_url and WebhookDelivery.objects.filter(
                client=snippet, status=WebhookDelivery.Status.PARKED).exists():
            yield Button(_("Rejouer les webhooks suspendus"),
                         url=reverse(router_client_viewset.get_url_name("replay"), args=[snippet.pk]),
                         icon_name="resubmit", priority=40)
    if isinstance(snippet, WebhookDelivery) and snippet.status == WebhookDelivery.Status.PARKED \
            and user.has_perm("routing_bridge.change_routerclient"):
        yield Button(_("Rejouer"), url=reverse(delivery_viewset.get_url_name("replay"), args=[snippet.pk]),
                     icon_name="resubmit", priority=30)


# --- Category rules ------------------------------------------------------------------------------


class CategoryRuleForm(WagtailAdminModelForm):
    tiers = forms.MultipleChoiceField(label=gettext_lazy("Niveaux de support autorisés"), choices=Tier.choices,
                                      widget=forms.CheckboxSelectMultiple, required=False,
                                      help_text=gettext_lazy("Aucun coché : tous les niveaux"))

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category:
            clash = CategoryRule.objects.filter(key=category_key(category), ticket_type=data.get("ticket_type") or "")
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("category", _("Une règle existe déjà pour cette catégorie et ce type de ticket."))
        return data


class CategoryRuleIndexView(IndexView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(HeaderButton(_("Importer un CSV"), url=reverse(category_rule_viewset.get_url_name("import")),
                                    icon_name="upload"))
        buttons.append(HeaderButton(_("Exporter en CSV"), url=reverse(category_rule_viewset.get_url_name("export")),
                                    icon_name="download"))
        return buttons


class CategoryRulesImportView(ImportView):
    """The category rules import on the import kit's upload → preview → confirm page."""

    title = gettext_lazy("Importer des règles de catégorie")
    columns = ",".join(CATEGORY_CSV_HEADER)
    help_text = gettext_lazy("Exemple : Réseau > VPN,NET.VPN:2;NET.FW:1,M365.EXO:2,N1;N2,,Accès distant "
                             "(ticket_type vide : tout type ; sinon incident, problem, change ou request ; "
                             "colonne facultative)")

    def dispatch(self, request, *args, **kwargs):
        _require(request, CategoryRule, "add")
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user) -> bool:
        return True  # dispatch checks the model permission, as the other rule views do

    def run(self, content: bytes, *, partial: bool, actor, filename: str, **options):
        return category_rules_import(content=content, by=actor, partial=partial)

    def describe(self, report) -> Outcome:
        summary = _("Import : %(summary)s.") % {"summary": ", ".join([
            ngettext("%(n)s règle créée", "%(n)s règles créées", report.created) % {"n": report.created},
            ngettext("%(n)s modifiée", "%(n)s modifiées", report.updated) % {"n": report.updated},
            ngettext("%(n)s inchangée", "%(n)s inchangées", report.unchanged) % {"n": report.unchanged},
        ])}
        return Outcome(summary=summary, errors=list(report.errors), ok=report.ok,
                       written=bool(report.created or report.updated))


class CategoryRuleViewSet(SnippetViewSet):
    model = CategoryRule
    icon = "tag"
    menu_label = gettext_lazy("Règles de catégorie")
    index_view_class = CategoryRuleIndexView
    list_display = ["category", Column("ticket_type", label=gettext_lazy("Type de ticket"),
                                       accessor=lambda rule: rule.get_ticket_type_display() or _("Tout type")),
                    Column("tiers", label=gettext_lazy("Niveaux")), "active", "updated_at"]
    list_filter = ["ticket_type", "active"]
    search_fields = ["category"]
    edit_handler = ObjectList([
        FieldPanel("category"), FieldPanel("ticket_type"), FieldPanel("tiers"), FieldPanel("description"),
        FieldPanel("active"),
        InlinePanel("requirements", label=gettext_lazy("Compétences"), panels=[
            FieldPanel("skill"), FieldPanel("min_level"), FieldPanel("optional"),
        ]),
    ], base_form_class=CategoryRuleForm)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/", self.import_view, name="import"),
            path("export/", self.export_view, name="export"),
        ]

    def import_view(self, request):
        return CategoryRulesImportView.as_view()(request)

    def export_view(self, request):
        _require(request, CategoryRule, "view")
        response = HttpResponse(category_rules_export(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="regles-categories-{stamp}.csv"'
        return response


category_rule_viewset = CategoryRuleViewSet()


# --- Webhook deliveries and feedback --------------------------------------------------------------


class WebhookDeliveryViewSet(SnippetViewSet):
    model = WebhookDelivery
    icon = "resubmit"
    menu_label = gettext_lazy("Livraisons de webhooks")
    inspect_view_enabled = True
    list_display = ["client", "position", Column("event_type", label=gettext_lazy("Type"),
                                                 accessor=lambda d: d.event.type),
                    "status", "attempts", "last_status_code", "last_attempt_at", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "client"]
    inspect_view_fields = ["client", "event", "position", "status", "attempts", "first_attempt_at",
                           "last_attempt_at", "next_attempt_at", "delivered_at", "last_status_code", "last_error"]

    def get_queryset(self, request):
        return WebhookDelivery.objects.select_related("client", "event").order_by("-created_at", "-position")

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("replay/<int:pk>/", self.replay_view, name="replay")]

    def replay_view(self, request, pk):
        _require(request, RouterClient, "change")
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        if request.method == "POST":
            with transaction.atomic():
                count = deliveries_replay(deliveries=[delivery], by=request.user)
            messages.success(request, _("%(n)s livraison remise en file.") % {"n": count})
            return redirect(self.get_url_name("list"))
        return TemplateResponse(request, "routing_bridge/admin/confirm.html", {
            "title": _("Rejouer la livraison n° %(pos)s ?") % {"pos": delivery.position},
            "text": _("Elle sera renvoyée à « %(name)s » à sa place dans l'ordre des événements.")
            % {"name": delivery.client.name},
            "button": _("Rejouer"), "cancel_url": reverse(self.get_url_name("list")),
        })


delivery_viewset = WebhookDeliveryViewSet()


class TicketFeedbackViewSet(SnippetViewSet):
    model = TicketFeedback
    icon = "comment"
    menu_label = gettext_lazy("Retours de tickets")
    inspect_view_enabled = True
    list_display = ["ticket_id", "category", "client", "staff", "tier", "outcome", "occurred_at", "received_at"]
    list_filter = ["outcome", "tier"]
    search_fields = ["ticket_id", "category"]

    def get_queryset(self, request):
        return TicketFeedback.objects.select_related("staff__user", "client")


class AvailabilityViewSet(SnippetViewSet):
    """The reports as routers last sent them (a report whose `until` has passed no longer applies:
    the person counts as available with 0 open tickets)."""

    model = Availability
    icon = "time"
    menu_label = gettext_lazy("Disponibilités")
    inspect_view_enabled = True
    list_display = ["staff", "available", "open_tickets", "until", "reported_at", "reported_by"]
    list_filter = ["available"]

    def get_queryset(self, request):
        # A lead reads the reports of the teams they lead, as everywhere else.
        return Availability.objects.filter(staff__in=staff_visible_to(request.user)).select_related(
            "staff__user", "reported_by")


# --- Ticketing connectors ---------------------------------------------------------------------------


class ConnectorForm(WagtailAdminModelForm):
    """The secret is written, never shown: left empty, the stored one is kept."""

    secret = forms.CharField(label=gettext_lazy("Mot de passe ou jeton"), required=False,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=gettext_lazy("Stocké chiffré ; laissez vide pour garder le secret actuel, ou "
                                                    "nommez une variable d'environnement ci-dessous."))
    queues = forms.CharField(label=gettext_lazy("Files suivies"), required=True,
                             help_text=gettext_lazy("Noms des files, séparés par des virgules"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["queues"] = ", ".join(self.instance.queues or [])

    def clean_queues(self):
        queues = [q.strip() for q in self.cleaned_data["queues"].split(",") if q.strip()]
        if not queues:
            raise ValidationError(_("Nommez au moins une file."))
        return queues

    def clean(self):
        data = super().clean()
        if not data.get("secret") and not data.get("secret_env") and not self.instance.secret_encrypted:
            self.add_error("secret", _("Saisissez le secret ou le nom d'une variable d'environnement."))
        return data

    def save(self, commit=True):
        secret = self.cleaned_data.get("secret")
        if secret:
            self.instance.secret_encrypted = secret_encrypt(secret)
        return super().save(commit=commit)


class ConnectorViewSet(SnippetViewSet):
    model = Connector
    icon = "link"
    menu_label = gettext_lazy("Connecteurs de tickets")
    inspect_view_enabled = True
    list_display = ["name", "router", "kind", "base_url", "active", "last_success_at", "failures",
                    "backoff_until", Column("last_error", label=gettext_lazy("Dernière erreur"),
                                            accessor=lambda c: (c.last_error or "")[:120])]
    list_filter = ["active", "kind"]
    inspect_view_fields = ["name", "router", "kind", "base_url", "username", "secret_env", "queues",
                           "escalation_queue", "category_field", "type_field", "client_source", "client_field",
                           "procedure_field", "user_match", "active", "cursor", "last_poll_at", "last_success_at",
                           "failures", "backoff_until", "last_error", "last_error_at"]
    edit_handler = ObjectList([
        FieldPanel("name"), FieldPanel("router"), FieldPanel("kind"), FieldPanel("base_url"), FieldPanel("username"),
        FieldPanel("secret"), FieldPanel("secret_is_token"), FieldPanel("secret_env"), FieldPanel("queues"),
        FieldPanel("escalation_queue"), FieldPanel("category_field"), FieldPanel("type_field"),
        FieldPanel("client_source"), FieldPanel("client_field"), FieldPanel("procedure_field"),
        FieldPanel("user_match"), FieldPanel("active"),
    ], base_form_class=ConnectorForm)


class RoutedTicketViewSet(SnippetViewSet):
    model = RoutedTicket
    icon = "tick"
    menu_label = gettext_lazy("Tickets routés")
    inspect_view_enabled = True
    list_display = ["ticket_id", "connector", "category", "client_code", "status", "assignee", "rank", "outcome",
                    "routed_at"]
    list_filter = ["status", "outcome", "connector"]
    inspect_view_fields = ["connector", "ticket_id", "subject", "queue", "category", "ticket_type", "client_code",
                           "priority", "status", "assignee", "rank", "total_qualified", "escalated_from",
                           "owner_found", "comment", "comment_posted", "attempts", "error", "outcome", "outcome_at",
                           "procedure", "routed_at", "applied_at"]

    def get_queryset(self, request):
        return RoutedTicket.objects.select_related("connector", "assignee__user")


class RoutingBridgeGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Pont de routage")
    menu_icon = "site"
    items = (router_client_viewset, category_rule_viewset, delivery_viewset, TicketFeedbackViewSet(),
             AvailabilityViewSet(), ConnectorViewSet(), RoutedTicketViewSet())


register_snippet(RoutingBridgeGroup)
