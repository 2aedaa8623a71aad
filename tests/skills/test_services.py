"""The ledger services: cells and change log move together, revocation, expiry, recomputation,
self-assessment and validation."""
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from academy.models import AuditEntry, Event, Notification
from skills.models import Evidence, SelfAssessment, SkillChange, SkillLevel
from skills.selectors import effective_level
from skills.services import (
    cells_expire, cells_recompute_all, evidence_record, evidence_revoke, manager_evidence_record,
    self_assessment_accept, self_assessment_reject, self_assessment_submit,
)
from tests.factories import SkillFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gpo():
    return SkillFactory(code="AD.GPO")


def cell(staff, skill):
    return SkillLevel.objects.get(staff=staff, skill=skill)


def test_recording_an_evidence_updates_the_cell_and_appends_one_change(learner, gpo):
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    assert cell(learner, gpo).level == 2
    change = SkillChange.objects.get()
    assert (change.old_level, change.new_level) == (0, 2)
    event = Event.objects.get(type="skill_level.changed")
    assert event.seq == change.seq and event.data["skill"] == "AD.GPO" and event.data["new_level"] == 2


def test_a_lower_evidence_changes_nothing_in_the_log(learner, gpo):
    evidence_record(staff=learner, skill=gpo, level=3, source="exam")
    evidence_record(staff=learner, skill=gpo, level=1, source="course")
    assert cell(learner, gpo).level == 3
    assert SkillChange.objects.count() == 1


def test_it_rejects_a_level_outside_the_scale_and_writes_nothing(learner, gpo):
    with pytest.raises(ValidationError):
        evidence_record(staff=learner, skill=gpo, level=7, source="exam")
    assert not Evidence.objects.exists() and not SkillLevel.objects.exists()


def test_it_rejects_a_validity_already_past(learner, gpo):
    with pytest.raises(ValidationError) as exc:
        evidence_record(staff=learner, skill=gpo, level=2, source="exam",
                        valid_until=timezone.now() - timedelta(days=1))
    assert "valid_until" in exc.value.message_dict


def test_it_rejects_an_evidence_for_inactive_staff(gpo):
    gone = StaffFactory(active=False)
    with pytest.raises(ValidationError):
        evidence_record(staff=gone, skill=gpo, level=2, source="exam")


def test_self_assessment_is_declared_but_the_level_stays_zero(learner, gpo):
    evidence_record(staff=learner, skill=gpo, level=4, source="self")
    assert cell(learner, gpo).level == 0 and cell(learner, gpo).declared_level == 4
    assert not SkillChange.objects.exists()


def test_revoking_the_only_evidence_drops_the_level_and_logs_it(learner, gpo):
    evidence = evidence_record(staff=learner, skill=gpo, level=3, source="certification")
    evidence_revoke(evidence=evidence, reason="certificat invalidé")
    assert cell(learner, gpo).level == 0
    assert list(SkillChange.objects.values_list("new_level", flat=True)) == [3, 0]
    evidence_revoke(evidence=evidence, reason="encore")  # idempotent
    assert SkillChange.objects.count() == 2


def test_the_expiry_task_drops_levels_when_time_passes_and_logs_it(learner, gpo):
    until = timezone.now() + timedelta(days=30)
    evidence_record(staff=learner, skill=gpo, level=3, source="certification", valid_until=until)
    evidence_record(staff=learner, skill=gpo, level=1, source="course")
    assert cells_expire(now=until - timedelta(seconds=1)) == 0
    assert cells_expire(now=until) == 1
    assert cell(learner, gpo).level == 1
    last = SkillChange.objects.last()
    assert (last.old_level, last.new_level, last.reason) == (3, 1, "expired")
    assert cells_expire(now=until) == 0


def test_levels_at_a_past_instant_have_an_exact_answer(learner, gpo):
    start = timezone.now()
    evidence = evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(days=2)):
        evidence_revoke(evidence=evidence, reason="erreur de saisie")
    assert effective_level(staff=learner, skill=gpo, at=start + timedelta(days=1)).level == 2
    assert effective_level(staff=learner, skill=gpo, at=start + timedelta(days=3)).level == 0


def test_the_change_log_is_gap_free_and_increasing(learner, outsider, gpo):
    other = SkillFactory(code="NET.VPN")
    for staff in (learner, outsider):
        for level in (1, 2, 3):
            evidence_record(staff=staff, skill=gpo, level=level, source="exam")
            evidence_record(staff=staff, skill=other, level=level, source="manager")
    seqs = list(SkillChange.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, 13))


def test_recompute_all_repairs_cells_and_logs_only_what_changed(learner, outsider, gpo):
    evidence_record(staff=learner, skill=gpo, level=3, source="exam")
    evidence_record(staff=outsider, skill=gpo, level=2, source="exam")
    # A cell corrupted behind the services' back, and one missing.
    SkillLevel.objects.filter(staff=learner).update(level=1)
    SkillLevel.objects.filter(staff=outsider).delete()
    before = SkillChange.objects.count()
    report = cells_recompute_all()
    assert (report.cells_created, report.cells_updated, report.changes_logged) == (1, 1, 2)
    assert cell(learner, gpo).level == 3 and cell(outsider, gpo).level == 2
    seqs = list(SkillChange.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, before + 3))
    assert Event.objects.filter(type="skill_level.changed").count() == before + 2
    assert cells_recompute_all().changes_logged == 0


def test_recompute_all_applies_expiries(learner, gpo):
    until = timezone.now() + timedelta(days=1)
    evidence_record(staff=learner, skill=gpo, level=2, source="certification", valid_until=until)
    report = cells_recompute_all(now=until)
    assert report.changes_logged == 1 and cell(learner, gpo).level == 0


def test_a_self_assessment_waits_for_the_lead_and_acceptance_records_a_manager_evidence(learner, lead, gpo):
    assessment = self_assessment_submit(staff=learner, skill=gpo, level=3, comment="Je gère les GPO du site")
    assert cell(learner, gpo).level == 0 and cell(learner, gpo).declared_level == 3
    evidence = self_assessment_accept(assessment=assessment, by=lead.user)
    assert evidence.source == "manager" and evidence.recorded_by == lead.user
    assert cell(learner, gpo).level == 3
    assessment.refresh_from_db()
    assert assessment.status == "accepted"
    assert Notification.objects.filter(recipient=learner.user, kind="skills.self_assessment.accepted").exists()
    assert AuditEntry.objects.filter(action="skills.self_assessment.accept", actor=lead.user).exists()
    with pytest.raises(ValidationError):
        self_assessment_accept(assessment=assessment, by=lead.user)


def test_a_rejected_self_assessment_needs_a_comment_and_notifies_the_person(learner, lead, gpo):
    assessment = self_assessment_submit(staff=learner, skill=gpo, level=4)
    with pytest.raises(ValidationError):
        self_assessment_reject(assessment=assessment, by=lead.user, comment=" ")
    self_assessment_reject(assessment=assessment, by=lead.user, comment="Pas encore vu sur des cas N2")
    assert cell(learner, gpo).declared_level == 0
    notification = Notification.objects.get(recipient=learner.user, kind="skills.self_assessment.rejected")
    assert "Pas encore vu" in notification.body


def test_a_new_self_assessment_replaces_the_pending_one(learner, gpo):
    first = self_assessment_submit(staff=learner, skill=gpo, level=4)
    self_assessment_submit(staff=learner, skill=gpo, level=2)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert SelfAssessment.objects.filter(status="pending").count() == 1
    assert cell(learner, gpo).declared_level == 2


def test_a_lead_records_a_level_with_a_validity_and_it_is_audited(learner, lead, gpo):
    until = timezone.now() + timedelta(days=365)
    manager_evidence_record(staff=learner, skill=gpo, level=2, by=lead.user, valid_until=until, note="Vu en astreinte")
    assert cell(learner, gpo).valid_until == until
    entry = AuditEntry.objects.get(action="skills.evidence.record")
    assert entry.actor == lead.user and entry.reason == "Vu en astreinte"


def test_gap_analysis_for_a_team_uses_each_persons_role_profile(learner, lead, gpo):
    from skills.models import RoleAssignment, RoleProfile, RoleRequirement
    from skills.selectors import gaps_for_team, team_gap_summary

    vpn = SkillFactory(code="NET.VPN")
    n1 = RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="N1")
    RoleRequirement.objects.create(role_profile=n1, skill=gpo, min_level=2)
    network = RoleProfile.objects.create(name="Administrateur N2 réseau", profile="administrator", tier="N2")
    RoleRequirement.objects.create(role_profile=network, skill=vpn, min_level=3)
    RoleAssignment.objects.create(staff=lead, role_profile=network)
    evidence_record(staff=learner, skill=gpo, level=2, source="exam")
    evidence_record(staff=lead, skill=vpn, level=2, source="exam")
    gaps = gaps_for_team(staff_list=[learner, lead])
    assert [(g.skill.code, g.met) for g in gaps[learner.id]] == [("AD.GPO", True)]
    assert [(g.skill.code, g.missing) for g in gaps[lead.id]] == [("NET.VPN", 1)]
    summary = team_gap_summary(staff_list=[learner, lead])
    assert (summary[0]["skill"].code, summary[0]["short"]) == ("NET.VPN", 1)


def test_the_expiry_task_drops_an_expired_source_even_when_the_level_holds(learner, gpo):
    """A certification expires while a course keeps the same level: the level does not drop, but
    the cell must stop citing the certification (routers read `sources`)."""
    until = timezone.now() + timedelta(days=30)
    evidence_record(staff=learner, skill=gpo, level=3, source="certification", valid_until=until)
    evidence_record(staff=learner, skill=gpo, level=3, source="course")
    assert sorted(cell(learner, gpo).sources) == ["certification", "course"]
    assert cell(learner, gpo).valid_until is None
    changes = SkillChange.objects.count()
    cells_expire(now=until)
    assert (cell(learner, gpo).level, cell(learner, gpo).sources) == (3, ["course"])
    assert SkillChange.objects.count() == changes  # the level did not change: nothing to log
    cells_expire(now=until + timedelta(hours=1))  # nothing left to do, and nothing breaks
    assert cell(learner, gpo).sources == ["course"]


def test_role_profiles_an_assignment_wins_even_across_profiles_and_generic_profiles_match_first(learner, outsider):
    """Léa (technician N1) is assigned an architect's profile; Olivier (technician N1) gets the
    generic technician profile (no domain) before a domain one, inactive profiles never."""
    from skills.models import RoleAssignment, RoleProfile
    from skills.selectors import role_profile_for, role_profiles_for
    from tests.factories import DomainFactory

    architect = RoleProfile.objects.create(name="Architecte", profile="architect", tier="N3")
    RoleProfile.objects.create(name="A technicien réseau", profile="technician", tier="N1",
                               domain=DomainFactory(code="NET"))
    generic = RoleProfile.objects.create(name="Technicien N1", profile="technician", tier="")
    RoleProfile.objects.create(name="0 ancien technicien", profile="technician", tier="N1", active=False)
    RoleAssignment.objects.create(staff=learner, role_profile=architect)
    assert role_profiles_for([learner, outsider]) == {learner.id: architect, outsider.id: generic}
    assert role_profile_for(outsider) == generic


def test_each_person_gets_her_profiles_requirements_and_only_those_in_three_queries(learner, gpo,
                                                                                    django_assert_num_queries):
    from skills.models import RoleProfile, RoleRequirement
    from skills.selectors import role_profiles_for

    vpn, dns = SkillFactory(code="NET.VPN"), SkillFactory(code="NET.DNS")
    for tier, skill in (("N1", gpo), ("N2", vpn), ("N3", dns)):
        profile = RoleProfile.objects.create(name=f"Technicien {tier}", profile="technician", tier=tier)
        RoleRequirement.objects.create(role_profile=profile, skill=skill, min_level=2)
    colleague = StaffFactory(profile="technician", tier="N2")
    with django_assert_num_queries(3):  # assignments, the candidate profiles, the chosen ones' requirements
        profiles = role_profiles_for([learner, colleague])
        codes = {staff_id: [r.skill.code for r in p.requirements.all()] for staff_id, p in profiles.items()}
    assert codes == {learner.id: ["AD.GPO"], colleague.id: ["NET.VPN"]}
