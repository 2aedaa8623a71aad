"""Contract 1.1: category rules by ticket type (the lookup, the import and export, the admin), and
`route` with `ticket.type` and `escalate_from` (the next tiers only, the escalating person
excluded, "no_higher_tier" from the top), over HTTP, on the dispatcher's page and in
simulate_routing.

Personas (tests/conftest.py): Léa E10001 (N1), Marc E10002 (N2), Sophie E20001 (N3), Olivier
E20002 (N1)."""
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from academy.roles import DISPATCHER
from routing_bridge.category_rules import (
    category_route, category_route_rule, category_rule_for, escalation_from, route_filters,
)
from routing_bridge.demo import seed
from routing_bridge.errors import InvalidQuery, UnknownCategory
from routing_bridge.models import CategoryRule
from routing_bridge.services import category_rule_save, category_rules_export, category_rules_import
from skills.services import evidence_record
from tests.factories import SkillFactory, UserFactory

TYPED = """category,required,optional,tiers,ticket_type,description
Réseau,NET.LAN:2,,,,Réseau
Réseau,NET.LAN:3,,N2;N3,problem,Problème réseau
Réseau > VPN,NET.VPN:2,,N1;N2,,Accès distant
Réseau > VPN,NET.VPN:3,NET.LAN:2,N2;N3,change,Changement VPN
"""


@pytest.fixture
def net(db):
    return {code: SkillFactory(code=code) for code in ("NET.LAN", "NET.VPN")}


@pytest.fixture
def typed_rules(net):
    report = category_rules_import(content=TYPED)
    assert report.ok and report.created == 4
    return net


# --- The lookup ------------------------------------------------------------------------------------


def _rule(category, ticket_type):
    rule = category_rule_for(category=category, ticket_type=ticket_type)
    return None if rule is None else (rule.category, rule.ticket_type)


def test_at_a_level_the_rule_for_the_tickets_type_wins_over_the_rule_for_any_type(typed_rules):
    assert _rule("Réseau > VPN", "change") == ("Réseau > VPN", "change")
    assert _rule("Réseau > VPN", "incident") == ("Réseau > VPN", "")
    assert _rule("Réseau", "problem") == ("Réseau", "problem")


def test_a_parents_rule_for_the_type_does_not_beat_a_childs_rule_for_any_type(typed_rules):
    """The first level that has a rule applies: "Réseau > VPN" has one (for any type)."""
    assert _rule("Réseau > VPN", "problem") == ("Réseau > VPN", "")
    assert _rule("Réseau > VPN > IPsec", "problem") == ("Réseau > VPN", "")


def test_a_level_without_a_rule_hands_over_to_its_parent_by_type(typed_rules):
    assert _rule("Réseau > Wi-Fi", "problem") == ("Réseau", "problem")
    assert _rule("Réseau > Wi-Fi", "request") == ("Réseau", "")
    assert _rule("Réseau > VPN > IPsec", "change") == ("Réseau > VPN", "change")


def test_a_category_with_rules_for_other_types_only_is_unknown_for_this_type(typed_rules):
    category_rule_save(category="Téléphonie", ticket_type="problem", required=[(typed_rules["NET.LAN"], 3)])
    assert _rule("Téléphonie > SIP", "problem") == ("Téléphonie", "problem")
    assert _rule("Téléphonie > SIP", "incident") is None
    with pytest.raises(UnknownCategory):
        category_route_rule(category="Téléphonie > SIP", ticket_type="incident")


def test_an_inactive_rule_for_the_type_leaves_the_rule_for_any_type(typed_rules):
    CategoryRule.objects.filter(category="Réseau > VPN", ticket_type="change").update(active=False)
    assert _rule("Réseau > VPN", "change") == ("Réseau > VPN", "")


@pytest.mark.parametrize("category", ["Réseau", "Réseau > VPN", "Réseau > VPN > IPsec", "Réseau > Wi-Fi"])
@pytest.mark.parametrize("ticket_type", ["incident", "problem", "change", "request"])
def test_the_raw_route_rule_walks_as_the_model_lookup_does(typed_rules, category, ticket_type):
    rule = category_route(category=category, ticket_type=ticket_type)
    raw = category_route_rule(category=category, ticket_type=ticket_type)
    assert (raw.category, raw.ticket_type, raw.tiers) == (rule.category, rule.ticket_type, rule.tiers)
    assert [(r.skill, r.min_level) for r in raw.required] == [
        (r.skill.code, r.min_level) for r in rule.requirements.filter(optional=False)]


# --- Import and export ---------------------------------------------------------------------------


def test_rules_by_type_are_exported_as_imported_and_reimporting_changes_nothing(typed_rules):
    assert category_rules_export() == TYPED
    again = category_rules_import(content=category_rules_export())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_a_file_without_the_ticket_type_column_holds_rules_for_any_type(net):
    report = category_rules_import(content="category,required,optional,tiers,description\nRéseau,NET.LAN:2,,N1,\n")
    assert report.ok and CategoryRule.objects.get().ticket_type == ""


def test_a_file_without_the_column_leaves_the_rules_by_type_alone(typed_rules):
    report = category_rules_import(content="category,required\nRéseau,NET.LAN:2\n")
    assert report.updated == 1  # the rule for any type loses its description
    assert CategoryRule.objects.filter(ticket_type="problem", category="Réseau").exists()


def test_an_unknown_ticket_type_is_an_error_on_its_line_and_nothing_is_imported(net):
    bad = TYPED + "Réseau > Wi-Fi,NET.LAN:2,,,panne,\nRéseau,NET.LAN:2,,,problem,\n"
    report = category_rules_import(content=bad)
    assert report.errors == [
        "ligne 6 : ticket_type : type de ticket inconnu « panne » (incident, problem, change, request, "
        "ou vide pour tout type)",
        "ligne 7 : catégorie « Réseau », type problem, déjà vue ligne 3",
    ]
    assert CategoryRule.objects.count() == 0


def test_the_import_command_reads_the_ticket_type(tmp_path, net):
    path = tmp_path / "rules.csv"
    path.write_text(TYPED, encoding="utf-8")
    out = StringIO()
    call_command("import_category_rules", str(path), stdout=out)
    assert "créées=4" in out.getvalue()
    assert sorted(CategoryRule.objects.values_list("ticket_type", flat=True)) == ["", "", "change", "problem"]


def test_the_demo_has_rules_by_type(db):
    for code in ("MSG.FLOW", "MSG.EXCH", "MSG.FILTER", "MSG.AUTH"):
        SkillFactory(code=code)
    seed(stdout=StringIO())
    assert _rule("Messagerie > Pièces jointes", "problem") == ("Messagerie", "problem")
    assert category_route_rule(category="Messagerie", ticket_type="problem").tiers == ["N2", "N3"]
    count = CategoryRule.objects.count()
    seed(stdout=StringIO())
    assert CategoryRule.objects.count() == count


# --- route ----------------------------------------------------------------------------------------


@pytest.fixture
def ad(learner, lead, other_lead, outsider, skills):
    """Everyone holds AD.GPO; "Active Directory" needs level 2 for any ticket, level 3 and N2 or N3
    for a problem."""
    gpo = skills["AD.GPO"]
    for staff, level in ((learner, 2), (outsider, 3), (lead, 4), (other_lead, 4)):
        evidence_record(staff=staff, skill=gpo, level=level, source="manager")
    category_rule_save(category="Active Directory", required=[(gpo, 2)])
    category_rule_save(category="Active Directory", ticket_type="problem", required=[(gpo, 3)], tiers=["N2", "N3"])
    return gpo


def _route(router, escalate_from=None, **body):
    body.setdefault("ticket", {"id": "T-1", "category": "Active Directory > GPO"})
    if escalate_from:
        body["escalate_from"] = {"employee_id": escalate_from}
    response = router.post("route", body)
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body):
    return [c["employee_id"] for c in body["candidates"]]


def test_a_ticket_without_a_type_is_an_incident_and_gets_the_rule_for_any_type(router, ad):
    body = _route(router)
    assert body["ticket_type"] == "incident" and body["rule"]["ticket_type"] is None
    assert _ids(body) == ["E10001", "E20002", "E10002", "E20001"]
    assert "escalation" not in body


def test_a_problem_gets_the_rule_for_problems(router, ad):
    body = _route(router, ticket={"id": "T-2", "category": "Active Directory > GPO", "type": "problem"})
    assert (body["ticket_type"], body["rule"]["ticket_type"], body["rule"]["tiers"]) == ("problem", "problem",
                                                                                          ["N2", "N3"])
    assert body["rule"]["required"] == [{"skill": "AD.GPO", "min_level": 3}]
    assert _ids(body) == ["E10002", "E20001"]


def test_a_version_1_request_gets_the_version_1_answer_plus_the_added_fields(router, ad):
    body = _route(router, tiers=["N1", "N2"], exclude=["E20002"], limit=5)
    assert set(body) == {"as_of", "total_qualified", "unavailable_qualified", "candidates", "ticket_id", "rule",
                         "ticket_type", "procedures"}
    assert set(body["rule"]) == {"category", "required", "optional", "tiers", "ticket_type"}
    assert (body["total_qualified"], _ids(body)) == (2, ["E10001", "E10002"])
    explicit = _route(router, tiers=["N1", "N2"], exclude=["E20002"], limit=5,
                      ticket={"id": "T-1", "category": "Active Directory > GPO", "type": "incident"})
    assert {**explicit, "as_of": None} == {**body, "as_of": None}


def test_escalated_by_an_n1_the_ticket_goes_to_n2_and_n3_only_without_them(router, ad):
    body = _route(router, escalate_from="E10001")
    assert _ids(body) == ["E10002", "E20001"] and body["total_qualified"] == 2
    assert "escalation" not in body


def test_escalated_by_an_n2_the_ticket_goes_to_n3_only(router, ad):
    body = _route(router, escalate_from="E10002",
                  ticket={"id": "T-3", "category": "Active Directory", "type": "problem"})
    assert _ids(body) == ["E20001"]


def test_the_escalation_narrows_the_tiers_asked_and_the_rules_tiers(router, ad):
    assert _ids(_route(router, escalate_from="E10001", tiers=["N1", "N2"])) == ["E10002"]
    category_rule_save(category="Active Directory > GPO", required=[(ad, 2)], tiers=["N1", "N2"])
    by_n2 = _route(router, escalate_from="E10002")
    assert (by_n2["total_qualified"], by_n2["candidates"], by_n2["escalation"]) == (0, [], "no_higher_tier")


def test_escalated_from_n3_there_is_no_candidate_and_the_answer_says_no_higher_tier(router, ad):
    body = _route(router, escalate_from="E20001")
    assert (body["total_qualified"], body["candidates"], body["escalation"]) == (0, [], "no_higher_tier")


def test_the_escalating_person_is_excluded_with_the_ones_the_request_excludes(ad, lead):
    rule = category_route_rule(category="Active Directory", ticket_type="incident")
    routed = route_filters(rule, tiers=None, exclude=["E20001"], escalation=escalation_from(employee_id="E10001"))
    assert routed.filters == {"tiers": ["N2", "N3"], "exclude": ["E20001", "E10001"]}
    assert routed.escalation is None


def test_an_unknown_escalating_person_is_a_400_naming_the_field(router, ad):
    response = router.post("route", {"ticket": {"id": "T", "category": "Active Directory"},
                                     "escalate_from": {"employee_id": "E99999"}})
    assert response.status_code == 400
    body = response.json()
    assert "E99999" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["body.escalate_from.employee_id"]


@pytest.mark.parametrize("ticket_type", ["panne", "Incident", ""])
def test_an_unknown_ticket_type_is_a_400_naming_the_field(router, ad, ticket_type):
    response = router.post("route", {"ticket": {"id": "T", "category": "Active Directory", "type": ticket_type}})
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["body.ticket.type"]


@pytest.mark.parametrize("body,field", [
    ({"ticket": {"id": "T", "category": "Active Directory", "type": 3}}, "body.ticket.type"),
    ({"ticket": {"id": "T", "category": "Active Directory"}, "escalate_from": "E10001"},
     "body.escalate_from.employee_id"),
    ({"ticket": {"id": "T", "category": "Active Directory"}, "escalate_from": {}}, "body.escalate_from.employee_id"),
])
def test_a_new_field_of_the_wrong_json_type_is_a_422_naming_it(router, ad, body, field):
    response = router.post("route", body)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_type_with_no_rule_anywhere_is_a_404_as_an_unknown_category(router, ad, skills):
    category_rule_save(category="Téléphonie", ticket_type="change", required=[(skills["AD.GPO"], 2)])
    response = router.post("route", {"ticket": {"id": "T", "category": "Téléphonie", "type": "incident"}})
    assert response.status_code == 404


# --- The dispatcher's page ------------------------------------------------------------------------


@pytest.fixture
def dispatcher(db):
    user = UserFactory(username="dina", first_name="Dina", last_name="Dispatch")
    group, _ = Group.objects.get_or_create(name=DISPATCHER)
    user.groups.add(group)
    return user


def test_the_page_routes_by_type_and_escalation(client, dispatcher, ad):
    client.force_login(dispatcher)
    html = client.get("/qui-est-qualifie/").content.decode()
    for field in ("id_ticket_type", "id_escalate_from"):
        assert f'for="{field}"' in html and f'id="{field}"' in html
    problem = client.get("/qui-est-qualifie/", {"category": "Active Directory", "ticket_type": "problem"})
    assert [c.employee_id for c in problem.context["result"].candidates] == ["E10002", "E20001"]
    assert "Règle propre au type « Problème »" in problem.content.decode()
    escalated = client.get("/qui-est-qualifie/", {"category": "Active Directory", "escalate_from": "E10001"})
    assert [c.employee_id for c in escalated.context["result"].candidates] == ["E10002", "E20001"]
    assert "Escaladé par E10001 (N1)" in escalated.content.decode()


def test_the_page_says_no_higher_tier_when_escalating_from_n3(client, dispatcher, ad):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"category": "Active Directory", "escalate_from": "E20001"})
    html = response.content.decode()
    assert response.context["result"].total_qualified == 0
    assert "Aucun niveau supérieur" in html and "escaladé depuis N3" in html
    assert "Personne n'est qualifié" not in html


def test_the_page_names_an_unknown_escalating_person_beside_the_field(client, dispatcher, ad):
    client.force_login(dispatcher)
    response = client.get("/qui-est-qualifie/", {"category": "Active Directory", "escalate_from": "E99999"})
    assert response.context["result"] is None
    assert re.search(r'id="rb-escalate-errors"[^>]*>Collaborateur inconnu : E99999', response.content.decode())


# --- The admin ------------------------------------------------------------------------------------


def test_the_admin_lists_filters_and_imports_rules_by_type(client, admin_user, typed_rules):
    client.force_login(admin_user)
    url = "/admin/snippets/routing_bridge/categoryrule/"
    listing = client.get(url).content.decode()
    assert "Type de ticket" in listing and "Changement" in listing and "Tout type" in listing
    only_changes = client.get(url, {"ticket_type": "change"})
    assert [r.ticket_type for r in only_changes.context["object_list"]] == ["change"]
    upload = SimpleUploadedFile("r.csv", "category,required,ticket_type\nRéseau > Wi-Fi,NET.LAN:2,demande\n".encode())
    response = client.post(url + "import/", {"file": upload})
    assert "ligne 2 : ticket_type : type de ticket inconnu « demande »" in response.content.decode()
    assert client.get(url + "export/").content.decode().splitlines()[0] == (
        "category,required,optional,tiers,ticket_type,description")


def test_the_admin_adds_a_rule_for_a_type_beside_the_rule_for_any_type_but_not_twice(client, admin_user,
                                                                                      typed_rules):
    client.force_login(admin_user)
    form = {
        "category": "Réseau > VPN", "ticket_type": "problem", "tiers": ["N3"], "description": "", "active": "on",
        "requirements-TOTAL_FORMS": "1", "requirements-INITIAL_FORMS": "0", "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000", "requirements-0-skill": str(typed_rules["NET.VPN"].pk),
        "requirements-0-min_level": "4", "requirements-0-ORDER": "1", "requirements-0-id": "",
        "requirements-0-DELETE": "",
    }
    client.post("/admin/snippets/routing_bridge/categoryrule/add/", form)
    assert _rule("Réseau > VPN", "problem") == ("Réseau > VPN", "problem")
    again = client.post("/admin/snippets/routing_bridge/categoryrule/add/", form)
    assert "Une règle existe déjà pour cette catégorie et ce type de ticket." in again.content.decode()
    assert CategoryRule.objects.filter(key="réseau > vpn").count() == 3


# --- simulate_routing -----------------------------------------------------------------------------


def test_simulate_routing_reads_the_type_and_who_escalated_and_counts_no_higher_tier(tmp_path, ad):
    path = tmp_path / "tickets.csv"
    path.write_text("id,category,opened_at,type,escalated_by\n"
                    "T1,Active Directory,,problem,\n"
                    "T2,Active Directory,,,E10001\n"
                    "T3,Active Directory,,incident,E20001\n"
                    "T4,Active Directory,,panne,\n"
                    "T5,Active Directory,,,NOBODY\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("simulate_routing", str(path), "--now", stdout=out, stderr=err)
    text = out.getvalue()
    assert "routed_to_qualified=2" in text and "N2=2" in text
    assert "escalated_no_higher_tier=1" in text and "T3 : Active Directory" in text
    assert "ligne 5" in err.getvalue() and "panne" in err.getvalue()
    assert "ligne 6" in err.getvalue() and "NOBODY" in err.getvalue()


def test_escalation_from_raises_for_an_unknown_person(db):
    with pytest.raises(InvalidQuery) as caught:
        escalation_from(employee_id="NOBODY")
    assert caught.value.fields == {"body.escalate_from.employee_id": "NOBODY"}
