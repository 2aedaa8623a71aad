"""Organisation: teams, staff, notifications, the audit trail and the event outbox."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.search import index


class Profile(models.TextChoices):
    TECHNICIAN = "technician", _("Technicien")
    ADMINISTRATOR = "administrator", _("Administrateur")
    ENGINEER = "engineer", _("Ingénieur")
    ARCHITECT = "architect", _("Architecte")
    PROJECT_LEAD = "project_lead", _("Chef de projet technique")


class Tier(models.TextChoices):
    N1 = "N1", "N1"
    N2 = "N2", "N2"
    N3 = "N3", "N3"


TIER_ORDER = {"N1": 1, "N2": 2, "N3": 3}


class Team(index.Indexed, models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("équipe parente"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    leads = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("responsables"), blank=True, related_name="led_teams",
    )
    description = models.TextField(_("description"), blank=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")

    def __str__(self):
        return self.name


class Staff(index.Indexed, models.Model):
    """A member of the support staff. One per user; never deleted, only deactivated."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff")
    employee_id = models.CharField(_("matricule"), max_length=32, unique=True)
    profile = models.CharField(_("profil"), max_length=20, choices=Profile.choices, default=Profile.TECHNICIAN)
    tier = models.CharField(_("niveau de support"), max_length=2, choices=Tier.choices, default=Tier.N1)
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), null=True, blank=True, on_delete=models.PROTECT, related_name="members",
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("responsable"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reports",
    )
    languages = models.JSONField(_("langues"), default=list, blank=True, help_text=_("Codes ISO, ex. fr, en"))
    active = models.BooleanField(_("actif"), default=True)
    hire_date = models.DateField(_("date d'embauche"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("employee_id"),
        index.AutocompleteField("employee_id"),
        index.FilterField("tier"),
        index.FilterField("profile"),
        index.FilterField("active"),
        index.FilterField("team_id"),
        index.RelatedFields("user", [index.SearchField("first_name"), index.SearchField("last_name"),
                                     index.SearchField("username")]),
    ]

    class Meta:
        ordering = ["employee_id"]
        verbose_name = _("collaborateur")
        verbose_name_plural = _("collaborateurs")
        indexes = [models.Index(fields=["active", "tier"])]

    def __str__(self):
        return f"{self.display_name} ({self.employee_id})"

    @property
    def display_name(self) -> str:
        return display_name(self.user.first_name, self.user.last_name, self.user.username)


def display_name(first_name: str, last_name: str, username: str) -> str:
    """The name shown for a person ("First Last", as Django's get_full_name writes it, else the
    username), also for rows read without model instances."""
    return f"{first_name} {last_name}".strip() or username


class Notification(models.Model):
    """An in-app notification; e-mail copies are sent by the service that creates it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    # Makes reminders idempotent: the same step is never notified twice to the same person.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="notification_once",
            )
        ]


class AuditEntry(models.Model):
    """Who did what, when and why — for changes made by people (imports, validations, deactivations)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")


class Event(models.Model):
    """A domain event for external consumers (router webhooks), written in the same transaction
    as the change that causes it. `position` orders events; `seq` is the change-log sequence the
    event is consistent with."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    position = models.BigIntegerField(unique=True)
    type = models.CharField(max_length=60, db_index=True)
    seq = models.BigIntegerField(default=0)
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["position"]


# Name of the Counter row that numbers the skills change log. The outbox stamps each event with its
# current value (the `seq` a router compares with the change feed); skills.models re-exports it.
CHANGE_COUNTER = "skill_change"


class Counter(models.Model):
    """A named, gap-free sequence. `counter_next` locks the row until the transaction ends, so
    numbers are handed out in commit order: a reader that has seen N never later finds N-1."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField(default=0)


class Client(index.Indexed, models.Model):
    """A client company of the MSP, with its referent (REI, Référent d'Environnement
    Informatique: its privileged technical contact) and the backups who stand in for them.
    Never deleted while tickets name it; deactivated instead."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    active = models.BooleanField(_("actif"), default=True)
    referent = models.ForeignKey(Staff, verbose_name=_("référent"), on_delete=models.PROTECT,
                                 related_name="clients_referred")
    backups = models.ManyToManyField(Staff, verbose_name=_("suppléants"), blank=True, related_name="clients_backed")
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    search_fields = [index.SearchField("code"), index.SearchField("name"), index.AutocompleteField("name"),
                     index.FilterField("active")]

    class Meta:
        ordering = ["code"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self):
        return f"{self.name} ({self.code})"
