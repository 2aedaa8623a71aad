from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from academy.roles import request_role_flags_and_unread
from academy.selectors import staff_for_user
from routing_bridge.category_rules import categories_active
from workspace import dashboard


@login_required
def home(request):
    """The landing page after login: a dashboard of the person's next steps (courses to resume,
    paths, gaps, deadlines) and, by role, their teams' figures, the dispatcher's search, the
    editor's way to the admin. Someone without a staff record sees only what their role gives."""
    staff = staff_for_user(request.user)
    roles, _unread = request_role_flags_and_unread(request)  # the navigation reuses it
    context = {"staff": staff, "roles": roles}
    if staff is not None:
        context.update(dashboard.learner_dashboard(staff=staff))
    if roles["lead"]:
        context["team_summary"] = dashboard.team_summary(user=request.user)
    if roles["dispatcher"]:
        context["dispatch_categories"] = categories_active()
    if roles["editor"]:
        context["new_course_url"] = dashboard.new_course_url()
    return render(request, "workspace/home.html", context)
