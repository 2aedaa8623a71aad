"""Taxonomy, the evidence ledger, matrix cells and the change log (DESIGN.md, "Level policy")."""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.search import index

from academy.models import CHANGE_COUNTER, Profile, Tier  # noqa: F401 - CHANGE_COUNTER numbers the change log



# The default scale of DESIGN.md: (level, label_fr, label_en, description).
DEFAULT_SCALE = [
    (0, "Aucune", "None", ""),
    (1, "Notions", "Awareness", "Connaît les concepts, suit une procédure."),
    (2, "Opérationnel", "Practitioner", "Résout seul les incidents courants (prêt pour le N1)."),
    (3, "Avancé", "Advanced", "Résout les problèmes complexes et leurs causes (prêt pour le N2)."),
    (4, "Expert", "Expert", "Prend les escalades, conçoit, accompagne (prêt pour le N3)."),
]


class BilingualNameMixin:
    """`name` in the active language: `name_en` in English when filled, else `name_fr`."""

    @property
    def name(self) -> str:
        if (get_language() or "fr").startswith("en") and self.name_en:
            return self.name_en
        return self.name_fr


class ProficiencyLevel(models.Model):
    """One step of the editable scale (0 Aucune … 4 Expert)."""

    level = models.PositiveSmallIntegerField(_("niveau"), unique=True)
    label_fr = models.CharField(_("libellé (FR)"), max_length=60)
    label_en = models.CharField(_("libellé (EN)"), max_length=60)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("niveau de maîtrise")
        verbose_name_plural = _("échelle de maîtrise")

    def __str__(self):
        return f"{self.level} — {self.label}"

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "fr").startswith("en") else self.label_fr


class Domain(BilingualNameMixin, index.Indexed, models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_fr = models.CharField(_("nom (FR)"), max_length=120)
    name_en = models.CharField(_("nom (EN)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    search_fields = [index.SearchField("name_fr"), index.SearchField("code"), index.AutocompleteField("name_fr")]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")

    def __str__(self):
        return self.name



class Skill(BilingualNameMixin, index.Indexed, models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("ex. AD.GPO"))
    domain = models.ForeignKey(Domain, verbose_name=_("domaine"), on_delete=models.PROTECT, related_name="skills")
    name_fr = models.CharField(_("nom (FR)"), max_length=160)
    name_en = models.CharField(_("nom (EN)"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    reference = models.CharField(
        _("référentiel"), max_length=120, blank=True, help_text=_("Code SFIA ou e-CF, facultatif"),
    )
    active = models.BooleanField(_("active"), default=True)

    search_fields = [
        index.SearchField("name_fr"), index.SearchField("name_en"), index.SearchField("code"),
        index.AutocompleteField("name_fr"), index.FilterField("active"), index.FilterField("domain_id"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")

    def __str__(self):
        return f"{self.code} — {self.name}"



class EvidenceSource(models.TextChoices):
    COURSE = "course", _("Formation terminée")
    EXAM = "exam", _("Examen réussi")
    CERTIFICATION = "certification", _("Certification")
    MANAGER = "manager", _("Validation du responsable")
    IMPORT = "import", _("Import de matrice")
    PRACTICE = "practice", _("Pratique (tickets)")
    SELF = "self", _("Auto-évaluation")


class Evidence(models.Model):
    """An immutable record that someone showed a level in a skill. Only revocation changes it."""

    staff = models.ForeignKey("academy.Staff", on_delete=models.PROTECT, related_name="evidences")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="evidences")
    level = models.PositiveSmallIntegerField(_("niveau"))
    source = models.CharField(_("source"), max_length=20, choices=EvidenceSource.choices)
    observed_at = models.DateTimeField(_("observé le"), default=timezone.now)
    valid_until = models.DateTimeField(_("valable jusqu'au"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    # What produced it, e.g. ("courses.coursepage", "42") or ("assessments.attempt", "17").
    reference_type = models.CharField(max_length=80, blank=True)
    reference_id = models.CharField(max_length=80, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    revoke_reason = models.TextField(_("motif de révocation"), blank=True)
    # The ledger's order of changes: a new number, from a database trigger (migration 0008), at every
    # insert and at every change of what the policy reads (revocation). Every writer holds the
    # change-log lock (skills.services), so the numbers visible to a reader form a prefix: a reader
    # that has applied up to N catches up with `ledger_seq > N` (routing_bridge.matrix).
    ledger_seq = models.BigIntegerField(null=True, editable=False, db_index=True)

    class Meta:
        ordering = ["-observed_at", "-id"]
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        indexes = [models.Index(fields=["staff", "skill"]), models.Index(fields=["reference_type", "reference_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=models.F("observed_at")),
                name="evidence_valid_after_observed",
            )
        ]

    def __str__(self):
        return f"{self.staff_id}/{self.skill_id} L{self.level} ({self.source})"


class SkillLevel(models.Model):
    """A matrix cell: the effective level now, materialised. Written only by skills.services."""

    # No single-column indexes on the foreign keys: `skilllevel_one_cell` (staff, skill) and
    # `skilllevel_skill_level_staff` (skill, level, staff) already lead with them, and every index
    # costs each of the hundreds of thousands of writes of a recomputation.
    staff = models.ForeignKey("academy.Staff", on_delete=models.CASCADE, related_name="skill_levels",
                              db_index=False)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="levels", db_index=False)
    level = models.PositiveSmallIntegerField(default=0)
    # The instant at which `level` will next drop (None: it will not drop by itself).
    valid_until = models.DateTimeField(null=True, blank=True)
    # Sources of the evidences holding the level up, e.g. ["certification", "exam"].
    sources = models.JSONField(default=list, blank=True)
    # The highest valid self-assessed level (shown, never qualifying).
    declared_level = models.PositiveSmallIntegerField(default=0)
    # When the declared level will next drop (self-assessments rarely expire, but may).
    declared_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "skill"], name="skilllevel_one_cell")]
        indexes = [
            # Who holds a skill at a level, answered from the index alone (routing bridge, `qualified`).
            # On PostgreSQL it carries `valid_until` too, for the stale-cell check of the same query.
            models.Index(fields=["skill", "level", "staff"], name="skilllevel_skill_level_staff",
                         include=["valid_until"]),
            models.Index(fields=["valid_until"]),
            models.Index(fields=["declared_until"], condition=models.Q(declared_until__isnull=False),
                         name="skilllevel_declared_until"),
        ]
        verbose_name = _("niveau (matrice)")
        verbose_name_plural = _("matrice de compétences")


class SkillChange(models.Model):
    """The change log: one row per change of a cell, `seq` strictly increasing and gap-free."""

    seq = models.BigIntegerField(unique=True)
    staff = models.ForeignKey("academy.Staff", on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    old_level = models.PositiveSmallIntegerField()
    new_level = models.PositiveSmallIntegerField()
    valid_until = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("changement de niveau")
        verbose_name_plural = _("journal des changements")


class RoleProfile(ClusterableModel):
    """What a role requires, e.g. "Technicien N1 poste de travail": a minimum level per skill.

    A staff member's role profile is the one assigned to them (RoleAssignment), or else the active
    profile matching their profile and tier, preferring one without a domain (see
    skills.selectors.role_profile_for)."""

    name = models.CharField(_("nom"), max_length=160, unique=True)
    profile = models.CharField(_("profil"), max_length=20, choices=Profile.choices)
    tier = models.CharField(_("niveau de support"), max_length=2, choices=Tier.choices, blank=True)
    domain = models.ForeignKey(
        Domain, verbose_name=_("domaine"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="role_profiles",
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("actif"), default=True)

    panels = [
        FieldPanel("name"), FieldPanel("profile"), FieldPanel("tier"), FieldPanel("domain"),
        FieldPanel("description"), FieldPanel("active"),
        InlinePanel("requirements", label=_("Niveaux requis")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("profil de poste")
        verbose_name_plural = _("profils de poste")

    def __str__(self):
        return self.name


class RoleRequirement(models.Model):
    role_profile = ParentalKey(RoleProfile, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey(Skill, verbose_name=_("compétence"), on_delete=models.CASCADE, related_name="+")
    min_level = models.PositiveSmallIntegerField(_("niveau requis"), validators=[MinValueValidator(1)])

    panels = [FieldPanel("skill"), FieldPanel("min_level")]

    class Meta:
        ordering = ["skill__code"]
        constraints = [models.UniqueConstraint(fields=["role_profile", "skill"], name="rolerequirement_once")]
        verbose_name = _("niveau requis")
        verbose_name_plural = _("niveaux requis")

    def __str__(self):
        return f"{self.skill_id} ≥ {self.min_level}"


class RoleAssignment(models.Model):
    """An explicit role profile for one person (overrides the profile/tier match)."""

    staff = models.OneToOneField("academy.Staff", on_delete=models.CASCADE, related_name="role_assignment")
    role_profile = models.ForeignKey(RoleProfile, verbose_name=_("profil de poste"), on_delete=models.CASCADE,
                                     related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("affectation de profil de poste")
        verbose_name_plural = _("affectations de profil de poste")


class SelfAssessmentStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Validée")
    REJECTED = "rejected", _("Refusée")
    SUPERSEDED = "superseded", _("Remplacée")


class SelfAssessment(models.Model):
    """A level declared by the person (a `self` evidence) waiting for a lead's decision."""

    staff = models.ForeignKey("academy.Staff", on_delete=models.CASCADE, related_name="self_assessments")
    skill = models.ForeignKey(Skill, verbose_name=_("compétence"), on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(_("niveau déclaré"))
    comment = models.TextField(_("commentaire"), blank=True)
    status = models.CharField(max_length=20, choices=SelfAssessmentStatus.choices,
                              default=SelfAssessmentStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("commentaire du responsable"), blank=True)
    validated_evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "skill"], condition=models.Q(status="pending"),
                                    name="selfassessment_one_pending"),
        ]
        verbose_name = _("auto-évaluation")
        verbose_name_plural = _("auto-évaluations")
