"""Router feedback: stored, turned into practice evidence by the documented policy, and the
shift-left report for leads and admins."""
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from routing_bridge.models import TicketFeedback
from routing_bridge.services import category_rule_save, feedback_record, practice_evidence_apply
from skills.models import Evidence
from skills.selectors import effective_level
from skills.services import evidence_record
from tests.factories import SkillFactory, StaffFactory, UserFactory


@pytest.fixture
def vpn_rule(db):
    vpn = SkillFactory(code="NET.VPN")
    expert = SkillFactory(code="NET.DESIGN")
    category_rule_save(category="Réseau > VPN", required=[(vpn, 2)], tiers=["N1", "N2"])
    category_rule_save(category="Réseau > Architecture", required=[(expert, 4)])
    return {"vpn": vpn, "expert": expert}


def _tickets(staff, category, n, outcome="resolved", days_ago=10, prefix="T"):
    now = timezone.now()
    for i in range(n):
        feedback_record(ticket_id=f"{prefix}{i}", category=category, staff=staff, outcome=outcome,
                        occurred_at=now - timedelta(days=days_ago, minutes=i))


def test_five_tickets_resolved_without_escalation_give_the_category_minimum_level(learner, vpn_rule,
                                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > VPN > Client nomade", 5)
    evaluation = effective_level(staff=learner, skill=vpn_rule["vpn"])
    assert evaluation.level == 2 and evaluation.sources == ["practice"]
    evidence = Evidence.objects.get(staff=learner, source="practice")
    assert evidence.valid_until - evidence.observed_at == timedelta(days=365)


def test_four_tickets_are_not_enough(learner, vpn_rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > VPN", 4)
    assert effective_level(staff=learner, skill=vpn_rule["vpn"]).level == 0


def test_escalated_tickets_and_tickets_older_than_the_window_do_not_count(learner, vpn_rule,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > VPN", 3, days_ago=200, prefix="OLD")
        _tickets(learner, "Réseau > VPN", 4)
        # The same ticket resolved then escalated again does not count.
        feedback_record(ticket_id="T0", category="Réseau > VPN", staff=learner, outcome="escalated",
                        occurred_at=timezone.now() - timedelta(days=1))
        _tickets(learner, "Réseau > VPN", 1, prefix="NEW")
    assert effective_level(staff=learner, skill=vpn_rule["vpn"]).level == 0


def test_practice_never_gives_more_than_level_3(learner, vpn_rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > Architecture", 5)
    assert effective_level(staff=learner, skill=vpn_rule["expert"]).level == 3


def test_more_tickets_do_not_pile_up_evidence(learner, vpn_rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > VPN", 8)
    assert Evidence.objects.filter(staff=learner, source="practice").count() == 1


@override_settings(ROUTING_BRIDGE_PRACTICE={"MIN_TICKETS": 2, "VALID_DAYS": 30})
def test_the_policy_is_configurable_in_settings(learner, vpn_rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _tickets(learner, "Réseau > VPN", 2)
    evidence = Evidence.objects.get(staff=learner, source="practice")
    assert evidence.valid_until - evidence.observed_at == timedelta(days=30)


def test_processing_the_same_feedback_twice_changes_nothing(learner, vpn_rule):
    _tickets(learner, "Réseau > VPN", 5)
    last = TicketFeedback.objects.order_by("-occurred_at").first()
    assert len(practice_evidence_apply(feedback=last)) == 1
    assert practice_evidence_apply(feedback=last) == []


def test_feedback_feeds_last_assigned_at(router, learner, vpn_rule):
    evidence_record(staff=learner, skill=vpn_rule["vpn"], level=2, source="exam")
    router.post("feedback", {"ticket_id": "T1", "category": "Réseau > VPN", "employee_id": "E10001",
                             "outcome": "reassigned", "occurred_at": "2026-11-20T10:00:00Z"})
    body = router.post("qualified", {"required": [{"skill": "NET.VPN", "min_level": 2}]}).json()
    assert body["candidates"][0]["last_assigned_at"].startswith("2026-11-20T10:00:00")


# --- Shift-left report ------------------------------------------------------------------------------

def _n1(emp):
    return StaffFactory(employee_id=emp, tier="N1", user=UserFactory(username=emp.lower()))


def test_the_shift_left_report_shows_the_most_escalated_categories_and_qualified_n1(client, lead, vpn_rule):
    a, b = _n1("N1A"), _n1("N1B")
    evidence_record(staff=a, skill=vpn_rule["vpn"], level=2, source="exam")
    _tickets(b, "Réseau > VPN", 3, outcome="escalated")
    _tickets(b, "Réseau > Architecture", 1, outcome="escalated", prefix="X")
    client.force_login(lead.user)
    response = client.get("/qui-est-qualifie/report/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = response.context["report"]
    assert [(r["category"], r["escalations"]) for r in rows] == [("Réseau > VPN", 3), ("Réseau > Architecture", 1)]
    assert rows[0]["n1_qualified"] == 1 and rows[0]["requirements"] == {"NET.VPN": 2}
    assert "Réseau &gt; VPN" in html


def test_the_shift_left_report_is_for_leads_and_admins_only(client, learner, outsider):
    client.force_login(learner.user)
    assert client.get("/qui-est-qualifie/report/").status_code == 403


def test_an_empty_report_says_where_the_data_comes_from(client, admin_user):
    client.force_login(admin_user)
    assert "POST feedback" in client.get("/qui-est-qualifie/report/").content.decode()


def test_the_report_lists_the_training_paths_that_would_qualify_more(client, lead, vpn_rule, monkeypatch):
    import courses.paths.selectors as paths_selectors

    class FakePath:
        pk = 7

        def __str__(self):
            return "Parcours VPN N1"

    asked = []
    monkeypatch.setattr(paths_selectors, "paths_closing",
                        lambda *, requirements: asked.append(requirements) or [FakePath()])
    _tickets(_n1("N1B"), "Réseau > VPN", 2, outcome="escalated")
    client.force_login(lead.user)
    html = client.get("/qui-est-qualifie/report/").content.decode()
    assert asked == [{"NET.VPN": 2}]
    assert "Parcours VPN N1" in html


def test_feedback_left_unprocessed_by_a_broker_outage_is_swept_later(learner, vpn_rule):
    from routing_bridge.tasks import feedback_sweep_task

    _tickets(learner, "Réseau > VPN", 5)  # on-commit callbacks never ran: nothing processed
    TicketFeedback.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert feedback_sweep_task() == 1
    assert effective_level(staff=learner, skill=vpn_rule["vpn"]).level == 2
    assert not TicketFeedback.objects.filter(processed_at=None).exists()
