"""The bridge's knowledge-base answers (contract 1.1): `GET procedures` and the `procedures` of a
`route` answer, exactly as the contract writes them, and `procedure_id` on feedback."""
import pytest
from django.core.cache import cache

from routing_bridge.models import TicketFeedback
from routing_bridge.services import category_rule_save, router_client_create
from tests.routing_bridge.conftest import Caller

ROUTE_KEYS = ["id", "kind", "title", "solution", "url", "updated_at", "review_due"]


@pytest.fixture
def router(client, db):
    cache.clear()
    created = router_client_create(name="glpi", scopes=["taxonomy:read", "qualified:query", "feedback:write"])
    return Caller(client, created.token)


@pytest.fixture
def rules(kb, kb_skills):
    category_rule_save(category="Messagerie", required=[(kb_skills["MSG.FLOW"], 2)])
    category_rule_save(category="Active Directory > Compte verrouillé", required=[(kb_skills["AD.ACCOUNTS"], 2)])


def test_get_procedures_lists_published_documents_with_the_contracts_fields(router, kb):
    body = router.get("procedures", {"category": "Messagerie > Boîte aux lettres"}).json()
    assert [item["title"] for item in body["items"]] == [
        "Donner accès à une boîte aux lettres partagée", "Standard des boîtes aux lettres", "Tracer un message non reçu"]
    item = body["items"][0]
    assert list(item) == ROUTE_KEYS + ["categories", "skills"]
    assert item["kind"] == "procedure" and item["solution"] == "Exchange Online"
    assert item["url"] == "http://testserver" + kb["shared"].url
    assert item["categories"] == ["Messagerie > Boîte aux lettres"] and item["skills"] == ["M365.EXO"]
    assert body["items"][1]["kind"] == "standard"
    assert body["items"][2]["review_due"] is True and item["review_due"] is False


def test_get_procedures_filters_by_skill_text_and_client(router, kb):
    titles = lambda params: [i["title"] for i in router.get("procedures", params).json()["items"]]  # noqa: E731
    assert titles({"skill": "AD.ACCOUNTS"}) == ["Déverrouiller un compte"]
    assert titles({"skill": "AD.ACCOUNTS", "client": "BLEMOINE"}) == [
        "Déverrouiller un compte chez Lemoine", "Déverrouiller un compte"]
    assert titles({"skill": "AD.ACCOUNTS", "client": "VASSEUR"}) == ["Déverrouiller un compte"]
    assert titles({"q": "partagée"}) == ["Donner accès à une boîte aux lettres partagée"]


def test_get_procedures_names_an_unknown_client_or_skill(router, kb):
    response = router.get("procedures", {"client": "NOPE"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "query.client" and "NOPE" in response.json()["detail"]
    response = router.get("procedures", {"skill": "XX.NOPE"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "query.skill"


def test_get_procedures_needs_the_taxonomy_scope(client, kb):
    created = router_client_create(name="feedback-only", scopes=["feedback:write"])
    assert Caller(client, created.token).get("procedures").status_code == 403
    assert Caller(client, None).get("procedures").status_code == 401


def test_route_hands_over_the_documents_most_specific_first(router, rules):
    body = router.post("route", {"ticket": {"id": "T1", "category": "Messagerie > Boîte aux lettres"}}).json()
    assert [p["title"] for p in body["procedures"]] == [
        "Donner accès à une boîte aux lettres partagée", "Standard des boîtes aux lettres", "Tracer un message non reçu"]
    assert all(list(p) == ROUTE_KEYS for p in body["procedures"])


def test_route_never_hands_a_client_document_to_another_clients_ticket(router, rules):
    ticket = {"id": "T2", "category": "Active Directory > Compte verrouillé"}
    names = lambda body: [p["title"] for p in body["procedures"]]  # noqa: E731
    assert names(router.post("route", {"ticket": ticket}).json()) == ["Déverrouiller un compte"]
    assert names(router.post("route", {"ticket": ticket, "client": "VASSEUR"}).json()) == ["Déverrouiller un compte"]
    assert names(router.post("route", {"ticket": ticket, "client": "BLEMOINE"}).json()) == [
        "Déverrouiller un compte chez Lemoine", "Déverrouiller un compte"]
    response = router.post("route", {"ticket": ticket, "client": "NOPE"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body.client"


def test_feedback_names_the_procedure_used_and_the_page_counts_it(router, kb, learner, client):
    base = {"category": "Messagerie", "employee_id": learner.employee_id, "occurred_at": "2026-11-20T10:00:00Z"}
    for ticket, outcome in (("T1", "resolved"), ("T2", "resolved"), ("T3", "escalated")):
        response = router.post("feedback", {**base, "ticket_id": ticket, "outcome": outcome,
                                            "procedure_id": kb["trace"].pk})
        assert response.status_code == 202, response.content
    assert TicketFeedback.objects.filter(procedure_id=kb["trace"].pk).count() == 3
    response = router.post("feedback", {**base, "ticket_id": "T4", "outcome": "resolved", "procedure_id": 999999})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "body.procedure_id"
    client.force_login(learner.user)
    html = client.get(kb["trace"].url).content.decode()
    assert "2 résolus" in html and "1 escaladé" in html


def test_the_dispatcher_sees_the_documents_beside_the_candidates(client, dispatcher, rules):
    client.force_login(dispatcher)
    html = client.get("/qui-est-qualifie/", {"category": "Active Directory > Compte verrouillé",
                                             "client": "VASSEUR"}).content.decode()
    assert "Procédures et standards à transmettre" in html
    assert "Déverrouiller un compte" in html and "chez Lemoine" not in html
    html = client.get("/qui-est-qualifie/", {"category": "Active Directory > Compte verrouillé",
                                             "client": "BLEMOINE"}).content.decode()
    assert "Déverrouiller un compte chez Lemoine" in html
