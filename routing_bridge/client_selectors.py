"""What the client page shows of a client company's tickets, read from the feedback that names it
(contract 1.1, `POST feedback` with `client`): who resolved them lately, and the skills they needed
(from the category rules governing their categories, `category_rules.category_rule_for`)."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from academy.models import Client, Staff
from routing_bridge.category_rules import category_rule_for
from routing_bridge.models import TicketFeedback
from routing_bridge.qualification import PRACTICE_WINDOW

# The window of "lately": the one client familiarity uses (contract 1.1, "Ranking").
RECENT_DAYS = PRACTICE_WINDOW.days


@dataclass
class Resolver:
    staff: Staff
    resolved: int
    last_at: datetime


@dataclass
class SkillNeeded:
    code: str
    name: str
    min_level: int  # the highest level a rule asked of it
    optional: bool  # only ever asked as optional
    tickets: int
    categories: list[str] = field(default_factory=list)


def _recent(client: Client, *, now: datetime | None, days: int):
    now = now or timezone.now()
    return TicketFeedback.objects.filter(client=client, occurred_at__gt=now - timedelta(days=days),
                                         occurred_at__lte=now)


def client_resolvers(*, client: Client, now: datetime | None = None, days: int = RECENT_DAYS) -> list[Resolver]:
    """Who resolved tickets of `client` within `days` before `now` (feedback with that client and
    outcome resolved), most tickets first, then the most recent, then by employee id."""
    rows = list(_recent(client, now=now, days=days).filter(outcome=TicketFeedback.Outcome.RESOLVED)
                .values("staff_id").annotate(n=Count("ticket_id", distinct=True), last=Max("occurred_at")))
    people = Staff.objects.select_related("user").in_bulk([row["staff_id"] for row in rows])
    resolvers = [Resolver(staff=people[row["staff_id"]], resolved=row["n"], last_at=row["last"]) for row in rows]
    return sorted(resolvers, key=lambda r: (-r.resolved, -r.last_at.timestamp(), r.staff.employee_id))


def client_skills_needed(*, client: Client, now: datetime | None = None,
                         days: int = RECENT_DAYS) -> list[SkillNeeded]:
    """The skills the tickets of `client` within `days` before `now` needed: for each category of
    its feedback, the requirements of the rule governing it (`category_rule_for`); a skill asked by
    several rules shows the highest level asked and the tickets of all of them. Most tickets
    first, required before optional-only, then by code. Categories no rule governs add nothing."""
    tickets_by_category = dict(_recent(client, now=now, days=days).values_list("category_key")
                               .annotate(n=Count("ticket_id", distinct=True)))
    by_code: dict[str, SkillNeeded] = {}
    for category_key, tickets in tickets_by_category.items():
        rule = category_rule_for(category=category_key)
        if rule is None:
            continue
        for requirement in rule.requirements.select_related("skill"):
            skill = requirement.skill
            needed = by_code.setdefault(skill.code, SkillNeeded(code=skill.code, name=skill.name, min_level=0,
                                                                optional=True, tickets=0))
            needed.min_level = max(needed.min_level, requirement.min_level)
            needed.optional = needed.optional and requirement.optional
            needed.tickets += tickets
            if rule.category not in needed.categories:
                needed.categories.append(rule.category)
    for needed in by_code.values():
        needed.categories.sort()
    return sorted(by_code.values(), key=lambda s: (-s.tickets, s.optional, s.code))
