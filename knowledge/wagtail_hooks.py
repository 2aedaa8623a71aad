"""Admin wiring of the knowledge base: the documents due for review on the dashboard of editors
and experts."""
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from academy.roles import KNOWLEDGE_EXPERT, user_has_role, user_is_editor
from courses.admin_panels import PageListPanel
from knowledge.selectors import documents_due_for_review
from knowledge.services import REVIEW_REMINDER_DAYS


class DocumentsDueForReviewPanel(PageListPanel):
    name = "academie-knowledge-due-for-review"
    order = 70
    heading = _("Procédures et standards à relire")
    help_text = _("Leur date de relecture est passée ou tombe dans les 30 jours : relisez, reportez la date, "
                  "soumettez à validation.")
    empty_text = _("Aucun document à relire dans les 30 jours.")
    date_label = _("À relire avant le")
    date_attr = "review_due_on"

    def pages(self, user):
        return documents_due_for_review(within_days=REVIEW_REMINDER_DAYS)


@hooks.register("construct_homepage_panels")
def add_knowledge_review_panel(request, panels):
    if user_is_editor(request.user) or user_has_role(request.user, KNOWLEDGE_EXPERT):
        panels.append(DocumentsDueForReviewPanel())
