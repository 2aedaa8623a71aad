from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from academy.roles import user_is_admin, user_is_dispatcher, user_is_editor, user_is_lead


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
    items = [
        {"label": _("Formations"), "url": "/formations/"},
        {"label": _("Mes formations"), "url": _url("courses:my_learning", "/mes-formations/")},
        {"label": _("Mes compétences"), "url": _url("skills:my_skills", "/mes-competences/")},
        {"label": _("Certifications"), "url": _url("assessments:my_certifications", "/certificats/")},
    ]
    if user_is_lead(user):
        items.append({"label": _("Mon équipe"), "url": _url("skills:team", "/equipe/")})
    if user_is_dispatcher(user) or user_is_lead(user):
        items.append({"label": _("Qui est qualifié ?"), "url": _url("routing_bridge:qualified", "/qui-est-qualifie/")})
    if user_is_editor(user) or user_is_lead(user) or user_is_admin(user):
        items.append({"label": _("Administration"), "url": "/admin/"})
    path = request.path
    for item in items:
        item["current"] = path.startswith(str(item["url"])) and str(item["url"]) != "/"
    return {"nav_items": items, "unread_notifications": user.notifications.filter(read_at=None).count()}
