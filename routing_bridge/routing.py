"""Routing a ticket (contract `route`): the rule governing its category and type
(category_rules), the filters it and an escalation set (`route_filters`), then the one engine
(qualification.staff_qualified). The API's `route`, the dispatcher's page, `simulate_routing` and
the ticketing connectors all route here."""
from dataclasses import dataclass, field
from datetime import datetime

from academy.clients import client_by_code
from knowledge.selectors import procedures_for_ticket

from routing_bridge.category_rules import (
    RouteRule, category_route_rule, escalation_from, route_filters, ticket_type_check,
)
from routing_bridge.matrix import matrix_now
from routing_bridge.qualification import Qualification, client_check, staff_qualified


@dataclass
class Routed:
    """A routed ticket: the engine's answer, the rule applied, the ticket's type, and the outcome
    of its escalation ("no_higher_tier" or None)."""

    result: Qualification
    rule: RouteRule
    ticket_type: str
    escalation: str | None = None
    escalated_by: str | None = None
    # The knowledge-base documents handed over with the candidates (knowledge.selectors.Document),
    # most specific first.
    procedures: list = field(default_factory=list)


def ticket_route(
    *,
    category: str,
    ticket_type: str | None = None,
    escalate_from: str | None = None,
    client: str | None = None,
    tiers: list[str] | None = None,
    profiles: list[str] | None = None,
    languages: list[str] | None = None,
    exclude: list[str] | None = None,
    at: datetime | None = None,
    limit: int = 10,
    available_only: bool = True,
    with_reasons: bool = True,
) -> Routed:
    """Who should take a ticket of `category` and `ticket_type` (None: incident) for `client`,
    escalated by the staff member `escalate_from` or not, ranked, with the knowledge-base
    documents for the ticket (`knowledge.selectors.procedures_for_ticket`). Raises InvalidQuery for an
    unknown type, escalating person or client, UnknownCategory when no rule governs the category."""
    ticket_type = ticket_type_check(ticket_type)
    client_check(matrix_now(), client)  # a bad request (400) before an unknown category (404)
    escalation = None if escalate_from is None else escalation_from(employee_id=escalate_from)
    rule = category_route_rule(category=category, ticket_type=ticket_type)
    routed = route_filters(rule, tiers=tiers, exclude=exclude, escalation=escalation)
    result = staff_qualified(required=rule.required, optional=rule.optional, profiles=profiles, languages=languages,
                             at=at, limit=limit, with_reasons=with_reasons, available_only=available_only,
                             client=client, **routed.filters)
    procedures = procedures_for_ticket(category=category, skill_codes=[r.skill for r in rule.required],
                                       client=client_by_code(client) if client else None)
    return Routed(result=result, rule=rule, ticket_type=ticket_type, escalation=routed.escalation,
                  escalated_by=escalate_from, procedures=procedures)
