"""create_router_client, simulate_routing and the demo seed."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from routing_bridge.demo import seed
from routing_bridge.models import CategoryRule, RouterClient, TicketFeedback
from routing_bridge.services import category_rule_save, token_hash
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
