"""Pages of the routing bridge: /qui-est-qualifie/ for dispatchers, the shift-left report, the
client pages (/clients/) and the ticketing connectors' pages for dispatchers, leads and admins."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from academy.clients import client_is_followed_by, clients_all, clients_search
from academy.roles import user_is_admin, user_is_dispatcher, user_is_lead
from routing_bridge import qualification
from routing_bridge.client_selectors import RECENT_DAYS, client_resolvers, client_skills_needed
from routing_bridge.category_rules import categories_active
from routing_bridge.errors import BridgeError
from routing_bridge.forms import OPTIONAL_ROWS, REQUIRED_ROWS, QualifiedForm
from routing_bridge.models import Connector, RoutedTicket, TicketType
from routing_bridge.reports import shift_left_report
from routing_bridge.routing import ticket_route
from skills.selectors import skills_active


def _can_dispatch(user) -> bool:
    return user_is_dispatcher(user) or user_is_lead(user) or user_is_admin(user)


def _require_dispatch(user) -> None:
    if not _can_dispatch(user):
        raise PermissionDenied(_("Cette page est réservée aux répartiteurs, aux responsables d'équipe et aux "
                                 "administrateurs."))


def _shown(requirement: qualification.Requirement, names: dict) -> dict:
    return {"skill": requirement.skill, "name": names.get(requirement.skill, requirement.skill),
            "min_level": requirement.min_level}


@login_required
def qualified(request):
    """Ask who is qualified for a category or for skills; the form is a GET so that the answer
    has a URL a dispatcher can share."""
    _require_dispatch(request.user)
    skills = list(skills_active())
    form = QualifiedForm(request.GET or None, skills=skills)
    result = rule = error = escalation = escalated_by = ticket_type = None
    suggestions, procedures, client_code = [], [], ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            asked = {"tiers": data["tiers"] or None, "client": data["client"], "at": data["at"], "limit": 50,
                     "available_only": data["present_only"]}
            if data["category"]:
                escalated_by = data["escalate_from"]
                routed = ticket_route(category=data["category"], ticket_type=data["ticket_type"],
                                      escalate_from=escalated_by.employee_id if escalated_by else None, **asked)
                result, rule, escalation = routed.result, routed.rule, routed.escalation
                required, optional = rule.required, rule.optional
                procedures = routed.procedures  # the knowledge-base documents `route` hands over
                client_code = data["client"] or ""
                ticket_type = TicketType(routed.ticket_type).label
            else:
                required = [qualification.Requirement(code, level) for code, level in data["required"]]
                optional = [qualification.Requirement(code, level) for code, level in data["optional"]]
                result = qualification.staff_qualified(required=required, optional=optional, **asked)
            # What the page shows of each requirement: the skill's name and the level asked.
            names = {skill.code: skill.name for skill in skills}
            result.required = [_shown(r, names) for r in required]
            result.optional = [_shown(r, names) for r in optional]
            for candidate in result.candidates:
                for reason in candidate.skills:
                    reason["name"] = names.get(reason["skill"], reason["skill"])
                # The optional skills that raised this person in the ranking.
                candidate.optional_skills = [_shown(r, names) for r in optional
                                             if candidate.levels.get(r.skill, 0) >= r.min_level]
        except BridgeError as exc:
            error = exc.detail
            suggestions = exc.extra.get("suggestions", [])
    return render(request, "routing_bridge/qualified.html", {
        "form": form, "result": result, "rule": rule, "error": error, "suggestions": suggestions,
        "escalation": escalation, "escalated_by": escalated_by, "ticket_type": ticket_type,
        "procedures": procedures, "client_code": client_code,
        "categories": categories_active(), "clients": clients_all().filter(active=True),
        "required_rows": REQUIRED_ROWS, "optional_rows": OPTIONAL_ROWS,
        "can_see_report": user_is_lead(request.user) or user_is_admin(request.user),
        "title": _("Qui est qualifié ?"),
    })


@login_required
def shift_left(request):
    """For leads and admins: the categories N1 escalate most, and what training would help."""
    if not (user_is_lead(request.user) or user_is_admin(request.user)):
        raise PermissionDenied(_("Ce rapport est réservé aux responsables d'équipe et aux administrateurs."))
    try:
        days = min(max(int(request.GET.get("days", 90)), 1), 730)
    except ValueError:
        days = 90
    report = shift_left_report(days=days)
    return render(request, "routing_bridge/shift_left.html", {
        "report": report, "days": days,
    })


CLIENTS_PAGE_SIZE = 50


@login_required
def client_list(request):
    """/clients/: the client companies (inactive ones too), searched by code, name or referent,
    50 per page."""
    _require_dispatch(request.user)
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(clients_search(q=q), CLIENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "routing_bridge/client_list.html", {
        "page": page, "q": q, "querystring": query.urlencode(),
    })


@login_required
def client_detail(request, code: str):
    """/clients/<code>/: a client's referent and backups, who resolved its tickets lately and the
    skills its tickets needed; for dispatchers, leads, admins, and the client's referent and backups."""
    client = get_object_or_404(clients_all(), code=code)
    # The client's referent and backups open their own clients' pages from their home page.
    if not client_is_followed_by(client=client, user=request.user):
        _require_dispatch(request.user)
    return render(request, "routing_bridge/client_detail.html", {
        "client": client, "backups": list(client.backups.all()), "days": RECENT_DAYS,
        "resolvers": client_resolvers(client=client), "skills": client_skills_needed(client=client),
    })


ROUTED_SHOWN = 50


@login_required
def connector_list(request):
    """/qui-est-qualifie/connecteurs/: each ticketing connector, whether it works, for dispatchers,
    leads and admins."""
    _require_dispatch(request.user)
    return render(request, "routing_bridge/connector_list.html", {
        "connectors": Connector.objects.select_related("router").order_by("name"),
    })


@login_required
def connector_detail(request, pk: int):
    """/qui-est-qualifie/connecteurs/<id>/: the last tickets a connector routed (assignee, rank,
    outcome) and its errors."""
    _require_dispatch(request.user)
    connector = get_object_or_404(Connector, pk=pk)
    routed = (RoutedTicket.objects.filter(connector=connector).select_related("assignee__user", "escalated_from__user")
              .order_by("-routed_at", "-pk")[:ROUTED_SHOWN])
    errors = (RoutedTicket.objects.filter(connector=connector).exclude(error="").order_by("-routed_at", "-pk")[:20])
    return render(request, "routing_bridge/connector_detail.html", {
        "connector": connector, "routed": routed, "errors": errors, "shown": ROUTED_SHOWN,
    })
