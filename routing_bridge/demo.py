"""Demo data of the routing bridge: GLPI-like ticket categories for the nine domains
(routing_bridge/data/category_rules.csv) and a few ticket outcomes. Idempotent."""
import csv
import io
import random
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from academy.models import Client, Staff
from routing_bridge.models import TicketFeedback
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
    if TicketFeedback.objects.exists():
        _clients_on_feedback(stdout)
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
    _clients_on_feedback(stdout)


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
