"""/qui-est-qualifie/ around the ticket (contract 1.1): the client with its referent shown above the
list, "present only", each candidate's familiarity with the client and load."""
import pytest
from django.contrib.auth.models import Group

from academy.clients import client_create
from academy.roles import DISPATCHER
from routing_bridge.availability import Report, availability_report
from routing_bridge.services import category_rule_save
from skills.services import evidence_record
from tests.factories import SkillFactory, StaffFactory, UserFactory

PAGE = "/qui-est-qualifie/"


@pytest.fixture
def dispatcher(db):
    user = UserFactory(username="dina", first_name="Dina", last_name="Dispatch")
    group, _ = Group.objects.get_or_create(name=DISPATCHER)
    user.groups.add(group)
    return user


@pytest.fixture
def messaging(learner, lead, team):
    """Messagerie: an incident needs level 2 (N1 and N2), a problem level 3 (N2 and N3).
    Léa (E10001, N1) holds 2, Marc (E10002, N2) and Nina (E10003, N2) hold 3, Yves (E10004, N3) 4."""
    skill = SkillFactory(code="M365.EXO", name_fr="Exchange Online")
    nina = StaffFactory(user=UserFactory(username="nina", first_name="Nina", last_name="Roux"),
                        employee_id="E10003", team=team, tier="N2")
    yves = StaffFactory(user=UserFactory(username="yves", first_name="Yves", last_name="Colin"),
                        employee_id="E10004", team=team, tier="N3")
    for staff, level in ((learner, 2), (lead, 3), (nina, 3), (yves, 4)):
        evidence_record(staff=staff, skill=skill, level=level, source="exam")
    category_rule_save(category="Messagerie", required=[(skill, 2)], tiers=["N1", "N2"])
    category_rule_save(category="Messagerie", required=[(skill, 3)], tiers=["N2", "N3"], ticket_type="problem")
    client_create(code="BLEMOINE", name="Boulangeries Lemoine", referent=nina, backups=[yves])
    return {"learner": learner, "lead": lead, "nina": nina, "yves": yves}


def _ids(response):
    return [c.employee_id for c in response.context["result"].candidates]


def test_an_escalated_problem_for_a_client_shows_the_referent_next_tier_candidates_and_their_load(
        client, dispatcher, messaging):
    availability_report(reports=[Report("E10003", True, open_tickets=5), Report("E10002", True, open_tickets=1)])
    client.force_login(dispatcher)
    response = client.get(PAGE, {"category": "Messagerie > Boîte partagée", "ticket_type": "problem",
                                 "client": "BLEMOINE", "escalate_from": "E10001"})
    html = response.content.decode()
    assert response.status_code == 200
    # N2 first (the next tier), the referent before the lighter-loaded N2; then the backup at N3.
    assert _ids(response) == ["E10003", "E10002", "E10004"]
    assert "Référent de Boulangeries Lemoine (BLEMOINE)" in html
    assert "Qualifié pour ce ticket" in html and "Présent" in html
    assert "5 tickets ouverts" in html and "1 ticket ouvert" in html
    assert html.count('class="rb-badge rb-yes">Référent<') == 1 and ">Suppléant<" in html
    assert "Escaladé par E10001 (N1)" in html


def test_present_only_is_the_default_and_can_be_unticked(client, dispatcher, messaging):
    availability_report(reports=[Report("E10003", False)])
    client.force_login(dispatcher)
    ask = {"category": "Messagerie", "ticket_type": "problem", "client": "BLEMOINE"}
    present = client.get(PAGE, ask)
    html = present.content.decode()
    assert _ids(present) == ["E10002", "E10004"]
    assert "1 autre personne qualifiée est signalée absente" in html
    # The referent is absent: still shown above the list, and said so.
    assert "Référent de Boulangeries Lemoine" in html and ">Absent<" in html
    # The form sends "false" then "true" when the box is ticked, "false" alone when it is not.
    ticked = client.get(PAGE + "?category=Messagerie&ticket_type=problem&client=BLEMOINE"
                               "&present_only=false&present_only=true")
    assert _ids(ticked) == ["E10002", "E10004"]
    everyone = client.get(PAGE, {**ask, "present_only": "false"})
    assert _ids(everyone) == ["E10003", "E10002", "E10004"]
    assert 'rb-badge rb-no">Absent<' in everyone.content.decode()
    assert everyone.context["result"].unavailable_qualified == 0


def test_a_referent_without_the_skills_is_said_not_qualified(client, dispatcher, messaging, learner):
    client_create(code="VASSEUR", name="Cabinet Vasseur", referent=learner)
    client.force_login(dispatcher)
    html = client.get(PAGE, {"category": "Messagerie", "ticket_type": "problem", "client": "VASSEUR"}).content.decode()
    assert "Référent de Cabinet Vasseur (VASSEUR)" in html and "Pas qualifié pour ce ticket" in html


def test_an_unknown_client_is_a_form_error(client, dispatcher, messaging):
    client.force_login(dispatcher)
    response = client.get(PAGE, {"category": "Messagerie", "client": "NOPE"})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "Client inconnu : NOPE" in response.content.decode()


def test_clients_are_offered_for_completion_and_without_a_client_no_familiarity_column(client, dispatcher, messaging):
    client.force_login(dispatcher)
    response = client.get(PAGE, {"category": "Messagerie"})
    html = response.content.decode()
    assert '<option value="BLEMOINE">Boulangeries Lemoine</option>' in html
    assert "Connaît le client" not in html and "Référent de" not in html
    assert "Charge" in html


def test_asking_by_skills_with_a_client_ranks_by_familiarity_too(client, dispatcher, messaging):
    client.force_login(dispatcher)
    response = client.get(PAGE, {"req1_skill": "M365.EXO", "req1_level": "3", "tiers": ["N2"], "client": "BLEMOINE"})
    assert _ids(response) == ["E10003", "E10002"]
