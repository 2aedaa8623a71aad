from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    label = "knowledge"
    verbose_name = _("Base de connaissances")

    def ready(self):
        # Imported here: these modules load models, which do not exist until the apps are loaded.
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from courses.extensions import extensions_register
        from knowledge import selectors, services
        from knowledge.models import (
            KnowledgeDocumentPage, KnowledgeIndexPage, ProcedurePage, SolutionPage, StandardPage, page_handlers,
        )

        page_handlers.index_context = selectors.index_context
        page_handlers.solution_context = selectors.solution_context
        page_handlers.document_context = selectors.document_context
        page_handlers.document_read_record = services.document_read_record
        # A course page lists the documents of the skills it teaches.
        extensions_register(knowledge_documents=selectors.course_documents)

        # What the lists show changes when a knowledge page goes live, leaves, moves or is deleted.
        for model in (KnowledgeIndexPage, SolutionPage, KnowledgeDocumentPage, ProcedurePage, StandardPage):
            label = model._meta.label
            page_published.connect(services.knowledge_version_bump, sender=model, dispatch_uid=f"kb-pub-{label}")
            page_unpublished.connect(services.knowledge_version_bump, sender=model, dispatch_uid=f"kb-unpub-{label}")
            post_delete.connect(services.knowledge_version_bump, sender=model, dispatch_uid=f"kb-del-{label}")
        post_page_move.connect(services.knowledge_version_bump, dispatch_uid="kb-move")
