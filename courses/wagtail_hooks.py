"""Admin wiring for courses: keep learners' records when an editor deletes pages."""
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks
from django.utils.translation import ngettext

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
