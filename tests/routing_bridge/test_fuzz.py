"""Fuzzing the OpenAPI schema with schemathesis, in-process against the WSGI application: no
input may produce a server error, and every answer must match the schema it documents."""
import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from academy.wsgi import application
from routing_bridge.models import SCOPES
from routing_bridge.services import category_rule_save, router_client_create
from skills.services import evidence_record
from tests.factories import SkillFactory

schema = schemathesis.openapi.from_wsgi("/api/bridge/v1/openapi.json", application)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: calling the WSGI handler directly would otherwise close the
    test's database connection at the end of each request (harmless on in-memory SQLite, fatal
    on PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(learner, lead):
    skill = SkillFactory(code="AD.GPO")
    evidence_record(staff=learner, skill=skill, level=2, source="exam")
    evidence_record(staff=lead, skill=skill, level=3, source="certification")
    category_rule_save(category="Active Directory", required=[(skill, 2)])
    cache.clear()
    return router_client_create(name="fuzzer", scopes=list(SCOPES), rate_limit_per_minute=100000).token


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_a_server_error_and_matches_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_in_process_application_sees_the_test_data(token):
    """Without this, a fuzzer whose token the application cannot see would only meet 401s."""
    operation = schema["/api/bridge/v1/qualified"]["POST"]
    case = operation.Case(body={"required": [{"skill": "AD.GPO", "min_level": 2}]},
                          media_type="application/json")
    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    assert response.status_code == 200
    assert response.json()["total_qualified"] == 2


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_without_a_token_every_operation_answers_401_in_json(case, db):
    case.call_and_validate(checks=[not_a_server_error, content_type_conformance])
