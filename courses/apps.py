from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = _("Formations")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from wagtail.models import Page, PageViewRestriction, Site, get_page_models

        from courses import selectors, services, site_cache
        from courses.models import CourseSkill, page_handlers
        from skills.models import Domain, Skill

        page_handlers.catalogue_context = selectors.catalogue_context
        page_handlers.course_page_context = selectors.course_page_context
        page_handlers.lesson_access = selectors.lesson_access
        page_handlers.lesson_page_context = selectors.lesson_page_context
        page_handlers.lesson_visit_record = services.lesson_visit_record

        # The shared cache's entries are dropped when what they hold changes.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(site_cache.sites_changed, sender=Site, dispatch_uid=f"courses-site-cache-site-{name}")
            signal.connect(site_cache.restrictions_changed, sender=PageViewRestriction,
                           dispatch_uid=f"courses-site-cache-restriction-{name}")
            # A page is saved under its specific class: listen to each page model.
            for model in {Page, *get_page_models()}:
                signal.connect(site_cache.page_changed, sender=model,
                               dispatch_uid=f"courses-site-cache-{model._meta.label}-{name}")
            for model in (CourseSkill, Domain, Skill):
                signal.connect(site_cache.facets_changed, sender=model,
                               dispatch_uid=f"courses-site-cache-{model._meta.label}-{name}")
