"""The dispatcher routes an escalated problem for a client company in a real browser (issue #17):
the client's referent shown above the list, with whether they are qualified and present, then the
candidates of the next tier only, each with their familiarity with the client and their load; at
desktop and phone widths. The page's order is the bridge's (`ticket_route`)."""
import pytest

from tests.proof.browser import axe_violations, describe, login, requires_chromium, screenshot

pytestmark = [pytest.mark.browser, requires_chromium]

CATEGORY = "Messagerie > Message non reçu"  # a *problem* there needs MSG.FLOW 3 (N2, N3): the demo's rules
CLIENT = "BLEMOINE"


@pytest.fixture(autouse=True)
def _scale():
    """The browser tests use the session's seeded site (see tests/proof/test_journeys.py)."""


def _scene():
    """The demo as the journey needs it, through the services: the client's referent holds the
    problem's skills and carries two open tickets; an N1 escalates. Returns (referent, N1's id)."""
    from academy.clients import client_by_code
    from academy.models import Staff
    from routing_bridge.availability import Report, availability_report
    from routing_bridge.category_rules import category_route_rule
    from skills.models import Skill
    from skills.services import evidence_record

    client = client_by_code(CLIENT)
    referent = client.referent
    rule = category_route_rule(category=CATEGORY, ticket_type="problem")
    for requirement in rule.required:
        evidence_record(staff=referent, skill=Skill.objects.get(code=requirement.skill),
                        level=requirement.min_level, source="manager")
    availability_report(reports=[Report(referent.employee_id, True, open_tickets=2)])
    escalating = Staff.objects.filter(tier="N1", active=True).order_by("employee_id").first()
    return referent, escalating.employee_id


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_dispatcher_routes_an_escalated_problem_for_a_client(page, demo_site, dbaccess, width, height):
    from routing_bridge.routing import ticket_route

    referent, escalating = _scene()
    page.set_viewport_size({"width": width, "height": height})
    login(page, "dispatch")
    page.goto("/qui-est-qualifie/")
    page.get_by_label("Catégorie du ticket").fill(CATEGORY)
    page.get_by_label("Type de ticket").select_option("problem")
    page.get_by_label("Client", exact=True).fill(CLIENT)
    page.get_by_label("Escaladé par").fill(escalating)
    assert page.get_by_label("Présents seulement").is_checked()
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_load_state()
    screenshot(page, f"msp-escalated-problem-{width}")

    box = page.locator("aside.rb-referent")
    assert box.is_visible(), page.inner_text("main")[:500]
    text = box.inner_text()
    assert "Boulangeries Lemoine" in text and referent.employee_id in text
    assert "Qualifié pour ce ticket" in text and "Présent" in text and "2 tickets ouverts" in text

    routed = ticket_route(category=CATEGORY, ticket_type="problem", client=CLIENT, escalate_from=escalating, limit=50)
    rows = page.locator("table.rb-candidates tbody tr")
    shown = [rows.nth(i).locator("th .rb-id").inner_text().strip() for i in range(rows.count())]
    assert shown == [c.employee_id for c in routed.result.candidates]
    assert shown and escalating not in shown
    tiers = {rows.nth(i).locator("td").nth(1).inner_text().strip() for i in range(rows.count())}
    assert tiers <= {"N2", "N3"}  # the next tiers only
    referent_row = rows.filter(has=page.locator("th .rb-id", has_text=referent.employee_id))
    assert "Référent" in referent_row.inner_text() and "2 tickets ouverts" in referent_row.inner_text()
    assert all("ticket" in rows.nth(i).inner_text() for i in range(rows.count()))  # everyone's load
    assert "Escaladé par" in page.locator(".rb-results").inner_text()
    assert not page.js_errors
    violations = axe_violations(page)
    assert not violations, describe(violations)
