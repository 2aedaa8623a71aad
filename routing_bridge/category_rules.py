"""Category rules: which rule governs a ticket category (its own, else the nearest ancestor's),
what it requires, and the filters it adds to a `route` (contract: `POST route`). The API and the
dispatcher's page both route through `category_route_rule` and `route_filters`."""
import difflib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext as _

from routing_bridge.db import _marks, _qn, _raw
from routing_bridge.errors import InvalidQuery, UnknownCategory
from routing_bridge.models import CategoryRule, category_key, category_normalize
from routing_bridge.selectors import Requirement
from skills.models import Skill


def category_keys(category: str) -> list[str]:
    """The keys of the rules that may govern `category`, most specific first: "Réseau > VPN"
    gives the keys of "Réseau > VPN" then of "Réseau"."""
    parts = category_normalize(category).split(" > ")
    return [category_key(" > ".join(parts[:i])) for i in range(len(parts), 0, -1)]


def category_rule_for(*, category: str) -> CategoryRule | None:
    """The active rule for `category`: its own, else the nearest ancestor's ("Réseau > VPN" falls
    back to "Réseau"). None when no prefix has a rule."""
    keys = category_keys(category)
    rules = {r.key: r for r in CategoryRule.objects.filter(key__in=keys, active=True)}
    for key in keys:
        if key in rules:
            return rules[key]
    return None


def categories_active() -> list[str]:
    """The ticket categories that have an active rule, alphabetically: what the dispatcher's
    search boxes suggest and what a mistyped category is compared with."""
    return list(CategoryRule.objects.filter(active=True).order_by("category").values_list("category", flat=True))


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


def category_route(*, category: str) -> CategoryRule:
    """The rule that governs `category`. Raises InvalidQuery for an empty category, and
    UnknownCategory naming it with the closest known categories when no rule governs it."""
    if not category_normalize(category):
        raise InvalidQuery(_("La catégorie est vide."), fields={"body.ticket.category": "vide"})
    rule = category_rule_for(category=category)
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
    """What `route` needs of the rule governing a category."""

    category: str
    tiers: list
    required: list
    optional: list


def route_filters(rule: RouteRule, *, tiers: list[str] | None) -> dict:
    """The filters of `staff_qualified` for a ticket governed by `rule` when the caller asks for
    `tiers` (None or empty: any). A rule's tiers narrow the tiers asked: its tiers that were asked,
    and no one at all (the tier "__none__") when none was; a rule without tiers leaves them."""
    if rule.tiers:
        tiers = [t for t in rule.tiers if not tiers or t in tiers] or ["__none__"]
    return {"tiers": tiers}


@lru_cache(maxsize=32)
def _route_rule_sql(vendor: str, n_keys: int) -> str:
    requirement = _qn(CategoryRule.requirements.rel.related_model)
    return (
        f"SELECT r.key, r.category, r.tiers, q.optional, q.min_level, k.code FROM {_qn(CategoryRule)} r "
        f"LEFT OUTER JOIN {requirement} q ON q.rule_id = r.id LEFT OUTER JOIN {_qn(Skill)} k ON k.id = q.skill_id "
        f"WHERE r.key IN ({_marks(n_keys)}) AND r.active = %s ORDER BY r.key, q.sort_order, q.id"
    )


def category_route_rule(*, category: str) -> RouteRule:
    """`category_route` and `category_requirements` in one raw statement, for `route` (called
    for every ticket): the rule governing `category` with its requirements in their order;
    raises what `category_route` raises when there is none."""
    if not category_normalize(category):
        return _rule_data(category_route(category=category))  # raises the InvalidQuery of an empty category
    keys = category_keys(category)
    by_key: dict[str, list] = {}
    for row in _raw(_route_rule_sql(connection.vendor, len(keys)), [*keys, True], prepare=True):
        by_key.setdefault(row[0], []).append(row)
    for key in keys:
        if key in by_key:
            rows = by_key[key]
            tiers = rows[0][2]
            tiers = json.loads(tiers) if isinstance(tiers, (str, bytes)) else tiers
            required, optional = [], []
            for _key, _category, _tiers, is_optional, min_level, code in rows:
                if code is not None:
                    (optional if is_optional else required).append(Requirement(skill=code, min_level=min_level))
            return RouteRule(category=rows[0][1], tiers=list(tiers or []), required=required, optional=optional)
    return _rule_data(category_route(category=category))  # raises the UnknownCategory naming the closest ones


def _rule_data(rule: CategoryRule) -> RouteRule:
    required, optional = category_requirements(rule=rule)
    return RouteRule(category=rule.category, tiers=list(rule.tiers or []), required=required, optional=optional)
