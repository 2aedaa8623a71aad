"""Client familiarity (contract 1.1, "Ranking" key 2): the client's referent, then its backups,
then who resolved a ticket of that client in (at − 180 days, at]; the `client` request field, the
answer's `client` with its referent, and each candidate's `client_familiarity`."""
from datetime import timedelta

import pytest
from django.utils import timezone

from academy.clients import client_create, client_update
from routing_bridge.models import TicketFeedback
from routing_bridge.qualification import BACKUP, PRACTICE, REFERENT, UNFAMILIAR
from routing_bridge.qualification import Requirement as R
from routing_bridge.qualification import staff_qualified
from routing_bridge.services import feedback_record
from skills.services import evidence_record
from tests.factories import StaffFactory, UserFactory

WINDOW = timedelta(days=180)


def person(employee_id, tier="N2", **kwargs):
    return StaffFactory(employee_id=employee_id, tier=tier, user=UserFactory(
        username=employee_id.lower(), first_name=f"Prénom {employee_id}", last_name="Nom"), **kwargs)


@pytest.fixture
def people(skills):
    """Six N2 qualified for AD.GPO 2 (P1…P6), an N1 qualified (L1), and the referent R1 who is
    N2 but holds only level 1."""
    staff = {e: person(e) for e in ("P1", "P2", "P3", "P4", "P5", "P6")}
    staff["L1"] = person("L1", tier="N1")
    long_ago = timezone.now() - timedelta(days=400)
    for s in staff.values():
        evidence_record(staff=s, skill=skills["AD.GPO"], level=2, source="exam", observed_at=long_ago)
    staff["R1"] = person("R1")
    evidence_record(staff=staff["R1"], skill=skills["AD.GPO"], level=1, source="exam", observed_at=long_ago)
    return staff


@pytest.fixture
def dupont(people):
    return client_create(code="DUPONT", name="Transports Dupont", referent=people["P5"],
                         backups=[people["P4"]])


def _resolved(client, staff, when, outcome="resolved", ticket="T"):
    feedback_record(ticket_id=f"{ticket}-{staff.employee_id}-{when.timestamp()}", category="Active Directory",
                    staff=staff, outcome=outcome, occurred_at=when, client=client)


def _order(result):
    return [(c.employee_id, c.client_familiarity) for c in result.candidates]


GPO = [R("AD.GPO", 2)]


def test_the_referent_then_backups_then_practice_rank_first_within_a_tier(people, dupont):
    now = timezone.now()
    _resolved(dupont, people["P6"], now - timedelta(days=3))
    _resolved(dupont, people["P3"], now - timedelta(days=2), outcome="escalated")  # not resolved: no practice
    result = staff_qualified(required=GPO, client="DUPONT")
    assert _order(result) == [("L1", UNFAMILIAR),  # the lowest tier still comes first
                              ("P5", REFERENT), ("P4", BACKUP), ("P6", PRACTICE),
                              ("P1", UNFAMILIAR), ("P2", UNFAMILIAR), ("P3", UNFAMILIAR)]


def test_without_a_client_the_order_is_version_1_s(people, dupont):
    _resolved(dupont, people["P6"], timezone.now() - timedelta(days=3))
    result = staff_qualified(required=GPO)
    # Least recently assigned: P6 was assigned, so comes last among N2.
    assert [c.employee_id for c in result.candidates] == ["L1", "P1", "P2", "P3", "P4", "P5", "P6"]
    assert all(c.client_familiarity == UNFAMILIAR for c in result.candidates)
    assert result.client is None


def test_practice_counts_tickets_resolved_in_the_180_days_before_the_instant_exactly(people, dupont):
    """(at − 180 days, at]: a ticket resolved exactly 180 days before `at` no longer counts, one
    microsecond later it does; one resolved after `at` does not count yet."""
    at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    _resolved(dupont, people["P1"], at - WINDOW)
    _resolved(dupont, people["P2"], at - WINDOW + timedelta(microseconds=1))
    _resolved(dupont, people["P3"], at)
    _resolved(dupont, people["P6"], at + timedelta(microseconds=1))
    familiarity = dict(_order(staff_qualified(required=GPO, client="DUPONT", at=at)))
    assert (familiarity["P1"], familiarity["P2"], familiarity["P3"], familiarity["P6"]) == (
        UNFAMILIAR, PRACTICE, PRACTICE, UNFAMILIAR)
    # Now (the copy in memory), a day later: P6's ticket counts, P2's no longer does.
    familiarity = dict(_order(staff_qualified(required=GPO, client="DUPONT")))
    assert (familiarity["P1"], familiarity["P2"], familiarity["P3"], familiarity["P6"]) == (
        UNFAMILIAR, UNFAMILIAR, PRACTICE, PRACTICE)


def test_practice_with_another_client_does_not_count(people, dupont):
    other = client_create(code="MARTIN", name="Martin SA", referent=people["P1"])
    _resolved(other, people["P6"], timezone.now() - timedelta(days=1))
    familiarity = dict(_order(staff_qualified(required=GPO, client="DUPONT")))
    assert familiarity["P6"] == UNFAMILIAR


def test_a_new_referent_is_followed_at_the_next_question(people, dupont):
    assert dict(_order(staff_qualified(required=GPO, client="DUPONT")))["P5"] == REFERENT
    client_update(client=dupont, name=dupont.name, referent=people["P2"], backups=[people["P4"], people["P5"]])
    familiarity = dict(_order(staff_qualified(required=GPO, client="DUPONT")))
    assert (familiarity["P2"], familiarity["P4"], familiarity["P5"]) == (REFERENT, BACKUP, BACKUP)


def test_the_answer_names_the_referent_qualified_or_not_and_available_or_not(people, dupont, router):
    client_update(client=dupont, name=dupont.name, referent=people["R1"], backups=[people["P4"]])
    result = staff_qualified(required=GPO, client="DUPONT")
    assert (result.client.code, result.client.name, result.client.referent_employee_id) == (
        "DUPONT", "Transports Dupont", "R1")
    assert (result.client.referent_qualified, result.client.referent_available) == (False, True)
    assert "R1" not in [c.employee_id for c in result.candidates]
    # Skills only, whatever the filters: a tier filter leaving the referent out changes nothing.
    assert staff_qualified(required=[R("AD.GPO", 1)], tiers=["N1"], client="DUPONT").client.referent_qualified


# --- Over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def caller(make_caller):
    return make_caller("availability:write", "qualified:query", "feedback:write", name="présence")


def test_qualified_over_http_carries_the_client_and_each_candidate_s_familiarity(people, dupont, caller):
    _resolved(dupont, people["P6"], timezone.now() - timedelta(days=3))
    caller.put("availability", {"items": [{"employee_id": "P5", "available": False}]})
    body = caller.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "client": "DUPONT",
                                     "tiers": ["N2"], "limit": 3}).json()
    # The referent is away: left out, counted, and still named above the list.
    assert body["client"] == {"code": "DUPONT", "name": "Transports Dupont", "referent": {
        "employee_id": "P5", "display_name": "Prénom P5 Nom", "qualified": True, "available": False}}
    assert body["unavailable_qualified"] == 1
    assert [(c["employee_id"], c["client_familiarity"]) for c in body["candidates"]] == [
        ("P4", "backup"), ("P6", "practice"), ("P1", None)]
    assert list(body)[:4] == ["as_of", "total_qualified", "unavailable_qualified", "client"]


def test_route_over_http_with_a_client_ranks_by_familiarity(people, dupont, caller):
    from routing_bridge.services import category_rules_import
    category_rules_import(content="category,required,optional,tiers,description\n"
                                  "Active Directory,AD.GPO:2,,N2,GPO\n")
    body = caller.post("route", {"ticket": {"id": "T-9", "category": "Active Directory > GPO", "type": "problem"},
                                 "client": "DUPONT"}).json()
    assert [(c["employee_id"], c["client_familiarity"]) for c in body["candidates"]][:2] == [
        ("P5", "referent"), ("P4", "backup")]
    assert body["client"]["referent"]["employee_id"] == "P5"


def test_an_inactive_client_is_accepted(people, dupont, caller):
    client_update(client=dupont, name=dupont.name, referent=people["P5"], backups=[], active=False)
    response = caller.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "client": "DUPONT"})
    assert response.status_code == 200
    assert response.json()["candidates"][1]["client_familiarity"] == "referent"


@pytest.mark.parametrize("path,extra", [
    ("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}]}),
    ("route", {"ticket": {"id": "T-1", "category": "Active Directory"}}),
])
def test_an_unknown_client_is_a_400_naming_it(people, dupont, caller, path, extra):
    response = caller.post(path, {**extra, "client": "NOPE"})
    assert response.status_code == 400, response.content
    body = response.json()
    assert "NOPE" in body["detail"]
    assert any(error["field"] == "body.client" for error in body["errors"])


@pytest.mark.parametrize("value", ["", 12, "X" * 41])
def test_a_malformed_client_is_rejected_naming_the_field(people, caller, value):
    response = caller.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "client": value})
    assert response.status_code in (400, 422), response.content
    assert "client" in response.content.decode()


def test_feedback_with_the_client_makes_practice_at_once(people, dupont, caller):
    before = dict((c.employee_id, c.client_familiarity) for c in staff_qualified(required=GPO, client="DUPONT")
                  .candidates)
    assert before["P1"] == UNFAMILIAR
    response = caller.post("feedback", {"ticket_id": "T-77", "category": "Active Directory", "employee_id": "P1",
                                        "outcome": "resolved", "client": "DUPONT",
                                        "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat()})
    assert response.status_code == 202, response.content
    assert TicketFeedback.objects.filter(client=dupont).count() == 1
    after = dict((c.employee_id, c.client_familiarity) for c in staff_qualified(required=GPO, client="DUPONT")
                 .candidates)
    assert after["P1"] == PRACTICE
