"""`qualified` on PostgreSQL reads its candidates and their levels from the bit sets of
routing_bridge.holders, kept up to date from the change log: the answers must be those of the
ranked SQL over the cells, whatever happened to the matrix since the sets were built."""
import random

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing_bridge import holders, selectors
from routing_bridge.holders import _bit_positions, holders_reset
from routing_bridge.selectors import Requirement as R
from routing_bridge.selectors import staff_qualified
from skills.models import Evidence, SkillLevel
from skills.services import evidence_record, evidence_revoke
from tests.factories import SkillFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bit sets serve PostgreSQL only")

CODES = ["AD.GPO", "NET.VPN", "M365.EXO"]


def person(employee_id, tier="N1"):
    return StaffFactory(employee_id=employee_id, tier=tier, user=UserFactory(username=employee_id.lower()))


def answer(**kwargs):
    result = staff_qualified(**kwargs)
    return result.total_qualified, [(c.employee_id, c.levels, c.optional_met, c.over_qualification, c.rank)
                                    for c in result.candidates]


def sql_answer(monkeypatch_settings, **kwargs):
    """The same question answered by the ranked SQL over the cells (bit sets off)."""
    monkeypatch_settings.BRIDGE_HOLDER_SETS = False
    try:
        return answer(**kwargs)
    finally:
        monkeypatch_settings.BRIDGE_HOLDER_SETS = True


@pytest.fixture
def skills(db):
    return {code: SkillFactory(code=code) for code in CODES}


@pytest.fixture
def sets_only(monkeypatch):
    """Fail if the ranked SQL over the cells answers: the bit sets must."""
    def refuse(*args, **kwargs):
        raise AssertionError("answered by the ranked SQL over the cells, not by the bit sets")
    monkeypatch.setattr(selectors, "_ranked_sql", refuse)


def test_bit_positions_lists_the_set_bits_in_order():
    rng = random.Random(7)
    for size in (0, 1, 63, 64, 65, 3000):
        wanted = sorted(rng.sample(range(70_000), size))
        assert _bit_positions(sum(1 << i for i in wanted)) == wanted


def test_the_sets_follow_each_new_evidence_and_revocation(skills, sets_only):
    holders_reset()
    a, b = person("A"), person("B", tier="N2")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=2, source="manager")
    assert answer(required=[R("AD.GPO", 2)]) == (1, [("A", {"AD.GPO": 2}, 0, 0, 1)])
    # Built: what follows reaches the sets through the change log.
    raised = evidence_record(staff=b, skill=skills["AD.GPO"], level=4, source="certification")
    evidence_record(staff=b, skill=skills["NET.VPN"], level=3, source="exam")
    assert answer(required=[R("AD.GPO", 3)], optional=[R("NET.VPN", 2)]) == (
        1, [("B", {"AD.GPO": 4, "NET.VPN": 3}, 1, 1, 1)])
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)])[1]] == ["A", "B"]
    evidence_revoke(evidence=raised, reason="erreur de saisie")
    assert answer(required=[R("AD.GPO", 2)]) == (1, [("A", {"AD.GPO": 2}, 0, 0, 1)])
    evidence_revoke(evidence=Evidence.objects.get(staff=a), reason="erreur")
    assert answer(required=[R("AD.GPO", 1)]) == (0, [])


def test_a_log_rolled_back_under_the_sets_makes_them_rebuild(skills, sets_only):
    holders_reset()
    a = person("A")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=1, source="manager")
    with transaction.atomic():
        b = person("B")
        evidence_record(staff=b, skill=skills["AD.GPO"], level=3, source="manager")
        evidence_record(staff=a, skill=skills["AD.GPO"], level=3, source="manager")
        assert answer(required=[R("AD.GPO", 3)])[0] == 2
        transaction.set_rollback(True)
    # The log is back where it was and then grows again with other rows under the same numbers.
    c = person("C")
    evidence_record(staff=c, skill=skills["NET.VPN"], level=2, source="manager")
    evidence_record(staff=c, skill=skills["AD.GPO"], level=3, source="manager")
    assert answer(required=[R("AD.GPO", 3)]) == (1, [("C", {"AD.GPO": 3}, 0, 0, 1)])


def test_a_bulk_write_beyond_the_catch_up_limit_rebuilds_the_sets(skills, sets_only, monkeypatch):
    holders_reset()
    people = [person(f"P{i}") for i in range(4)]
    evidence_record(staff=people[0], skill=skills["AD.GPO"], level=2, source="manager")
    assert answer(required=[R("AD.GPO", 2)])[0] == 1
    monkeypatch.setattr(holders, "MAX_CATCH_UP", 2)
    for p in people[1:]:
        evidence_record(staff=p, skill=skills["AD.GPO"], level=2, source="manager")
    assert answer(required=[R("AD.GPO", 2)])[0] == 4


def test_a_stale_cell_of_a_candidate_is_not_trusted(skills):
    """Its drop instant has passed and the sweep has not run: the ledger answers, without it."""
    from datetime import timedelta

    from django.utils import timezone

    holders_reset()
    a, b = person("A"), person("B")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=3, source="certification",
                    observed_at=timezone.now() - timedelta(hours=1), valid_until=timezone.now() + timedelta(hours=1))
    evidence_record(staff=b, skill=skills["AD.GPO"], level=2, source="manager")
    assert answer(required=[R("AD.GPO", 2)])[0] == 2
    # As if an hour had passed without the sweep.
    SkillLevel.objects.filter(staff=a).update(valid_until=timezone.now() - timedelta(seconds=1))
    Evidence.objects.filter(staff=a).update(valid_until=timezone.now() - timedelta(seconds=1))
    result = staff_qualified(required=[R("AD.GPO", 2)])
    assert (result.source, result.total_qualified, [c.employee_id for c in result.candidates]) == ("ledger", 1, ["B"])


def test_raw_writes_to_the_cells_are_seen_after_a_reset(skills, sets_only):
    holders_reset()
    a = person("A")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=1, source="manager")
    assert answer(required=[R("AD.GPO", 2)])[0] == 0
    SkillLevel.objects.filter(staff=a).update(level=3)  # a bulk load, bypassing skills.services
    holders_reset()
    assert answer(required=[R("AD.GPO", 2)]) == (1, [("A", {"AD.GPO": 3}, 0, 1, 1)])


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, 5), st.sampled_from(CODES), st.integers(1, 4),
                  st.sampled_from(["manager", "exam", "certification", "self"])),
        st.tuples(st.just("revoke"), st.integers(0, 30)),
        st.tuples(st.just("ask"), st.lists(st.tuples(st.sampled_from(CODES), st.integers(0, 4)), min_size=1,
                                           max_size=3, unique_by=lambda r: r[0]),
                  st.lists(st.sampled_from(["N1", "N2", "N3"]), unique=True), st.integers(1, 4)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=STEPS, split=st.integers(0, 3))
def test_the_sets_answer_as_the_sql_does_through_any_history(skills, settings, steps, split):
    """Random histories of evidences recorded and revoked, interleaved with questions: after each
    step the bit sets (kept up to date from the log, or rebuilt) answer as the ranked SQL."""
    with transaction.atomic():
        people = [person(f"E{i}", tier=["N1", "N2", "N3"][i % 3]) for i in range(6)]
        recorded = []
        for step in steps:
            if step[0] == "record":
                _kind, who, code, level, source = step
                recorded.append(evidence_record(staff=people[who], skill=skills[code], level=level, source=source))
            elif step[0] == "revoke":
                if recorded:
                    evidence_revoke(evidence=recorded[step[1] % len(recorded)], reason="test")
            else:
                _kind, asked, tiers, limit = step
                required = [R(code, level) for code, level in asked[: 1 + split % len(asked)]]
                optional = [R(code, level) for code, level in asked[1 + split % len(asked):]]
                kwargs = {"required": required, "optional": optional, "tiers": tiers or None, "limit": limit}
                assert answer(**kwargs) == sql_answer(settings, **kwargs)
        transaction.set_rollback(True)


def test_the_staff_copy_follows_tiers_deactivations_and_new_people(skills, sets_only):
    from academy.models import Staff

    holders_reset()
    a, b = person("A"), person("B", tier="N2")
    for p in (a, b):
        evidence_record(staff=p, skill=skills["AD.GPO"], level=2, source="manager")
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)])[1]] == ["A", "B"]
    Staff.objects.filter(pk=a.pk).update(tier="N3")
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)])[1]] == ["B", "A"]
    assert answer(required=[R("AD.GPO", 2)], tiers=["N3"])[1][0][0] == "A"
    Staff.objects.filter(pk=b.pk).update(active=False)
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)])[1]] == ["A"]
    c = person("C")
    evidence_record(staff=c, skill=skills["AD.GPO"], level=3, source="manager")
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)])[1]] == ["C", "A"]
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)], exclude=["C"])[1]] == ["A"]
    Staff.objects.filter(pk=c.pk).update(profile="architect")
    assert [c[0] for c in answer(required=[R("AD.GPO", 2)], profiles=["architect"])[1]] == ["C"]


def test_a_staff_change_rolled_back_is_forgotten(skills, sets_only):
    from academy.models import Staff

    holders_reset()
    a = person("A")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=2, source="manager")
    with transaction.atomic():
        Staff.objects.filter(pk=a.pk).update(active=False)
        assert answer(required=[R("AD.GPO", 2)])[0] == 0
        transaction.set_rollback(True)
    assert answer(required=[R("AD.GPO", 2)])[0] == 1


def test_the_group_at_the_limit_is_ordered_by_last_assignment_then_employee_id(skills, sets_only):
    from datetime import timedelta

    from django.utils import timezone

    from routing_bridge.models import TicketFeedback

    holders_reset()
    people = [person(f"E{i}") for i in (5, 3, 4, 1, 2)]
    for p in people:
        evidence_record(staff=p, skill=skills["AD.GPO"], level=2, source="manager")
    now = timezone.now()
    for p, days in ((people[1], 1), (people[2], 3)):  # E3 yesterday, E4 three days ago
        TicketFeedback.objects.create(ticket_id=f"T{p.pk}", category="Réseau", staff=p, outcome="resolved",
                                      occurred_at=now - timedelta(days=days))
    assert answer(required=[R("AD.GPO", 2)], limit=4)[1] == [
        ("E1", {"AD.GPO": 2}, 0, 0, 1), ("E2", {"AD.GPO": 2}, 0, 0, 2), ("E5", {"AD.GPO": 2}, 0, 0, 3),
        ("E4", {"AD.GPO": 2}, 0, 0, 4)]


def test_cells_reloaded_with_the_counter_set_by_hand_rebuild_the_sets(skills, sets_only):
    """A restore or a bulk load: the log emptied, the cells written directly, the change-log
    counter set to match them. No reset needed: the counter no longer matches the log."""
    from academy.models import Counter
    from skills.models import CHANGE_COUNTER, SkillChange

    holders_reset()
    a, b = person("A"), person("B")
    evidence_record(staff=a, skill=skills["AD.GPO"], level=2, source="manager")
    SkillChange.objects.all().delete()
    assert answer(required=[R("AD.GPO", 2)])[0] == 1  # built from the cells, the log empty
    SkillLevel.objects.filter(staff=a).delete()
    SkillLevel.objects.create(staff=b, skill=skills["AD.GPO"], level=3)
    Counter.objects.filter(name=CHANGE_COUNTER).update(value=1000)
    assert answer(required=[R("AD.GPO", 2)]) == (1, [("B", {"AD.GPO": 3}, 0, 1, 1)])
