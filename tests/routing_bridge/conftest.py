"""Helpers for the routing bridge tests: router clients with chosen scopes and an API caller."""
import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from routing_bridge.models import SCOPES
from routing_bridge.services import router_client_create
from tests.factories import DomainFactory, SkillFactory

BASE = "/api/bridge/v1/"


@dataclass
class Caller:
    """Calls the bridge API as one router client."""

    http: object
    token: str | None

    def headers(self, extra=None):
        headers = {}
        if self.token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, **extra):
        return self.http.get(BASE + path, params or {}, **self.headers(extra))

    def post(self, path, body=None, *, raw=None, content_type="application/json", **extra):
        data = raw if raw is not None else json.dumps(body, default=str)
        return self.http.post(BASE + path, data, content_type=content_type, **self.headers(extra))

    def put(self, path, body=None, *, raw=None, content_type="application/json", **extra):
        data = raw if raw is not None else json.dumps(body, default=str)
        return self.http.put(BASE + path, data, content_type=content_type, **self.headers(extra))


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_caller(client, db):
    def make(*scopes, name=None, **kwargs):
        created = router_client_create(name=name or ("client-" + "-".join(scopes or ["none"])),
                                       scopes=list(scopes), **kwargs)
        caller = Caller(client, created.token)
        caller.client = created.client
        caller.created = created
        return caller
    return make


@pytest.fixture
def router(make_caller):
    """A router holding every scope."""
    return make_caller(*SCOPES, name="glpi")


@pytest.fixture
def skills(db):
    ad = DomainFactory(code="AD", name_fr="Active Directory")
    net = DomainFactory(code="NET", name_fr="Réseau")
    return {
        "AD.GPO": SkillFactory(code="AD.GPO", domain=ad, name_fr="Stratégies de groupe"),
        "AD.ACCOUNTS": SkillFactory(code="AD.ACCOUNTS", domain=ad, name_fr="Comptes"),
        "NET.VPN": SkillFactory(code="NET.VPN", domain=net, name_fr="VPN"),
        "NET.WIFI": SkillFactory(code="NET.WIFI", domain=net, name_fr="Wi-Fi"),
    }
