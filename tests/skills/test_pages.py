"""The pages: what each persona sees, forms, the validation queue, the heatmap's query count."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import AuditEntry, Notification
from skills.models import RoleProfile, RoleRequirement, SelfAssessment, SkillLevel
from skills.services import evidence_record, self_assessment_submit
from tests.factories import SkillFactory, StaffFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def skills():
    return {code: SkillFactory(code=code, name_fr=name) for code, name in [
        ("AD.GPO", "Stratégies de groupe"), ("NET.VPN", "VPN"), ("PDT.PRINT", "Impression")]}


@pytest.fixture
def role(skills):
    profile = RoleProfile.objects.create(name="Technicien N1 poste de travail", profile="technician", tier="N1")
    RoleRequirement.objects.create(role_profile=profile, skill=skills["AD.GPO"], min_level=2)
    RoleRequirement.objects.create(role_profile=profile, skill=skills["PDT.PRINT"], min_level=2)
    return profile


def login(client, staff_or_user):
    client.force_login(getattr(staff_or_user, "user", staff_or_user))
    return client


def test_lea_sees_her_levels_declared_levels_validity_evidence_and_gaps(client, learner, skills, role):
    until = timezone.now() + timedelta(days=30)
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=1, source="certification", valid_until=until,
                    note="Certification GPO")
    evidence_record(staff=learner, skill=skills["PDT.PRINT"], level=3, source="manager")
    self_assessment_submit(staff=learner, skill=skills["NET.VPN"], level=2)
    page = login(client, learner).get(reverse("skills:my_skills")).content.decode()
    assert "Technicien N1 poste de travail" in page
    assert "requis 2, validé 1" in page  # gap on AD.GPO
    assert "Certification GPO" in page  # the evidence behind the level
    assert "en attente de validation" in page  # declared, pending
    assert "Échéances dans les 90 jours" in page
    assert "<svg" in page and "Niveaux par compétence" in page


def test_the_deadlines_list_only_levels_ending_within_90_days_soonest_first(client, learner, lead, skills):
    from skills.selectors import expiring_for_staff, skill_cells

    now = timezone.now()
    evidence_record(staff=learner, skill=skills["NET.VPN"], level=2, source="manager", recorded_by=lead.user,
                    valid_until=now + timedelta(days=60))
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=1, source="manager", recorded_by=lead.user,
                    valid_until=now + timedelta(days=20))
    evidence_record(staff=learner, skill=skills["PDT.PRINT"], level=3, source="manager", recorded_by=lead.user,
                    valid_until=now + timedelta(days=200))
    page = login(client, learner).get(reverse("skills:my_skills")).content.decode()
    deadlines = page.split("Échéances dans les 90 jours")[1].split("</section>")[0]
    assert deadlines.index("Stratégies de groupe") < deadlines.index("VPN") and "Impression" not in deadlines
    # Picked from the row of the matrix already read, the cells are those the query gives.
    cells = skill_cells(staff=learner)
    skills_by_id = {skill.pk: skill for skill in skills.values()}
    picked = expiring_for_staff(staff=learner, cells=cells, skills=skills_by_id)
    assert [(c.skill.code, c.level) for c in picked] == [(c.skill.code, c.level) for c in expiring_for_staff(staff=learner)]


def test_someone_without_a_staff_record_gets_an_empty_state(client, admin_user):
    response = login(client, admin_user).get(reverse("skills:my_skills"))
    assert response.status_code == 200 and "Aucun dossier collaborateur" in response.content.decode()


def test_pages_need_a_login(client):
    for name in ["my_skills", "team", "coverage", "validation_queue", "self_assess"]:
        assert client.get(reverse(f"skills:{name}")).status_code == 302


def test_a_learner_cannot_open_team_pages(client, learner):
    login(client, learner)
    for name in ["team", "coverage", "validation_queue", "team_export"]:
        assert client.get(reverse(f"skills:{name}")).status_code == 403, name


def test_another_persons_page_is_a_404_for_learners_and_other_leads(client, learner, outsider, other_lead):
    url = reverse("skills:staff_detail", args=[learner.employee_id])
    assert login(client, outsider).get(url).status_code == 404
    assert login(client, other_lead).get(url).status_code == 404


def test_her_lead_and_an_admin_see_her_page(client, learner, lead, admin_user):
    url = reverse("skills:staff_detail", args=[learner.employee_id])
    assert "Léa Martin" in login(client, lead).get(url).content.decode()
    assert login(client, admin_user).get(url).status_code == 200


def test_a_lead_of_another_team_cannot_record_a_level_for_her(client, learner, other_lead, skills):
    url = reverse("skills:record_evidence", args=[learner.employee_id])
    response = login(client, other_lead).post(url, {"skill": skills["AD.GPO"].pk, "level": 3, "note": "x"})
    assert response.status_code == 404
    assert not SkillLevel.objects.exists()


def test_her_lead_records_a_level_with_a_validity_and_it_is_audited(client, learner, lead, skills):
    day = timezone.localdate() + timedelta(days=100)
    url = reverse("skills:record_evidence", args=[learner.employee_id])
    response = login(client, lead).post(url, {"skill": skills["NET.VPN"].pk, "level": 3, "valid_until": day,
                                              "note": "Observé sur incident VPN"})
    assert response.status_code == 302
    cell = SkillLevel.objects.get(staff=learner, skill=skills["NET.VPN"])
    assert cell.level == 3 and timezone.localtime(cell.valid_until).date() == day + timedelta(days=1)
    assert AuditEntry.objects.filter(action="skills.evidence.record", actor=lead.user).exists()


def test_recording_a_past_validity_is_refused_with_a_form_error(client, learner, lead, skills):
    url = reverse("skills:record_evidence", args=[learner.employee_id])
    response = login(client, lead).post(url, {"skill": skills["NET.VPN"].pk, "level": 3, "note": "x",
                                              "valid_until": timezone.localdate() - timedelta(days=1)})
    assert response.status_code == 400 and "Cette date est déjà passée" in response.content.decode()


def test_her_lead_revokes_an_evidence_with_a_reason(client, learner, lead, skills):
    evidence = evidence_record(staff=learner, skill=skills["NET.VPN"], level=3, source="import")
    url = reverse("skills:revoke_evidence", args=[learner.employee_id, evidence.pk])
    login(client, lead).post(url, {"reason": "Erreur dans la matrice importée"})
    assert SkillLevel.objects.get(staff=learner, skill=skills["NET.VPN"]).level == 0
    assert AuditEntry.objects.filter(action="skills.evidence.revoke", reason__startswith="Erreur").exists()


def test_lea_self_assesses_and_marc_validates_from_his_queue(client, learner, lead, skills):
    login(client, learner).post(reverse("skills:self_assess"), {"skill": skills["AD.GPO"].pk, "level": 3,
                                                                 "comment": "GPO de Lyon"})
    assessment = SelfAssessment.objects.get(staff=learner)
    queue = login(client, lead).get(reverse("skills:validation_queue")).content.decode()
    assert "GPO de Lyon" in queue
    response = client.post(reverse("skills:validation_decide", args=[assessment.pk]),
                           {"decision": "accept", "level": "", "comment": ""})
    assert response.status_code == 302
    assert SkillLevel.objects.get(staff=learner, skill=skills["AD.GPO"]).level == 3
    assert Notification.objects.filter(recipient=learner.user).exists()


def test_a_rejection_without_comment_is_refused_then_accepted_with_one(client, learner, lead, skills):
    assessment = self_assessment_submit(staff=learner, skill=skills["AD.GPO"], level=4)
    url = reverse("skills:validation_decide", args=[assessment.pk])
    response = login(client, lead).post(url, {"decision": "reject", "comment": ""})
    assert response.status_code == 400 and "Expliquez le refus" in response.content.decode()
    client.post(url, {"decision": "reject", "comment": "À revoir après la formation"})
    assessment.refresh_from_db()
    assert assessment.status == "rejected" and assessment.decision_comment == "À revoir après la formation"


def test_nobody_else_can_decide_on_her_self_assessment(client, learner, outsider, other_lead, skills):
    assessment = self_assessment_submit(staff=learner, skill=skills["AD.GPO"], level=4)
    url = reverse("skills:validation_decide", args=[assessment.pk])
    assert login(client, other_lead).post(url, {"decision": "accept"}).status_code == 404
    assert "GPO" not in client.get(reverse("skills:validation_queue")).content.decode()
    assert login(client, outsider).post(url, {"decision": "accept"}).status_code == 403
    assert SelfAssessment.objects.get().status == "pending"


def test_the_heatmap_shows_levels_and_marks_gaps_and_filters_by_tier(client, learner, lead, outsider, skills, role):
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=1, source="exam")
    page = login(client, lead).get(reverse("skills:team")).content.decode()
    assert "Léa Martin" in page and "Olivier" not in page
    assert 'class="hm level-1 gap"' in page
    assert "{% block" not in page
    only_n2 = client.get(reverse("skills:team"), {"tier": "N2"}).content.decode()
    heatmap = only_n2[only_n2.index('<table class="heatmap">'):only_n2.index("</table>")]
    assert "Léa Martin" not in heatmap and "Marc Durand" in heatmap


def _team_of(size, team, skills):
    for _ in range(size):
        member = StaffFactory(team=team)
        for skill in skills.values():
            evidence_record(staff=member, skill=skill, level=2, source="exam")


def test_the_heatmap_query_count_does_not_grow_with_the_team(client, lead, team, skills, role,
                                                               django_assert_max_num_queries):
    big = TeamFactory(name="Grande équipe")
    big.leads.add(lead.user)
    small = TeamFactory(name="Petite équipe")
    small.leads.add(lead.user)
    _team_of(5, small, skills)
    _team_of(30, big, skills)
    login(client, lead)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_run:
        assert client.get(reverse("skills:team"), {"team": small.pk}).status_code == 200
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        response = client.get(reverse("skills:team"), {"team": big.pk})
    assert response.content.decode().count('class="person"') == 30


def test_coverage_counts_qualified_people_now_and_after_known_expiries(client, lead, learner, team, skills):
    colleague = StaffFactory(team=team, tier="N1")
    soon = timezone.now() + timedelta(days=45)
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=2, source="certification", valid_until=soon)
    evidence_record(staff=colleague, skill=skills["AD.GPO"], level=3, source="exam")
    from skills.selectors import coverage

    rows = {r["skill"].code: r for r in coverage(staff_list=[learner, colleague, lead])}
    assert rows["AD.GPO"]["by_tier"]["N1"] == [2, 2, 1, 1]
    assert rows["AD.GPO"]["flag"] == "at_risk"
    assert rows["NET.VPN"]["flag"] == "none"
    page = login(client, lead).get(reverse("skills:coverage")).content.decode()
    assert "Une personne ou moins sous 90 jours" in page and "Personne" in page


def test_a_lead_downloads_his_teams_matrix(client, lead, learner, outsider, skills):
    evidence_record(staff=learner, skill=skills["AD.GPO"], level=2, source="exam")
    evidence_record(staff=outsider, skill=skills["AD.GPO"], level=2, source="exam")
    response = login(client, lead).get(reverse("skills:team_export"), {"format": "csv"})
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "E10001,AD.GPO,2" in body and "E20002" not in body
    assert client.get(reverse("skills:team_export"), {"format": "pdf"}).status_code == 400


def test_the_team_page_offers_a_hook_for_sections_of_other_apps(client, lead, settings, tmp_path, monkeypatch):
    from skills import views

    (tmp_path / "section.html").write_text("<section>Section test: {{ section_context.n }}</section>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    monkeypatch.setattr(views, "_team_sections", [])
    views.team_section_register("section.html", lambda request, staff: {"n": len(staff)})
    page = login(client, lead).get(reverse("skills:team")).content.decode()
    assert "Section test: 1" in page
