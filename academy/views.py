from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from academy import dashboard
from academy.roles import request_role_flags_and_unread
from academy.selectors import staff_for_user


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
        from routing_bridge.selectors import categories_active

        context["dispatch_categories"] = categories_active()
    if roles["editor"]:
        context["new_course_url"] = dashboard.new_course_url()
    return render(request, "academy/home.html", context)


@login_required
def notifications(request):
    """The person's notifications, newest first; opening the page marks them read."""
    qs = request.user.notifications.all()
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    response = render(request, "academy/notifications.html", {"page": page})
    if request.method == "GET":
        qs.filter(read_at=None).update(read_at=timezone.now())
    return response


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says: send them to the
    icon itself (a permanent redirect, so they ask once)."""
    return redirect(static("img/favicon.svg"), permanent=True)
