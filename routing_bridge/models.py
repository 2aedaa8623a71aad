"""Router clients and their tokens, ticket category rules, webhook deliveries, ticket feedback and
the availability routers report."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.search import index

from academy.categories import CATEGORY_SEPARATOR, category_key, category_normalize  # noqa: F401 (re-exported)

SCOPES = ["taxonomy:read", "matrix:read", "qualified:query", "feedback:write", "availability:write"]
SCOPE_CHOICES = [(scope, scope) for scope in SCOPES]


class RouterClient(index.Indexed, models.Model):
    """A ticketing system (or script) allowed to call the bridge API. The token is stored as its
    SHA-256; only its first characters (`token_prefix`) are kept readable to recognise it."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    token_prefix = models.CharField(_("début du jeton"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("droits"), default=list, blank=True)
    webhook_url = models.URLField(_("URL du webhook"), max_length=500, blank=True)
    # Kept readable: it signs the webhook bodies (HMAC), the router holds the same value.
    webhook_secret = models.CharField(_("secret du webhook"), max_length=80, blank=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requêtes par minute"), default=600, validators=[MinValueValidator(1), MaxValueValidator(100000)],
    )
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    # Webhook fan-out: `position` of the last academy.Event turned into a delivery for this client.
    event_cursor = models.BigIntegerField(default=0, editable=False)
    # A short lease so that only one worker delivers to a client at a time (keeps the order).
    delivering_until = models.DateTimeField(null=True, blank=True, editable=False)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("client routeur")
        verbose_name_plural = _("clients routeurs")

    def __str__(self):
        return self.name

    @property
    def is_usable(self) -> bool:
        return self.active and self.revoked_at is None

    def clean(self):
        super().clean()
        if self.webhook_url and not webhook_url_allowed(self.webhook_url):
            raise ValidationError({"webhook_url": _("L'URL du webhook doit commencer par https:// : les événements "
                                                    "portent des données du personnel.")})


def webhook_url_allowed(url: str) -> bool:
    """Whether events may be POSTed to `url`: any http(s) URL, https only when
    BRIDGE_WEBHOOK_HTTPS_ONLY is on (production)."""
    return not settings.BRIDGE_WEBHOOK_HTTPS_ONLY or url.lower().startswith("https://")


class TicketType(models.TextChoices):
    """The ITIL type of a ticket (contract 1.1): a category's rule may differ by type."""

    INCIDENT = "incident", _("Incident")
    PROBLEM = "problem", _("Problème")
    CHANGE = "change", _("Changement")
    REQUEST = "request", _("Demande")


class CategoryRule(index.Indexed, ClusterableModel):
    """What a ticket category requires, e.g. "Réseau > VPN" needs NET.VPN at level 2, N1 or N2.
    A rule also applies to the sub-categories that have no rule of their own. A category has at
    most one rule per ticket type plus one for any type (`ticket_type` empty)."""

    category = models.CharField(
        _("catégorie"), max_length=255, help_text=_("Chemin de catégorie du routeur, ex. « Réseau > VPN »"),
    )
    key = models.CharField(max_length=255, editable=False)
    ticket_type = models.CharField(_("type de ticket"), max_length=10, choices=TicketType.choices, blank=True,
                                   default="", help_text=_("Vide : tout type de ticket"))
    tiers = models.JSONField(_("niveaux de support autorisés"), default=list, blank=True,
                             help_text=_("Vide : tous les niveaux"))
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [index.SearchField("category"), index.AutocompleteField("category")]

    class Meta:
        ordering = ["key", "ticket_type"]
        verbose_name = _("règle de catégorie")
        verbose_name_plural = _("règles de catégorie")
        constraints = [models.UniqueConstraint(fields=["key", "ticket_type"], name="categoryrule_once_per_type")]

    def __str__(self):
        if self.ticket_type:
            return f"{self.category} ({self.get_ticket_type_display()})"
        return self.category

    def save(self, *args, **kwargs):
        self.category = category_normalize(self.category)
        self.key = category_key(self.category)
        super().save(*args, **kwargs)


class CategoryRequirement(models.Model):
    rule = ParentalKey(CategoryRule, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(_("niveau minimum"), default=2,
                                                 validators=[MinValueValidator(1), MaxValueValidator(4)])
    optional = models.BooleanField(_("facultative"), default=False,
                                   help_text=_("Une compétence facultative classe mieux sans être exigée."))
    sort_order = models.IntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("compétence requise")
        verbose_name_plural = _("compétences requises")
        constraints = [models.UniqueConstraint(fields=["rule", "skill"], name="categoryrequirement_once")]


class WebhookDelivery(models.Model):
    """One event to deliver to one client, and what happened to it (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RETRYING = "retrying", _("Nouvel essai prévu")
        DELIVERED = "delivered", _("Livré")
        PARKED = "parked", _("Suspendu")

    client = models.ForeignKey(RouterClient, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("academy.Event", on_delete=models.CASCADE, related_name="+")
    position = models.BigIntegerField()
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("essais"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("dernier essai"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("dernier code HTTP"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        ordering = ["client", "position"]
        verbose_name = _("livraison de webhook")
        verbose_name_plural = _("livraisons de webhooks")
        constraints = [models.UniqueConstraint(fields=["client", "event"], name="webhookdelivery_once")]
        indexes = [models.Index(fields=["client", "status", "position"])]

    def __str__(self):
        return f"{self.client} #{self.position} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]


class TicketFeedback(index.Indexed, models.Model):
    """A ticket outcome reported by a router: who handled a ticket of which category, and how it ended."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Résolu")
        ESCALATED = "escalated", _("Escaladé")
        REASSIGNED = "reassigned", _("Réaffecté")

    # The router that reported it, and the client company whose ticket it was (contract 1.1).
    router = models.ForeignKey(RouterClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client = models.ForeignKey("academy.Client", verbose_name=_("client"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="ticket_feedback")
    ticket_id = models.CharField(_("ticket"), max_length=120)
    # The knowledge-base procedure or standard the person followed, when the router says so.
    procedure = models.ForeignKey("knowledge.KnowledgeDocumentPage", verbose_name=_("procédure suivie"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="ticket_feedback")
    category = models.CharField(_("catégorie"), max_length=255)
    category_key = models.CharField(max_length=255, db_index=True, editable=False)
    staff = models.ForeignKey("academy.Staff", verbose_name=_("collaborateur"), on_delete=models.PROTECT,
                              related_name="ticket_feedback")
    tier = models.CharField(_("niveau de support"), max_length=2, blank=True,
                            help_text=_("Le niveau de la personne au moment du retour"))
    outcome = models.CharField(_("issue"), max_length=12, choices=Outcome.choices)
    occurred_at = models.DateTimeField(_("survenu le"))
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    search_fields = [index.SearchField("ticket_id"), index.SearchField("category"),
                     index.FilterField("outcome")]

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("retour de ticket")
        verbose_name_plural = _("retours de tickets")
        indexes = [models.Index(fields=["staff", "occurred_at"]), models.Index(fields=["outcome", "occurred_at"]),
                   models.Index(fields=["client", "occurred_at"])]
        constraints = [
            models.UniqueConstraint(fields=["ticket_id", "staff", "outcome", "occurred_at"], name="ticketfeedback_once"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.outcome}"


def report_applies(until, now) -> bool:
    """Whether an availability report with this `until` (None: no end) applies at `now`: until the
    exact instant `until`, not at it. routing_bridge.matrix follows it in its copy (its reads keep
    the reports with `until > now`, and each one stops applying when its `until` comes)."""
    return until is None or now < until


class Availability(models.Model):
    """What a router last reported about one person: present or not, how many tickets they hold,
    until when the report holds. A person with no report that applies is available with 0 open
    tickets (contract 1.1, "Availability and load")."""

    staff = models.OneToOneField("academy.Staff", verbose_name=_("collaborateur"), on_delete=models.CASCADE,
                                 related_name="availability")
    available = models.BooleanField(_("disponible"))
    open_tickets = models.PositiveIntegerField(_("tickets ouverts"), default=0)
    until = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)
    reported_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    reported_by = models.ForeignKey(RouterClient, verbose_name=_("signalé par"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["staff__employee_id"]
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")

    def __str__(self):
        return f"{self.staff} ({self.reported_at:%Y-%m-%d %H:%M})"


# --- Ticketing connectors (routing_bridge.connectors) ---------------------------------------------


class Connector(models.Model):
    """A ticketing system the bridge polls and writes to on behalf of one router client: new
    tickets in the followed queues are routed and assigned, their outcomes come back as feedback.
    The secret (password or token) is stored encrypted (`secret_encrypted`, see
    routing_bridge.connectors.credentials) or read from the environment variable `secret_env`."""

    class Kind(models.TextChoices):
        RT = "rt", _("Request Tracker 5 (REST 2.0)")

    class ClientSource(models.TextChoices):
        FIELD = "field", _("Champ personnalisé")
        QUEUE = "queue", _("Nom de la file")
        ORGANIZATION = "organization", _("Organisation du demandeur")

    class UserMatch(models.TextChoices):
        USERNAME = "username", _("Identifiant")
        EMAIL = "email", _("Adresse e-mail")

    router = models.ForeignKey(RouterClient, verbose_name=_("client routeur"), on_delete=models.CASCADE,
                               related_name="connectors")
    name = models.CharField(_("nom"), max_length=120, unique=True)
    kind = models.CharField(_("système de tickets"), max_length=12, choices=Kind.choices, default=Kind.RT)
    base_url = models.URLField(_("URL du système"), max_length=300,
                               help_text=_("Ex. https://rt.example.com (sans /REST/2.0)"))
    username = models.CharField(_("utilisateur"), max_length=120,
                                help_text=_("Le compte du connecteur dans le système de tickets : ses propres "
                                            "changements n'y sont pas relus comme ceux d'une personne"))
    secret_is_token = models.BooleanField(_("le secret est un jeton"), default=False,
                                          help_text=_("Jeton d'authentification RT plutôt que mot de passe"))
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_env = models.CharField(_("variable d'environnement du secret"), max_length=120, blank=True,
                                  help_text=_("Si renseignée, le secret est lu dans cette variable au lieu d'être "
                                              "stocké"))
    queues = models.JSONField(_("files suivies"), default=list, blank=True)
    escalation_queue = models.CharField(_("file d'escalade"), max_length=120, blank=True)
    category_field = models.CharField(_("champ de la catégorie"), max_length=120, default="Catégorie")
    type_field = models.CharField(_("champ du type de ticket"), max_length=120, default="Type", blank=True)
    client_source = models.CharField(_("client lu dans"), max_length=12, choices=ClientSource.choices,
                                     default=ClientSource.FIELD)
    client_field = models.CharField(_("champ du client"), max_length=120, default="Client", blank=True)
    procedure_field = models.CharField(_("champ de la procédure suivie"), max_length=120, default="Procédure",
                                       blank=True)
    user_match = models.CharField(_("utilisateurs reconnus par"), max_length=10, choices=UserMatch.choices,
                                  default=UserMatch.USERNAME)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # The last ticket-system change processed (RT: a transaction id); None until the first poll,
    # which starts from the system's latest change.
    cursor = models.BigIntegerField(_("curseur"), null=True, blank=True, editable=False)
    last_poll_at = models.DateTimeField(_("dernier relevé"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("dernier succès"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("dernière erreur"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("erreur le"), null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0, editable=False)
    backoff_until = models.DateTimeField(_("prochain essai après"), null=True, blank=True, editable=False)
    # A short lease so that only one worker polls a connector at a time.
    syncing_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connecteur de tickets")
        verbose_name_plural = _("connecteurs de tickets")

    def __str__(self):
        return self.name

    @property
    def followed_queues(self) -> list[str]:
        """The queues whose new tickets are routed: the followed ones and the escalation queue."""
        queues = [q for q in self.queues or [] if q]
        if self.escalation_queue and self.escalation_queue not in queues:
            queues.append(self.escalation_queue)
        return queues

    def clean(self):
        super().clean()
        if not isinstance(self.queues, list) or not all(isinstance(q, str) and q.strip() for q in self.queues):
            raise ValidationError({"queues": _("Une liste de noms de files.")})
        if self.client_source == self.ClientSource.FIELD and not self.client_field:
            raise ValidationError({"client_field": _("Nommez le champ qui porte le code du client.")})


class RoutedTicket(models.Model):
    """One routing of one ticket by a connector: decided and recorded with the cursor's advance,
    then written to the ticket system (owner, comment). `key` is the idempotency key: the change
    of the ticket system that caused it (RT: `rt:<transaction id>`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À écrire dans le système de tickets")
        ASSIGNED = "assigned", _("Affecté")
        OWNER_KEPT = "owner_kept", _("Propriétaire déjà choisi, laissé")
        UNQUALIFIED = "unqualified", _("Personne de qualifié")
        UNROUTABLE = "unroutable", _("Non routable")
        FAILED = "failed", _("Écriture refusée")

    connector = models.ForeignKey(Connector, verbose_name=_("connecteur"), on_delete=models.CASCADE,
                                  related_name="routed_tickets")
    key = models.CharField(max_length=80, editable=False)
    ticket_id = models.CharField(_("ticket"), max_length=120)
    subject = models.CharField(_("sujet"), max_length=255, blank=True)
    queue = models.CharField(_("file"), max_length=120, blank=True)
    category = models.CharField(_("catégorie"), max_length=255, blank=True)
    ticket_type = models.CharField(_("type de ticket"), max_length=10, blank=True)
    client_code = models.CharField(_("client"), max_length=40, blank=True)
    priority = models.IntegerField(_("priorité"), null=True, blank=True)
    escalated_from = models.ForeignKey("academy.Staff", verbose_name=_("escaladé par"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.PENDING)
    escalated_from_login = models.CharField(max_length=120, blank=True, editable=False)
    assignee = models.ForeignKey("academy.Staff", verbose_name=_("affecté à"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    assignee_login = models.CharField(max_length=120, blank=True, editable=False)
    rank = models.PositiveSmallIntegerField(_("rang"), null=True, blank=True)
    candidates = models.JSONField(_("candidats"), default=list, blank=True)
    total_qualified = models.PositiveIntegerField(_("qualifiés"), default=0)
    # What the comment says besides the candidates: the rule, the client's referent, procedures.
    details = models.JSONField(default=dict, blank=True)
    owner_found = models.CharField(_("propriétaire trouvé"), max_length=120, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    comment_posted = models.BooleanField(_("commentaire publié"), default=False)
    attempts = models.PositiveIntegerField(_("essais d'écriture"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    outcome = models.CharField(_("issue"), max_length=12, choices=TicketFeedback.Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("issue le"), null=True, blank=True)
    procedure = models.CharField(_("procédure suivie"), max_length=255, blank=True)
    routed_at = models.DateTimeField(_("routé le"), default=timezone.now)
    applied_at = models.DateTimeField(_("écrit le"), null=True, blank=True)

    class Meta:
        ordering = ["-routed_at", "-pk"]
        verbose_name = _("ticket routé")
        verbose_name_plural = _("tickets routés")
        constraints = [models.UniqueConstraint(fields=["connector", "key"], name="routedticket_once")]
        indexes = [models.Index(fields=["connector", "ticket_id"]),
                   models.Index(fields=["connector", "applied_at"])]

    def __str__(self):
        return f"{self.connector} #{self.ticket_id} ({self.status})"
