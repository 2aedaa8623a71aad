"""The shift-left report: the categories N1 staff escalate most, how many N1 are qualified for
their rule, and the training paths that would qualify more."""
from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from academy.models import Staff
from courses.paths import selectors as paths_selectors
from routing_bridge.category_rules import category_requirements, category_rule_for
from routing_bridge.models import TicketFeedback
from routing_bridge.qualification import staff_qualified


def paths_closing_links(requirements: dict[str, int]) -> list[dict]:
    """Training paths that would qualify someone for `requirements`, each as {name, url}."""
    return [{"name": str(training_path), "url": reverse("paths:path_detail", args=[training_path.pk])}
            for training_path in paths_selectors.paths_closing(requirements=requirements)]


def shift_left_report(*, days: int = 90, limit: int = 20, now: datetime | None = None) -> list[dict]:
    """Categories most escalated by N1 staff in the last `days`: for each, how many escalations,
    the governing rule, how many active N1 are qualified now, and the training paths that
    would qualify more."""
    now = now or timezone.now()
    rows = (
        TicketFeedback.objects.filter(tier="N1", outcome=TicketFeedback.Outcome.ESCALATED,
                                      occurred_at__gte=now - timedelta(days=days), occurred_at__lte=now)
        .values("category_key").annotate(escalations=Count("id"), category=Max("category"))
        .order_by("-escalations", "category_key")[:limit]
    )
    n1_total = Staff.objects.filter(active=True, tier="N1").count()
    report = []
    for row in rows:
        rule = category_rule_for(category=row["category"])
        entry = {"category": row["category"], "escalations": row["escalations"], "rule": rule,
                 "n1_total": n1_total, "n1_qualified": None, "requirements": {}, "paths": None}
        if rule is not None:
            required, _optional = category_requirements(rule=rule)
            entry["requirements"] = {r.skill: r.min_level for r in required}
            # Who could take them, present or not: the report is about skills, not today's roster.
            result = staff_qualified(required=required, tiers=["N1"], limit=1, with_reasons=False,
                                     available_only=False)
            entry["n1_qualified"] = result.total_qualified
            entry["paths"] = paths_closing_links(entry["requirements"]) if required else None
        report.append(entry)
    return report


def document_usage(*, document_ids) -> dict[int, dict[str, int]]:
    """{knowledge document id: {"resolved": n, "escalated": m}}: the tickets whose feedback named the
    document (`procedure_id`), by outcome (knowledge.extensions.document_usage)."""
    usage: dict[int, dict[str, int]] = {}
    rows = (TicketFeedback.objects.filter(procedure_id__in=list(document_ids),
                                          outcome__in=[TicketFeedback.Outcome.RESOLVED, TicketFeedback.Outcome.ESCALATED])
            .values_list("procedure_id", "outcome").annotate(n=Count("ticket_id", distinct=True)))
    for document_id, outcome, n in rows:
        usage.setdefault(document_id, {})[outcome] = n
    return usage
