from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone


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
