import csv
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from routing_bridge.category_rules import (
    NO_HIGHER_TIER, category_route_rule, escalation_from, route_filters, ticket_type_check,
)
from routing_bridge.errors import BridgeError
from routing_bridge.qualification import staff_qualified


def _parse_when(value: str):
    value = (value or "").strip()
    if not value:
        return None
    when = parse_datetime(value)
    if when is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        when = timezone.datetime.combine(day, timezone.datetime.min.time())
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


class Command(BaseCommand):
    help = ("Rejoue un CSV de tickets (id,category,opened_at, et facultatives type et escalated_by) à travers le "
            "routage : part des tickets confiés à une personne qualifiée, par niveau de support, tickets pour "
            "lesquels personne n'est qualifié, tickets escaladés sans niveau supérieur possible.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--now", action="store_true",
                            help="évaluer maintenant (matrice actuelle) plutôt qu'à la date d'ouverture de chaque ticket")
        parser.add_argument("--show", type=int, default=20, help="nombre de tickets sans personne qualifiée à lister")

    def handle(self, *args, file, now, show, **options):
        try:
            with Path(file).open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} : {exc}") from None
        if rows and not {"id", "category"} <= set(rows[0]):
            raise CommandError("colonnes attendues : id,category,opened_at")
        by_tier, unknown, nobody, bad, no_higher_tier = Counter(), [], [], [], []
        routed = 0
        for line, row in enumerate(rows, start=2):
            try:
                at = None if now else _parse_when(row.get("opened_at", ""))
            except ValueError:
                bad.append(f"ligne {line} : date « {row.get('opened_at')} » invalide")
                continue
            try:
                # Optional columns: the ticket's type (empty: incident) and who escalated it.
                ticket_type = ticket_type_check((row.get("type") or "").strip() or None)
                escalated_by = (row.get("escalated_by") or "").strip()
                escalation = escalation_from(employee_id=escalated_by) if escalated_by else None
            except BridgeError as exc:
                bad.append(f"ligne {line} : {exc.detail}")
                continue
            try:
                rule = category_route_rule(category=row["category"], ticket_type=ticket_type)
            except BridgeError as exc:
                unknown.append((row["id"], row["category"], exc.extra.get("suggestions", [])))
                continue
            filters = route_filters(rule, tiers=None, escalation=escalation)
            if filters.escalation == NO_HIGHER_TIER:
                no_higher_tier.append((row["id"], rule.category))
                continue
            result = staff_qualified(required=rule.required, optional=rule.optional, at=at, limit=1,
                                     with_reasons=False, available_only=False,  # presence now says nothing of the past
                                     **filters.filters)
            if result.candidates:
                routed += 1
                by_tier[result.candidates[0].tier] += 1
            else:
                nobody.append((row["id"], rule.category))
        total = len(rows)
        share = (100.0 * routed / total) if total else 0.0
        self.stdout.write(f"tickets={total}")
        self.stdout.write(f"routed_to_qualified={routed} ({share:.1f} %)")
        for tier in ("N1", "N2", "N3"):
            n = by_tier[tier]
            self.stdout.write(f"  {tier}={n} ({(100.0 * n / routed) if routed else 0:.1f} % des tickets routés)")
        self.stdout.write(f"nobody_qualified={len(nobody)}")
        for ticket_id, category in nobody[:show]:
            self.stdout.write(f"  {ticket_id} : {category}")
        by_category = Counter(category for _id, category in nobody)
        if by_category:
            self.stdout.write("  par catégorie : " + ", ".join(f"{c} ({n})" for c, n in by_category.most_common(10)))
        self.stdout.write(f"escalated_no_higher_tier={len(no_higher_tier)}")
        for ticket_id, category in no_higher_tier[:show]:
            self.stdout.write(f"  {ticket_id} : {category}")
        self.stdout.write(f"unknown_category={len(unknown)}")
        for ticket_id, category, suggestions in unknown[:show]:
            hint = f" — proches : {', '.join(suggestions)}" if suggestions else ""
            self.stdout.write(f"  {ticket_id} : {category}{hint}")
        for error in bad:
            self.stderr.write(error)
