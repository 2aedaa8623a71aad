"""The bridge reads its inputs as the contract types them: a JSON integer is a number (not `true`,
not "2"), an instant is an ISO 8601 date-time string (not 0, not a Unix time), a query-string
integer is digits and a query-string boolean is true or false. Anything else is a 422 naming the
field, never a silent guess."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from routing_bridge.services import category_rule_save
from skills.services import evidence_record

REQUIRED = [{"skill": "AD.GPO", "min_level": 2}]
FEEDBACK = {"ticket_id": "T1", "category": "Active Directory > GPO", "employee_id": "E10001",
            "outcome": "resolved", "occurred_at": "2026-11-20T10:00:00Z"}


@pytest.fixture
def matrix(learner, skills):
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=2, source="exam")
    category_rule_save(category="Active Directory", required=[(skills["AD.GPO"], 2)])


@pytest.mark.parametrize("path, body, field", [
    ("qualified", {"required": REQUIRED, "at": 0}, "body.at"),
    ("qualified", {"required": REQUIRED, "at": 1700000000.5}, "body.at"),
    ("qualified", {"required": REQUIRED, "at": "1700000000"}, "body.at"),
    ("qualified", {"required": REQUIRED, "at": True}, "body.at"),
    ("qualified", {"required": REQUIRED, "at": "2026-12-01"}, "body.at"),
    ("qualified", {"required": REQUIRED, "limit": True}, "body.limit"),
    ("qualified", {"required": REQUIRED, "limit": "5"}, "body.limit"),
    ("qualified", {"required": REQUIRED, "limit": 5.0}, "body.limit"),
    ("qualified", {"required": [{"skill": "AD.GPO", "min_level": "2"}]}, "body.required.0.min_level"),
    ("qualified", {"required": [{"skill": "AD.GPO", "min_level": True}]}, "body.required.0.min_level"),
    ("qualified", {"required": REQUIRED, "optional": [{"skill": "AD.GPO", "min_level": 1.0}]},
     "body.optional.0.min_level"),
    ("route", {"ticket": {"id": "T1", "category": "Active Directory > GPO"}, "limit": "3"}, "body.limit"),
    ("route", {"ticket": {"id": "T1", "category": "Active Directory > GPO"}, "at": 0}, "body.at"),
    ("route", {"ticket": {"id": "T1", "category": "Active Directory > GPO", "priority": True}},
     "body.ticket.priority"),
    ("feedback", {**FEEDBACK, "occurred_at": 1764000000}, "body.occurred_at"),
    ("feedback", {**FEEDBACK, "occurred_at": "1764000000"}, "body.occurred_at"),
])
def test_a_body_field_of_the_wrong_type_is_a_422_naming_it(router, matrix, path, body, field):
    response = router.post(path, body)

    assert response.status_code == 422, response.content
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert field in response.json()["detail"]


@pytest.mark.parametrize("path, params, field", [
    ("staff", {"limit": "1_0"}, "query.limit"),
    ("staff", {"limit": "10.0"}, "query.limit"),
    ("staff", {"limit": " 10"}, "query.limit"),
    ("staff", {"active": "yes"}, "query.active"),
    ("staff", {"active": "1"}, "query.active"),
    ("changes", {"since": "+5"}, "query.since"),
    ("changes", {"limit": "1e2"}, "query.limit"),
])
def test_a_query_parameter_of_the_wrong_form_is_a_422_naming_it(router, matrix, path, params, field):
    response = router.get(path, params)

    assert response.status_code == 422, response.content
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_contract_s_forms_are_still_accepted(router, matrix):
    soon = timezone.now() + timedelta(minutes=1)
    qualified = router.post("qualified", {"required": REQUIRED, "at": soon.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                          "limit": 5})
    with_offset = router.post("qualified", {"required": REQUIRED, "at": soon.astimezone(ZoneInfo("Europe/Paris")).isoformat()})
    route = router.post("route", {"ticket": {"id": "T1", "category": "Active Directory > GPO", "priority": 3}})
    route_text_priority = router.post("route", {"ticket": {"id": "T2", "category": "Active Directory > GPO",
                                                           "priority": "P2"}})
    feedback = router.post("feedback", FEEDBACK)
    staff = router.get("staff", {"limit": "10", "active": "true"})
    changes = router.get("changes", {"since": "0", "limit": "50"})

    assert qualified.status_code == 200 and qualified.json()["total_qualified"] == 1
    assert with_offset.status_code == 200 and with_offset.json()["total_qualified"] == 1
    assert route.status_code == 200 and route_text_priority.status_code == 200
    assert feedback.status_code == 202
    assert staff.status_code == 200 and [s["employee_id"] for s in staff.json()["items"]] == ["E10001"]
    assert changes.status_code == 200
