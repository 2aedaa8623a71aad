"""A router keeps its own copy of the matrix: snapshot + change feed rebuild it exactly."""
from datetime import timedelta
from unittest import mock

from django.utils import timezone

from skills.models import SkillLevel
from skills.services import cells_expire, evidence_record, evidence_revoke
from tests.factories import SkillFactory, StaffFactory, UserFactory


def _server_matrix():
    return {(c.staff.employee_id, c.skill.code): c.level
            for c in SkillLevel.objects.select_related("staff", "skill") if c.level > 0}


def _snapshot(router):
    matrix, cursor, versions = {}, None, []
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = router.get("staff", params).json()
        versions.append(page["version"])
        for record in page["items"]:
            for skill in record["skills"]:
                matrix[(record["employee_id"], skill["code"])] = skill["level"]
        cursor = page["next"]
        if cursor is None:
            return matrix, min(versions)


def _apply_changes(router, matrix, since):
    while True:
        feed = router.get("changes", {"since": since, "limit": 3}).json()
        if not feed["items"]:
            return since
        for change in feed["items"]:
            key = (change["employee_id"], change["skill"])
            if change["new_level"] > 0:
                matrix[key] = change["new_level"]
            else:
                matrix.pop(key, None)
        since = feed["next_since"]


def test_a_snapshot_then_the_change_feed_rebuild_the_matrix_exactly(router):
    skills = [SkillFactory(code=c) for c in ("A.1", "A.2", "A.3")]
    people = [StaffFactory(employee_id=f"E{i}", user=UserFactory(username=f"u{i}")) for i in range(5)]
    evidence_record(staff=people[0], skill=skills[0], level=2, source="exam")
    expiring = evidence_record(staff=people[1], skill=skills[1], level=3, source="certification",
                               valid_until=timezone.now() + timedelta(hours=1))
    evidence_record(staff=people[2], skill=skills[2], level=1, source="course")

    copy, version = _snapshot(router)
    assert copy == _server_matrix()

    # The matrix moves on: new evidence, a revocation, an expiry applied by the sweep.
    wrong = evidence_record(staff=people[3], skill=skills[0], level=4, source="manager")
    evidence_record(staff=people[4], skill=skills[1], level=2, source="import")
    evidence_revoke(evidence=wrong, reason="saisie erronée")
    evidence_record(staff=people[1], skill=skills[1], level=1, source="course")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=2)):
        assert cells_expire() == 1
    del expiring

    _apply_changes(router, copy, version)
    assert copy == _server_matrix()
    assert copy[("E1", "A.2")] == 1


def test_the_change_feed_alone_from_zero_rebuilds_the_matrix(router):
    skill = SkillFactory(code="A.1")
    people = [StaffFactory(employee_id=f"E{i}", user=UserFactory(username=f"u{i}")) for i in range(3)]
    for i, p in enumerate(people):
        evidence_record(staff=p, skill=skill, level=i + 1, source="exam")
    copy = {}
    _apply_changes(router, copy, 0)
    assert copy == _server_matrix()
