"""Category rules: which rule governs a ticket of a category and a type (contract 1.1, "Category
rules by ticket type"), what it requires, and the filters it and an escalation add to a `route`
(contract: `POST route`). The API, the dispatcher's page and simulate_routing all route through
`category_route_rule` and `route_filters`.

    lookup     = `rule_pick`: from the exact category up to the root, the first level that has a
                 rule applies; at a level, a rule for the ticket's type wins over one for any type;
    filters    = `route_filters`: the rule's tiers narrow the tiers asked; an escalation narrows
                 them to the tiers strictly above the escalating person's and excludes that person.
"""
import difflib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext as _

from academy.categories import category_keys
from academy.models import TIER_ORDER, Staff, Tier
from routing_bridge.db import placeholders, sql_rows, table_name
from routing_bridge.errors import InvalidQuery, UnknownCategory
from routing_bridge.models import CategoryRule, TicketType, category_key, category_normalize
from routing_bridge.qualification import Requirement
from skills.models import Skill

ANY_TYPE = ""
DEFAULT_TICKET_TYPE = TicketType.INCIDENT.value
NO_TIER = "__none__"  # a tier nobody holds: the filter that leaves no one
NO_HIGHER_TIER = "no_higher_tier"


def rule_pick(keys: list[str], rules: dict, ticket_type: str):
    """The rule lookup: `rules` maps (key, ticket type) to a rule (type "" for any type); walking
    `keys` from the exact category up to the root, the first level that has a rule for
    `ticket_type` or for any type applies, the one for `ticket_type` first. None: no level has one.
    So a parent's rule for the type never beats a child's rule for any type."""
    for key in keys:
        for kind in (ticket_type, ANY_TYPE):
            if (key, kind) in rules:
                return rules[(key, kind)]
    return None


def ticket_type_check(ticket_type: str | None) -> str:
    """The ticket type as the contract reads it: None is `incident`; `incident`, `problem`,
    `change` and `request` are themselves. Raises InvalidQuery naming `body.ticket.type` for
    anything else."""
    if ticket_type is None:
        return DEFAULT_TICKET_TYPE
    if ticket_type not in TicketType.values:
        shown = ticket_type if len(ticket_type) <= 40 else ticket_type[:40] + "…"
        raise InvalidQuery(_("Type de ticket inconnu : « %(type)s » (attendu : %(known)s).")
                           % {"type": shown, "known": ", ".join(TicketType.values)},
                           fields={"body.ticket.type": shown})
    return ticket_type


def category_rule_for(*, category: str, ticket_type: str = DEFAULT_TICKET_TYPE) -> CategoryRule | None:
    """The active rule for a ticket of `category` and `ticket_type` (`rule_pick`): its category's,
    else the nearest ancestor's ("Réseau > VPN" falls back to "Réseau"). None when no level has one."""
    keys = category_keys(category)
    rules = {(r.key, r.ticket_type): r for r in CategoryRule.objects.filter(
        key__in=keys, ticket_type__in=[ticket_type, ANY_TYPE], active=True)}
    return rule_pick(keys, rules, ticket_type)


def categories_active() -> list[str]:
    """The ticket categories that have an active rule, alphabetically: what the dispatcher's
    search boxes suggest and what a mistyped category is compared with."""
    return list(CategoryRule.objects.filter(active=True).order_by("category").values_list("category", flat=True)
                .distinct())


def category_suggestions(*, category: str, n: int = 5) -> list[str]:
    """The known categories closest to `category` (difflib), best first."""
    known = categories_active()
    by_key = {c.casefold(): c for c in known}
    close = difflib.get_close_matches(category_key(category), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in close]


def category_requirements(*, rule: CategoryRule) -> tuple[list[Requirement], list[Requirement]]:
    required, optional = [], []
    for r in rule.requirements.select_related("skill"):
        (optional if r.optional else required).append(Requirement(skill=r.skill.code, min_level=r.min_level))
    return required, optional


def category_route(*, category: str, ticket_type: str = DEFAULT_TICKET_TYPE) -> CategoryRule:
    """The rule that governs a ticket of `category` and `ticket_type`. Raises InvalidQuery for an
    empty category, and UnknownCategory naming it with the closest known categories when no rule
    governs it."""
    if not category_normalize(category):
        raise InvalidQuery(_("La catégorie est vide."), fields={"body.ticket.category": "vide"})
    rule = category_rule_for(category=category, ticket_type=ticket_type)
    if rule is None:
        suggestions = category_suggestions(category=category)
        detail = _("Catégorie inconnue : « %(category)s ».") % {"category": category_normalize(category)}
        if suggestions:
            detail += " " + _("Catégories proches : %(categories)s.") % {
                "categories": ", ".join(f"« {s} »" for s in suggestions)}
        raise UnknownCategory(detail, fields={"body.ticket.category": category},
                              extra={"category": category, "suggestions": suggestions})
    return rule


@dataclass(frozen=True)
class RouteRule:
    """What `route` needs of the rule governing a category (`ticket_type`: the rule's, "" for any)."""

    category: str
    tiers: list
    required: list
    optional: list
    ticket_type: str = ANY_TYPE


@dataclass(frozen=True)
class Escalation:
    """A ticket escalated by `employee_id`, whose tier is `tier`."""

    employee_id: str
    tier: str


def escalation_from(*, employee_id: str) -> Escalation:
    """The escalation of a ticket by the staff member `employee_id`. Raises InvalidQuery naming
    `body.escalate_from.employee_id` when nobody has that id."""
    tier = Staff.objects.filter(employee_id=employee_id).values_list("tier", flat=True).first()
    if tier is None:
        raise InvalidQuery(_("Collaborateur inconnu : %(employee_id)s") % {"employee_id": employee_id},
                           fields={"body.escalate_from.employee_id": employee_id})
    return Escalation(employee_id=employee_id, tier=tier)


@dataclass(frozen=True)
class RouteFilters:
    """The filters of `staff_qualified` for a routed ticket (`filters`: tiers and exclude), and
    what its escalation came to (`escalation`: "no_higher_tier" or None)."""

    filters: dict
    escalation: str | None = None


def route_filters(rule: RouteRule, *, tiers: list[str] | None, exclude: list[str] | None = None,
                  escalation: Escalation | None = None) -> RouteFilters:
    """The filters of a ticket governed by `rule` when the caller asks for `tiers` (None or empty:
    any) and excludes `exclude`, escalated or not:
    - a rule's tiers narrow the tiers asked: its tiers that were asked; a rule without tiers
      leaves them;
    - an escalation narrows them again to the tiers strictly above the escalating person's
      (N1 → N2, N3; N2 → N3; N3 → none), and excludes that person;
    - no tier left: no one at all (the tier "__none__"); for an escalated ticket the escalation
      is then "no_higher_tier": no tier that the request and the rule allow is above the person's."""
    if rule.tiers:
        tiers = [t for t in rule.tiers if not tiers or t in tiers] or [NO_TIER]
    outcome = None
    if escalation is not None:
        above = {t for t in Tier.values if TIER_ORDER[t] > TIER_ORDER.get(escalation.tier, 0)}
        tiers = [t for t in (tiers or Tier.values) if t in above]
        if not tiers:
            tiers, outcome = [NO_TIER], NO_HIGHER_TIER
        exclude = list(exclude or [])
        if escalation.employee_id not in exclude:
            exclude.append(escalation.employee_id)
    return RouteFilters(filters={"tiers": tiers, "exclude": exclude}, escalation=outcome)


@lru_cache(maxsize=32)
def _route_rule_sql(vendor: str, n_keys: int) -> str:
    requirement = table_name(CategoryRule.requirements.rel.related_model)
    return (
        f"SELECT r.key, r.ticket_type, r.category, r.tiers, q.optional, q.min_level, k.code "
        f"FROM {table_name(CategoryRule)} r "
        f"LEFT OUTER JOIN {requirement} q ON q.rule_id = r.id LEFT OUTER JOIN {table_name(Skill)} k ON k.id = q.skill_id "
        f"WHERE r.key IN ({placeholders(n_keys)}) AND r.ticket_type IN (%s, %s) AND r.active = %s "
        f"ORDER BY r.key, r.ticket_type, q.sort_order, q.id"
    )


def category_route_rule(*, category: str, ticket_type: str = DEFAULT_TICKET_TYPE) -> RouteRule:
    """`category_route` and `category_requirements` in one raw statement, for `route` (called
    for every ticket): the rule governing a ticket of `category` and `ticket_type` (`rule_pick`)
    with its requirements in their order; raises what `category_route` raises when there is none."""
    if not category_normalize(category):
        return _rule_data(category_route(category=category))  # raises the InvalidQuery of an empty category
    keys = category_keys(category)
    by_rule: dict[tuple, list] = {}
    for row in sql_rows(_route_rule_sql(connection.vendor, len(keys)), [*keys, ticket_type, ANY_TYPE, True],
                        prepare=True):
        by_rule.setdefault((row[0], row[1]), []).append(row)
    rows = rule_pick(keys, by_rule, ticket_type)
    if rows is None:
        return _rule_data(category_route(category=category, ticket_type=ticket_type))  # raises UnknownCategory
    tiers = rows[0][3]
    tiers = json.loads(tiers) if isinstance(tiers, (str, bytes)) else tiers
    required, optional = [], []
    for *_rule, is_optional, min_level, code in rows:
        if code is not None:
            (optional if is_optional else required).append(Requirement(skill=code, min_level=min_level))
    return RouteRule(category=rows[0][2], tiers=list(tiers or []), required=required, optional=optional,
                     ticket_type=rows[0][1])


def _rule_data(rule: CategoryRule) -> RouteRule:
    required, optional = category_requirements(rule=rule)
    return RouteRule(category=rule.category, tiers=list(rule.tiers or []), required=required, optional=optional,
                     ticket_type=rule.ticket_type)
