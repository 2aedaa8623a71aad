"""Password guessing: wrong passwords are counted per account and per address on every password
check (site login, Wagtail admin login, HTTP Basic on /xapi/statements); past the limit even the
right password is refused, with a French message giving the lockout time, until it expires or an
administrator lifts the lock."""
import base64
import html
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from academy import roles
from academy.models import AuditEntry
from learning_records.services import api_client_create
from tests.factories import UserFactory

ACCOUNT_LIMIT = settings.AXES_FAILURE_LIMIT
ADDRESS_LIMIT = settings.ACADEMIE_LOGIN_FAILURES_PER_ADDRESS
LOCKED = "Trop d'échecs de connexion : la connexion est bloquée pendant 15 minutes."


def sign_in(client, username, password, *, address="10.0.0.1", url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def text(response) -> str:
    return html.unescape(response.content.decode())


def basic(username, password):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def academie_admin(db):
    user = UserFactory(username="gestion")
    user.groups.add(Group.objects.get(name=roles.ACADEMIE_ADMIN))
    return user


def test_the_limits_are_the_documented_ones():
    assert (ACCOUNT_LIMIT, ADDRESS_LIMIT, settings.AXES_COOLOFF_TIME) == (5, 20, timedelta(minutes=15))


def test_a_few_typos_do_not_lock_anyone(client, learner):
    for _ in range(ACCOUNT_LIMIT - 1):
        assert sign_in(client, "lea", "mauvais").status_code == 200

    sign_in(client, "lea", "academie")

    assert signed_in(client)


def test_an_account_is_locked_after_too_many_wrong_passwords_from_any_addresses(client, learner):
    for attempt in range(ACCOUNT_LIMIT):
        sign_in(client, "lea", "mauvais", address=f"10.0.0.{attempt + 1}")

    response = sign_in(client, "lea", "academie", address="10.9.9.9")

    assert response.status_code == 429
    assert not signed_in(client)
    page = text(response)
    assert LOCKED in page and "demandez à un administrateur" in page
    assert response["Retry-After"] == "900"


def test_an_address_is_locked_after_too_many_wrong_passwords_across_accounts(client, learner, outsider):
    for attempt in range(ADDRESS_LIMIT):
        sign_in(client, f"inconnu{attempt}", "mauvais", address="10.0.0.7")

    refused = sign_in(client, "lea", "academie", address="10.0.0.7")
    assert refused.status_code == 429 and LOCKED in text(refused)
    assert not signed_in(client)

    sign_in(client, "lea", "academie", address="10.0.0.8")  # Léa, from her own desk
    assert signed_in(client)


def test_the_lock_ends_after_the_lockout_time(client, learner):
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "lea", "mauvais")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    sign_in(client, "lea", "academie")

    assert signed_in(client)


def test_the_wagtail_admin_login_is_throttled_too(client, learner):
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "lea", "mauvais", url="/admin/login/")

    response = sign_in(client, "lea", "academie", url="/accounts/login/")

    assert response.status_code == 429 and not signed_in(client)


def test_the_message_is_translated(client, learner):
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "lea", "mauvais")

    response = client.post("/accounts/login/", {"username": "lea", "password": "academie"},
                           REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")

    assert "Too many failed sign-ins: signing in is blocked for 15 minutes." in text(response)


def test_xapi_basic_auth_of_a_user_account_is_throttled_with_a_json_answer(client, learner):
    for _ in range(ACCOUNT_LIMIT - 1):
        assert client.get("/xapi/statements", **basic("lea", "mauvais")).status_code == 401

    last_wrong = client.get("/xapi/statements", **basic("lea", "mauvais"))
    right = client.get("/xapi/statements", **basic("lea", "academie"))

    for response in (last_wrong, right):
        assert response.status_code == 429
        assert response.json()["detail"].startswith(LOCKED)
        assert response["Retry-After"] == "900"
        assert response["X-Experience-API-Version"]


def test_xapi_basic_auth_of_an_api_client_is_throttled(client, db):
    api_client, secret = api_client_create(name="Entrepôt", username="dwh")
    for _ in range(ACCOUNT_LIMIT):
        client.get("/xapi/statements", **basic("dwh", "mauvais"))

    response = client.get("/xapi/statements", **basic("dwh", secret))

    assert response.status_code == 429 and response.json()["detail"].startswith(LOCKED)


def test_an_administrator_sees_the_locks_and_lifts_one(client, learner, academie_admin):
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "lea", "mauvais", address="10.0.0.3")
    admin = type(client)()
    admin.force_login(academie_admin)

    page = admin.get(reverse("academy_login_locks"))
    assert page.status_code == 200 and "lea" in page.content.decode()
    assert "/admin/connexions-bloquees/" in text(admin.get("/admin/"))  # the menu

    response = admin.post(reverse("academy_login_locks"), {"kind": "account", "value": "lea"}, follow=True)

    assert "« lea » est débloqué." in text(response)
    assert AuditEntry.objects.filter(action="login_lock.release", actor=academie_admin).exists()
    sign_in(client, "lea", "academie", address="10.0.0.3")
    assert signed_in(client)


def test_an_administrator_lifts_an_address_lock(client, learner, academie_admin):
    for attempt in range(ADDRESS_LIMIT):
        sign_in(client, f"inconnu{attempt}", "mauvais", address="10.0.0.7")
    admin = type(client)()
    admin.force_login(academie_admin)

    admin.post(reverse("academy_login_locks"), {"kind": "address", "value": "10.0.0.7"})

    sign_in(client, "lea", "academie", address="10.0.0.7")
    assert signed_in(client)


def test_only_administrators_reach_the_locks(client, lead):
    lead.user.groups.add(Group.objects.get(name=roles.TEAM_LEAD))
    client.force_login(lead.user)

    assert client.get(reverse("academy_login_locks")).status_code in (302, 403)
    assert client.post(reverse("academy_login_locks"), {"kind": "account", "value": "lea"}).status_code in (302, 403)
    assert "/admin/connexions-bloquees/" not in text(client.get("/admin/"))


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(client, learner, settings):
    settings.ACADEMIE_TRUSTED_PROXIES = 1
    for attempt in range(ADDRESS_LIMIT):
        client.post("/accounts/login/", {"username": f"inconnu{attempt}", "password": "mauvais"},
                    REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.7")

    # Another person behind the same proxy is not locked out by that address.
    client.post("/accounts/login/", {"username": "lea", "password": "academie"},
                REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert signed_in(client)
