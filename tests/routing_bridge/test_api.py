"""Contract tests of /api/bridge/v1/ (../shared/contracts/bridge-api.md): every endpoint, every
scope, the error format, the bad-input matrix."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from routing_bridge.models import RouterClient, TicketFeedback
from routing_bridge.services import category_rule_save, router_client_revoke
from skills.services import evidence_record
from tests.factories import StaffFactory, UserFactory
from tests.routing_bridge.conftest import Caller

# (method, path, body, scope)
ENDPOINTS = [
    ("get", "taxonomy", None, "taxonomy:read"),
    ("get", "staff", None, "matrix:read"),
    ("get", "staff/E10001", None, "matrix:read"),
    ("get", "changes", None, "matrix:read"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}]}, "qualified:query"),
    ("post", "route", {"ticket": {"id": "T1", "category": "Active Directory > GPO"}}, "qualified:query"),
    ("post", "feedback", {"ticket_id": "T1", "category": "Active Directory > GPO", "employee_id": "E10001",
                          "outcome": "resolved", "occurred_at": "2026-11-20T10:00:00Z"}, "feedback:write"),
]


@pytest.fixture
def matrix(learner, lead, skills):
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=2, source="exam")
    evidence_record(staff=lead, skill=skills["AD.GPO"], level=4, source="certification")
    category_rule_save(category="Active Directory", required=[(skills["AD.GPO"], 2)], tiers=["N1", "N2"])
    return {"learner": learner, "lead": lead}


def _call(caller, method, path, body):
    return caller.get(path) if method == "get" else caller.post(path, body)


@pytest.mark.parametrize("method,path,body,scope", ENDPOINTS)
def test_each_endpoint_answers_a_client_holding_its_scope(make_caller, matrix, method, path, body, scope):
    response = _call(make_caller(scope), method, path, body)
    assert response.status_code == (202 if path == "feedback" else 200), response.content


@pytest.mark.parametrize("method,path,body,scope", ENDPOINTS)
def test_each_endpoint_refuses_a_token_without_its_scope_with_403(make_caller, matrix, method, path, body, scope):
    others = [s for s in ("taxonomy:read", "matrix:read", "qualified:query", "feedback:write") if s != scope]
    response = _call(make_caller(*others), method, path, body)
    assert response.status_code == 403
    assert scope in response.json()["detail"]


@pytest.mark.parametrize("method,path,body,scope", ENDPOINTS)
@pytest.mark.parametrize("token", [None, "", "acd_wrong", "Basic abc"])
def test_each_endpoint_refuses_a_missing_or_wrong_token_with_401(client, matrix, method, path, body, scope, token):
    caller = Caller(client, token)
    response = _call(caller, method, path, body)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(router, matrix):
    assert router.get("taxonomy").status_code == 200
    router_client_revoke(client=router.client, reason="leaked")
    assert router.get("taxonomy").status_code == 401


def test_tokens_are_stored_hashed_and_only_their_prefix_is_readable(router):
    stored = RouterClient.objects.get(pk=router.client.pk)
    assert router.token not in (stored.token_hash, stored.token_prefix)
    assert router.token.startswith(stored.token_prefix)
    assert len(stored.token_hash) == 64


def test_it_records_when_a_client_was_last_used(router, matrix):
    assert RouterClient.objects.get(pk=router.client.pk).last_used_at is None
    router.get("taxonomy")
    assert RouterClient.objects.get(pk=router.client.pk).last_used_at is not None


def test_it_answers_429_with_retry_after_beyond_the_client_rate_limit(make_caller, matrix):
    caller = make_caller("taxonomy:read", rate_limit_per_minute=3)
    statuses = [caller.get("taxonomy").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = caller.get("taxonomy")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "réessayez" in response.json()["detail"]


def test_the_rate_limit_is_per_client(make_caller, matrix):
    busy = make_caller("taxonomy:read", name="busy", rate_limit_per_minute=1)
    calm = make_caller("taxonomy:read", name="calm", rate_limit_per_minute=1)
    busy.get("taxonomy")
    assert busy.get("taxonomy").status_code == 429
    assert calm.get("taxonomy").status_code == 200


def test_taxonomy_lists_the_scale_and_domains_with_their_skills(router, skills):
    body = router.get("taxonomy").json()
    assert body["scale"][2] == {"level": 2, "label": "Opérationnel", "label_en": "Practitioner"}
    ad = next(d for d in body["domains"] if d["code"] == "AD")
    assert {"code": "AD.GPO", "name": "Stratégies de groupe", "name_en": "Skill AD.GPO"} in ad["skills"]


def test_a_staff_record_has_every_contract_field_and_only_levels_above_zero(router, matrix, skills, learner):
    record = router.get("staff/E10001").json()
    assert record == {
        "employee_id": "E10001", "username": "lea", "display_name": "Léa Martin", "team": "Support N1 Paris",
        "profile": "technician", "tier": "N1", "languages": ["fr"], "active": True,
        "skills": [{"code": "AD.GPO", "level": 2, "valid_until": None, "sources": ["exam"]}],
    }


def test_an_unknown_employee_is_a_404_with_detail(router, matrix):
    response = router.get("staff/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_the_snapshot_pages_with_a_cursor_and_states_its_version(router, matrix, skills):
    for i in range(5):
        StaffFactory(employee_id=f"E3000{i}", user=UserFactory(username=f"p{i}"))
    first = router.get("staff", {"limit": 3}).json()
    assert first["version"] == 2  # two evidences recorded so far
    assert [s["employee_id"] for s in first["items"]] == ["E10001", "E10002", "E30000"]
    second = router.get("staff", {"limit": 3, "cursor": first["next"]}).json()
    assert [s["employee_id"] for s in second["items"]] == ["E30001", "E30002", "E30003"]
    third = router.get("staff", {"limit": 3, "cursor": second["next"]}).json()
    assert [s["employee_id"] for s in third["items"]] == ["E30004"]
    assert third["next"] is None


def test_a_last_page_filled_exactly_says_there_is_no_next_one(router, matrix):
    for i in range(4):
        StaffFactory(employee_id=f"E3000{i}", user=UserFactory(username=f"p{i}"))
    everyone = router.get("staff", {"limit": 6}).json()
    assert len(everyone["items"]) == 6 and everyone["next"] is None  # no empty page to fetch
    first = router.get("staff", {"limit": 5}).json()
    assert first["next"] is not None
    last = router.get("staff", {"limit": 5, "cursor": first["next"]}).json()
    assert [s["employee_id"] for s in last["items"]] == ["E30003"] and last["next"] is None


def test_a_page_past_everyone_is_empty_and_still_states_the_version(router, matrix):
    from routing_bridge.api import _cursor_encode

    body = router.get("staff", {"cursor": _cursor_encode("ZZZ")}).json()
    assert body == {"version": 2, "items": [], "next": None}


def test_the_snapshot_filters_by_team_tier_and_active(router, matrix, lead, outsider):
    assert [s["employee_id"] for s in router.get("staff", {"tier": "N2"}).json()["items"]] == ["E10002"]
    assert [s["employee_id"] for s in router.get("staff", {"team": "Réseau N2 Lyon"}).json()["items"]] == ["E20002"]
    outsider.active = False
    outsider.save()
    assert [s["employee_id"] for s in router.get("staff", {"active": "false"}).json()["items"]] == ["E20002"]


def test_changes_come_in_increasing_seq_with_next_since(router, matrix):
    body = router.get("changes", {"since": 0, "limit": 1}).json()
    assert [c["seq"] for c in body["items"]] == [1]
    assert body["items"][0] | {"at": None} == {
        "seq": 1, "employee_id": "E10001", "skill": "AD.GPO", "old_level": 0, "new_level": 2,
        "valid_until": None, "at": None, "reason": "evidence:exam",
    }
    rest = router.get("changes", {"since": body["next_since"]}).json()
    assert [c["seq"] for c in rest["items"]] == [2]
    assert router.get("changes", {"since": rest["next_since"]}).json() == {"items": [], "next_since": 2}


def test_qualified_answers_the_contract_shape(router, matrix):
    body = router.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "limit": 1}).json()
    assert body["total_qualified"] == 2
    assert len(body["candidates"]) == 1
    first = body["candidates"][0]
    assert set(first) >= {"employee_id", "display_name", "tier", "profile", "rank", "skills", "optional_met",
                          "over_qualification", "last_assigned_at"}
    assert first["employee_id"] == "E10001" and first["rank"] == 1
    assert first["skills"][0]["evidence"][0]["source"] == "exam"


def test_route_uses_the_category_rule_and_says_which_rule_applied(router, matrix):
    body = router.post("route", {"ticket": {"id": "T-42", "category": "Active Directory > GPO > Filtrage",
                                            "priority": 3}}).json()
    assert body["ticket_id"] == "T-42"
    assert body["rule"]["category"] == "Active Directory"
    assert [c["employee_id"] for c in body["candidates"]] == ["E10001", "E10002"]


def test_route_names_an_unknown_category_with_the_closest_known_ones(router, matrix):
    response = router.post("route", {"ticket": {"id": "T-1", "category": "Activ Directory"}})
    assert response.status_code == 404
    body = response.json()
    assert "Activ Directory" in body["detail"]
    assert body["suggestions"] == ["Active Directory"]


def test_route_keeps_only_the_tiers_the_rule_allows(router, matrix, other_lead, skills):
    evidence_record(staff=other_lead, skill=skills["AD.GPO"], level=4, source="manager")  # N3
    body = router.post("route", {"ticket": {"id": "T", "category": "Active Directory"}}).json()
    assert "E20001" not in [c["employee_id"] for c in body["candidates"]]
    asked_n3 = router.post("route", {"ticket": {"id": "T", "category": "Active Directory"}, "tiers": ["N3"]}).json()
    assert (asked_n3["total_qualified"], asked_n3["rule"]["tiers"]) == (0, ["N1", "N2"])


def test_feedback_is_accepted_with_202_and_stored_once(router, matrix):
    body = {"ticket_id": "T-7", "category": "Réseau > VPN", "employee_id": "E10001", "outcome": "escalated",
            "occurred_at": "2026-11-20T10:00:00Z"}
    first = router.post("feedback", body)
    again = router.post("feedback", body)
    assert (first.status_code, first.json()["status"]) == (202, "accepted")
    assert (again.status_code, again.json()["status"]) == (202, "duplicate")
    assert TicketFeedback.objects.filter(ticket_id="T-7").count() == 1


# --- Bad input: always a 4xx with a detail, never a 5xx --------------------------------------------

BAD_INPUTS = [
    ("post", "qualified", {"required": [{"skill": "NOPE.X", "min_level": 2}, {"skill": "ZZZ", "min_level": 1}]},
     400, "NOPE.X"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 7}]}, 400, "échelle"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": -1}]}, 422, "min_level"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "limit": 201}, 422, "limit"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "limit": 0}, 422, "limit"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "at": "hier"}, 422, "at"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "at": "2026-13-45T00:00:00Z"}, 422,
     "at"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "tiers": ["N7"]}, 422, "tiers"),
    ("post", "qualified", {"required": [{"skill": "AD.GPO", "min_level": 2},
                                        {"skill": "AD.GPO", "min_level": 3}]}, 400, "deux fois"),
    ("post", "qualified", {"optional": []}, 422, "required"),
    ("post", "qualified", [], 422, "body"),
    ("post", "route", {"ticket": {"id": "T"}}, 422, "category"),
    ("post", "route", {"ticket": {"id": "T", "category": "  >  "}}, 400, "vide"),
    ("post", "feedback", {"ticket_id": "T", "category": "C", "employee_id": "NOBODY", "outcome": "resolved",
                          "occurred_at": "2026-11-20T10:00:00Z"}, 400, "NOBODY"),
    ("post", "feedback", {"ticket_id": "T", "category": "C", "employee_id": "E10001", "outcome": "lost",
                          "occurred_at": "2026-11-20T10:00:00Z"}, 422, "outcome"),
    ("post", "feedback", {"ticket_id": "T", "category": "C", "employee_id": "E10001", "outcome": "resolved",
                          "occurred_at": "2099-01-01T00:00:00Z"}, 400, "futur"),
    ("get", "changes?limit=500", None, 422, "limit"),
    ("get", "changes?since=abc", None, 422, "since"),
    ("get", "changes?since=-1", None, 422, "since"),
    ("get", "staff?limit=201", None, 422, "limit"),
    ("get", "staff?cursor=%%%not-base64", None, 400, "Curseur"),
    ("get", "staff?cursor=eyJ4IjogMX0", None, 400, "Curseur"),
    ("get", "staff?tier=N9", None, 422, "tier"),
    ("get", "nowhere", None, 404, "nowhere"),
    ("get", "changes?since=99999999999999999999999", None, 422, "since"),
    ("get", "staff?team=a\x00b", None, 400, "NUL"),
    ("post", "qualified", {"required": [{"skill": "AD.\u0000GPO", "min_level": 2}]}, 400, "NUL"),
    ("post", "feedback", {"ticket_id": "T\u0000", "category": "C", "employee_id": "E10001", "outcome": "resolved",
                          "occurred_at": "2026-11-20T10:00:00Z"}, 400, "NUL"),
]


@pytest.mark.parametrize("method,path,body,status,needle", BAD_INPUTS)
def test_bad_input_is_a_4xx_with_a_detail(router, matrix, method, path, body, status, needle):
    if method == "get":
        path, _sep, query = path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&")) if query else {}
        response = router.get(path, params)
    else:
        response = router.post(path, body)
    assert response.status_code == status, response.content
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    assert needle in response.content.decode("unicode_escape") or needle in str(payload)


def test_validation_errors_name_each_wrong_field_path(router, matrix):
    response = router.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": "x"}], "limit": 900})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.required.0.min_level", "body.limit"}


def test_unknown_skill_codes_are_named_in_the_400(router, matrix):
    response = router.post("qualified", {"required": [{"skill": "NOPE.X", "min_level": 2}],
                                         "optional": [{"skill": "ALSO.NOT", "min_level": 1}]})
    assert response.status_code == 400
    assert response.json()["unknown_skills"] == ["ALSO.NOT", "NOPE.X"]


def test_bad_json_is_a_400(router, matrix):
    response = router.post("qualified", raw="{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_wrong_content_type_is_a_415(router, matrix):
    response = router.post("qualified", raw="required=AD.GPO", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_a_method_the_path_does_not_accept_is_a_json_405(router, matrix):
    response = router.http.delete("/api/bridge/v1/qualified", **router.headers())
    assert response.status_code == 405
    assert "DELETE" in response.json()["detail"]


def test_the_openapi_schema_lists_every_endpoint_with_bearer_security(client):
    schema = client.get("/api/bridge/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert paths == {"/api/bridge/v1/taxonomy", "/api/bridge/v1/staff", "/api/bridge/v1/staff/{employee_id}",
                     "/api/bridge/v1/changes", "/api/bridge/v1/qualified", "/api/bridge/v1/route",
                     "/api/bridge/v1/feedback", "/api/bridge/v1/availability",
                     "/api/bridge/v1/clients", "/api/bridge/v1/procedures"}
    assert schema["paths"]["/api/bridge/v1/qualified"]["post"]["security"]


def test_the_docs_page_lists_the_endpoints_and_loads_nothing_from_a_cdn(client):
    response = client.get("/api/bridge/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "POST /api/bridge/v1/qualified" in html and "qualified:query" in html
    # Every script, style sheet and link is served by the site itself. (Not a search for "cdn" in
    # the page: its random CSRF token may contain those three letters.)
    resources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', html)
    assert resources and all(url.startswith("/") and not url.startswith("//") or url.startswith("#")
                             for url in resources), resources
    assert "https://" not in html and "cdn." not in html.lower()


def test_at_given_without_timezone_is_read_in_the_site_timezone(router, matrix):
    at = timezone.localtime() + timedelta(hours=1)
    body = router.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}],
                                     "at": at.strftime("%Y-%m-%dT%H:%M:%S")}).json()
    assert body["total_qualified"] == 2


def test_snapshot_items_are_exactly_the_single_staff_records(router, matrix, skills, learner):
    until = timezone.now() + timedelta(days=90, microseconds=123456)
    evidence_record(staff=learner, skill=skills["NET.VPN"], level=3, source="certification", valid_until=until)
    evidence_record(staff=learner, skill=skills["NET.VPN"], level=3, source="exam")
    evidence_record(staff=learner, skill=skills["NET.WIFI"], level=2, source="certification", valid_until=until)
    items = router.get("staff").json()["items"]
    assert items == [router.get(f"staff/{item['employee_id']}").json() for item in items]
    vpn = next(c for c in items[0]["skills"] if c["code"] == "NET.VPN")
    assert vpn["sources"] == ["certification", "exam"] and vpn["valid_until"] is None
    wifi = next(c for c in items[0]["skills"] if c["code"] == "NET.WIFI")
    assert wifi["valid_until"] is not None
