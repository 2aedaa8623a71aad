"""The ticketing connectors without a ticket system: the secret stored encrypted and never shown,
an unreachable system backed off and shown, the dispatcher's pages and the admin per role."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from academy import roles
from routing_bridge.connectors.base import TicketSystemError
from routing_bridge.connectors.credentials import connector_secret, secret_encrypt
from routing_bridge.connectors.sync import connector_sync, connectors_due, retry_delay, ticket_type_of
from routing_bridge.models import Connector, RoutedTicket
from routing_bridge.services import router_client_create
from tests.factories import StaffFactory, UserFactory


@pytest.fixture
def connector(db):
    router = router_client_create(name="rt", scopes=["feedback:write"]).client
    # Port 9 on the loopback: nothing listens there, the connection is refused at once.
    return Connector.objects.create(router=router, name="RT prod", base_url="http://127.0.0.1:9", username="academie",
                                    secret_encrypted=secret_encrypt("s3cret"), queues=["Support"],
                                    escalation_queue="Escalade")


def _user_in(role, username):
    user = UserFactory(username=username)
    roles.roles_sync()
    user.groups.add(Group.objects.get(name=role))
    return user


def test_the_secret_is_stored_encrypted_or_read_from_the_environment(connector, monkeypatch, settings):
    assert "s3cret" not in connector.secret_encrypted and connector_secret(connector) == "s3cret"
    connector.secret_env = "RT_SECRET_FOR_TEST"
    with pytest.raises(TicketSystemError, match="RT_SECRET_FOR_TEST"):
        connector_secret(connector)
    monkeypatch.setenv("RT_SECRET_FOR_TEST", "from-env")
    assert connector_secret(connector) == "from-env"
    connector.secret_env = ""
    settings.SECRET_KEY = "another-key-" + "x" * 40
    with pytest.raises(TicketSystemError, match="illisible"):
        connector_secret(connector)


def test_an_unreachable_system_is_backed_off_shown_and_not_polled_until_then(connector):
    result = connector_sync(connector_id=connector.pk)
    connector.refresh_from_db()
    assert "injoignable" in result.error and connector.failures == 1 and "injoignable" in connector.last_error
    assert connector.cursor is None  # nothing read, nothing skipped
    assert connector.backoff_until == pytest.approx(timezone.now() + timedelta(seconds=30), abs=timedelta(seconds=5))
    assert connector not in connectors_due()
    assert connector in connectors_due(now=timezone.now() + timedelta(seconds=31))
    connector_sync(connector_id=connector.pk)
    connector.refresh_from_db()
    assert connector.failures == 2 and connector.syncing_until is None
    assert [retry_delay(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_ticket_types_are_read_from_values_or_french_labels():
    assert [ticket_type_of(v) for v in ("", "Incident", "problème", "Changement", "request", "urgent")] == [
        None, "incident", "problem", "change", "request", "urgent"]


def test_dispatchers_leads_and_admins_see_the_connector_pages_learners_do_not(client, connector, lead, learner,
                                                                            admin_user):
    RoutedTicket.objects.create(connector=connector, key="created:1", ticket_id="42", subject="VPN en panne",
                                category="Réseau > VPN", status="assigned", assignee=learner, rank=1,
                                total_qualified=3, outcome="resolved")
    RoutedTicket.objects.create(connector=connector, key="created:2", ticket_id="43", status="unroutable",
                                error="le champ « Catégorie » (catégorie) est vide.")
    dispatcher = _user_in(roles.DISPATCHER, "dina")
    pages = ["/qui-est-qualifie/connecteurs/", f"/qui-est-qualifie/connecteurs/{connector.pk}/"]
    for user in (dispatcher, lead.user, admin_user):
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [200, 200]
    detail = client.get(pages[1]).content.decode()
    assert "#42 VPN en panne" in detail and "Léa Martin" in detail and "1 / 3" in detail and "Résolu" in detail
    assert "(catégorie) est vide" in detail
    client.force_login(learner.user)
    assert [client.get(page).status_code for page in pages] == [403, 403]
    client.logout()
    assert client.get(pages[0]).status_code == 302


def test_only_admins_manage_connectors_in_the_admin_and_the_secret_is_never_shown(client, connector, lead,
                                                                               admin_user):
    urls = ["/admin/snippets/routing_bridge/connector/", f"/admin/snippets/routing_bridge/connector/edit/{connector.pk}/",
            "/admin/snippets/routing_bridge/routedticket/"]
    for user in (_user_in(roles.DISPATCHER, "dina"), lead.user):
        client.force_login(user)
        assert all(client.get(url).status_code in (302, 403) for url in urls)
    client.force_login(admin_user)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert "s3cret" not in client.get(urls[1]).content.decode()
    form = {"name": "RT prod", "router": connector.router_id, "kind": "rt", "base_url": "http://127.0.0.1:9",
            "username": "academie", "secret": "", "secret_env": "", "queues": "Support, Niveau 2",
            "escalation_queue": "Escalade", "category_field": "Catégorie", "type_field": "Type",
            "client_source": "field", "client_field": "Client", "procedure_field": "Procédure",
            "user_match": "username", "active": "on"}
    assert client.post(urls[1], form).status_code == 302
    connector.refresh_from_db()
    assert connector.queues == ["Support", "Niveau 2"] and connector_secret(connector) == "s3cret"  # kept
    assert client.post(urls[1], {**form, "secret": "n0uveau"}).status_code == 302
    connector.refresh_from_db()
    assert connector_secret(connector) == "n0uveau"
    assert client.post(urls[1], {**form, "queues": " , "}).status_code == 200  # a form error, nothing saved


def test_the_procedure_a_ticket_names_becomes_the_feedback_s_procedure(db):
    from routing_bridge.connectors.sync import feedback_procedure
    from tests.factories import DomainFactory
    from tests.knowledge.builders import kb_create, procedure_create, solution_create

    solution = solution_create(index=kb_create(), title="Active Directory", domain=DomainFactory(code="AD"))
    document = procedure_create(solution=solution, title="Réinitialiser une GPO")
    procedure_create(solution=solution, title="Doublon")
    procedure_create(solution=solution, title="doublon")
    draft = procedure_create(solution=solution, title="Brouillon", live=False)
    assert feedback_procedure("réinitialiser une GPO") == {"procedure_id": document.pk}
    assert feedback_procedure(f" {document.pk} ") == {"procedure_id": document.pk}
    assert feedback_procedure("Doublon") == {}  # two documents have that title: none is guessed
    assert feedback_procedure(str(draft.pk)) == {} and feedback_procedure("Brouillon") == {}
    assert feedback_procedure("") == {} and feedback_procedure("Inconnue") == {}
