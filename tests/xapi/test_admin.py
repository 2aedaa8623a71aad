"""The Wagtail admin pages of the learning records: the state of each LRS (pending, last success,
last error, dead letters) with retry, adding an LRS, and API clients whose secret is shown once."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import AuditEntry
from learning_records.forwarding import endpoint_forward
from learning_records.learning_events import Activity, learning_event_record
from learning_records.models import ApiClient, DeliveryState, LrsEndpoint, RefusalState, RefusedStatement
from learning_records.wagtail_hooks import lrs_endpoint_viewset
from tests.xapi.fake_lrs import FakeLrs


@pytest.fixture
def lrs():
    with FakeLrs() as fake:
        yield fake


@pytest.fixture
def endpoint(lrs):
    return LrsEndpoint.objects.create(name="LRS des auditeurs", url=lrs.url, username="audit", password="pw",
                                      dead_letter_after=0, timeout=2)


def _url(name, *args):
    return reverse(lrs_endpoint_viewset.get_url_name(name), args=args)


def _record(staff, count):
    return [learning_event_record(staff=staff, verb="launched", activity=Activity("course", f"c{i}", {"fr": "C"}))
            for i in range(count)]


def test_the_status_page_shows_pending_last_success_last_error_and_dead_letters(
        client, admin_user, learner, lrs, endpoint):
    statements = _record(learner, 4)
    lrs.reject_ids = {str(statements[1].pk)}
    endpoint_forward(endpoint=endpoint)
    DeliveryState.objects.filter(pk=endpoint.pk).update(last_error="HTTP 503: maintenance",
                                                        last_error_at=timezone.now() - timedelta(minutes=5))
    _record(learner, 2)  # not sent yet
    client.force_login(admin_user)

    response = client.get(_url("status", endpoint.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Envoi vers « LRS des auditeurs »" in page
    assert response.context["status"].pending == 2
    assert response.context["status"].dead == 1
    assert response.context["status"].state.last_success_at is not None
    assert "HTTP 503: maintenance" in page
    assert str(statements[1].pk) in page and "result.score.raw out of range" in page
    assert "Réessayer" in page


def test_retrying_a_dead_letter_from_the_admin_sends_it_again(client, admin_user, learner, lrs, endpoint,
                                                             django_capture_on_commit_callbacks):
    bad = _record(learner, 1)[0]
    lrs.reject_ids = {str(bad.pk)}
    endpoint_forward(endpoint=endpoint)
    refusal = RefusedStatement.objects.get()
    lrs.reject_ids = set()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("retry", refusal.pk))

    assert response.status_code == 302
    refusal.refresh_from_db()
    # Celery runs eagerly in tests: the queued forwarding ran after the commit.
    assert refusal.state == RefusalState.DELIVERED
    assert str(bad.pk) in lrs.stored
    assert AuditEntry.objects.filter(action="xapi.refusal.retry").exists()


def test_retry_all_and_forward_now_are_post_only(client, admin_user, endpoint):
    client.force_login(admin_user)
    assert client.get(_url("retry_all", endpoint.pk)).status_code == 405
    assert client.get(_url("forward", endpoint.pk)).status_code == 405
    assert client.post(_url("forward", endpoint.pk)).status_code == 302
    assert AuditEntry.objects.filter(action="xapi.lrs.forward").exists()


def test_a_lead_or_a_learner_cannot_see_the_lrs_pages(client, lead, learner, endpoint):
    for person in (lead, learner):
        client.force_login(person.user)
        response = client.get(_url("status", endpoint.pk))
        assert response.status_code in (302, 403)
        assert client.post(_url("forward", endpoint.pk)).status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="xapi.lrs.forward").exists()


def test_the_lrs_list_shows_the_default_lrs_from_the_settings(client, admin_user, settings):
    settings.ACADEMIE_LRS_URL = "https://lrs.example.com/xAPI"
    client.force_login(admin_user)

    response = client.get(_url("list"))

    assert response.status_code == 200
    assert "LRS par défaut (ACADEMIE_LRS_URL)" in response.content.decode()
    assert "État et rejets" in response.content.decode()


def test_an_admin_adds_an_lrs_and_its_password_is_kept_when_left_empty(client, admin_user):
    client.force_login(admin_user)
    data = {"name": "LRS RH", "url": "https://lrs-rh.example.com/xAPI", "username": "rh", "password": "p@ss",
            "active": "on", "batch_size": "100", "timeout": "10", "dead_letter_after": "3600"}

    assert client.post(_url("add"), data).status_code == 302
    created = LrsEndpoint.objects.get(name="LRS RH")
    assert created.password == "p@ss"
    data.update(password="", batch_size="50")
    assert client.post(_url("edit", created.pk), data).status_code == 302
    created.refresh_from_db()
    assert created.password == "p@ss" and created.batch_size == 50


def test_an_api_client_created_in_the_admin_gets_a_secret_shown_once(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("wagtailsnippets_xapi_apiclient:add"),
                           {"name": "Entrepôt", "username": "dwh", "active": "on"}, follow=True)

    assert response.status_code == 200
    created = ApiClient.objects.get(username="dwh")
    message = [str(m) for m in response.context["messages"]][0]
    secret = re.search(r"affiché : ([A-Za-z0-9_-]+)", message).group(1)
    assert created.check_secret(secret)
