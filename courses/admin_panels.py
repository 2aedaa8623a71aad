"""Panels of the Wagtail dashboard (`/admin/`) for content editors: pages that need them, each
with a link to its edit view, and a sentence when there is none. Each app adds its own panels
from its `wagtail_hooks.py` (`construct_homepage_panels`)."""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.ui.components import Component

from courses.selectors import courses_due_for_review, page_drafts_of


class PageListPanel(Component):
    """A dashboard panel listing at most `limit` pages of `pages(user)`, with `date_label` and the
    page's `date_attr` beside each. Subclasses set `name` (the panel's HTML id), `order`,
    `heading`, `help_text` and `empty_text`."""

    template_name = "courses/admin/page_list_panel.html"
    name = ""
    order = 100
    heading = ""
    help_text = ""
    empty_text = ""
    date_label = _("Publiée")
    date_attr = "last_published_at"
    never_text = _("jamais publiée")
    action_url = None  # a button below the list, labelled `action_label`
    action_label = ""
    limit = 10

    def pages(self, user):
        raise NotImplementedError

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        rows = list(self.pages(request.user)[:self.limit + 1])
        more = self.pages(request.user).count() - self.limit if len(rows) > self.limit else 0
        return {
            "request": request,
            "panel": self,
            "rows": [(page, getattr(page, self.date_attr)) for page in rows[:self.limit]],
            "more": ngettext("… et %(count)s autre page.", "… et %(count)s autres pages.", more)
            % {"count": more} if more else "",
        }


class DraftsPanel(PageListPanel):
    name = "academie-drafts"
    order = 50
    heading = _("Vos brouillons")
    help_text = _("Pages que vous avez créées ou modifiées en dernier, avec des changements pas encore publiés.")
    empty_text = _("Aucun brouillon en attente : vos modifications sont publiées.")
    date_label = _("Modifiée")
    date_attr = "latest_revision_created_at"

    def pages(self, user):
        return page_drafts_of(user=user)


class CoursesDueForReviewPanel(PageListPanel):
    name = "academie-courses-due-for-review"
    order = 60
    heading = _("Formations à relire")
    help_text = _("Rien n'y a été publié depuis plus d'un an : vérifiez que les commandes et les "
                  "procédures sont toujours justes, puis publiez.")
    empty_text = _("Aucune formation à relire : chacune a été publiée il y a moins d'un an.")
    date_label = _("Dernière publication")
    date_attr = "reviewed_at"

    def pages(self, user):
        return courses_due_for_review()
