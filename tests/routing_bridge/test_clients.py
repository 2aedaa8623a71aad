"""Client companies over the bridge (contract 1.1): `GET clients`, `POST feedback` with a
`client`, and the client pages for dispatchers, leads and admins."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy import roles
from academy.clients import client_create
from routing_bridge.models import TicketFeedback
from routing_bridge.services import category_rule_save, feedback_record
from tests.factories import SkillFactory, StaffFactory, UserFactory


@pytest.fixture
def referent(team):
    return StaffFactory(user=UserFactory(username="nadia", first_name="Nadia", last_name="Roux"),
                        employee_id="E30001", team=team, tier="N2")


@pytest.fixture
def companies(referent, learner, lead):
    return {
        "VASSEUR": client_create(code="VASSEUR", name="Cabinet Vasseur Avocats", referent=lead, active=False),
        "BLEMOINE": client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=referent,
                                  backups=[lead, learner]),
    }


@pytest.fixture
def dispatcher(db):
    user = UserFactory(username="dina", first_name="Dina", last_name="Dispatch")
    roles.roles_sync()
    user.groups.add(Group.objects.get(name=roles.DISPATCHER))
    return user


# --- GET clients --------------------------------------------------------------------------------


def test_get_clients_lists_every_client_by_code_with_referent_and_backups(make_caller, companies):
    response = make_caller("taxonomy:read").get("clients")

    assert response.status_code == 200
    assert response.json() == {"items": [
        {"code": "BLEMOINE", "name": "Boulangeries Lemoine", "active": True,
         "referent": {"employee_id": "E30001", "display_name": "Nadia Roux"},
         "backups": [{"employee_id": "E10001", "display_name": "Léa Martin"},
                     {"employee_id": "E10002", "display_name": "Marc Durand"}]},
        {"code": "VASSEUR", "name": "Cabinet Vasseur Avocats", "active": False,
         "referent": {"employee_id": "E10002", "display_name": "Marc Durand"}, "backups": []},
    ]}


def test_get_clients_needs_the_taxonomy_read_scope(make_caller, companies):
    response = make_caller("matrix:read").get("clients")

    assert response.status_code == 403 and response.json()["required_scope"] == "taxonomy:read"


def test_get_clients_is_in_the_openapi_schema(client):
    paths = client.get("/api/bridge/v1/openapi.json").json()["paths"]

    assert "get" in paths["/api/bridge/v1/clients"]
    feedback = client.get("/api/bridge/v1/openapi.json").json()["components"]["schemas"]["FeedbackIn"]
    assert "client" in feedback["properties"] and "client" not in feedback.get("required", [])


# --- POST feedback with a client ----------------------------------------------------------------

FEEDBACK = {"ticket_id": "T-7", "category": "Réseau > VPN", "employee_id": "E10001", "outcome": "resolved",
            "occurred_at": "2026-11-20T10:00:00Z"}


def test_feedback_carries_the_client_and_stays_idempotent(router, companies):
    first = router.post("feedback", {**FEEDBACK, "client": "BLEMOINE"})
    again = router.post("feedback", {**FEEDBACK, "client": "BLEMOINE"})
    inactive = router.post("feedback", {**FEEDBACK, "ticket_id": "T-8", "client": "VASSEUR"})
    without = router.post("feedback", {**FEEDBACK, "ticket_id": "T-9"})

    assert [r.status_code for r in (first, again, inactive, without)] == [202, 202, 202, 202]
    assert again.json()["status"] == "duplicate"
    stored = {f.ticket_id: (f.client.code if f.client else None, f.router_id) for f in TicketFeedback.objects.all()}
    assert stored == {"T-7": ("BLEMOINE", router.client.pk), "T-8": ("VASSEUR", router.client.pk),
                      "T-9": (None, router.client.pk)}


def test_feedback_naming_an_unknown_client_is_a_400_naming_it_and_writes_nothing(router, companies):
    response = router.post("feedback", {**FEEDBACK, "client": "INCONNU"})

    assert response.status_code == 400
    assert "INCONNU" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["body.client"]
    assert not TicketFeedback.objects.exists()


# --- The client pages ---------------------------------------------------------------------------


def _resolved(staff, client, ticket, days_ago, category="Réseau > VPN", outcome="resolved"):
    feedback_record(ticket_id=ticket, category=category, staff=staff, outcome=outcome, client=client,
                    occurred_at=timezone.now() - timedelta(days=days_ago))


@pytest.mark.parametrize("who", ["lead", "dispatcher", "admin"])
def test_leads_dispatchers_and_admins_open_the_client_list_and_pages(client, who, lead, dispatcher, companies):
    admin = UserFactory(username="adele")
    admin.groups.add(Group.objects.get(name=roles.ACADEMIE_ADMIN))
    client.force_login({"lead": lead.user, "dispatcher": dispatcher, "admin": admin}[who])

    listing = client.get("/clients/")
    page = client.get("/clients/BLEMOINE/")

    assert listing.status_code == 200 and page.status_code == 200
    assert "Boulangeries Lemoine" in listing.content.decode() and "Cabinet Vasseur Avocats" in listing.content.decode()
    html = page.content.decode()
    assert "Nadia Roux" in html and "Marc Durand" in html and "Léa Martin" in html


def test_a_learner_is_refused_and_an_anonymous_visitor_sent_to_log_in(client, outsider, companies):
    assert client.get("/clients/BLEMOINE/").status_code == 302
    assert "/login/" in client.get("/clients/")["Location"]
    client.force_login(outsider.user)
    assert client.get("/clients/").status_code == 403
    assert client.get("/clients/BLEMOINE/").status_code == 403


def test_a_referent_or_backup_opens_the_page_of_their_own_client_only(client, learner, companies):
    client.force_login(learner.user)  # a backup of BLEMOINE, nothing of VASSEUR

    assert client.get("/clients/BLEMOINE/").status_code == 200
    assert client.get("/clients/VASSEUR/").status_code == 403
    assert client.get("/clients/").status_code == 403


def test_the_list_searches_by_code_name_or_referent(client, lead, companies):
    client.force_login(lead.user)

    assert "Boulangeries" in client.get("/clients/", {"q": "roux"}).content.decode()
    assert "Boulangeries" not in client.get("/clients/", {"q": "vasseur"}).content.decode()
    assert "Aucun client ne correspond" in client.get("/clients/", {"q": "zzz"}).content.decode()


def test_the_page_shows_who_resolved_its_tickets_lately_and_the_skills_they_needed(
        client, lead, learner, referent, companies):
    vpn = SkillFactory(code="NET.VPN", name_fr="VPN")
    fw = SkillFactory(code="NET.FW", name_fr="Pare-feu")
    category_rule_save(category="Réseau", required=[(vpn, 2)], optional=[(fw, 1)])
    blemoine, vasseur = companies["BLEMOINE"], companies["VASSEUR"]
    _resolved(learner, blemoine, "T1", 3)
    _resolved(learner, blemoine, "T2", 10, category="Réseau > VPN > Client")
    _resolved(referent, blemoine, "T3", 20)
    _resolved(lead, blemoine, "T4", 200)  # too old
    _resolved(lead, blemoine, "T5", 1, outcome="escalated")  # not resolved
    _resolved(lead, vasseur, "T6", 1)  # another client
    client.force_login(lead.user)

    response = client.get("/clients/BLEMOINE/")

    resolvers = [(r.staff.employee_id, r.resolved) for r in response.context["resolvers"]]
    assert resolvers == [("E10001", 2), ("E30001", 1)]
    skills = [(s.code, s.min_level, s.optional, s.tickets) for s in response.context["skills"]]
    assert skills == [("NET.VPN", 2, False, 4), ("NET.FW", 1, True, 4)]
    assert "Pare-feu" in response.content.decode()


def test_a_client_without_tickets_says_so(client, lead, companies):
    client.force_login(lead.user)

    html = client.get("/clients/VASSEUR/").content.decode()

    assert "Aucun ticket de ce client résolu" in html and "Ce client est inactif" in html
    assert "Aucun suppléant" in html
    assert client.get("/clients/NOPE/").status_code == 404
