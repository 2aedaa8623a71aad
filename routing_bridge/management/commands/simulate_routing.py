import csv
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from routing_bridge.category_rules import NO_HIGHER_TIER
from routing_bridge.errors import InvalidQuery, UnknownCategory
from routing_bridge.qualification import BACKUP, PRACTICE, REFERENT
from routing_bridge.routing import ticket_route


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


def _share(n: int, total: int) -> str:
    return f"{(100.0 * n / total) if total else 0:.1f} %"


class Command(BaseCommand):
    help = ("Rejoue un CSV de tickets (id,category,opened_at, et facultatives type, escalated_by et client) à "
            "travers le routage : part des tickets confiés à une personne qualifiée, par niveau de support, part "
            "des tickets d'un client confiés à son référent, à un suppléant ou à quelqu'un qui a déjà résolu ses "
            "tickets, tickets pour lesquels personne n'est qualifié, tickets escaladés sans niveau supérieur "
            "possible.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--now", action="store_true",
                            help="évaluer maintenant (matrice actuelle) plutôt qu'à la date d'ouverture de chaque ticket")
        parser.add_argument("--show", type=int, default=20, help="nombre de tickets sans personne qualifiée à lister")

    def handle(self, *args, file, now, show, **options):
        try:
            with Path(file).open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                rows = list(reader)
                columns = set(reader.fieldnames or ())
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file} : {exc}") from None
        if rows and not {"id", "category"} <= columns:
            raise CommandError("colonnes attendues : id,category,opened_at")
        by_tier, unknown, nobody, bad, no_higher_tier = Counter(), [], [], [], []
        routed = 0
        # Tickets naming a known client (bad lines left out), and the routed ones by how well the
        # person they went to knows the client (REFERENT, BACKUP, PRACTICE or UNFAMILIAR).
        client_tickets, by_familiarity = 0, Counter()
        for line, row in enumerate(rows, start=2):
            try:
                at = None if now else _parse_when(row.get("opened_at", ""))
            except ValueError:
                bad.append(f"ligne {line} : date « {row.get('opened_at')} » invalide")
                continue
            client = (row.get("client") or "").strip() or None
            try:
                # With `at`, the engine ranks at the ticket's opening, practice counted in the 180
                # days before it; presence now says nothing of the past, so nobody is left out.
                ticket = ticket_route(category=row["category"] or "",
                                      ticket_type=(row.get("type") or "").strip() or None,
                                      escalate_from=(row.get("escalated_by") or "").strip() or None, client=client,
                                      at=at, limit=1, with_reasons=False, available_only=False)
            except InvalidQuery as exc:
                if "body.ticket.category" not in exc.fields:
                    bad.append(f"ligne {line} : {exc.detail}")
                    continue
                ticket, suggestions = None, []  # an empty category: unknown, as in version 1
            except UnknownCategory as exc:
                ticket, suggestions = None, exc.extra.get("suggestions", [])
            client_tickets += client is not None
            if ticket is None:
                unknown.append((row["id"], row["category"], suggestions))
            elif ticket.escalation == NO_HIGHER_TIER:
                no_higher_tier.append((row["id"], ticket.rule.category))
            elif ticket.result.candidates:
                routed += 1
                first = ticket.result.candidates[0]
                by_tier[first.tier] += 1
                if client is not None:
                    by_familiarity[first.client_familiarity] += 1
            else:
                nobody.append((row["id"], ticket.rule.category))
        total = len(rows)
        self.stdout.write(f"tickets={total}")
        self.stdout.write(f"routed_to_qualified={routed} ({_share(routed, total)})")
        for tier in ("N1", "N2", "N3"):
            n = by_tier[tier]
            self.stdout.write(f"  {tier}={n} ({_share(n, routed)} des tickets routés)")
        if "client" in columns:
            familiar = sum(by_familiarity[f] for f in (REFERENT, BACKUP, PRACTICE))
            self.stdout.write(f"client_tickets={client_tickets}")
            for name, n in (("to_referent", by_familiarity[REFERENT]), ("to_backup", by_familiarity[BACKUP]),
                            ("to_practice", by_familiarity[PRACTICE]), ("familiar", familiar)):
                self.stdout.write(f"  {name}={n} ({_share(n, client_tickets)})")
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
