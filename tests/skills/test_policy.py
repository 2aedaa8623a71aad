"""The level policy (DESIGN.md) on random evidence histories: cells always equal the policy
evaluated now; `t == valid_until` is expired; revocation; `self` never qualifies."""
from datetime import datetime, timedelta, timezone as dt_timezone
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.models import SkillChange, SkillLevel
from skills.policy import evaluate, next_change, qualified_until
from skills.selectors import effective_level
from skills.services import cells_expire, evidence_record, evidence_revoke
from tests.factories import SkillFactory, StaffFactory

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=dt_timezone.utc)
SOURCES = ["course", "exam", "certification", "manager", "import", "practice", "self"]


def ev(level, source="exam", observed=0, until=None, revoked=None):
    return SimpleNamespace(
        level=level, source=source, observed_at=T0 + timedelta(hours=observed),
        valid_until=None if until is None else T0 + timedelta(hours=until),
        revoked_at=None if revoked is None else T0 + timedelta(hours=revoked))


def reference_level(evidences, at):
    """The policy written as plainly as possible, to compare with skills.policy."""
    levels = [e.level for e in evidences
              if e.source != "self" and e.observed_at <= at
              and (e.revoked_at is None or at < e.revoked_at)
              and (e.valid_until is None or at < e.valid_until)]
    return max(levels, default=0)


def reference_declared(evidences, at):
    return max((e.level for e in evidences if e.source == "self" and e.observed_at <= at
                and (e.revoked_at is None or at < e.revoked_at)
                and (e.valid_until is None or at < e.valid_until)), default=0)


def test_an_evidence_counts_until_the_instant_before_valid_until():
    e = ev(3, until=10)
    assert evaluate([e], T0 + timedelta(hours=10) - timedelta(microseconds=1)).level == 3
    assert evaluate([e], T0 + timedelta(hours=10)).level == 0


def test_an_evidence_counts_from_the_instant_it_was_observed():
    e = ev(2, observed=5)
    assert evaluate([e], T0 + timedelta(hours=5) - timedelta(microseconds=1)).level == 0
    assert evaluate([e], T0 + timedelta(hours=5)).level == 2


def test_a_revoked_evidence_stops_counting_at_revocation():
    e = ev(4, revoked=3)
    assert evaluate([e], T0 + timedelta(hours=2)).level == 4
    assert evaluate([e], T0 + timedelta(hours=3)).level == 0


def test_self_assessment_is_declared_but_never_qualifies():
    result = evaluate([ev(4, "self"), ev(1, "course")], T0 + timedelta(hours=1))
    assert result.level == 1
    assert result.declared_level == 4


def test_the_drop_instant_is_the_last_expiry_among_evidences_at_the_top_level():
    result = evaluate([ev(3, until=10), ev(3, until=20), ev(2)], T0 + timedelta(hours=1))
    assert result.level == 3 and result.valid_until == T0 + timedelta(hours=20)
    assert evaluate([ev(3, until=10), ev(3)], T0).valid_until is None


evidence_strategy = st.builds(
    lambda level, source, observed, duration, revoked: ev(
        level, source, observed, None if duration is None else observed + duration,
        None if revoked is None else observed + revoked),
    level=st.integers(0, 4), source=st.sampled_from(SOURCES), observed=st.integers(-50, 50),
    duration=st.one_of(st.none(), st.integers(1, 60)), revoked=st.one_of(st.none(), st.integers(0, 60)),
)


@given(st.lists(evidence_strategy, max_size=12), st.integers(-60, 120))
def test_the_policy_matches_its_definition_at_any_instant(evidences, hour):
    at = T0 + timedelta(hours=hour)
    result = evaluate(evidences, at)
    assert result.level == reference_level(evidences, at)
    if result.level and result.valid_until is not None and all(e.observed_at <= at for e in evidences):
        # (Evidences are never observed in the future of the instant the cell is computed at.)
        # Just before the drop instant the level still holds; at it, it has dropped.
        assert reference_level(evidences, result.valid_until - timedelta(microseconds=1)) >= result.level
        assert reference_level(evidences, result.valid_until) < result.level
    assert result.declared_level == reference_declared(evidences, at)
    if result.declared_until is not None and all(e.observed_at <= at for e in evidences):
        assert reference_declared(evidences, result.declared_until - timedelta(microseconds=1)) >= result.declared_level
        assert reference_declared(evidences, result.declared_until) < result.declared_level


def boundaries(evidences):
    """Every instant at which an evidence may start or stop counting, and a microsecond either side."""
    tick = timedelta(microseconds=1)
    return sorted({x + d for e in evidences for x in (e.observed_at, e.valid_until, e.revoked_at) if x is not None
                   for d in (-tick, 0 * tick, tick)})


@given(st.lists(evidence_strategy, max_size=12), st.data())
def test_qualified_until_is_the_first_instant_the_level_falls_below_the_minimum(evidences, data):
    """At an exact boundary or anywhere: with what is known at `at` (evidences observed later are
    what "nothing new is recorded" leaves out), the level holds at least `min_level` at every
    instant before qualified_until and falls below it there; None when it never falls."""
    candidates = boundaries(evidences)
    at = data.draw(st.sampled_from(candidates) if candidates and data.draw(st.booleans())
                   else st.builds(lambda h: T0 + timedelta(hours=h), st.integers(-60, 120)))
    min_level = data.draw(st.integers(1, 4))
    known = [e for e in evidences if e.observed_at <= at]
    until = qualified_until(evidences, at, min_level)
    assert until == qualified_until(known, at, min_level)
    if reference_level(known, at) < min_level:
        return
    later = [t for t in candidates if t > at]
    if until is None:
        assert all(reference_level(known, t) >= min_level for t in later)
    else:
        assert until > at
        assert all(reference_level(known, t) >= min_level for t in later if t < until)
        assert reference_level(known, until) < min_level


@given(st.lists(evidence_strategy, max_size=12), st.data())
def test_nothing_changes_before_next_change(evidences, data):
    """From `at` up to next_change (excluded), the evaluation is the same at every instant,
    exact boundaries included: level, drop instant, sources, declared level."""
    candidates = boundaries(evidences)
    at = data.draw(st.sampled_from(candidates) if candidates and data.draw(st.booleans())
                   else st.builds(lambda h: T0 + timedelta(hours=h), st.integers(-60, 120)))
    change = next_change(evidences, at)

    def seen(t):
        result = evaluate(evidences, t)
        return result.level, result.valid_until, result.sources, result.declared_level, result.declared_until

    assert change is None or change > at
    assert all(seen(t) == seen(at) for t in candidates if t > at and (change is None or t < change))
    if change is None:
        assert all(seen(t) == seen(at) for t in candidates if t > at)


# --- Against the database: cells always equal the policy evaluated now -----------------------

action_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, 1), st.integers(0, 4), st.sampled_from(SOURCES),
                  st.one_of(st.none(), st.integers(1, 72)), st.integers(0, 30)),
        st.tuples(st.just("revoke"), st.integers(0, 50)),
        st.tuples(st.just("wait"), st.integers(1, 48)),
    ),
    min_size=1, max_size=14,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=action_strategy)
def test_cells_always_equal_the_policy_evaluated_now(actions):
    staff = StaffFactory()
    skills = [SkillFactory(), SkillFactory()]
    now = [T0]
    recorded = []
    with mock.patch("django.utils.timezone.now", side_effect=lambda: now[0]):
        for action in actions:
            if action[0] == "record":
                _kind, which, level, source, hours, ago = action
                recorded.append(evidence_record(
                    staff=staff, skill=skills[which], level=level, source=source,
                    observed_at=now[0] - timedelta(hours=ago),
                    valid_until=None if hours is None else now[0] + timedelta(hours=hours)))
            elif action[0] == "revoke" and recorded:
                evidence_revoke(evidence=recorded[action[1] % len(recorded)], reason="test")
            elif action[0] == "wait":
                now[0] += timedelta(hours=action[1])
                cells_expire(now=now[0])
            for skill in skills:
                expected = effective_level(staff=staff, skill=skill, at=now[0])
                cell = SkillLevel.objects.filter(staff=staff, skill=skill).first()
                assert (cell.level if cell else 0) == expected.level
                assert (cell.valid_until if cell else None) == expected.valid_until
                assert (cell.sources if cell else []) == expected.sources
                assert (cell.declared_level if cell else 0) == expected.declared_level
                assert (cell.declared_until if cell else None) == expected.declared_until
    seqs = list(SkillChange.objects.values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(st.tuples(st.integers(1, 4), st.sampled_from(SOURCES), st.integers(0, 100),
                                    st.one_of(st.none(), st.integers(1, 100))), min_size=1, max_size=8),
       probes=st.lists(st.integers(-10, 220), min_size=1, max_size=6))
def test_effective_level_at_any_instant_follows_the_policy(histories, probes):
    staff, skill = StaffFactory(), SkillFactory()
    now = T0 + timedelta(hours=100)
    plain = []
    with mock.patch("django.utils.timezone.now", return_value=now):
        for level, source, observed, duration in histories:
            observed_at = T0 + timedelta(hours=observed)
            valid_until = None if duration is None else now + timedelta(hours=duration)
            evidence_record(staff=staff, skill=skill, level=level, source=source, observed_at=observed_at,
                            valid_until=valid_until)
            plain.append(SimpleNamespace(level=level, source=source, observed_at=observed_at,
                                         valid_until=valid_until, revoked_at=None))
    for hour in probes:
        at = T0 + timedelta(hours=hour)
        assert effective_level(staff=staff, skill=skill, at=at).level == reference_level(plain, at)
