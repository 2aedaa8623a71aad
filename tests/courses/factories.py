"""Builders for the course page tree. Pages are created with Wagtail's tree API (add_child), like
an editor would, so tree rules, search indexing and URLs behave as in production."""
from wagtail.models import Page, Site

from academy.sites import default_site_fields
from courses.models import CatalogueIndexPage, CoursePage, CourseSkill, LessonPage, ModulePage
from tests.factories import DomainFactory


def catalogue_create(title: str = "Formations") -> CatalogueIndexPage:
    """The catalogue as the default site's root page, served at /formations/."""
    existing = CatalogueIndexPage.objects.first()
    if existing is not None:
        return existing
    root = Page.get_first_root_node()
    catalogue = root.add_child(instance=CatalogueIndexPage(title=title, slug="formations"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(root_page=catalogue, **default_site_fields())
    else:
        site.root_page = catalogue
        site.save()
    return catalogue


def course_create(*, title: str = "Diagnostiquer une GPO", catalogue: CatalogueIndexPage | None = None,
                  domain=None, skills=(), live: bool = True, prerequisites=(), **fields) -> CoursePage:
    catalogue = catalogue or catalogue_create()
    fields.setdefault("summary", f"Résumé de « {title} ».")
    course = CoursePage(title=title, domain=domain or DomainFactory(code="AD", name_fr="Active Directory"),
                        live=live, **fields)
    catalogue.add_child(instance=course)
    for skill, level in skills:
        CourseSkill.objects.create(page=course, skill=skill, level=level)
    if prerequisites:
        course.prerequisites.set(prerequisites)
        course.save()
    return course


def module_create(*, course: CoursePage, title: str = "Module 1", live: bool = True) -> ModulePage:
    return course.add_child(instance=ModulePage(title=title, live=live))


def lesson_create(*, parent, title: str = "Leçon", body=None, required: bool = True, live: bool = True,
                  estimated_minutes: int = 10) -> LessonPage:
    body = body if body is not None else [("rich_text", f"<p>Contenu de {title}.</p>")]
    lesson = LessonPage(title=title, body=body, required=required, live=live, estimated_minutes=estimated_minutes)
    return parent.add_child(instance=lesson)
