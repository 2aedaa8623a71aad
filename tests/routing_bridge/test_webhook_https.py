"""In production (BRIDGE_WEBHOOK_HTTPS_ONLY) webhook URLs must be https: webhook bodies carry staff
data. Refused when a client is created (service, command, admin) or edited, and a plain-http URL
saved before is never called."""
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from routing_bridge.models import RouterClient, WebhookDelivery
from routing_bridge.services import router_client_create
from routing_bridge.webhooks import client_deliver
from skills.services import evidence_record
from tests.factories import SkillFactory

REFUSED = "L'URL du webhook doit commencer par https://"


@pytest.fixture
def https_only(settings):
    settings.BRIDGE_WEBHOOK_HTTPS_ONLY = True


def test_a_client_with_a_plain_http_webhook_is_refused(https_only, db):
    with pytest.raises(ValidationError) as refused:
        router_client_create(name="GLPI", scopes=["matrix:read"], webhook_url="http://glpi.example/hook")

    assert REFUSED in " ".join(refused.value.message_dict["webhook_url"])
    assert not RouterClient.objects.exists()


def test_an_https_webhook_is_accepted(https_only, db):
    created = router_client_create(name="GLPI", scopes=["matrix:read"], webhook_url="HTTPS://glpi.example/hook")

    assert created.webhook_secret


def test_the_command_refuses_a_plain_http_webhook(https_only, db):
    with pytest.raises(CommandError, match="https://"):
        call_command("create_router_client", "GLPI", "--scopes", "matrix:read",
                     "--webhook-url", "http://glpi.example/hook")


def test_the_admin_refuses_a_plain_http_webhook_on_edit(https_only, client, admin_user):
    created = router_client_create(name="GLPI", scopes=["matrix:read"])
    client.force_login(admin_user)

    response = client.post(f"/admin/snippets/routing_bridge/routerclient/edit/{created.client.pk}/", {
        "name": "GLPI", "scopes": ["matrix:read"], "webhook_url": "http://glpi.example/hook",
        "rate_limit_per_minute": "600", "active": "on",
    })

    assert response.status_code == 200 and REFUSED in html.unescape(response.content.decode())
    assert RouterClient.objects.get(pk=created.client.pk).webhook_url == ""


def test_a_plain_http_url_saved_before_is_never_called(https_only, learner, monkeypatch):
    client = router_client_create(name="ancien", scopes=[], webhook_url="https://glpi.example/hook").client
    RouterClient.objects.filter(pk=client.pk).update(webhook_url="http://glpi.example/hook")
    monkeypatch.setattr("routing_bridge.webhooks.requests.post",
                        lambda *a, **k: pytest.fail("staff data POSTed over plain http"))
    evidence_record(staff=learner, skill=SkillFactory(code="AD.GPO"), level=2, source="exam")

    assert client_deliver(client_id=client.pk)["failed"] == 1
    delivery = WebhookDelivery.objects.get(client=client)
    assert delivery.status == "retrying" and "https:// required" in delivery.last_error


def test_outside_production_a_local_http_receiver_is_allowed(db, settings):
    settings.BRIDGE_WEBHOOK_HTTPS_ONLY = False

    assert router_client_create(name="banc", scopes=[], webhook_url="http://127.0.0.1:9/hook").webhook_secret
