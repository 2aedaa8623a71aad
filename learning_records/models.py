"""The xAPI statement store (append-only; also the outbox), external LRS endpoints with their
delivery state, statements an LRS refuses (dead letters) and the API clients allowed to read
the store."""
import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class StatementSequence(models.Model):
    """Hands out statement positions with one `UPDATE … RETURNING`: the row stays locked until
    the recording transaction ends, so positions become visible in commit order and a cursor
    never skips a statement committed late (see services.statement_position_next)."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class Statement(models.Model):
    """One validated xAPI 1.0.3 statement, as built by the learning-records service. Never
    changed nor deleted: `position` is handed out in commit order (a gap-free counter), so each
    LRS only needs a cursor to know what it has not received yet."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.BigIntegerField(unique=True, editable=False)
    verb = models.CharField(_("verbe"), max_length=255, db_index=True)
    actor_name = models.CharField(_("compte (matricule)"), max_length=64, db_index=True)
    staff = models.ForeignKey(
        "academy.Staff", verbose_name=_("collaborateur"), on_delete=models.PROTECT, related_name="xapi_statements",
    )
    activity_id = models.CharField(_("activité"), max_length=500, db_index=True)
    # The object id and every context activity id, one per line and framed by newlines, so that
    # `related_activities` queries are a plain substring match on every database.
    related_activity_ids = models.TextField(blank=True, editable=False)
    registration = models.UUIDField(_("inscription"), null=True, blank=True, db_index=True)
    timestamp = models.DateTimeField(_("horodatage"), db_index=True)
    stored = models.DateTimeField(_("enregistré le"), default=timezone.now, db_index=True)
    data = models.JSONField(_("déclaration"))

    class Meta:
        ordering = ["-position"]
        verbose_name = _("déclaration xAPI")
        verbose_name_plural = _("déclarations xAPI")
        indexes = [models.Index(fields=["staff", "position"])]

    def __str__(self):
        return f"{self.actor_name} {self.verb} {self.activity_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("xAPI statements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("xAPI statements are append-only")

    def as_xapi(self) -> dict:
        """The statement as an LRS serves it: the recorded JSON plus `stored`."""
        data = dict(self.data)
        data["stored"] = self.stored.isoformat()
        return data


class LrsEndpoint(models.Model):
    """An external Learning Record Store the statements are forwarded to. The one configured by
    ACADEMIE_LRS_URL is kept in this table too (`from_settings`), updated from the settings at
    run time; its password is read from the settings and never copied here."""

    name = models.CharField(_("nom"), max_length=120, unique=True)
    url = models.URLField(
        _("adresse xAPI"), max_length=500,
        help_text=_("Adresse de base xAPI du LRS, ex. https://lrs.example.com/xAPI (les déclarations sont "
                    "envoyées à …/statements)."),
    )
    username = models.CharField(_("identifiant"), max_length=200, blank=True)
    password = models.CharField(_("mot de passe"), max_length=500, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    dead_letter_after = models.PositiveIntegerField(
        _("rejet définitif après (secondes)"), default=86400,
        help_text=_("Une déclaration que le LRS refuse encore après ce délai part dans les rejets définitifs."),
    )
    batch_size = models.PositiveIntegerField(_("taille des lots"), default=200)
    timeout = models.PositiveIntegerField(_("délai d'attente (secondes)"), default=10)
    from_settings = models.BooleanField(_("défini par la configuration"), default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("LRS externe")
        verbose_name_plural = _("LRS externes")
        constraints = [
            models.UniqueConstraint(fields=["from_settings"], condition=models.Q(from_settings=True),
                                    name="xapi_one_settings_lrs"),
            models.CheckConstraint(condition=models.Q(batch_size__gte=1), name="xapi_lrs_batch_size_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def statements_url(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/statements") else f"{url}/statements"

    def credentials(self) -> tuple[str, str] | None:
        if self.from_settings:
            username, password = settings.ACADEMIE_LRS_USERNAME, settings.ACADEMIE_LRS_PASSWORD
        else:
            username, password = self.username, self.password
        if not username:
            return None
        return username, password or ""


class DeliveryState(models.Model):
    """Where forwarding to one LRS stands. Kept apart from LrsEndpoint so that editing an
    endpoint in the admin never rewinds the cursor a worker has just moved."""

    endpoint = models.OneToOneField(LrsEndpoint, on_delete=models.CASCADE, related_name="state", primary_key=True)
    # Every statement with a position <= cursor has been delivered or set aside as refused.
    cursor = models.BigIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # Exponential backoff after a failure: the periodic task leaves the LRS alone until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker claims the LRS with a conditional UPDATE until then, so two never send at once.
    lease_until = models.DateTimeField(null=True, blank=True)
    # Which run holds the lease: a run whose lease was taken over stops before its next request.
    lease_token = models.UUIDField(null=True, blank=True)
    delivered_count = models.BigIntegerField(default=0)


class RefusalState(models.TextChoices):
    RETRYING = "retrying", _("nouvel essai prévu")
    DEAD = "dead", _("rejet définitif")
    DELIVERED = "delivered", _("finalement accepté")


class RefusedStatement(models.Model):
    """A statement one LRS refused (HTTP 4xx for that statement alone). It is retried with
    backoff until `dead_letter_after` has passed since the first refusal; then it is a dead
    letter, shown in the admin, and only retried on request."""

    endpoint = models.ForeignKey(LrsEndpoint, on_delete=models.CASCADE, related_name="refusals")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="refusals")
    state = models.CharField(max_length=10, choices=RefusalState.choices, default=RefusalState.RETRYING)
    first_refused_at = models.DateTimeField(default=timezone.now)
    last_refused_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=1)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(_("réponse du LRS"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_refused_at"]
        verbose_name = _("déclaration refusée")
        verbose_name_plural = _("déclarations refusées")
        constraints = [models.UniqueConstraint(fields=["endpoint", "statement"], name="xapi_refusal_once")]
        indexes = [models.Index(fields=["endpoint", "state", "next_attempt_at"])]


class ApiClient(models.Model):
    """An external reader of /xapi/statements (an analytics tool, an auditor's LRS) that
    authenticates with HTTP Basic. Only a hash of the secret is kept; it sees every statement."""

    name = models.CharField(_("nom"), max_length=120)
    username = models.CharField(_("identifiant"), max_length=64, unique=True)
    secret_hash = models.CharField(max_length=200, editable=False)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client de l'API xAPI")
        verbose_name_plural = _("clients de l'API xAPI")

    def __str__(self):
        return self.name

    def set_secret(self, secret: str) -> None:
        self.secret_hash = make_password(secret)

    def check_secret(self, secret: str) -> bool:
        return bool(self.secret_hash) and check_password(secret, self.secret_hash)
