"""Admin wiring for courses: keep learners' records when an editor deletes pages; the editors'
dashboard panels about pages."""
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks
from django.utils.translation import ngettext

from academy.roles import user_is_editor
from courses.admin_panels import CoursesDueForReviewPanel, DraftsPanel
from courses.models import Enrolment


@hooks.register("before_delete_page")
def refuse_deleting_courses_with_learners(request, page):
    """Enrolments keep learners' history: a course someone enrolled in (or a page containing one)
    is unpublished rather than deleted. Returns a redirect (refusal) or None (go ahead)."""
    count = Enrolment.objects.filter(course__path__startswith=page.path).count()
    if not count:
        return None
    messages.error(request, ngettext(
        "« %(title)s » ne peut pas être supprimée : %(count)s inscription y est rattachée. "
        "Dépubliez-la plutôt : elle disparaît du catalogue et l'historique des apprenants est conservé.",
        "« %(title)s » ne peut pas être supprimée : %(count)s inscriptions y sont rattachées. "
        "Dépubliez-la plutôt : elle disparaît du catalogue et l'historique des apprenants est conservé.",
        count,
    ) % {"title": page.title, "count": count})
    return redirect("wagtailadmin_explore", page.get_parent().id)


@hooks.register("construct_homepage_panels")
def add_editor_page_panels(request, panels):
    """Editors see their drafts and the courses due for review on the dashboard."""
    if user_is_editor(request.user):
        panels.extend([DraftsPanel(), CoursesDueForReviewPanel()])
