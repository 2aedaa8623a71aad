"""/qui-est-qualifie/ for dispatchers, leads and admins; the admin pages of the bridge."""
import re

import pytest
from django.contrib.auth.models import Group

from academy.roles import DISPATCHER
from routing_bridge.models import CategoryRule, RouterClient, WebhookDelivery
from routing_bridge.services import category_rule_save, router_client_create
from skills.services import evidence_record
from tests.factories import SkillFactory, UserFactory


@pytest.fixture
def dispatcher(db):
    user = UserFactory(username="dina", first_name="Dina", last_name="Dispatch")
    group, _ = Group.objects.get_or_create(name=DISPATCHER)
    user.groups.add(group)
    return user


@pytest.fixture
def vpn(learner, lead):
    skill = SkillFactory(code="NET.VPN", name_fr="VPN")
    evidence_record(staff=learner, skill=skill, level=2, source="exam")
    evidence_record(staff=lead, skill=skill, level=3, source="certification")
    category_rule_save(category="Réseau > VPN", required=[(skill, 2)], tiers=["N1", "N2"])
    return skill


def test_a_dispatcher_sees_ranked_candidates_with_their_reasons_for_a_category(client, dispatcher, vpn):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"category": "Réseau > VPN"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [c.employee_id for c in response.context["result"].candidates] == ["E10001", "E10002"]
    assert "2 personnes qualifiées" in html
    assert "Léa Martin" in html and "niveau 2 (minimum 2)" in html and "Examen réussi" in html
    assert "sans échéance" in html


def test_a_dispatcher_can_ask_by_skills_levels_and_tiers(client, dispatcher, vpn):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"req1_skill": "NET.VPN", "req1_level": "3", "tiers": ["N2"]})
    assert [c.employee_id for c in response.context["result"].candidates] == ["E10002"]


def test_the_rule_of_a_category_narrows_the_tiers_asked_as_route_does(client, dispatcher, vpn):
    """The rule of "Réseau > VPN" allows N1 and N2: asking N2 keeps N2, asking N3 leaves no one."""
    client.force_login(dispatcher)
    both = client.get("/qui-est-qualifie/", {"category": "Réseau > VPN", "tiers": ["N2", "N3"]})
    assert [c.employee_id for c in both.context["result"].candidates] == ["E10002"]
    outside = client.get("/qui-est-qualifie/", {"category": "Réseau > VPN", "tiers": ["N3"]})
    assert outside.context["result"].total_qualified == 0


def test_an_unknown_category_is_explained_with_suggestions(client, dispatcher, vpn):
    client.force_login(dispatcher)
    html = client.get("/qui-est-qualifie/", {"category": "Reseau > VPM"}).content.decode()
    assert "Catégorie inconnue" in html and 'href="?category=R%C3%A9seau%20%3E%20VPN"' in html


def test_an_empty_question_is_a_form_error_not_a_crash(client, dispatcher, vpn):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"category": ""})
    assert response.status_code == 200
    assert "Choisissez une catégorie" in response.content.decode()


def test_nobody_qualified_says_so(client, dispatcher, vpn):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"req1_skill": "NET.VPN", "req1_level": "4"})
    assert "Personne n'est qualifié" in response.content.decode()


def test_the_form_is_labelled_for_keyboard_and_screen_reader_users(client, dispatcher, vpn):
    client.force_login(dispatcher)
    html = client.get("/qui-est-qualifie/").content.decode()
    for field in ("id_category", "id_req1_skill", "id_req1_level", "id_opt1_skill", "id_at"):
        assert f'for="{field}"' in html and f'id="{field}"' in html
    assert "tabindex=\"-1\"" in html and "<fieldset>" in html and "<legend>" in html


def test_a_lead_may_use_the_page(client, lead, vpn):
    client.force_login(lead.user)
    assert client.get("/qui-est-qualifie/").status_code == 200


def test_a_learner_may_not(client, outsider):
    client.force_login(outsider.user)
    assert client.get("/qui-est-qualifie/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/qui-est-qualifie/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Admin ----------------------------------------------------------------------------------------

def test_the_admin_lists_clients_and_shows_a_new_token_once(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/snippets/routing_bridge/routerclient/").status_code == 200
    response = client.post("/admin/snippets/routing_bridge/routerclient/add/", {
        "name": "ServiceNow", "scopes": ["matrix:read", "qualified:query"], "webhook_url": "https://sn.example/hook",
        "rate_limit_per_minute": "120", "active": "on",
    }, follow=True)
    assert response.status_code == 200
    stored = RouterClient.objects.get(name="ServiceNow")
    text = " ".join(str(m) for m in response.context["messages"])
    assert "jeton" in text and stored.token_prefix in text and stored.webhook_secret in text
    assert stored.scopes == ["matrix:read", "qualified:query"] and stored.rate_limit_per_minute == 120
    assert stored.token_prefix in client.get("/admin/snippets/routing_bridge/routerclient/").content.decode()


def test_the_admin_revokes_a_client(client, admin_user):
    created = router_client_create(name="GLPI", scopes=["matrix:read"])
    client.force_login(admin_user)
    listing = client.get("/admin/snippets/routing_bridge/routerclient/").content.decode()
    url = f"/admin/snippets/routing_bridge/routerclient/revoke/{created.client.pk}/"
    assert url in listing
    assert client.get(url).status_code == 200
    client.post(url, {"reason": "fuite"})
    assert RouterClient.objects.get(pk=created.client.pk).revoked_at is not None


def test_the_admin_replays_parked_deliveries(client, admin_user, learner):
    created = router_client_create(name="GLPI", scopes=[], webhook_url="http://127.0.0.1:9/")
    skill = SkillFactory(code="X.Y")
    evidence_record(staff=learner, skill=skill, level=2, source="exam")
    from routing_bridge.webhooks import deliveries_fan_out

    deliveries_fan_out(client=created.client)
    WebhookDelivery.objects.update(status="parked")
    client.force_login(admin_user)
    listing = client.get("/admin/snippets/routing_bridge/webhookdelivery/").content.decode()
    delivery = WebhookDelivery.objects.get()
    url = f"/admin/snippets/routing_bridge/webhookdelivery/replay/{delivery.pk}/"
    assert url in listing
    client.post(url)
    delivery.refresh_from_db()
    assert delivery.status == "pending"  # back in its queue, at its place


def test_the_admin_imports_and_exports_category_rules(client, admin_user):
    SkillFactory(code="NET.VPN")
    client.force_login(admin_user)
    listing = client.get("/admin/snippets/routing_bridge/categoryrule/").content.decode()
    assert "/admin/snippets/routing_bridge/categoryrule/import/" in listing
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("r.csv", "category,required\nRéseau > VPN,NOPE:2\n".encode())
    response = client.post("/admin/snippets/routing_bridge/categoryrule/import/", {"file": bad})
    assert "ligne 2" in response.content.decode() and CategoryRule.objects.count() == 0
    good = SimpleUploadedFile("r.csv", "category,required\nRéseau > VPN,NET.VPN:2\n".encode())
    preview = client.post("/admin/snippets/routing_bridge/categoryrule/import/", {"file": good})
    assert "1 règle créée" in preview.content.decode() and CategoryRule.objects.count() == 0
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    client.post("/admin/snippets/routing_bridge/categoryrule/import/", {"token": token})
    assert CategoryRule.objects.get().category == "Réseau > VPN"
    export = client.get("/admin/snippets/routing_bridge/categoryrule/export/")
    assert export["Content-Type"].startswith("text/csv") and "NET.VPN:2" in export.content.decode()


def test_the_admin_edits_a_rule_with_its_skills(client, admin_user):
    skill = SkillFactory(code="NET.VPN")
    client.force_login(admin_user)
    assert client.get("/admin/snippets/routing_bridge/categoryrule/add/").status_code == 200
    response = client.post("/admin/snippets/routing_bridge/categoryrule/add/", {
        "category": "Réseau > VPN", "tiers": ["N1"], "description": "", "active": "on",
        "requirements-TOTAL_FORMS": "1", "requirements-INITIAL_FORMS": "0", "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000", "requirements-0-skill": str(skill.pk), "requirements-0-min_level": "2",
        "requirements-0-ORDER": "1", "requirements-0-id": "", "requirements-0-DELETE": "",
    })
    assert response.status_code in (200, 302)
    rule = CategoryRule.objects.get()
    assert rule.tiers == ["N1"] and rule.requirements.get().min_level == 2


def test_logs_are_read_only_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/snippets/routing_bridge/ticketfeedback/").status_code == 200
    assert client.get("/admin/snippets/routing_bridge/ticketfeedback/add/").status_code in (302, 403)


def test_giving_a_client_a_webhook_url_later_creates_its_secret_once(client, admin_user):
    created = router_client_create(name="GLPI", scopes=["matrix:read"])
    client.force_login(admin_user)
    response = client.post(f"/admin/snippets/routing_bridge/routerclient/edit/{created.client.pk}/", {
        "name": "GLPI", "scopes": ["matrix:read"], "webhook_url": "https://glpi.example/hook",
        "rate_limit_per_minute": "600", "active": "on",
    }, follow=True)
    stored = RouterClient.objects.get(pk=created.client.pk)
    assert stored.webhook_secret
    assert stored.webhook_secret in " ".join(str(m) for m in response.context["messages"])
