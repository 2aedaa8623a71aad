"""The internal comment a connector adds to a ticket it routed: who was chosen and why, the other
candidates, the client's referent and the procedures; or why nobody was. Built from the
RoutedTicket alone, so that a retry posts exactly the same text, ending with the marker that lets
a retry see it was posted already."""
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from routing_bridge.models import RoutedTicket
from routing_bridge.routing import Routed

FAMILIARITY = {"referent": "référent du client", "backup": "suppléant du référent",
               "practice": "a déjà résolu un ticket de ce client"}


def route_procedures(routed: Routed) -> list[dict]:
    """The knowledge-base documents `route` hands over with the candidates ([{title, url}])."""
    return [{"title": document.title, "url": document.url} for document in routed.procedures]


def comment_marker(routed: RoutedTicket) -> str:
    return f"[Académie {routed.connector_id}/{routed.key}]"


def _person(candidate: dict) -> str:
    return f"{candidate['display_name']} ({candidate['employee_id']}, {candidate['tier']})"


def _skills(candidate: dict) -> str:
    parts = []
    for skill in candidate.get("skills", []):
        text = _("%(skill)s niveau %(level)s (minimum %(min)s)") % {
            "skill": skill["skill"], "level": skill["level"], "min": skill["min_level"]}
        if skill.get("valid_until"):
            text += " " + _("jusqu'au %(date)s") % {"date": skill["valid_until"][:10]}
        parts.append(text)
    return ", ".join(parts)


def comment_text(routed: RoutedTicket) -> str:
    details = routed.details or {}
    lines = [_("Académie — routage du ticket")]
    if routed.escalated_from_id or details.get("escalated_by"):
        lines.append(_("Escaladé par %(who)s : seuls les niveaux au-dessus sont proposés.")
                     % {"who": details.get("escalated_by") or routed.escalated_from_login})
    if details.get("rule"):
        lines.append(_("Règle : %(rule)s") % {"rule": details["rule"]})
    for note in details.get("notes", []):
        lines.append(note)
    candidates = routed.candidates or []
    if routed.status == RoutedTicket.Status.UNROUTABLE:
        lines.append(_("Ce ticket n'a pas pu être routé : %(why)s") % {"why": routed.error})
        lines.append(_("Il reste sans propriétaire ; les répartiteurs sont prévenus."))
    elif not candidates:
        if details.get("escalation") == "no_higher_tier":
            lines.append(_("Aucun niveau de support au-dessus de celui de la personne qui escalade."))
        lines.append(_("Personne n'est qualifié et disponible pour ce ticket. Il reste sans propriétaire ; "
                       "les répartiteurs sont prévenus."))
    else:
        chosen = next((c for c in candidates if c["rank"] == routed.rank), candidates[0])
        if routed.status == RoutedTicket.Status.OWNER_KEPT:
            lines.append(_("Le ticket avait déjà un propriétaire (%(owner)s) : il est laissé. Proposition de "
                           "l'Académie : %(who)s.") % {"owner": routed.owner_found, "who": _person(chosen)})
        else:
            lines.append(_("Affecté à %(who)s, rang %(rank)s sur %(total)s personnes qualifiées.")
                         % {"who": _person(chosen), "rank": routed.rank, "total": routed.total_qualified})
        lines.append(_("Pourquoi :"))
        for candidate in candidates:
            reasons = [_skills(candidate)]
            if candidate.get("familiarity"):
                reasons.append(FAMILIARITY.get(candidate["familiarity"], candidate["familiarity"]))
            n = candidate.get("open_tickets", 0)
            reasons.append(ngettext("%(n)s ticket ouvert", "%(n)s tickets ouverts", n) % {"n": n})
            lines.append(f"  {candidate['rank']}. {_person(candidate)} : " + " ; ".join(r for r in reasons if r))
    referent = details.get("referent")
    if referent:
        state = [_("qualifié") if referent["qualified"] else _("non qualifié pour ce ticket"),
                 _("disponible") if referent["available"] else _("absent")]
        lines.append(_("Référent du client %(client)s : %(who)s (%(state)s).")
                     % {"client": referent["client"], "who": referent["display_name"] or "—",
                        "state": ", ".join(state)})
    procedures = details.get("procedures") or []
    if procedures:
        lines.append(_("Procédures :"))
        lines.extend(f"  - {p['title']} : {p['url']}" for p in procedures)
    lines.append(comment_marker(routed))
    return "\n".join(lines)
