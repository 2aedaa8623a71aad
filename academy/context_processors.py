from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from academy.roles import request_role_flags_and_unread


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def navigation(request):
    """The main navigation, by role: what each person may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles, unread = request_role_flags_and_unread(request)  # one query, shared with the view
    items = [
        {"label": _("Formations"), "url": "/formations/"},
        {"label": _("Mes formations"), "url": _url("courses:my_learning", "/mes-formations/")},
        {"label": _("Examens"), "url": _url("assessments:exam_list", "/examens/")},
        {"label": _("Mes compétences"), "url": _url("skills:my_skills", "/mes-competences/")},
        {"label": _("Certifications"), "url": _url("assessments:my_certifications", "/certificats/")},
    ]
    if roles["lead"]:
        items.append({"label": _("Mon équipe"), "url": _url("skills:team", "/equipe/")})
    if roles["dispatcher"] or roles["lead"]:
        items.append({"label": _("Qui est qualifié ?"), "url": _url("routing_bridge:qualified", "/qui-est-qualifie/")})
    if roles["editor"] or roles["lead"]:
        items.append({"label": _("Administration"), "url": "/admin/"})
    path = request.path
    for item in items:
        item["current"] = path.startswith(str(item["url"])) and str(item["url"]) != "/"
    return {"nav_items": items, "unread_notifications": unread}
