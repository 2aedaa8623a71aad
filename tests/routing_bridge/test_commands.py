"""create_router_client, simulate_routing and the demo seed."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from academy.clients import client_create
from routing_bridge.demo import seed
from routing_bridge.models import CategoryRule, RouterClient, TicketFeedback
from routing_bridge.services import category_rule_save, feedback_record, token_hash
from skills.services import evidence_record
from tests.factories import SkillFactory, StaffFactory, UserFactory


def test_create_router_client_prints_the_token_and_webhook_secret_one_per_line(db):
    out = StringIO()
    call_command("create_router_client", "GLPI", "--scopes", "matrix:read,qualified:query",
                 "--webhook-url", "https://glpi.example/hook", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["token", "webhook_secret"]
    client = RouterClient.objects.get(name="GLPI")
    assert client.token_hash == token_hash(lines[0].split("=", 1)[1])
    assert client.webhook_secret == lines[1].split("=", 1)[1]
    assert client.scopes == ["matrix:read", "qualified:query"]


def test_create_router_client_without_url_prints_only_the_token(db):
    out = StringIO()
    call_command("create_router_client", "script", "--scopes", "taxonomy:read", stdout=out)
    assert out.getvalue().startswith("token=") and "webhook_secret" not in out.getvalue()


def test_create_router_client_rejects_an_unknown_scope(db):
    with pytest.raises(CommandError, match="matrix:write"):
        call_command("create_router_client", "x", "--scopes", "matrix:write", stdout=StringIO())


def test_simulate_routing_reports_share_routed_by_tier_and_nobody_qualified(tmp_path, learner, lead):
    vpn, sip = SkillFactory(code="NET.VPN"), SkillFactory(code="TEL.SIP")
    evidence_record(staff=learner, skill=vpn, level=2, source="exam")
    category_rule_save(category="Réseau > VPN", required=[(vpn, 2)])
    category_rule_save(category="Téléphonie > Trunk SIP", required=[(sip, 3)])
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at\nT1,Réseau > VPN,\nT2,Réseau > VPN > Client,\n"
                    "T3,Téléphonie > Trunk SIP,\nT4,Compta,\n", encoding="utf-8")
    out = StringIO()
    call_command("simulate_routing", str(path), "--now", stdout=out)
    text = out.getvalue()
    assert "tickets=4" in text and "routed_to_qualified=2 (50.0 %)" in text and "N1=2" in text
    assert "nobody_qualified=1" in text and "T3 : Téléphonie > Trunk SIP" in text
    assert "unknown_category=1" in text and "T4 : Compta" in text


def test_simulate_routing_evaluates_each_ticket_at_its_opening_date(tmp_path, learner):
    vpn = SkillFactory(code="NET.VPN")
    evidence_record(staff=learner, skill=vpn, level=2, source="exam")
    category_rule_save(category="Réseau > VPN", required=[(vpn, 2)])
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at\nOLD,Réseau > VPN,2020-01-01T09:00:00Z\nBAD,Réseau > VPN,demain\n",
                    encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("simulate_routing", str(path), stdout=out, stderr=err)
    assert "routed_to_qualified=0" in out.getvalue() and "nobody_qualified=1" in out.getvalue()
    assert "ligne 3" in err.getvalue()


def test_simulate_routing_prints_for_a_file_of_version_1_exactly_what_it_printed_before(tmp_path, learner, lead):
    """No `client` nor `type` column: the same lines as before clients existed, in the same
    order (other tools parse them)."""
    vpn, sip = SkillFactory(code="NET.VPN"), SkillFactory(code="TEL.SIP")
    evidence_record(staff=learner, skill=vpn, level=2, source="exam")
    evidence_record(staff=lead, skill=sip, level=2, source="exam")
    category_rule_save(category="Réseau > VPN", required=[(vpn, 2)])
    category_rule_save(category="Téléphonie > Trunk SIP", required=[(sip, 2)], tiers=["N2", "N3"])
    category_rule_save(category="Téléphonie > Poste", required=[(sip, 4)])
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at\nT1,Réseau > VPN,\nT2,Réseau > VPN > Client,\nT3,Téléphonie > Trunk SIP,\n"
                    "T4,Téléphonie > Poste,\nT5,Réseau > VPM,\nT6,,\nT7,Réseau > VPN,hier\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("simulate_routing", str(path), stdout=out, stderr=err)
    assert out.getvalue() == (
        "tickets=7\n"
        "routed_to_qualified=3 (42.9 %)\n"
        "  N1=2 (66.7 % des tickets routés)\n"
        "  N2=1 (33.3 % des tickets routés)\n"
        "  N3=0 (0.0 % des tickets routés)\n"
        "nobody_qualified=1\n"
        "  T4 : Téléphonie > Poste\n"
        "  par catégorie : Téléphonie > Poste (1)\n"
        "escalated_no_higher_tier=0\n"
        "unknown_category=2\n"
        "  T5 : Réseau > VPM — proches : Réseau > VPN, Téléphonie > Poste\n"
        "  T6 : \n")
    assert err.getvalue() == "ligne 8 : date « hier » invalide\n"


@pytest.fixture
def clients_known(skills):
    """Four N2 qualified for AD.GPO 2: the referent R of DUPONT, its backup B (who alone holds
    level 3), P who resolved a ticket of MARTIN 150 days ago, and U; V, referent of MARTIN and
    LEROY, holds only level 1. "Active Directory" needs level 2, level 3 and N2 or N3 for a
    problem."""
    long_ago = timezone.now() - timedelta(days=400)
    people = {}
    for employee_id, level in (("R", 2), ("B", 3), ("P", 2), ("U", 2), ("V", 1)):
        people[employee_id] = StaffFactory(employee_id=employee_id, tier="N2",
                                           user=UserFactory(username=employee_id.lower()))
        evidence_record(staff=people[employee_id], skill=skills["AD.GPO"], level=level, source="exam",
                        observed_at=long_ago)
    category_rule_save(category="Active Directory", required=[(skills["AD.GPO"], 2)])
    category_rule_save(category="Active Directory", ticket_type="problem", required=[(skills["AD.GPO"], 3)],
                       tiers=["N2", "N3"])
    client_create(code="DUPONT", name="Transports Dupont", referent=people["R"], backups=[people["B"]])
    martin = client_create(code="MARTIN", name="Pharmacie Martin", referent=people["V"], backups=[])
    client_create(code="LEROY", name="Garage Leroy", referent=people["V"], backups=[])
    feedback_record(ticket_id="OLD-1", category="Active Directory", staff=people["P"], outcome="resolved",
                    occurred_at=timezone.now() - timedelta(days=150), client=martin)
    return people


def test_simulate_routing_prints_the_share_of_client_tickets_that_reached_someone_familiar(tmp_path, clients_known):
    """T1 goes to DUPONT's referent, T2 (a problem: level 3) to its backup, T3 to P who resolved
    a ticket of MARTIN in the 180 days before it; opened 300 days ago, T4 comes before P's ticket,
    so P does not know MARTIN yet. T5 has no client, T6 an unknown one (a bad line), T7 an
    unknown category, T8 a client nobody knows."""
    long_ago = (timezone.now() - timedelta(days=300)).isoformat()
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at,type,client\n"
                    "T1,Active Directory,,,DUPONT\n"
                    "T2,Active Directory,,problem,DUPONT\n"
                    "T3,Active Directory,,,MARTIN\n"
                    f"T4,Active Directory,{long_ago},,MARTIN\n"
                    "T5,Active Directory,,,\n"
                    "T6,Active Directory,,,NOWHERE\n"
                    "T7,Comptabilité,,,DUPONT\n"
                    "T8,Active Directory,,incident,LEROY\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("simulate_routing", str(path), stdout=out, stderr=err)
    assert out.getvalue() == (
        "tickets=8\n"
        "routed_to_qualified=6 (75.0 %)\n"
        "  N1=0 (0.0 % des tickets routés)\n"
        "  N2=6 (100.0 % des tickets routés)\n"
        "  N3=0 (0.0 % des tickets routés)\n"
        "client_tickets=6\n"
        "  to_referent=1 (16.7 %)\n"
        "  to_backup=1 (16.7 %)\n"
        "  to_practice=1 (16.7 %)\n"
        "  familiar=3 (50.0 %)\n"
        "nobody_qualified=0\n"
        "escalated_no_higher_tier=0\n"
        "unknown_category=1\n"
        "  T7 : Comptabilité\n")
    assert err.getvalue() == "ligne 7 : Client inconnu : NOWHERE\n"


def test_simulate_routing_counts_practice_at_each_ticket_s_instant_or_now(tmp_path, clients_known):
    """The same ticket of MARTIN opened 300 days ago reaches P with --now: P's ticket is within
    the 180 days before now."""
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at,client\n"
                    f"T4,Active Directory,{(timezone.now() - timedelta(days=300)).isoformat()},MARTIN\n",
                    encoding="utf-8")
    at_opening, now = StringIO(), StringIO()
    call_command("simulate_routing", str(path), stdout=at_opening)
    call_command("simulate_routing", str(path), "--now", stdout=now)
    assert "  to_practice=0 (0.0 %)\n" in at_opening.getvalue()
    assert "  to_practice=1 (100.0 %)\n" in now.getvalue()


def test_the_demo_seed_creates_rules_for_existing_skills_and_is_idempotent(db):
    for code in ("NET.VPN", "NET.LAN", "SEC.IAM", "AD.GPO", "AD.ACCOUNTS"):
        SkillFactory(code=code)
    for i in range(3):
        StaffFactory(employee_id=f"N{i}", tier="N1", user=UserFactory(username=f"n{i}"))
    seed(stdout=StringIO())
    categories = set(CategoryRule.objects.values_list("category", flat=True))
    assert {"Réseau", "Réseau > VPN", "Active Directory > GPO"} <= categories
    assert "Téléphonie > Trunk SIP" not in categories  # its skills do not exist here
    count = TicketFeedback.objects.count()
    seed(stdout=StringIO())
    assert CategoryRule.objects.count() == len(categories) and TicketFeedback.objects.count() == count
