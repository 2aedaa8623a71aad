"""Training paths: an ordered list of steps (course, exam, certification) that a lead assigns to
people — one by one, or through a rule (a team, a profile and a tier) kept in sync as people join,
move or leave.

Models hold fields and constraints only. Assigning, syncing rules, progress and reminders are in
courses.paths.services and courses.paths.selectors."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, PageChooserPanel
from wagtail.models import Orderable
from wagtail.search import index

from academy.models import Profile, Tier

# A relative due date is at most this many days after the assignment (about two years).
MAX_DUE_DAYS = 730


class TrainingPath(index.Indexed, ClusterableModel):
    name = models.CharField(_("nom"), max_length=160, unique=True)
    description = models.TextField(_("description"), blank=True)
    role_profile = models.ForeignKey(
        "skills.RoleProfile", verbose_name=_("profil de poste visé"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="training_paths",
        help_text=_("Facultatif : le profil de poste que ce parcours prépare."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("créé par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(_("actif"), default=True,
                                 help_text=_("Un parcours inactif ne peut plus être assigné ; les affectations "
                                             "en cours restent suivies."))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("role_profile"),
        FieldPanel("active"),
        InlinePanel("steps", heading=_("Étapes"), label=_("Étape"), min_num=1),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.FilterField("active")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("parcours de formation")
        verbose_name_plural = _("parcours de formation")

    def __str__(self):
        return self.name


class StepKind(models.TextChoices):
    COURSE = "course", _("Formation")
    EXAM = "exam", _("Examen")
    CERTIFICATION = "certification", _("Certification")


class PathStep(Orderable):
    """One step of a path. Exactly the target matching `kind` is set; a target deleted later
    leaves the step in place, reported as broken and not counted."""

    path = ParentalKey(TrainingPath, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("type"), max_length=14, choices=StepKind.choices, default=StepKind.COURSE)
    course = models.ForeignKey("courses.CoursePage", verbose_name=_("formation"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="path_steps")
    exam = models.ForeignKey("assessments.Exam", verbose_name=_("examen"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="path_steps")
    certification = models.ForeignKey("assessments.Certification", verbose_name=_("certification"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="path_steps")
    required = models.BooleanField(_("obligatoire"), default=True,
                                   help_text=_("Décochez pour une étape conseillée : elle ne compte pas pour "
                                               "terminer le parcours."))

    panels = [
        FieldPanel("kind"),
        PageChooserPanel("course", "courses.CoursePage"),
        FieldRowPanel([FieldPanel("exam"), FieldPanel("certification")]),
        FieldPanel("required"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")

    def __str__(self):
        return f"{self.get_kind_display()} : {self.target_label}"

    @property
    def target(self):
        return {StepKind.COURSE: self.course, StepKind.EXAM: self.exam,
                StepKind.CERTIFICATION: self.certification}.get(self.kind)

    @property
    def target_id(self):
        return {StepKind.COURSE: self.course_id, StepKind.EXAM: self.exam_id,
                StepKind.CERTIFICATION: self.certification_id}.get(self.kind)

    @property
    def target_label(self) -> str:
        target = self.target
        if target is None:
            return str(_("(cible supprimée)"))
        return getattr(target, "title", None) or str(target)

    def clean(self):
        super().clean()
        targets = {StepKind.COURSE: "course", StepKind.EXAM: "exam", StepKind.CERTIFICATION: "certification"}
        wanted = targets.get(self.kind)
        errors = {}
        if wanted and getattr(self, f"{wanted}_id") is None:
            errors[wanted] = _("Choisissez la cible de cette étape.")
        for kind, field in targets.items():
            if kind != self.kind and getattr(self, f"{field}_id") is not None:
                errors[field] = _("Une étape « %(kind)s » n'a pas de %(field)s : laissez ce champ vide.") % {
                    "kind": StepKind(self.kind).label, "field": StepKind(kind).label.lower()}
        if errors:
            raise ValidationError(errors)


class DueMode(models.TextChoices):
    NONE = "none", _("Sans échéance")
    ABSOLUTE = "absolute", _("À une date")
    RELATIVE = "relative", _("N jours après l'affectation")


class PathRule(models.Model):
    """Assign a path to everyone who matches: the members of `team` (sub-teams included), when
    set, with `profile` and `tier` when set. Kept in sync by `assignment_rules_sync`: people who
    join or move in are assigned, people who move out or leave are withdrawn."""

    path = models.ForeignKey(TrainingPath, verbose_name=_("parcours"), on_delete=models.CASCADE,
                             related_name="rules")
    team = models.ForeignKey("academy.Team", verbose_name=_("équipe"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="path_rules",
                             help_text=_("Les sous-équipes sont incluses."))
    profile = models.CharField(_("profil"), max_length=20, choices=Profile.choices, blank=True)
    tier = models.CharField(_("niveau de support"), max_length=2, choices=Tier.choices, blank=True)
    due_mode = models.CharField(_("échéance"), max_length=10, choices=DueMode.choices, default=DueMode.NONE)
    due_on = models.DateField(_("date d'échéance"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("jours après l'affectation"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DUE_DAYS)],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("créée par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("path"),
        FieldRowPanel([FieldPanel("team"), FieldPanel("profile"), FieldPanel("tier")]),
        FieldRowPanel([FieldPanel("due_mode"), FieldPanel("due_on"), FieldPanel("due_days")]),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["path", "created_at"]
        verbose_name = _("règle d'affectation")
        verbose_name_plural = _("règles d'affectation")
        indexes = [models.Index(fields=["active"])]

    def __str__(self):
        return f"{self.path} — {self.scope_label}"

    def clean(self):
        super().clean()
        if self.due_mode == DueMode.ABSOLUTE and self.due_on is None:
            raise ValidationError({"due_on": _("Indiquez la date d'échéance.")})
        if self.due_mode == DueMode.RELATIVE and not self.due_days:
            raise ValidationError({"due_days": _("Indiquez le nombre de jours.")})

    @property
    def scope_label(self) -> str:
        parts = []
        if self.team_id:
            parts.append(str(self.team))
        if self.profile:
            parts.append(self.get_profile_display())
        if self.tier:
            parts.append(self.tier)
        return " · ".join(parts) or str(_("tout le personnel"))


class AssignmentOrigin(models.TextChoices):
    PERSON = "person", _("Individuelle")
    RULE = "rule", _("Par règle")


class PathAssignment(models.Model):
    """A path assigned to one person — one per person and path. Withdrawn assignments (the person
    moved out of a rule's scope, left, or a lead removed it) are kept for history and come back
    to life when the person is assigned again."""

    path = models.ForeignKey(TrainingPath, verbose_name=_("parcours"), on_delete=models.PROTECT,
                             related_name="assignments")
    staff = models.ForeignKey("academy.Staff", verbose_name=_("collaborateur"), on_delete=models.PROTECT,
                              related_name="path_assignments")
    origin = models.CharField(_("origine"), max_length=10, choices=AssignmentOrigin.choices,
                              default=AssignmentOrigin.PERSON)
    rule = models.ForeignKey(PathRule, verbose_name=_("règle"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigné par"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("assigné le"), default=timezone.now)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("motif du retrait"), max_length=200, blank=True)

    class Meta:
        ordering = ["due_on", "assigned_at"]
        verbose_name = _("affectation à un parcours")
        verbose_name_plural = _("affectations aux parcours")
        constraints = [models.UniqueConstraint(fields=["path", "staff"], name="pathassignment_once")]
        indexes = [models.Index(fields=["withdrawn_at", "due_on"])]

    def __str__(self):
        return f"{self.path} → {self.staff_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class StaffEventCursor(models.Model):
    """How far the rule sync has read the academy event outbox (staff.updated / staff.deactivated).
    A single row (pk=1)."""

    position = models.BigIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
