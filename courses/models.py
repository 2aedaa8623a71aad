"""The course catalogue as a Wagtail page tree (catalogue → course → optional module → lesson),
and the learner's records: enrolments and lesson progress.

Pages stay thin: fields, panels, tree rules, search fields; `serve()` turns a request into a
call to a selector or a service (courses.selectors / courses.services), reached through
`page_handlers` so that this module imports neither (they import it)."""
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index
from wagtail.url_routing import RouteResult

from academy.models import Profile, Tier
from courses import site_cache
from courses.blocks import LessonBodyBlock
from courses.fields import ChoiceListField


@dataclass
class PageHandlers:
    """The request side of the pages, written in courses.selectors and courses.services and
    plugged in by `CoursesConfig.ready()`: a page's context, who may read a lesson, a visit."""

    catalogue_context: Callable[..., dict] | None = None
    course_page_context: Callable[..., dict] | None = None
    lesson_access: Callable | None = None
    lesson_page_context: Callable[..., dict] | None = None
    lesson_visit_record: Callable | None = None


page_handlers = PageHandlers()


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", _("Débutant")
    INTERMEDIATE = "intermediate", _("Intermédiaire")
    ADVANCED = "advanced", _("Avancé")


class ViewRestrictionsMixin:
    """Wagtail checks the view restrictions of a page and its ancestors before serving it (two
    queries). While no page has any, there is nothing to check: say so from the shared cache
    (courses.site_cache) and skip the queries; otherwise Wagtail's own answer."""

    def get_view_restrictions(self):
        if not site_cache.view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class LoginRequiredPageMixin(ViewRestrictionsMixin):
    """The Académie is internal: every course page needs a signed-in user."""

    def serve(self, request, *args, **kwargs):
        # Previews are only reachable from the admin, by people allowed to edit the page.
        if not request.user.is_authenticated and not getattr(request, "is_preview", False):
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


def _content_type_id(model) -> int:
    return ContentType.objects.get_for_model(model).id  # cached by Django after the first call


class CatalogueIndexPage(LoginRequiredPageMixin, Page):
    """The root of the Wagtail site, served at /formations/: the browsable, searchable catalogue."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("catalogue de formations")

    def route(self, request, path_components):
        """Called by Wagtail to find the page for /formations/<course>/[<module>/]<lesson>/.
        Resolves the whole path with one indexed query (slug, depth, url_path) instead of one
        query per level; returns a RouteResult, or raises Http404 for an unknown or draft page.
        Intermediate pages are not checked for liveness, as in Wagtail's own routing: lessons
        check their course themselves (courses.selectors.lesson_access)."""
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        where = dict(slug=path_components[-1], depth=self.depth + len(path_components), path__startswith=self.path,
                     url_path=url_path)
        page = None
        if len(path_components) == 1:
            # The catalogue's children are courses: read the course with its domain (which the
            # page shows) in one query, rather than the page, then its course row, then the domain.
            page = CoursePage.objects.filter(**where).select_related("domain").first()
            if page is not None and page.content_type_id != _content_type_id(CoursePage):
                page = None  # a subclass of CoursePage: read it whole below
        if page is None:
            page = Page.objects.filter(**where).specific().first()
        if page is None or not page.live:
            raise Http404
        return RouteResult(page)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.catalogue_context(catalogue=self, user=request.user, params=request.GET))
        return context


class CoursePage(LoginRequiredPageMixin, Page):
    domain = models.ForeignKey(
        "skills.Domain", verbose_name=_("domaine"), on_delete=models.PROTECT, related_name="courses",
    )
    summary = models.TextField(_("résumé"), max_length=600, help_text=_("Deux ou trois phrases pour le catalogue."))
    objectives = RichTextField(
        _("objectifs"), blank=True, features=["bold", "italic", "ul", "ol"],
        help_text=_("Ce que l'apprenant saura faire à la fin, en liste."),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image de couverture"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    duration_minutes = models.PositiveIntegerField(
        _("durée (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(6000)],
    )
    difficulty = models.CharField(_("difficulté"), max_length=20, choices=Difficulty.choices,
                                  default=Difficulty.BEGINNER)
    audience_tiers = ChoiceListField(_("niveaux de support visés"), choice_list=Tier.choices,
                                     help_text=_("Aucun coché : tous les niveaux."))
    audience_profiles = ChoiceListField(_("profils visés"), choice_list=Profile.choices,
                                        help_text=_("Aucun coché : tous les profils."))
    prerequisites = ParentalManyToManyField(
        "self", verbose_name=_("formations prérequises"), blank=True, symmetrical=False,
        related_name="required_by",
        help_text=_("À terminer avant de pouvoir s'inscrire soi-même."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("domain"),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [FieldPanel("duration_minutes"), FieldPanel("difficulty"),
             FieldPanel("audience_tiers"), FieldPanel("audience_profiles")],
            heading=_("Public et format"),
        ),
        FieldPanel("prerequisites"),
        InlinePanel("skills_taught", label=_("Compétences enseignées"), heading=_("Compétences enseignées"),
                    help_text=_("Le niveau qu'une formation terminée atteste, pour chaque compétence.")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("objectives"),
        index.RelatedFields("domain", [index.SearchField("name_fr"), index.SearchField("code")]),
        index.RelatedFields("skills_taught", [
            index.RelatedFields("skill", [index.SearchField("name_fr"), index.SearchField("code")]),
        ]),
        index.FilterField("domain"),
        index.FilterField("difficulty"),
        index.FilterField("duration_minutes"),
    ]
    parent_page_types = ["courses.CatalogueIndexPage"]
    subpage_types = ["courses.ModulePage", "courses.LessonPage"]

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.course_page_context(course=self, user=request.user))
        return context


class CourseSkill(Orderable):
    """A skill a course teaches, and the level a completion of the course attests."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="skills_taught")
    skill = models.ForeignKey("skills.Skill", verbose_name=_("compétence"), on_delete=models.PROTECT,
                              related_name="taught_by")
    level = models.PositiveSmallIntegerField(
        _("niveau attesté"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)],
        choices=[(1, _("1 — Notions")), (2, _("2 — Opérationnel")), (3, _("3 — Avancé")), (4, _("4 — Expert"))],
    )

    panels = [FieldPanel("skill"), FieldPanel("level")]

    class Meta(Orderable.Meta):
        verbose_name = _("compétence enseignée")
        verbose_name_plural = _("compétences enseignées")
        constraints = [models.UniqueConstraint(fields=["page", "skill"], name="courseskill_once_per_course")]

    def __str__(self):
        return f"{self.skill_id} → {self.level}"


class ModulePage(LoginRequiredPageMixin, Page):
    """An optional grouping of lessons inside a course."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def serve(self, request, *args, **kwargs):
        """A module has no page of its own for learners: it is a heading of the course outline."""
        if getattr(request, "is_preview", False):
            return super().serve(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return redirect(self.get_parent().url)


class LessonPage(ViewRestrictionsMixin, Page):
    body = StreamField(LessonBodyBlock(), verbose_name=_("contenu"), blank=True)
    required = models.BooleanField(
        _("obligatoire"), default=True, help_text=_("Décochez pour une leçon facultative : elle ne compte pas "
                                                    "pour terminer la formation."),
    )
    estimated_minutes = models.PositiveIntegerField(
        _("durée estimée (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(600)],
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("required"), FieldPanel("estimated_minutes")], heading=_("Suivi")),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["courses.CoursePage", "courses.ModulePage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("leçon")
        verbose_name_plural = _("leçons")

    def serve(self, request, *args, **kwargs):
        """Called for GET on the lesson URL. Enrolled staff read it (and their visit is recorded);
        editors read it without being enrolled; anyone else is sent back to the course page with a
        message. Previews in the admin are shown as is."""
        if getattr(request, "is_preview", False):
            return super().serve(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        access = page_handlers.lesson_access(user=request.user, lesson=self)
        if not access.allowed:
            if access.course is None:
                raise Http404
            messages.info(request, access.reason)
            return redirect(access.course.url)
        if access.enrolment is not None:
            page_handlers.lesson_visit_record(staff=access.enrolment.staff, lesson=self, enrolment=access.enrolment)
        request.courses_access = access
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.lesson_page_context(lesson=self, user=request.user,
                                           access=getattr(request, "courses_access", None)))
        return context


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("En cours")
    COMPLETED = "completed", _("Terminée")
    LEFT = "left", _("Quittée")


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Inscription personnelle")
    PATH = "path", _("Parcours de formation")


class Enrolment(models.Model):
    """One per (staff, course): leaving and enrolling again reuse the same row and its progress."""

    staff = models.ForeignKey("academy.Staff", verbose_name=_("collaborateur"), on_delete=models.PROTECT,
                              related_name="enrolments")
    course = models.ForeignKey(CoursePage, verbose_name=_("formation"), on_delete=models.PROTECT,
                               related_name="enrolments")
    # The xAPI registration that groups every statement of this enrolment.
    registration = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("origine"), max_length=10, choices=EnrolmentSource.choices,
                              default=EnrolmentSource.SELF)
    status = models.CharField(_("statut"), max_length=10, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignée par"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("inscrit le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    completed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    left_at = models.DateTimeField(_("quittée le"), null=True, blank=True)
    last_lesson = models.ForeignKey(LessonPage, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    last_visited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-enrolled_at"]
        constraints = [models.UniqueConstraint(fields=["staff", "course"], name="enrolment_once_per_course")]
        indexes = [models.Index(fields=["staff", "status"])]

    def __str__(self):
        return f"{self.staff_id} → {self.course_id} ({self.status})"


class LessonProgress(models.Model):
    """What one person did with one lesson: first opened, completed."""

    staff = models.ForeignKey("academy.Staff", on_delete=models.PROTECT, related_name="lesson_progress")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="progress")
    # Denormalised from the tree so a course's progress is one indexed count.
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="lesson_progress")
    first_viewed_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("progression dans une leçon")
        verbose_name_plural = _("progressions dans les leçons")
        constraints = [models.UniqueConstraint(fields=["staff", "lesson"], name="lessonprogress_once")]
        indexes = [models.Index(fields=["staff", "course"])]
