"""The knowledge base as a Wagtail page tree: index → technical solution → procedures and
configuration standards (DESIGN.md, "knowledge/").

Procedures and standards share one concrete parent model, `KnowledgeDocumentPage`, which holds what
every document has: its purpose, skills, ticket categories, the client it is restricted to, its
owner (Wagtail's page owner) and review date. The selection rules (which documents for a ticket,
search, who may read what) live in knowledge.selectors; the pages reach them through
`page_handlers`, filled by `KnowledgeConfig.ready()`, as the course pages do.

The index is not under the Wagtail site's root (the catalogue, served at /formations/): it sits
beside it and is served at /connaissances/ by knowledge.views.serve; `get_url_parts` gives its
pages their URLs there."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, Site
from wagtail.search import index

from academy.categories import category_key, category_normalize
from academy.models import Tier
from courses.models import LoginRequiredPageMixin
from knowledge.blocks import ChecksBlock, ProcedureStepsBlock

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "code"]
DEFAULT_REVIEW_AFTER = timedelta(days=365)
RESERVED_SLUGS = {"recherche"}  # /connaissances/recherche/ is the search page


@dataclass
class PageHandlers:
    """The request side of the pages, written in knowledge.selectors and knowledge.services:
    each page's context and the record of a reading."""

    index_context: Callable[..., dict] | None = None
    solution_context: Callable[..., dict] | None = None
    document_context: Callable[..., dict] | None = None
    document_read_record: Callable | None = None


page_handlers = PageHandlers()


class DocumentKind(models.TextChoices):
    PROCEDURE = "procedure", _("Procédure")
    STANDARD = "standard", _("Standard de configuration")


def _default_review_date():
    return timezone.localdate() + DEFAULT_REVIEW_AFTER


class KnowledgePageMixin(LoginRequiredPageMixin):
    """Signed-in staff only, and URLs under /connaissances/ (knowledge.views.serve)."""

    def get_url_parts(self, request=None):
        """(site id, site root URL, path): the default site's, and `knowledge_path`. None before any
        site exists."""
        site_paths = Site.get_site_root_paths()
        if not site_paths:
            return None
        site_id, _root_path, root_url, _language = site_paths[0]
        return site_id, root_url, knowledge_path(self.url_path)


def knowledge_path(url_path: str) -> str:
    """The site path of a knowledge page from its Wagtail `url_path`: the index is a child of the
    tree's root (so the first part of `url_path`) and is served at knowledge.views.serve."""
    below_index = "".join(f"{part}/" for part in url_path.strip("/").split("/")[1:])
    return reverse("knowledge:serve", args=[below_index]) if below_index else reverse("knowledge:index")


class KnowledgeIndexPage(KnowledgePageMixin, Page):
    """The knowledge base's home, at /connaissances/: its solutions by domain, and the search."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["knowledge.SolutionPage"]
    max_count = 1

    class Meta:
        verbose_name = _("base de connaissances")

    @classmethod
    def can_create_at(cls, parent):
        """Only as a child of the tree's root: its pages' URLs are read from that (get_url_parts)."""
        return super().can_create_at(parent) and parent.is_root()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.index_context(index_page=self, user=request.user))
        return context


class SolutionPage(KnowledgePageMixin, Page):
    """A technical solution the MSP supports (Exchange Online, FortiGate…), holding its procedures
    and configuration standards."""

    vendor = models.CharField(_("éditeur"), max_length=120)
    product = models.CharField(_("produit"), max_length=160)
    versions = models.CharField(_("versions couvertes"), max_length=200, blank=True)
    domain = models.ForeignKey("skills.Domain", verbose_name=_("domaine"), on_delete=models.PROTECT,
                               related_name="knowledge_solutions")
    summary = models.TextField(_("résumé"), max_length=800, blank=True)
    skills = ParentalManyToManyField("skills.Skill", verbose_name=_("compétences"), blank=True,
                                     related_name="knowledge_solutions")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("vendor"), FieldPanel("product")]),
        FieldPanel("versions"),
        FieldPanel("domain"),
        FieldPanel("summary"),
        FieldPanel("skills"),
        InlinePanel("doc_links", label=_("Documentation de l'éditeur"), heading=_("Documentation de l'éditeur")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("vendor"), index.SearchField("product"), index.SearchField("summary"),
        index.FilterField("domain"),
    ]
    parent_page_types = ["knowledge.KnowledgeIndexPage"]
    subpage_types = ["knowledge.ProcedurePage", "knowledge.StandardPage"]

    class Meta:
        verbose_name = _("solution technique")
        verbose_name_plural = _("solutions techniques")

    def clean(self):
        super().clean()
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": _("« %(slug)s » est réservé à la recherche : choisissez un autre slug.")
                                   % {"slug": self.slug}})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.solution_context(solution=self, user=request.user))
        return context


class SolutionLink(Orderable):
    page = ParentalKey(SolutionPage, on_delete=models.CASCADE, related_name="doc_links")
    title = models.CharField(_("intitulé"), max_length=200)
    url = models.URLField(_("adresse"), max_length=500)

    panels = [FieldPanel("title"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        verbose_name = _("lien vers la documentation de l'éditeur")
        verbose_name_plural = _("liens vers la documentation de l'éditeur")

    def __str__(self):
        return self.title


def review_is_due(review_due_on) -> bool:
    """A document past its review date (`review_due_on` before today) is "à revoir" wherever it
    is shown; one without a date never is."""
    return review_due_on is not None and review_due_on < timezone.localdate()


class KnowledgeDocumentPage(KnowledgePageMixin, Page):
    """What procedures and standards share. Not created on its own (`is_creatable`): each document
    is one of its two kinds, written in `kind` when saved so that lists need no join."""

    KIND = ""

    kind = models.CharField(_("type"), max_length=12, choices=DocumentKind.choices, editable=False, db_index=True)
    purpose = models.TextField(_("objet"), help_text=_("À quoi sert ce document, en une ou deux phrases."))
    skills = ParentalManyToManyField("skills.Skill", verbose_name=_("compétences"), blank=True,
                                     related_name="knowledge_documents")
    client = models.ForeignKey(
        "academy.Client", verbose_name=_("réservé au client"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="knowledge_documents",
        help_text=_("Rempli : le document n'est proposé que pour les tickets de ce client."))
    review_due_on = models.DateField(
        _("à relire avant le"), default=_default_review_date,
        help_text=_("Le propriétaire est prévenu avant cette date ; passé cette date, le document est marqué "
                    "« à revoir » partout où il apparaît."))

    lifecycle_panels = [
        MultiFieldPanel([FieldPanel("owner"), FieldPanel("review_due_on")], heading=_("Cycle de vie")),
        MultiFieldPanel([FieldPanel("skills"), InlinePanel("categories", label=_("Catégorie de tickets")),
                         FieldPanel("client")], heading=_("Rattachements")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("purpose"),
        index.RelatedFields("skills", [index.SearchField("code"), index.SearchField("name_fr")]),
        index.RelatedFields("categories", [index.SearchField("category")]),
        index.FilterField("kind"),
        index.FilterField("client"),
        index.FilterField("review_due_on"),
    ]
    parent_page_types = ["knowledge.SolutionPage"]
    subpage_types: list = []
    is_creatable = False

    class Meta:
        verbose_name = _("document de la base de connaissances")
        verbose_name_plural = _("documents de la base de connaissances")

    def save(self, *args, **kwargs):
        if self.KIND:
            self.kind = self.KIND
        return super().save(*args, **kwargs)

    @property
    def review_due(self) -> bool:
        """Past its review date: shown "à revoir"."""
        return review_is_due(self.review_due_on)

    def serve(self, request, *args, **kwargs):
        """Called for GET on the document's URL: a signed-in reader's visit is recorded as a learning
        event (once a day per person, knowledge.services.document_read_record); previews are not."""
        response = super().serve(request, *args, **kwargs)
        if request.user.is_authenticated and not getattr(request, "is_preview", False):
            page_handlers.document_read_record(user=request.user, document=self)
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(page_handlers.document_context(document=self, request=request))
        return context


class DocumentCategory(Orderable):
    """A ticket category a document serves; its sub-categories inherit it ("Messagerie" serves
    "Messagerie > Boîte aux lettres"), as for category rules (academy.categories)."""

    page = ParentalKey(KnowledgeDocumentPage, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("catégorie"), max_length=255,
                                help_text=_("Chemin de la catégorie du ticket, par exemple « Messagerie > Boîte "
                                            "aux lettres »."))
    key = models.CharField(max_length=255, db_index=True, editable=False)

    panels = [FieldPanel("category")]

    class Meta(Orderable.Meta):
        verbose_name = _("catégorie de tickets")
        verbose_name_plural = _("catégories de tickets")

    def save(self, *args, **kwargs):
        self.category = category_normalize(self.category)
        self.key = category_key(self.category)
        return super().save(*args, **kwargs)

    def __str__(self):
        return self.category


class ProcedurePage(KnowledgeDocumentPage):
    """How to do one thing on a solution, step by step, with how to check it worked and undo it."""

    KIND = DocumentKind.PROCEDURE

    prerequisites = models.TextField(_("prérequis"), blank=True, help_text=_("Un prérequis par ligne."))
    steps = StreamField(ProcedureStepsBlock(), verbose_name=_("étapes"))
    verification = RichTextField(_("vérification"), blank=True, features=RICH_FEATURES,
                                 help_text=_("Comment constater que la procédure a fonctionné."))
    rollback = RichTextField(_("retour arrière"), blank=True, features=RICH_FEATURES,
                             help_text=_("Comment annuler si quelque chose se passe mal."))
    tier = models.CharField(_("niveau autorisé"), max_length=2, choices=Tier.choices, default=Tier.N1,
                            help_text=_("Le niveau de support le plus bas autorisé à la dérouler."))
    duration_minutes = models.PositiveIntegerField(
        _("durée estimée (minutes)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(1440)])

    content_panels = Page.content_panels + [
        FieldPanel("purpose"),
        FieldRowPanel([FieldPanel("tier"), FieldPanel("duration_minutes")]),
        FieldPanel("prerequisites"),
        FieldPanel("steps"),
        FieldPanel("verification"),
        FieldPanel("rollback"),
    ] + KnowledgeDocumentPage.lifecycle_panels
    search_fields = KnowledgeDocumentPage.search_fields + [
        index.SearchField("prerequisites"), index.SearchField("steps"), index.SearchField("verification"),
        index.SearchField("rollback"),
    ]
    parent_page_types = ["knowledge.SolutionPage"]
    subpage_types: list = []
    is_creatable = True

    class Meta:
        verbose_name = _("procédure")
        verbose_name_plural = _("procédures")

    def prerequisite_list(self) -> list[str]:
        return [line.strip() for line in self.prerequisites.splitlines() if line.strip()]


class StandardPage(KnowledgeDocumentPage):
    """How a solution must be configured: the recommended settings, why, the vendor's reference, and
    the checks that prove a system conforms. A client may deviate on some settings, with a reason."""

    KIND = DocumentKind.STANDARD

    checks = StreamField(ChecksBlock(), verbose_name=_("contrôles de conformité"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("purpose"),
        InlinePanel("settings", label=_("Paramètre"), heading=_("Paramètres recommandés")),
        FieldPanel("checks"),
        InlinePanel("deviations", label=_("Dérogation"), heading=_("Dérogations par client")),
    ] + KnowledgeDocumentPage.lifecycle_panels
    search_fields = KnowledgeDocumentPage.search_fields + [
        index.SearchField("checks"),
        index.RelatedFields("settings", [index.SearchField("parameter"), index.SearchField("value"),
                                         index.SearchField("why")]),
    ]
    parent_page_types = ["knowledge.SolutionPage"]
    subpage_types: list = []
    is_creatable = True

    class Meta:
        verbose_name = _("standard de configuration")
        verbose_name_plural = _("standards de configuration")


class StandardSetting(Orderable):
    page = ParentalKey(StandardPage, on_delete=models.CASCADE, related_name="settings")
    parameter = models.CharField(_("paramètre"), max_length=200)
    value = models.CharField(_("valeur recommandée"), max_length=300)
    why = models.TextField(_("pourquoi"), blank=True)
    reference = models.CharField(_("référence éditeur"), max_length=500, blank=True,
                                 help_text=_("Lien ou intitulé de la recommandation de l'éditeur."))

    panels = [FieldRowPanel([FieldPanel("parameter"), FieldPanel("value")]), FieldPanel("why"),
              FieldPanel("reference")]

    class Meta(Orderable.Meta):
        verbose_name = _("paramètre recommandé")
        verbose_name_plural = _("paramètres recommandés")

    def __str__(self):
        return f"{self.parameter} = {self.value}"


class StandardDeviation(Orderable):
    """A client's deviation from one setting of a standard: the value it runs instead, and why."""

    page = ParentalKey(StandardPage, on_delete=models.CASCADE, related_name="deviations")
    client = models.ForeignKey("academy.Client", verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="knowledge_deviations")
    parameter = models.CharField(_("paramètre"), max_length=200)
    value = models.CharField(_("valeur chez ce client"), max_length=300)
    reason = models.TextField(_("raison"))

    panels = [FieldPanel("client"), FieldRowPanel([FieldPanel("parameter"), FieldPanel("value")]),
              FieldPanel("reason")]

    class Meta(Orderable.Meta):
        verbose_name = _("dérogation client")
        verbose_name_plural = _("dérogations client")

    def __str__(self):
        return f"{self.client_id}: {self.parameter} = {self.value}"


class KnowledgeVersion(models.Model):
    """One row whose `value` grows whenever what the lists of documents show may have changed (a
    knowledge page published, unpublished, moved or deleted): each process keeps its copy of the
    live documents until it moves (knowledge.selectors.catalogue)."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("version de la base de connaissances")


class DocumentRead(models.Model):
    """One reading of a document by a person on a day: the claim that keeps the `experienced`
    learning event to one per person, document and day."""

    staff = models.ForeignKey("academy.Staff", on_delete=models.CASCADE, related_name="knowledge_reads")
    document = models.ForeignKey(KnowledgeDocumentPage, on_delete=models.CASCADE, related_name="reads")
    day = models.DateField()

    class Meta:
        verbose_name = _("lecture d'un document")
        verbose_name_plural = _("lectures de documents")
        constraints = [models.UniqueConstraint(fields=["staff", "document", "day"], name="documentread_once_a_day")]
