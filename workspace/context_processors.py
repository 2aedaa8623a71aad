from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from academy.roles import request_role_flags_and_unread


def navigation(request):
    """The main navigation, by role: what each person may open. `nav_roles` (the role flags)
    tells templates such as the lead navigation whom they speak to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles, unread = request_role_flags_and_unread(request)  # one query, shared with the view
    items = [
        {"label": _("Formations"), "url": "/formations/"},
        {"label": _("Mes formations"), "url": reverse("courses:my_learning")},
        {"label": _("Examens"), "url": reverse("assessments:exam_list")},
        {"label": _("Mes compétences"), "url": reverse("skills:my_skills")},
        {"label": _("Certifications"), "url": reverse("assessments:my_certifications")},
        {"label": _("Procédures"), "url": reverse("knowledge:index")},
    ]
    if roles["lead"]:
        items.append({"label": _("Mon équipe"), "url": reverse("skills:team")})
    if roles["dispatcher"] or roles["lead"]:
        items.append({"label": _("Qui est qualifié ?"), "url": reverse("routing_bridge:qualified")})
        items.append({"label": _("Clients"), "url": reverse("routing_bridge:client_list")})
    if roles["editor"] or roles["lead"]:
        items.append({"label": _("Administration"), "url": "/admin/"})
    path = request.path
    for item in items:
        item["current"] = path.startswith(str(item["url"])) and str(item["url"]) != "/"
    return {"nav_items": items, "unread_notifications": unread, "nav_roles": roles}
