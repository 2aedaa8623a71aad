"""Demo data of the routing bridge: GLPI-like ticket categories for the nine domains
(routing_bridge/data/category_rules.csv), ticket outcomes with their client companies, practice
of clients by staff who are neither their referent nor a backup, and availability reports for
about a third of the staff. Idempotent: a second run creates nothing."""
import csv
import io
import random
from datetime import datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from academy.models import Client, Staff
from routing_bridge.availability import Report, availability_report
from routing_bridge.errors import BridgeError
from routing_bridge.models import Availability, TicketFeedback, report_applies
from routing_bridge.qualification import BACKUP, REFERENT
from routing_bridge.routing import ticket_route
from routing_bridge.services import category_rules_import, feedback_record
from skills.models import Skill

RULES_CSV = Path(__file__).resolve().parent / "data" / "category_rules.csv"


def _rules_with_known_skills(content: str) -> str:
    """Keep the rules whose skills all exist, so the demo works with any catalogue."""
    known = set(Skill.objects.values_list("code", flat=True))
    reader = csv.DictReader(io.StringIO(content))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in reader:
        codes = [c.split(":")[0].strip() for col in ("required", "optional") for c in row[col].split(";") if c.strip()]
        if all(code in known for code in codes):
            writer.writerow(row)
    return out.getvalue()


def seed(*, stdout) -> None:
    report = category_rules_import(content=_rules_with_known_skills(RULES_CSV.read_text(encoding="utf-8")))
    stdout.write(f"routing_bridge: category rules {report.created} created, {report.updated} updated, "
                 f"{report.unchanged} unchanged")
    for error in report.errors:
        stdout.write(f"  {error}")
    _ticket_outcomes(stdout)
    _clients_on_feedback(stdout)
    _client_practice(stdout)
    _availability(stdout)


def _ticket_outcomes(stdout) -> None:
    """120 outcomes of N1 tickets over the last 80 days, on a database without any feedback."""
    if TicketFeedback.objects.exists():
        return
    rng = random.Random(8)
    n1 = list(Staff.objects.filter(active=True, tier="N1").order_by("employee_id")[:20])
    if not n1:
        return
    categories = ["Réseau > VPN", "Active Directory > GPO", "Messagerie > Message non reçu",
                  "Poste de travail > Impression", "Téléphonie > Trunk SIP", "Hébergement > Certificat expiré"]
    now = timezone.now()
    for i in range(120):
        staff = rng.choice(n1)
        category = rng.choice(categories)
        # GPO and SIP tickets are the ones N1 escalate most: the shift-left report shows them.
        escalation_rate = 0.7 if category in ("Active Directory > GPO", "Téléphonie > Trunk SIP") else 0.15
        outcome = "escalated" if rng.random() < escalation_rate else "resolved"
        feedback_record(ticket_id=f"DEMO-{i:04d}", category=category, staff=staff, outcome=outcome,
                        occurred_at=now - timedelta(days=rng.randint(1, 80), minutes=rng.randint(0, 600)))
    stdout.write("routing_bridge: 120 demo ticket outcomes")


def _clients_on_feedback(stdout) -> None:
    """Give most demo tickets a client company (contract 1.1), so the client pages show who
    resolved them and the skills they needed: the same client for the same ticket, about one
    ticket in six left without one. Idempotent: only tickets with no client yet are changed."""
    clients = list(Client.objects.filter(active=True).order_by("code"))
    if not clients:
        return
    pending = list(TicketFeedback.objects.filter(ticket_id__startswith="DEMO-", client=None).order_by("ticket_id"))
    changed = []
    for feedback in pending:
        rng = random.Random(feedback.ticket_id)
        if rng.random() < 1 / 6:
            continue
        feedback.client = rng.choice(clients)
        changed.append(feedback)
    TicketFeedback.objects.bulk_update(changed, ["client"], batch_size=500)
    if changed:
        stdout.write(f"routing_bridge: {len(changed)} demo ticket outcomes given a client")


# The categories whose tickets the practice tickets below are about, one per client in turn.
PRACTICE_CATEGORIES = ["Active Directory > GPO", "Réseau > VPN", "Messagerie > Message non reçu",
                       "Téléphonie > Trunk SIP", "Hébergement > Certificat expiré", "Infrastructure > Sauvegarde"]
PRACTICE_PREFIX = "DEMO-P-"


def _client_practice(stdout) -> None:
    """Tickets of each active client resolved by two people qualified for their category who are
    neither its referent nor a backup, 3 to 120 days ago: the route of such a ticket for that
    client then shows "practice" (client familiarity 1) beside the referent and backups. Only on a
    demo database (its DEMO- tickets), once (tickets DEMO-P-…)."""
    if TicketFeedback.objects.filter(ticket_id__startswith=PRACTICE_PREFIX).exists() \
            or not TicketFeedback.objects.filter(ticket_id__startswith="DEMO-").exists():
        return
    staff = Staff.objects.in_bulk(field_name="employee_id")
    now = timezone.now()
    recorded = 0
    for index, client in enumerate(Client.objects.filter(active=True).order_by("code")):
        rng = random.Random(f"practice:{client.code}")
        for attempt in range(len(PRACTICE_CATEGORIES)):
            category = PRACTICE_CATEGORIES[(index + attempt) % len(PRACTICE_CATEGORIES)]
            try:
                routed = ticket_route(category=category, client=client.code, limit=20, with_reasons=False,
                                      available_only=False)
            except BridgeError:  # the rule's skills are not in this catalogue
                continue
            others = [c for c in routed.result.candidates if c.client_familiarity not in (REFERENT, BACKUP)][:2]
            if not others:
                continue
            for n, candidate in enumerate(others):
                resolved_at = now - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 9))
                feedback_record(ticket_id=f"{PRACTICE_PREFIX}{client.code}-{n}", category=category,
                                staff=staff[candidate.employee_id], outcome=TicketFeedback.Outcome.RESOLVED,
                                client=client, occurred_at=resolved_at)
                recorded += 1
            break
    if recorded:
        stdout.write(f"routing_bridge: {recorded} demo tickets resolved for clients by neither referent nor backup")


# Two clients whose referent the dispatcher sees absent, then loaded (other clients are taken when
# these do not exist or share a referent).
ABSENT_REFERENT_OF, LOADED_REFERENT_OF = "VASSEUR", "BLEMOINE"
LOADED_TICKETS = 9


def _availability(stdout) -> None:
    """Availability reports, as a router would send them, for about a third of the active staff:
    most present with 0 to 6 open tickets, some absent (on leave for a few days or with no end
    said), a few away for the next hours; the referent of one client absent for four days and
    that of another present with more tickets than anyone. A person whose report still applies
    is left as they are, so a second run reports nothing and a later one renews what has run out."""
    people = list(Staff.objects.filter(active=True).order_by("employee_id").values_list("employee_id", flat=True))
    if not people:
        return
    now = timezone.now()
    morning = timezone.make_aware(datetime.combine(timezone.localdate(now), time(8)))
    plan: dict[str, Report] = {}
    for employee_id in people:
        rng = random.Random(f"availability:{employee_id}")
        if rng.random() >= 1 / 3:
            continue
        roll = rng.random()
        if roll < 0.7:
            plan[employee_id] = Report(employee_id, True, open_tickets=rng.randint(0, 6))
        elif roll < 0.8:
            plan[employee_id] = Report(employee_id, False)  # absent, no end said
        elif roll < 0.9:  # on leave, back on a morning a few days ahead
            plan[employee_id] = Report(employee_id, False, until=morning + timedelta(days=rng.randint(2, 6)))
        else:  # at a client's or in training, back in a few hours
            back = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=rng.randint(2, 5))
            plan[employee_id] = Report(employee_id, False, until=back)
    referents = dict(Client.objects.filter(active=True).order_by("code").values_list("code", "referent__employee_id"))
    codes = [ABSENT_REFERENT_OF, LOADED_REFERENT_OF] + [code for code in referents
                                                        if code not in (ABSENT_REFERENT_OF, LOADED_REFERENT_OF)]
    shown = list(dict.fromkeys(referents[code] for code in codes if code in referents))[:2]
    if shown:
        plan[shown[0]] = Report(shown[0], False, until=morning + timedelta(days=4))
    if len(shown) > 1:
        plan[shown[1]] = Report(shown[1], True, open_tickets=LOADED_TICKETS)
    applying = {employee_id for employee_id, until in Availability.objects.filter(
        staff__employee_id__in=list(plan)).values_list("staff__employee_id", "until") if report_applies(until, now)}
    reports = [report for employee_id, report in plan.items() if employee_id not in applying]
    if reports:
        availability_report(reports=reports, now=now)
        stdout.write(f"routing_bridge: {len(reports)} demo availability reports "
                     f"({sum(not r.available for r in reports)} absent)")
