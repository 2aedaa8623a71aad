"""The Python client of docs/ works against a live server: sync, route, feedback."""
import importlib.util
from pathlib import Path

import pytest

from routing_bridge.models import SCOPES, TicketFeedback
from routing_bridge.services import category_rule_save, router_client_create
from skills.models import SkillLevel
from skills.services import evidence_record
from tests.factories import SkillFactory

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "bridge_client_example.py"


@pytest.fixture
def example():
    spec = importlib.util.spec_from_file_location("bridge_client_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_documented_client_syncs_routes_and_reports(live_server, example, tmp_path, learner, lead):
    from django.core.cache import cache

    cache.clear()
    vpn = SkillFactory(code="NET.VPN")
    evidence_record(staff=learner, skill=vpn, level=2, source="exam")
    category_rule_save(category="Réseau > VPN", required=[(vpn, 2)])
    token = router_client_create(name="example", scopes=list(SCOPES)).token
    bridge = example.Bridge(live_server.url, token)

    matrix = example.LocalMatrix(tmp_path / "matrix.json")
    matrix.sync(bridge)
    evidence_record(staff=lead, skill=vpn, level=3, source="certification")
    assert matrix.sync(bridge) == 1
    server = {c.staff.employee_id: {c.skill.code: c.level} for c in SkillLevel.objects.select_related("staff", "skill")}
    assert {k: v for k, v in matrix.levels.items() if v} == server

    answer = bridge.route("GLPI-1", "Réseau > VPN")
    assert [c["employee_id"] for c in answer["candidates"]] == ["E10001", "E10002"]
    with pytest.raises(example.BridgeError) as caught:
        bridge.route("GLPI-2", "Réseau > VPM")
    assert caught.value.status == 404 and caught.value.body["suggestions"] == ["Réseau > VPN"]

    assert bridge.feedback("GLPI-1", "Réseau > VPN", "E10001", "resolved")["status"] == "accepted"
    assert TicketFeedback.objects.filter(ticket_id="GLPI-1").exists()


def test_the_documented_signature_check_accepts_ours_and_rejects_a_forgery(example):
    from routing_bridge.webhooks import signature

    body = b'{"id":"x"}'
    assert example.verify_signature("s3cret", body, signature("s3cret", body))
    assert not example.verify_signature("s3cret", body + b" ", signature("s3cret", body))
