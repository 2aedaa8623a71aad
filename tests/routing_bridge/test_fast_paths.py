"""The bridge's fast paths give exactly what the plain ones give: the `qualified` body rendered
without validating each nested item, and on PostgreSQL the snapshot pages whose cells the
database writes as JSON."""
import json
from contextlib import nullcontext
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.db import connection
from django.db.models import JSONField, Value
from django.utils import timezone

from academy.clients import client_create
from academy.models import Staff, display_name
from routing_bridge import category_rules, snapshot
from routing_bridge.availability import Report, availability_report
from routing_bridge.api import QualifiedOut, _qualification_out, api
from routing_bridge.errors import BridgeError
from routing_bridge.models import CategoryRule
from routing_bridge.qualification import Requirement, staff_qualified
from routing_bridge.services import feedback_record
from skills.models import SkillLevel
from skills.services import evidence_record
from tests.factories import StaffFactory, TeamFactory, UserFactory


def _legacy_out(result) -> dict:
    """What the API returned before the fast path, left to ninja to validate and dump."""
    out = {
        "as_of": result.as_of, "total_qualified": result.total_qualified,
        "unavailable_qualified": result.unavailable_qualified,
        "candidates": [
            {"employee_id": c.employee_id, "display_name": c.display_name, "tier": c.tier, "profile": c.profile,
             "rank": c.rank, "skills": c.skills, "optional_met": c.optional_met,
             "over_qualification": c.over_qualification, "available": c.available,
             "open_tickets": c.open_tickets,
             "client_familiarity": {3: "referent", 2: "backup", 1: "practice", 0: None}[c.client_familiarity],
             "last_assigned_at": c.last_assigned_at, "qualified_until": c.qualified_until}
            for c in result.candidates
        ],
    }
    if result.client is not None:
        out["client"] = {"code": result.client.code, "name": result.client.name, "referent": {
            "employee_id": result.client.referent_employee_id,
            "display_name": result.client.referent_display_name,
            "qualified": result.client.referent_qualified, "available": result.client.referent_available}}
    return out


@pytest.fixture
def ranked_matrix(router, skills):
    now = timezone.now()
    people = []
    for i, tier in enumerate(["N1", "N2", "N1", "N3"]):
        staff = StaffFactory(employee_id=f"Q{i}", tier=tier,
                             user=UserFactory(username=f"q{i}", first_name=f"Zoé «{i}»", last_name='O"Brien'))
        evidence_record(staff=staff, skill=skills["AD.GPO"], level=2 + i % 3, source="exam",
                        observed_at=now - timedelta(days=10 + i))
        evidence_record(staff=staff, skill=skills["AD.GPO"], level=2 + i % 3, source="certification",
                        observed_at=now - timedelta(days=5), valid_until=now + timedelta(days=40, microseconds=1234))
        if i % 2:
            evidence_record(staff=staff, skill=skills["NET.VPN"], level=3, source="manager")
        people.append(staff)
    feedback_record(router=router.client, ticket_id="T1", category="Active Directory", staff=people[0],
                    outcome="resolved", occurred_at=now - timedelta(hours=3, microseconds=77))
    availability_report(reports=[Report("Q3", True, open_tickets=4, until=now + timedelta(days=1))])
    client_create(code="DUPONT", name="Transports «Dupont»", referent=people[2], backups=[people[3]])
    return people


@pytest.mark.parametrize("client", [None, "DUPONT"])
@pytest.mark.parametrize("at", [None, "future"])
def test_the_qualified_body_is_what_ninja_renders_after_validating_it(ranked_matrix, at, client):
    when = timezone.now() + timedelta(days=3) if at else None
    result = staff_qualified(required=[Requirement("AD.GPO", 2)], optional=[Requirement("NET.VPN", 2)], at=when,
                             limit=10, client=client)
    assert len(result.candidates) == 4 and all(c.skills for c in result.candidates)
    assert (result.client is not None) == (client is not None)
    fast = api.renderer.render(None, _qualification_out(result), response_status=200)
    # Unset: the client is absent from an answer to a question that names none.
    validated = api.renderer.render(None, QualifiedOut.model_validate(_legacy_out(result)).model_dump(exclude_unset=True),
                                    response_status=200)
    assert fast == validated


def test_the_qualified_endpoint_answers_with_the_validated_body(router, ranked_matrix):
    response = router.post("qualified", {"required": [{"skill": "AD.GPO", "min_level": 2}], "limit": 3})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    QualifiedOut.model_validate(body)  # the schema accepts it as is
    assert body["candidates"][0]["last_assigned_at"] is not None
    assert [c["employee_id"] for c in body["candidates"]] == ["Q0", "Q2", "Q1"]
    assert set(body["candidates"][0]["skills"][0]["evidence"][0]) == {"source", "level", "observed_at",
                                                                      "valid_until"}


def test_without_prepared_statements_the_answers_are_the_same(settings, ranked_matrix):
    """Behind a pooler that cannot keep prepared statements (BRIDGE_PREPARED_STATEMENTS off)."""
    query = {"required": [Requirement("AD.GPO", 2)], "optional": [Requirement("NET.VPN", 2)], "limit": 10}
    prepared = staff_qualified(**query)
    settings.BRIDGE_PREPARED_STATEMENTS = False
    plain = staff_qualified(**query)
    assert [(c.employee_id, c.rank, c.optional_met, c.over_qualification) for c in plain.candidates] == \
        [(c.employee_id, c.rank, c.optional_met, c.over_qualification) for c in prepared.candidates]
    assert [c.employee_id for c in plain.candidates] == ["Q0", "Q2", "Q1", "Q3"]
    assert plain.total_qualified == prepared.total_qualified == 4


@pytest.fixture
def odd_matrix(skills):
    """People and cells whose JSON is easy to get wrong: quotes, backslashes, control characters,
    non-ASCII, blank names, no team, several languages, expiries with and without milliseconds."""
    names = [("", "", "vide"), ("  Anne ", " Marie  ", "anne"), ('Jean "JJ"', "Back\\slash", "jj"),
             ("Tab\there", "Line\nbreak", "ctl"), ("Ægir", "Ødegård 🚀", "aegir")]
    team = TeamFactory(name='Équipe "Réseau" \\ Nord')
    people = []
    for i, (first, last, username) in enumerate(names):
        staff = StaffFactory(employee_id=f"S{i:02d}", user=UserFactory(username=username, first_name=first,
                                                                        last_name=last),
                             team=None if i == 1 else team, tier=["N1", "N2", "N3"][i % 3],
                             languages=[[], ["fr", "en"], ["fr"], ["de", "ñ\"x"], ["fr"]][i])
        for code, level in (("AD.GPO", 2 + i % 2), ("NET.VPN", 1 + i % 4), ("NET.WIFI", 3)):
            if (i + len(code)) % 3:
                evidence_record(staff=staff, skill=skills[code], level=level, source="exam")
        people.append(staff)
    Staff.objects.filter(pk=people[3].pk).update(active=False)
    cells = list(SkillLevel.objects.filter(level__gt=0).order_by("pk"))
    instants = [datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc),
                datetime(2027, 1, 2, 3, 4, 5, 123456, tzinfo=dt_timezone.utc),
                datetime(2027, 1, 2, 3, 4, 5, 999, tzinfo=dt_timezone.utc),
                datetime(2031, 12, 31, 23, 59, 59, 1000, tzinfo=dt_timezone.utc), None]
    for n, cell in enumerate(cells):
        SkillLevel.objects.filter(pk=cell.pk).update(
            valid_until=instants[n % len(instants)],
            sources=[["exam"], ["certification", "exam"], ['a"b\\c', "é\u0001"], []][n % 4])
    return people


def _python_page(**kwargs) -> tuple:
    page = snapshot.staff_snapshot_page(raw=True, **kwargs)
    return page["version"], ",".join(snapshot.staff_record_json(r) for r in page["items"]), page["last"]


def _sql_page(*, python_allowed: bool = False, **kwargs) -> tuple:
    """The page as the PostgreSQL statement writes it; unless `python_allowed`, failing if it
    fell back to the Python rendering (which would make the comparison compare Python with itself)."""
    fallback = mock.patch.object(snapshot, "staff_snapshot_page", side_effect=AssertionError("Python fallback"))
    with nullcontext() if python_allowed else fallback:
        page = snapshot.staff_snapshot_page_json(**kwargs)
    return page["version"], page["items_json"], page["last"]


@pytest.mark.parametrize("kwargs", [
    {"after": None, "limit": 200}, {"after": None, "limit": 2}, {"after": "S01", "limit": 2},
    {"after": None, "limit": 10, "tier": "N1"}, {"after": None, "limit": 10, "active": False},
    {"after": None, "limit": 10, "active": True}, {"after": "S00", "limit": 10, "team": 'Équipe "Réseau" \\ Nord'},
    {"after": "S99", "limit": 10},
])
def test_postgresql_snapshot_pages_are_byte_for_byte_the_python_ones(odd_matrix, kwargs):
    if connection.vendor != "postgresql":
        pytest.skip("the JSON-from-the-database path exists only on PostgreSQL")
    assert _sql_page(**kwargs) == _python_page(**kwargs)


# Names whose display name is easy to get wrong in SQL: str.strip() removes every character
# str.isspace() names (no-break and ideographic spaces, \x1c-\x1f, U+0085, U+2028…), not only
# " ", and keeps the zero-width space, which is not whitespace for Python.
AWKWARD_NAMES = [
    ("", "", "w-empty"), (" ", " ", "w-spaces"), ("\u00a0", "\u3000", "w-unicode-spaces"),
    ("\x1c\x1f\x0b", "\u2028\x85\u205f", "w-separators"), ("\u200b", "", "w-zero-width"),
    ("  Anne\u00a0", "\u2003Marie\t", "w-inner"), ('Jean "JJ"', "Back\\slash", "w-quotes"),
    ("Tab\there", "Line\nbreak\r", "w-controls"), ("\x01\x7f", "é\u0085x", "w-c0-del"),
    ("Ægir", "Ødegård 🚀", "w-astral"), ("", "Nom", "w-last-only"), ("Prénom", "", "w-first-only"),
    ("</script>", "a/b & 'c'", "w-markup"), ("\u0301e", "\ufeff", "w-combining-bom"),
]


@pytest.fixture
def awkward_people(db):
    team = TeamFactory(name="Équipe\u00a0«\u2028»\t\\")
    return [StaffFactory(employee_id=f"W{i:02d}", team=team, languages=["fr", "é\"\\\x02"],
                         user=UserFactory(username=username, first_name=first, last_name=last))
            for i, (first, last, username) in enumerate(AWKWARD_NAMES)]


def test_the_database_writes_display_names_as_academy_display_name_does(awkward_people):
    if connection.vendor != "postgresql":
        pytest.skip("the JSON-from-the-database path exists only on PostgreSQL")
    version, items, last = _sql_page(after=None, limit=200)
    written = [item["display_name"] for item in json.loads("[" + items + "]")]
    assert written == [display_name(first, last, username) for first, last, username in AWKWARD_NAMES]
    assert written[2] == "w-unicode-spaces" and written[4] == "\u200b"
    assert (version, items, last) == _python_page(after=None, limit=200)


@pytest.mark.parametrize("languages, falls_back", [
    (Value(None, JSONField()), False), ([], False), (["fr", 1], True), ("fr", True), ({"fr": 1}, True),
    ([["fr"]], True), ([1.50], True),
])
def test_languages_outside_the_contract_are_written_as_python_writes_them(awkward_people, languages, falls_back):
    """The contract says a list of strings; anything else stored in the JSON field is left to
    Python, so that the page stays what the Python path writes."""
    if connection.vendor != "postgresql":
        pytest.skip("the JSON-from-the-database path exists only on PostgreSQL")
    Staff.objects.filter(employee_id="W03").update(languages=languages)
    with mock.patch.object(snapshot, "staff_snapshot_page", wraps=snapshot.staff_snapshot_page) as python:
        page = _sql_page(python_allowed=True, after="W01", limit=3)
    assert python.called == falls_back
    assert page == _python_page(after="W01", limit=3)
    assert page[2] == "W04"


def test_the_snapshot_endpoint_pages_through_everyone(router, odd_matrix):
    seen, cursor = [], None
    while True:
        body = router.get("staff", {"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        seen += [item["employee_id"] for item in body["items"]]
        for item in body["items"]:
            assert item == router.get(f"staff/{item['employee_id']}").json()
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [f"S{i:02d}" for i in range(5)]
    blank = router.get("staff/S00").json()
    assert blank["display_name"] == "vide" and blank["languages"] == []
    assert router.get("staff/S01").json()["display_name"] == "Anne   Marie"


def test_the_route_rule_read_raw_is_the_rule_and_requirements_the_orm_reads(skills):
    from routing_bridge.services import category_rule_save

    category_rule_save(category="Réseau", required=[(skills["NET.VPN"], 2), (skills["AD.GPO"], 1)],
                       optional=[(skills["NET.WIFI"], 3)], tiers=["N2", "N1"])
    category_rule_save(category="Réseau > Wi-Fi", required=[(skills["NET.WIFI"], 2)])
    category_rule_save(category="Poste de travail", required=[(skills["AD.ACCOUNTS"], 1)])
    CategoryRule.objects.filter(category="Poste de travail").update(active=False)
    for category in ["Réseau", "réseau > VPN > Client", "Réseau > Wi-Fi", "Réseau > Wi-Fi > Invités"]:
        rule = category_rules.category_route(category=category)
        required, optional = category_rules.category_requirements(rule=rule)
        assert category_rules.category_route_rule(category=category) == category_rules.RouteRule(
            category=rule.category, tiers=list(rule.tiers), required=required, optional=optional)
    for category in ["Poste de travail", "Résau", "  "]:
        with pytest.raises(BridgeError) as expected:
            category_rules.category_route(category=category)
        with pytest.raises(BridgeError) as raw:
            category_rules.category_route_rule(category=category)
        assert (raw.value.detail, type(raw.value), raw.value.extra) == (
            expected.value.detail, type(expected.value), expected.value.extra)
