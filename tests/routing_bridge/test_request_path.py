"""The bridge API's own middleware chain (academy.api_middleware) and its clients kept in each
process (routing_bridge.access): a router's request skips the site's sessions, sign-in and CSRF,
yet every check of the contract still holds, and a change to a client is seen at once."""
import socket

import pytest
from django.core.cache import caches

from routing_bridge import access
from routing_bridge.services import router_client_revoke, router_client_rotate_token
from tests.routing_bridge.conftest import BASE, Caller

BODY = {"required": [{"skill": "AD.GPO", "min_level": 2}]}


@pytest.fixture
def known_skill(db):
    from tests.factories import SkillFactory

    return SkillFactory(code="AD.GPO")


def test_a_bridge_request_meets_no_session_sign_in_or_csrf(router, known_skill, client, learner):
    client.force_login(learner.user)  # a browser signed in to the site calling the API

    response = router.post("qualified", BODY)

    assert response.status_code == 200
    assert not response.cookies  # no Set-Cookie of any kind
    request = response.wsgi_request
    assert not hasattr(request, "session") and not hasattr(request, "user")


def test_site_pages_still_run_the_site_chain(client, learner):
    client.force_login(learner.user)

    response = client.get("/")

    assert response.status_code == 200
    assert response.wsgi_request.user == learner.user
    assert response.wsgi_request.session.session_key


def test_the_api_documentation_is_a_site_page(client, learner):
    client.force_login(learner.user)

    response = client.get(BASE + "docs")

    assert response.status_code == 200 and response.wsgi_request.user == learner.user


@pytest.mark.parametrize("case", ["no token", "wrong scope", "not json", "nul", "rate"])
def test_the_contract_checks_hold_with_the_security_headers(case, make_caller, client, known_skill):
    if case == "no token":
        response, status = Caller(client, None).post("qualified", BODY), 401
    elif case == "wrong scope":
        response, status = make_caller("matrix:read").post("qualified", BODY), 403
    elif case == "not json":
        response, status = make_caller("qualified:query").post("qualified", raw="a=b",
                                                               content_type="text/plain"), 415
    elif case == "nul":
        response, status = make_caller("qualified:query").post("qualified", raw='{"required": "\\u0000"}'), 400
    else:
        caller = make_caller("qualified:query", rate_limit_per_minute=1)
        caller.post("qualified", BODY)
        response, status = caller.post("qualified", BODY), 429
        assert 1 <= int(response["Retry-After"]) <= 60

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert not response.cookies


def test_the_messages_keep_their_language(make_caller, client, db):
    french = Caller(client, None).post("qualified", BODY)
    english = Caller(client, None).post("qualified", BODY, HTTP_ACCEPT_LANGUAGE="en")

    assert french["Content-Language"] == "fr" and french.json()["detail"].startswith("Jeton absent")
    assert english["Content-Language"] == "en" and english.json()["detail"] != french.json()["detail"]


def test_production_s_policies_reach_the_api(settings, router, known_skill):
    from academy import security_headers

    settings.MIDDLEWARE = ["academy.security_headers.SecurityHeadersMiddleware", *settings.MIDDLEWARE]
    settings.ACADEMIE_CONTENT_SECURITY_POLICY = security_headers.SITE_POLICY
    settings.ACADEMIE_PERMISSIONS_POLICY = security_headers.PERMISSIONS_POLICY

    response = router.post("qualified", BODY)

    assert response["Content-Security-Policy"] == security_headers.SITE_POLICY
    assert "camera=()" in response["Permissions-Policy"]


def test_a_kept_client_that_loses_a_scope_is_refused_at_once(make_caller, known_skill):
    caller = make_caller("qualified:query", "matrix:read")
    assert caller.post("qualified", BODY).status_code == 200  # now kept by this process

    caller.client.scopes = ["matrix:read"]
    caller.client.save()  # as the admin's edit form does

    assert caller.post("qualified", BODY).status_code == 403


def test_a_rotated_token_stops_working_at_once(make_caller, known_skill):
    caller = make_caller("qualified:query")
    assert caller.post("qualified", BODY).status_code == 200

    new_token = router_client_rotate_token(client=caller.client)

    assert caller.post("qualified", BODY).status_code == 401
    assert Caller(caller.http, new_token).post("qualified", BODY).status_code == 200


def test_a_deleted_client_is_refused_at_once(make_caller, known_skill):
    caller = make_caller("qualified:query")
    assert caller.post("qualified", BODY).status_code == 200

    caller.client.delete()

    assert caller.post("qualified", BODY).status_code == 401


def test_a_lost_version_reads_the_clients_again(make_caller, known_skill):
    caller = make_caller("qualified:query")
    assert caller.post("qualified", BODY).status_code == 200
    router_client_revoke(client=caller.client)
    caches["default"].delete(access.VERSION_KEY)  # evicted, or the cache restarted

    assert caller.post("qualified", BODY).status_code == 401


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings):
    if not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/13", "KEY_PREFIX": "test_request_path"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_with_redis_the_count_and_the_version_come_in_one_round_trip(redis_cache, make_caller, known_skill,
                                                                   monkeypatch):
    from redis.client import Pipeline

    caller = make_caller("qualified:query", rate_limit_per_minute=3)
    assert caller.post("qualified", BODY).status_code == 200  # read from the database, now kept
    round_trips = []
    execute = Pipeline.execute

    def counted(pipe, *args, **kwargs):
        round_trips.append(len(pipe.command_stack))
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted)
    statuses = [caller.post("qualified", BODY).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert round_trips == [3, 3, 3]  # one pipeline of three commands per request, nothing else
    # The counter is the one Django's cache API sees.
    keys = redis_cache._cache.get_client().keys("*routing_bridge:rate:*")
    assert [redis_cache.get(k.decode().split(":", 2)[2]) for k in keys] == [4]


def test_with_redis_a_revoked_token_is_refused_at_once(redis_cache, make_caller, known_skill):
    caller = make_caller("qualified:query")
    assert caller.post("qualified", BODY).status_code == 200
    assert caller.post("qualified", BODY).status_code == 200  # from the kept client

    router_client_revoke(client=caller.client)

    assert caller.post("qualified", BODY).status_code == 401


def test_the_bridge_renders_the_bytes_ninja_would():
    from datetime import datetime, timedelta, timezone as tz

    from ninja.renderers import JSONRenderer

    from routing_bridge.api import api

    instants = [datetime(2026, 12, 1, 9, 0, tzinfo=tz.utc), datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=tz.utc),
                datetime(2026, 12, 1, 10, 0, 5, 7, tzinfo=tz(timedelta(hours=1))), datetime(2026, 12, 1, 9, 0)]
    body = {"as_of": instants[0], "items": [{"at": at, "name": "Zoé", "n": 1, "none": None} for at in instants]}

    assert api.renderer.render(None, body, response_status=200) == JSONRenderer().render(None, body, response_status=200)
