"""Demo data for courses: the catalogue as the Wagtail site root, one course per domain with
lessons written for technicians (courses/demo_content.py), and page permissions for the content
editors. Idempotent: pages are found by slug and never overwritten (an editor may have changed
them); running it again creates nothing."""
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from academy.models import Staff
from academy.roles import CONTENT_EDITOR
from academy.sites import default_site_fields
from courses import services
from courses.demo_content import COURSES
from courses.models import CatalogueIndexPage, CoursePage, CourseSkill, Enrolment, LessonPage, ModulePage
from courses.selectors import course_lessons
from skills.models import Domain, Skill

CATALOGUE_INTRO = ("<p>Des formations courtes, écrites par et pour le support : des procédures testées, "
                   "des commandes prêtes à copier, et une compétence attestée dans votre matrice quand "
                   "vous terminez.</p>")
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
EDITOR_COLLECTION_PERMISSIONS = {
    "wagtailimages": ("add_image", "change_image", "choose_image"),
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
}


def catalogue_ensure(*, stdout=None) -> CatalogueIndexPage:
    """The catalogue page, created if needed, as the root page of the default site (so that it is
    served at /formations/). Wagtail's placeholder "Welcome" page is removed when it is unused."""
    catalogue = CatalogueIndexPage.objects.first()
    root = Page.get_first_root_node()
    if catalogue is None:
        placeholder = Page.objects.filter(depth=2, slug="formations").first()
        if placeholder is not None and placeholder.specific_class is Page:
            placeholder.slug = "formations-ancienne"
            placeholder.save()
        catalogue = CatalogueIndexPage(title="Formations", slug="formations", intro=CATALOGUE_INTRO)
        root.add_child(instance=catalogue)
        catalogue.save_revision().publish()
        if stdout:
            stdout.write("courses: catalogue créé")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(root_page=catalogue, **default_site_fields())
    elif site.root_page_id != catalogue.pk:
        previous = site.root_page
        site.root_page = catalogue
        site.save()
        # Wagtail's "Welcome to your new Wagtail site!" page: a bare Page with nothing below it.
        if previous.specific_class is Page and previous.depth == 2 and not previous.get_children().exists():
            previous.delete()
    return catalogue


def editor_permissions_ensure(*, catalogue: CatalogueIndexPage) -> None:
    """Content editors may add, edit and publish pages below the catalogue, and add images and
    documents to the root collection."""
    group, _created = Group.objects.get_or_create(name=CONTENT_EDITOR)
    for codename in EDITOR_PAGE_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
        if permission is not None:
            GroupPagePermission.objects.get_or_create(group=group, page=catalogue, permission=permission)
    collection = Collection.get_first_root_node()
    if collection is None:
        return
    for app_label, codenames in EDITOR_COLLECTION_PERMISSIONS.items():
        for codename in codenames:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                GroupCollectionPermission.objects.get_or_create(group=group, collection=collection,
                                                                permission=permission)


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _lesson(parent, data) -> LessonPage:
    return _publish(parent, LessonPage(
        title=data["title"], slug=slugify(data["title"]), estimated_minutes=data["minutes"], required=data.get("required", True),
        body=data["body"],
    ))


def course_seed(*, catalogue: CatalogueIndexPage, data: dict, stdout=None) -> CoursePage | None:
    """Create one demo course with its modules and lessons, unless a page has its slug already.
    Returns None when the course exists or its domain is missing."""
    if CoursePage.objects.filter(slug=data["slug"]).exists():
        return None
    domain = Domain.objects.filter(code=data["domain"]).first()
    if domain is None:
        if stdout:
            stdout.write(f"courses: domaine {data['domain']} absent, « {data['title']} » ignorée")
        return None
    skills = {s.code: s for s in Skill.objects.filter(code__in=[code for code, _l in data["skills"]])}
    course = CoursePage(
        title=data["title"], slug=data["slug"], domain=domain, summary=data["summary"],
        objectives=data["objectives"], duration_minutes=data["duration"], difficulty=data["difficulty"],
        audience_tiers=data["tiers"], audience_profiles=data["profiles"],
    )
    course.skills_taught = [CourseSkill(skill=skills[code], level=level)
                            for code, level in data["skills"] if code in skills]
    _publish(catalogue, course)
    for module_data in data.get("modules", []):
        module = _publish(course, ModulePage(title=module_data["title"], slug=slugify(module_data["title"]),
                                             intro=module_data.get("intro", "")))
        for lesson_data in module_data["lessons"]:
            _lesson(module, lesson_data)
    for lesson_data in data.get("lessons", []):
        _lesson(course, lesson_data)
    return course


def seed(*, stdout) -> None:
    with transaction.atomic():
        catalogue = catalogue_ensure(stdout=stdout)
        editor_permissions_ensure(catalogue=catalogue)
        created = [c for c in (course_seed(catalogue=catalogue, data=data, stdout=stdout) for data in COURSES) if c]
    _demo_learner_progress(stdout=stdout)
    stdout.write(f"courses: +{len(created)} formations ({CoursePage.objects.live().count()} publiées)")


def _demo_learner_progress(*, stdout) -> None:
    """Give the demo technician a course in progress, so /mes-formations/ is not empty on first
    login. Skipped when the account does not exist or is already enrolled."""
    staff = Staff.objects.filter(user__username="technicien", active=True).first()
    course = CoursePage.objects.live().filter(slug="gpo-qui-ne-s-applique-pas").first()
    if staff is None or course is None or Enrolment.objects.filter(staff=staff, course=course).exists():
        return
    services.enrolment_create(staff=staff, course=course)
    lessons = course_lessons(course=course)
    if lessons:
        services.lesson_complete(staff=staff, lesson=lessons[0])
    if len(lessons) > 1:
        services.lesson_visit_record(staff=staff, lesson=lessons[1])
    stdout.write("courses: le compte technicien a une formation en cours")
