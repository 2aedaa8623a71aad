"""Question bank, exams, attempts, certifications and their awards.

Grading rules live in `assessments.grading` (pure functions) and `assessments.services`; models
hold fields, constraints and one-row computed properties only.
"""
import re
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.models import Orderable
from wagtail.search import index
from courses.models import CoursePage
from skills.models import BilingualNameMixin, ProficiencyLevel


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiple")
    TRUE_FALSE = "true_false", _("Vrai / faux")
    NUMERIC = "numeric", _("Numérique")
    SHORT_TEXT = "short_text", _("Réponse courte")
    ORDERING = "ordering", _("Remise en ordre")
    MATCHING = "matching", _("Association")


class TextMatch(models.TextChoices):
    EXACT = "exact", _("Exacte")
    NORMALISED = "normalised", _("Normalisée (casse, accents, espaces)")
    PATTERN = "pattern", _("Expression régulière")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("Facile")
    MEDIUM = 2, _("Moyenne")
    HARD = 3, _("Difficile")


CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")


def validate_code(value: str) -> None:
    if not CODE_RE.match(value or ""):
        raise ValidationError(_("Code invalide : lettres, chiffres, « . », « _ » ou « - », 60 caractères au plus."))


class QuestionAdminForm(WagtailAdminModelForm):
    """Checks a question with its rows, as the import does: an editor cannot save a single-choice
    question without exactly one correct choice, a pattern that does not compile, etc."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("choices") if hasattr(self, "formsets") else None
        if formset is None or not all(form.is_valid() for form in formset.forms):
            return cleaned
        rows = [form.cleaned_data for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        qtype = cleaned.get("type")
        correct = sum(1 for row in rows if row.get("is_correct"))
        message = None
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) and len(rows) < 2:
            message = _("Ajoutez au moins deux choix.")
        elif qtype == QuestionType.SINGLE and correct != 1:
            message = _("Un choix unique demande exactement une bonne réponse.")
        elif qtype == QuestionType.MULTIPLE and correct < 1:
            message = _("Cochez au moins une bonne réponse.")
        elif qtype == QuestionType.SHORT_TEXT and not rows:
            message = _("Ajoutez au moins une réponse acceptée.")
        elif qtype == QuestionType.ORDERING and len(rows) < 2:
            message = _("Ajoutez au moins deux éléments, dans le bon ordre.")
        elif qtype == QuestionType.MATCHING and (len(rows) < 2 or any(not row.get("match_text") for row in rows)):
            message = _("Ajoutez au moins deux paires, chacune avec son correspondant.")
        elif qtype == QuestionType.SHORT_TEXT and cleaned.get("text_match") == TextMatch.PATTERN:
            for row in rows:
                try:
                    re.compile(row["text"])
                except re.error as exc:
                    message = _("Motif invalide « %(p)s » : %(e)s") % {"p": row["text"], "e": exc}
                    break
        if message:
            self.add_error(None, message)
        return cleaned


class Question(index.Indexed, ClusterableModel):
    """One question of the bank. Choices (or accepted answers, items, pairs) are inline rows."""

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[validate_code],
                            help_text=_("Identifiant stable, utilisé par l'import/export. ex. AD-GPO-001"))
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices, default=QuestionType.SINGLE)
    text = models.TextField(_("énoncé"))
    explanation = models.TextField(_("explication"), blank=True, help_text=_("Montrée après la correction."))
    difficulty = models.PositiveSmallIntegerField(_("difficulté"), choices=Difficulty.choices,
                                                  default=Difficulty.MEDIUM)
    skills = ParentalManyToManyField("skills.Skill", verbose_name=_("compétences"), blank=True,
                                     related_name="questions")
    points = models.PositiveSmallIntegerField(_("points"), default=1, validators=[MinValueValidator(1),
                                                                                  MaxValueValidator(100)])
    partial_credit = models.BooleanField(
        _("crédit partiel"), default=False,
        help_text=_("Choix multiple, remise en ordre, association : une réponse en partie juste rapporte une part des points."),
    )
    true_false_answer = models.BooleanField(_("réponse (vrai/faux)"), null=True, blank=True)
    numeric_answer = models.DecimalField(_("réponse numérique"), max_digits=20, decimal_places=6, null=True, blank=True)
    numeric_tolerance = models.DecimalField(_("tolérance"), max_digits=20, decimal_places=6, default=0,
                                            validators=[MinValueValidator(0)])
    text_match = models.CharField(_("comparaison du texte"), max_length=12, choices=TextMatch.choices,
                                  default=TextMatch.NORMALISED)
    active = models.BooleanField(_("active"), default=True, help_text=_("Une question inactive n'est plus tirée."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("type"), FieldPanel("difficulty"), FieldPanel("points")]),
        FieldPanel("text"),
        FieldPanel("skills"),
        MultiFieldPanel([
            FieldPanel("partial_credit"),
            FieldPanel("true_false_answer"),
            FieldRowPanel([FieldPanel("numeric_answer"), FieldPanel("numeric_tolerance")]),
            FieldPanel("text_match"),
        ], heading=_("Réponse attendue")),
        InlinePanel(
            "choices", heading=_("Choix, réponses acceptées, éléments ou paires"),
            help_text=_(
                "Choix unique/multiple : un choix par ligne, cocher les bonnes réponses. "
                "Réponse courte : une réponse acceptée par ligne (ou un motif). "
                "Remise en ordre : les éléments dans le bon ordre. "
                "Association : le terme et son correspondant."
            ),
        ),
        FieldPanel("explanation"),
        FieldPanel("active"),
    ]

    base_form_class = QuestionAdminForm

    search_fields = [
        index.SearchField("text"), index.SearchField("code"), index.AutocompleteField("code"),
        index.AutocompleteField("text"), index.FilterField("type"), index.FilterField("difficulty"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return f"{self.code} — {self.text[:80]}"

    def clean(self):
        super().clean()
        errors = {}
        if self.type == QuestionType.TRUE_FALSE and self.true_false_answer is None:
            errors["true_false_answer"] = _("Indiquez si l'affirmation est vraie ou fausse.")
        if self.type == QuestionType.NUMERIC and self.numeric_answer is None:
            errors["numeric_answer"] = _("Indiquez la valeur attendue.")
        if errors:
            raise ValidationError(errors)


class Choice(Orderable):
    """A row of a question: a choice (single/multiple), an accepted answer (short text), an item
    in its correct place (ordering) or a pair (matching: `text` ↔ `match_text`)."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("texte"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    match_text = models.CharField(_("correspondant (association)"), max_length=500, blank=True)

    panels = [FieldRowPanel([FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("match_text")])]

    class Meta(Orderable.Meta):
        verbose_name = _("choix")
        verbose_name_plural = _("choix")

    def __str__(self):
        return self.text


class SelectionMode(models.TextChoices):
    FIXED = "fixed", _("Liste fixe")
    RANDOM = "random", _("Tirage aléatoire dans des réserves")


class FeedbackPolicy(models.TextChoices):
    SCORE_ONLY = "score_only", _("Score seulement")
    AFTER_PASS = "after_pass", _("Corrections après réussite")
    FULL = "full", _("Corrections complètes")


def _live_rows(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class ExamAdminForm(WagtailAdminModelForm):
    """An exam must be able to start: questions for a fixed list, pools that hold enough active
    questions for a random draw, granted levels inside the scale."""

    def clean(self):
        cleaned = super().clean()
        formsets = getattr(self, "formsets", {})
        if not all(f.is_valid() for fs in formsets.values() for f in fs.forms):
            return cleaned
        errors = []
        if cleaned.get("selection") == SelectionMode.FIXED and "exam_questions" in formsets:
            if not _live_rows(formsets["exam_questions"]):
                errors.append(_("Ajoutez au moins une question à la liste fixe."))
        if cleaned.get("selection") == SelectionMode.RANDOM and "pools" in formsets:
            pools = _live_rows(formsets["pools"])
            if not pools:
                errors.append(_("Ajoutez au moins une réserve pour le tirage aléatoire."))
            for pool in pools:
                qs = Question.objects.filter(active=True)
                if pool.get("skill"):
                    qs = qs.filter(skills=pool["skill"])
                if pool.get("difficulty"):
                    qs = qs.filter(difficulty=pool["difficulty"])
                available = qs.distinct().count()
                if available < (pool.get("count") or 0):
                    errors.append(_("La réserve « %(pool)s » demande %(count)s questions mais n'en contient que %(n)s.")
                                  % {"pool": pool["skill"].code if pool.get("skill") else _("toutes compétences"),
                                     "count": pool["count"], "n": available})
        if "grants" in formsets:
            top = max(ProficiencyLevel.objects.values_list("level", flat=True), default=4)
            for grant in _live_rows(formsets["grants"]):
                if grant.get("level") and grant["level"] > top:
                    errors.append(_("Le niveau %(level)s dépasse l'échelle (%(top)s au plus).") % {
                        "level": grant["level"], "top": top})
        for error in errors:
            self.add_error(None, error)
        return cleaned


class Exam(index.Indexed, ClusterableModel):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    description = models.TextField(_("présentation"), blank=True)
    # The course this exam is the required final assessment of (a courses.CoursePage), or none.
    course = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("formation (évaluation finale requise)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="final_exams",
    )
    selection = models.CharField(_("sélection des questions"), max_length=10, choices=SelectionMode.choices,
                                 default=SelectionMode.FIXED)
    pass_mark = models.PositiveSmallIntegerField(_("seuil de réussite (%)"), default=70,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    time_limit_minutes = models.PositiveIntegerField(_("durée (minutes)"), null=True, blank=True,
                                                     help_text=_("Vide : pas de limite."))
    max_attempts = models.PositiveSmallIntegerField(_("tentatives au plus"), null=True, blank=True,
                                                    help_text=_("Vide : illimité."))
    cooldown_minutes = models.PositiveIntegerField(_("délai entre deux tentatives (minutes)"), default=0)
    shuffle_questions = models.BooleanField(_("mélanger les questions"), default=True)
    shuffle_choices = models.BooleanField(_("mélanger les choix"), default=True)
    feedback = models.CharField(_("retour après correction"), max_length=12, choices=FeedbackPolicy.choices,
                                default=FeedbackPolicy.AFTER_PASS)
    evidence_validity_months = models.PositiveSmallIntegerField(
        _("validité des niveaux accordés (mois)"), null=True, blank=True,
        help_text=_("Vide : les niveaux accordés par la réussite n'expirent pas."),
    )
    active = models.BooleanField(_("ouvert"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("slug")]),
        FieldPanel("description"),
        PageChooserPanel("course", page_type="courses.CoursePage"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("time_limit_minutes")]),
            FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("cooldown_minutes")]),
            FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]),
            FieldPanel("feedback"),
        ], heading=_("Règles")),
        FieldPanel("selection"),
        InlinePanel("exam_questions", heading=_("Questions (liste fixe)")),
        InlinePanel("pools", heading=_("Réserves (tirage aléatoire)")),
        InlinePanel("grants", heading=_("Niveaux accordés en cas de réussite")),
        FieldPanel("evidence_validity_months"),
        FieldPanel("active"),
    ]

    base_form_class = ExamAdminForm

    search_fields = [index.SearchField("title"), index.AutocompleteField("title"), index.FilterField("active")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("examen")
        verbose_name_plural = _("examens")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.course_id:
            page = self.course.specific if self.course else None
            if not isinstance(page, CoursePage):
                raise ValidationError({"course": _("Choisissez une page de formation.")})

    def get_absolute_url(self):
        return reverse("assessments:exam_detail", args=[self.slug])


class ExamQuestion(Orderable):
    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="exam_questions")
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="examquestion_once")]


class ExamPool(Orderable):
    """Draw `count` active questions tagged with `skill` (any skill when empty) at `difficulty`
    (any when empty)."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="pools")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    difficulty = models.PositiveSmallIntegerField(_("difficulté"), choices=Difficulty.choices, null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("nombre de questions"), default=5, validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("skill"), FieldPanel("difficulty"), FieldPanel("count")])]


class ExamGrant(Orderable):
    """The level in a skill that passing the exam grants (recorded as `exam` evidence)."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="grants")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("niveau"), validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("skill"), FieldPanel("level")])]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["exam", "skill"], name="examgrant_once")]


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    GRADED = "graded", _("Corrigée")


class Attempt(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    staff = models.ForeignKey("academy.Staff", on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(_("numéro"))
    status = models.CharField(_("état"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN)
    started_at = models.DateTimeField(_("commencée le"))
    deadline = models.DateTimeField(_("à rendre avant"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("rendue le"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("rendue automatiquement"), default=False)
    score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    percent = models.DecimalField(_("score (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("réussie"), null=True, blank=True)
    # {"AD.GPO": {"score": 2.0, "max": 3.0, "percent": 66.67}, ...}
    skill_scores = models.JSONField(default=dict, blank=True)
    pass_mark = models.PositiveSmallIntegerField(default=70)
    registration = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("tentative")
        verbose_name_plural = _("tentatives")
        constraints = [
            models.UniqueConstraint(fields=["exam", "staff", "number"], name="attempt_number_once"),
            models.UniqueConstraint(fields=["exam", "staff"], condition=models.Q(status="open"),
                                    name="attempt_one_open"),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"{self.exam} #{self.number} ({self.staff_id})"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN


class AttemptQuestion(models.Model):
    """A question as drawn for one attempt. `spec` is a snapshot taken at the start (the correct
    answer included, never sent to the browser before grading): later edits of the bank do not
    change an attempt in progress or its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_questions")
    position = models.PositiveSmallIntegerField()
    spec = models.JSONField()
    response = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    credit = models.FloatField(null=True, blank=True)  # 0..1, set at grading
    score = models.FloatField(null=True, blank=True)  # credit × points

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="attemptquestion_once")]


class Certification(BilingualNameMixin, index.Indexed, ClusterableModel):
    code = models.CharField(_("code"), max_length=60, unique=True, validators=[validate_code])
    name_fr = models.CharField(_("nom (FR)"), max_length=200)
    name_en = models.CharField(_("nom (EN)"), max_length=200, blank=True)
    domain = models.ForeignKey("skills.Domain", verbose_name=_("domaine"), on_delete=models.PROTECT,
                               related_name="certifications")
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(_("validité (mois)"), default=24,
                                                       validators=[MinValueValidator(1)])
    renewal_window_days = models.PositiveSmallIntegerField(
        _("fenêtre de recertification (jours)"), default=90,
        help_text=_("La recertification est possible pendant ce nombre de jours avant l'expiration."),
    )
    active = models.BooleanField(_("ouverte"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("domain")]),
        FieldRowPanel([FieldPanel("name_fr"), FieldPanel("name_en")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("validity_months"), FieldPanel("renewal_window_days")]),
        InlinePanel("exam_requirements", heading=_("Examens à réussir")),
        InlinePanel("course_requirements", heading=_("Formations à terminer")),
        InlinePanel("level_requirements", heading=_("Niveaux minimaux")),
        InlinePanel("grants", heading=_("Niveaux accordés par la certification")),
        FieldPanel("active"),
    ]
    search_fields = [index.SearchField("name_fr"), index.SearchField("code"), index.AutocompleteField("name_fr")]

    class Meta:
        ordering = ["domain__sort_order", "code"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self):
        return self.name



class RequirementPath(models.TextChoices):
    INITIAL = "initial", _("Certification initiale")
    RENEWAL = "renewal", _("Recertification")


class _Requirement(Orderable):
    path = models.CharField(
        _("parcours"), max_length=10, choices=RequirementPath.choices, default=RequirementPath.INITIAL,
        help_text=_("Sans exigence de recertification, la recertification demande les exigences initiales."),
    )

    class Meta(Orderable.Meta):
        abstract = True


class CertificationExamRequirement(_Requirement):
    certification = ParentalKey(Certification, on_delete=models.CASCADE, related_name="exam_requirements")
    exam = models.ForeignKey(Exam, verbose_name=_("examen"), on_delete=models.PROTECT, related_name="+")

    panels = [FieldRowPanel([FieldPanel("exam"), FieldPanel("path")])]


class CertificationCourseRequirement(_Requirement):
    certification = ParentalKey(Certification, on_delete=models.CASCADE, related_name="course_requirements")
    course = models.ForeignKey("wagtailcore.Page", verbose_name=_("formation"), on_delete=models.PROTECT,
                               related_name="+")

    panels = [PageChooserPanel("course", page_type="courses.CoursePage"), FieldPanel("path")]


class CertificationLevelRequirement(_Requirement):
    certification = ParentalKey(Certification, on_delete=models.CASCADE, related_name="level_requirements")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(_("niveau minimal"), validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("skill"), FieldPanel("min_level"), FieldPanel("path")])]


class CertificationGrant(Orderable):
    certification = ParentalKey(Certification, on_delete=models.CASCADE, related_name="grants")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("niveau"), validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("skill"), FieldPanel("level")])]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["certification", "skill"], name="certgrant_once")]


# Unambiguous characters for verification codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def verification_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Award(models.Model):
    """One certification obtained by one person, valid from `valid_from` until `valid_until`
    (exclusive: the first instant it no longer holds). A renewal is a new award that starts when
    the previous one ends."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="awards")
    staff = models.ForeignKey("academy.Staff", on_delete=models.PROTECT, related_name="certification_awards")
    code = models.CharField(_("code de vérification"), max_length=20, unique=True, default=verification_code_new)
    awarded_at = models.DateTimeField(_("obtenue le"))
    valid_from = models.DateTimeField(_("valable à partir du"))
    valid_until = models.DateTimeField(_("valable jusqu'au"))
    expires_on = models.DateField(_("date d'expiration"))
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="renewals")
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoke_reason = models.TextField(_("motif de révocation"), blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)  # when `certification.expired` was published

    class Meta:
        ordering = ["-awarded_at"]
        verbose_name = _("certification obtenue")
        verbose_name_plural = _("certifications obtenues")
        indexes = [models.Index(fields=["valid_until"]), models.Index(fields=["staff", "certification"])]

    def __str__(self):
        return f"{self.certification} — {self.staff_id} ({self.code})"

    def status_at(self, at) -> str:
        """"revoked", "expired", "pending" (a renewal whose period has not started) or "valid"."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if at >= self.valid_until:
            return "expired"
        if at < self.valid_from:
            return "pending"
        return "valid"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def last_valid_day(self):
        """The last day on which the award holds (the day before `expires_on`)."""
        return self.expires_on - timedelta(days=1)


class AwardReminder(models.Model):
    """A reminder step already handled for an award (90, 60, 30, 7 days before, 0 on expiry):
    inserting the row claims the step, so two workers never send it twice."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["award", "days_before"], name="awardreminder_once")]
